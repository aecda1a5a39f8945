"""The data that flows between pipeline stages: frozen, typed, no behaviour beyond formatting."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from generator.paths import month_folder, tag_folder

Severity = Literal["error", "warning"]


@dataclass(frozen=True)  # no slots: unpickling from the cache is several times faster
class Problem:
    """One thing wrong with one input file, phrased for the person who has to fix it."""

    file: str  # path of the input file, relative to the archive folder
    line: int  # 1-based line the problem is on; 0 when it concerns the whole file
    message: str  # what is wrong, quoting what was found
    hint: str  # how to fix it
    severity: Severity = "error"  # "error": the file is skipped; "warning": it is still built

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message}. Fix: {self.hint}"


@dataclass(frozen=True, slots=True)
class RawArticle:
    """An article file as read, before any HTML is touched."""

    source_file: str  # path relative to the archive folder, with / separators
    captured_ms: int | None  # capture time of the seed header, epoch ms, UTC; None when missing or broken
    title: str  # the title: the front matter's (entities unescaped), else the [title](url) line's as written
    url: str  # original article URL, escaped once ('' when the file has none)
    body_html: str  # raw, untrusted body: HTML, or Markdown when body_format says so
    body_line: int  # line number where the body starts, for messages
    encoding: str  # the encoding the file was decoded with (utf-8, gb18030, big5, …)
    posted: datetime | None = None  # the front matter's date (naive = site timezone); None when absent or bad
    author: str = ""  # the front matter's author ('' when none)
    body_format: Literal["html", "markdown"] = "html"  # markdown: a .md post whose body holds no HTML block
    capture_text: str = ""  # the capture time as written, when it is not a valid one ('' otherwise), for messages
    capture_line: int = 0  # the line of the capture time (0 when the file has none)
    warnings: tuple[Problem, ...] = ()  # what reading found worth telling (front matter and header disagree, …)
    # The URL as written, when its escapes were escaped twice (urls.undouble); '' when it is `url`. Slugs and
    # feed ids are made from it, as before double escapes were undone, so they stay what they were.
    url_as_written: str = ""
    modified: datetime | None = None  # the file's modification time, when the caller knows it: the last date there is
    categories: tuple[str, ...] = ()  # the front matter's categories (in real archives: the outlet's name)
    tags: tuple[str, ...] = ()  # the front matter's tags


@dataclass(frozen=True)  # no slots: unpickling from the cache is several times faster
class Image:
    """An image worth showing outside the article body (lead image, OpenGraph)."""

    src: str  # absolute URL
    alt: str  # alt text carried over from the article ('' when there was none)
    caption: str  # plain-text caption ('' when there was none)


@dataclass(frozen=True, slots=True)
class CleanBody:
    """What the cleaner makes of one raw HTML body."""

    html: str  # sanitized HTML, safe to place in a page unescaped
    text: str  # plain text of the whole body, for search and tags
    summary: str  # the opening of the text, at most a few sentences
    markdown: str  # Markdown of the sanitized body
    lead_image: Image | None  # the picture that opens the article, if any
    author: str  # byline named in the HTML (e.g. NYT's <address>), '' if none
    published: datetime | None  # publication time stated in the body, if any (naive = local)


@dataclass(frozen=True, slots=True)
class Content:
    """The heavy part of an article, kept in the content store and loaded only to render its pages and
    index it for search."""

    html: str  # sanitized HTML body, safe to place in a page unescaped
    markdown: str  # Markdown of the sanitized body
    search_text: str  # title, publisher, author and text, Chinese split into words (generator.article.words)


@dataclass(frozen=True)  # no slots: unpickling from the cache is several times faster
class Outlet:
    """The publisher of an article (generator.article.publishers)."""

    key: str  # stable identifier its source folder is made from, e.g. "voachinese.com", "medium.com-@user"
    name: str  # display name, e.g. "美国之音", "hulitw · Medium"; may change without moving any URL


@dataclass(frozen=True)  # no slots: unpickling from the cache is several times faster
class TagCandidates:
    """An article's tag candidates, packed into two objects instead of a tuple per term, because
    the whole archive's candidates are in memory at once when tags are scored.

    Iterating gives (term, mentions, weight), sorted by term.
    """

    SEPARATOR = "\x1f"  # between terms; a term holding it is dropped when packing

    terms: str = ""  # the terms, sorted, joined by SEPARATOR
    numbers: bytes = b""  # mentions and weight of each term in turn: array("I") bytes, native order
    # Each term's kind, one letter a term in the same order (generator.article.entities.KIND_LETTERS: p person,
    # l place, o organisation, e event, t topic; x unknown); '' when none was given.
    kinds: str = ""
    listed: str = ""  # the tags the post lists itself (front matter), joined by SEPARATOR: always its tags, first

    @classmethod
    def pack(
        cls,
        candidates: Iterable[tuple[str, int, int]],
        kinds: Mapping[str, str] | None = None,
        listed: Iterable[str] = (),
    ) -> TagCandidates:
        """(term, mentions, weight) triples (+ {term: kind letter}, + the post's own tags) → packed, sorted by term."""
        kept = sorted(c for c in candidates if cls.SEPARATOR not in c[0] and c[0])
        numbers = array("I", [min(max(n, 0), 0xFFFFFFFF) for _, count, weight in kept for n in (count, weight)])
        letters = "".join((kinds or {}).get(term, "x")[:1] or "x" for term, _, _ in kept) if kinds else ""
        own = cls.SEPARATOR.join(tag for tag in listed if tag and cls.SEPARATOR not in tag)
        return cls(cls.SEPARATOR.join(term for term, _, _ in kept), numbers.tobytes(), letters, own)

    def listed_tags(self) -> list[str]:
        """→ the tags the post lists itself, in its order."""
        return self.listed.split(self.SEPARATOR) if self.listed else []

    def kind_of(self) -> dict[str, str]:
        """→ {term: its kind letter} (empty when the candidates carry no kinds)."""
        if not self.kinds or not self.terms:
            return {}
        return dict(zip(self.terms.split(self.SEPARATOR), self.kinds, strict=True))

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        if not self.terms:
            return iter(())
        numbers = array("I")
        numbers.frombytes(self.numbers)
        return zip(self.terms.split(self.SEPARATOR), numbers[0::2], numbers[1::2], strict=True)

    def __len__(self) -> int:
        return len(self.numbers) // (2 * array("I").itemsize)


@dataclass(frozen=True)  # no slots: unpickling from the cache is several times faster
class Article:
    """One article, ready to render."""

    source_file: str  # input file it came from, relative to the archive folder
    url: str  # original URL as captured ('' when unknown)
    identity: str  # normalized original URL (or title hash): what entry_id and moved slugs are made from
    entry_id: str  # feed entry id derived from identity: never changes across builds
    title: str  # display title (control characters removed)
    captured: datetime  # capture time (else the date recovered, see date_source), in the site's timezone;
    # for a story captured more than once, its latest capture
    published: datetime | None  # publication time from the body (for a story captured more than once, its
    # first capture when that is earlier), in the site's timezone
    slug: str  # [a-z0-9-]{1,80}, a function of the article alone
    path: str  # site-relative folder of the article page, e.g. "articles/2024/06/08/slug/"
    outlet: Outlet  # the publisher
    author: str  # byline, '' when unknown
    lang: str  # BCP 47 language of the text: "zh-Hans", "zh-Hant" or "en"
    summary: str  # the opening of the text, plain, for listings, feeds and meta tags
    lead_image: Image | None  # the picture that opens the article, if any
    # Key of the article's Content (HTML + Markdown) in the content store: a digest of the input
    # file, its name, the config and the generator code, so it changes whenever the page may.
    content_key: str
    story: str  # what every capture of the story shares (urls.story_key, or identity): duplicates are grouped by it
    text_length: int  # characters of plain text in the body: of two captures of a story, the fuller one is kept
    date_source: str  # where `captured` came from (article.dates.DateSource: "capture time", "front matter", …)
    tags: tuple[str, ...] = ()  # tags, best first (filled by the tagging stage)
    # Tag candidates found in this article alone; per-article work
    # (generator.article.tags.extract_candidates), scored across the archive later.
    tag_candidates: TagCandidates = TagCandidates()
    # For a story captured more than once: a digest of every capture (file, content key, capture time), which
    # the merged article's dates, path and body are a function of ('' otherwise). Part of its mark in
    # fingerprints (render.article_marks): its content key alone is the kept capture's, and a new capture
    # that changes only its dates must still re-render its pages.
    merged_from: str = ""
    # The aggregator the article was captured from, when it republished it from `outlet` (None otherwise): listed
    # under both, shown "via" it.
    via: Outlet | None = None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A capture that lost to another capture of the same story."""

    dropped: str  # input file that was dropped
    kept: str  # input file whose body was kept (the fullest capture; of equally full ones, the latest)
    identity: str  # the story they share (Article.story)
    dropped_captured: datetime | None = None  # when the dropped capture was made
    dropped_length: int = 0  # characters of text in the dropped capture
    kept_length: int = 0  # characters of text in the kept one
    kept_captured: datetime | None = None  # when the kept capture was made (the article's own date may be later)

    def __str__(self) -> str:
        return (
            f"{self.dropped}: duplicate of {self.kept} (same story: {self.identity}); "
            f"{self.kept} is used ({self.kept_length} characters of text, this capture has {self.dropped_length})"
        )


@dataclass(frozen=True, slots=True)
class Month:
    """All articles captured in one calendar month (site timezone), newest first."""

    year: int  # four-digit year
    month: int  # 1..12
    articles: tuple[Article, ...]  # newest first

    @property
    def path(self) -> str:
        """Site-relative folder of this month's page."""
        return month_folder(self.year, self.month)


@dataclass(frozen=True, slots=True)
class OutletIndex:
    """One publisher and its articles, newest first."""

    outlet: Outlet  # the publisher
    articles: tuple[Article, ...]  # newest first: its own, and those it republished for another publisher (via)
    republished: int = 0  # how many of the articles it republished (an aggregator's), listed under their own too


@dataclass(frozen=True, slots=True)
class TagIndex:
    """One tag that has its own page, and its articles, newest first."""

    name: str  # the tag as shown, e.g. "普京" or "Kim Jong Un"
    segment: str  # its folder name under tags/: path-safe, distinct from every other tag's
    articles: tuple[Article, ...]  # newest first
    kind: str = "x"  # p person, l place, o organisation, e event, t topic, x other (entities.KIND_LETTERS)

    @property
    def path(self) -> str:
        """Site-relative folder of this tag's page."""
        return tag_folder(self.segment)


@dataclass(frozen=True, slots=True)
class Archive:
    """The whole archive, complete before anything is rendered."""

    articles: tuple[Article, ...]  # every article, newest first
    months: tuple[Month, ...]  # newest month first
    outlets: tuple[OutletIndex, ...]  # publishers, most articles first
    duplicates: tuple[Duplicate, ...]  # captures merged into another
    problems: tuple[Problem, ...] = field(default=())  # every error and warning met while reading
    tags: tuple[TagIndex, ...] = field(default=())  # tags with a page, most articles first


@dataclass(frozen=True)
class Processed:
    """A file that became an article."""

    article: Article  # the article, without its body (that is in the content store)
    warnings: tuple[Problem, ...]  # things worth telling about it


@dataclass(frozen=True)
class Skipped:
    """A file that could not become an article."""

    problem: Problem  # why, where and how to fix it


Outcome = Processed | Skipped
