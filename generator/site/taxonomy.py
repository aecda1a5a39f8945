"""Tag and source pages (docs/design.md §2): /tags/, /tags/TAG/, /sources/, /sources/SOURCE/.

A listing (one tag's or one publisher's articles) is one page grouped by month; past
YEAR_SPLIT articles it becomes a page of years plus one page per year, and a year past YEAR_SPLIT
articles likewise a page of its months plus one page per month. So no page holds more than a
month of the archive (a year of one big tag was an 8 MB page at 100,000 articles), and a year's
or a month's page only changes when its own articles change.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from generator.archive.tagging import tag_segments
from generator.models import Archive, Article
from generator.paths import (
    SOURCES,
    TAGS,
    listing_month_folder,
    listing_year_folder,
    page_file,
    source_folder,
)
from generator.site.planning import Page, PlanPage

YEAR_SPLIT = 300  # a listing (or a year of it) with more articles than this is split into years (months)

# One line of a listing: lang, capture time (ISO 8601), "MM-DD", link, title, publisher, the aggregator it came
# through ('' for none).
ListingRow = tuple[str, str, str, str, str, str, str]
MonthGroup = tuple[int, int, list[ListingRow]]  # (year, month, its articles' lines, newest first)
# Grouping keys, in C: listings group a million article entries at 100k.
_year_month = operator.attrgetter("captured.year", "captured.month")


@dataclass(frozen=True, slots=True)
class Counted:
    """A listing as an index page shows it: a link and a count. So its fingerprint covers what shows,
    not the listing's articles (the tag index alone handed over a million at 100,000 articles)."""

    path: str  # site-relative folder of the listing
    name: str  # its heading ("" where the template names it)
    count: int  # how many articles it holds
    kind: str = ""  # a tag's kind letter (entities.KIND_LETTERS, x: other); '' for others


@dataclass(frozen=True, slots=True)
class IndexedTag:
    """One tag as the tag index lists it under its kind and initial."""

    path: str  # site-relative folder of its listing
    name: str  # its name
    count: int  # how many articles it has
    key: str  # what the filter box matches: the name case-folded, its pinyin and the pinyin's initials


KIND_ORDER = "ploetx"  # people, places, organisations, events, topics, other: the tag index's sections
POPULAR = 40  # tags shown first on the tag index, most articles first
# A tag group: (kind letter, how many tags, [(initial, its anchor, its tags sorted by reading)]).
TagGroup = tuple[str, int, list[tuple[str, str, list[IndexedTag]]]]
_LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

def _minus_year(article: Article) -> int:
    """Sort key of articles newest first, by year: minus the year of capture."""
    return -article.captured.year


def _minus_month(article: Article) -> int:
    """Sort key of one year's articles newest first, by month: minus the month of capture."""
    return -article.captured.month


def source_paths(archive: Archive) -> dict[str, str]:
    """Archive → {outlet key: its listing's folder, sources/NAME/}, distinct and path-safe."""
    return {key: source_folder(segment) for key, segment in tag_segments(o.outlet.key for o in archive.outlets).items()}


def tag_paths(archive: Archive) -> dict[str, str]:
    """Archive → {tag name: its listing's folder} for the tags that have a page."""
    return {t.name: t.path for t in archive.tags}


def template_globals(archive: Archive) -> dict[str, Callable[..., Any]]:
    """Archive → template helpers: tag_links(names, linked_only) → [(name, path or '')], source_path(key)."""
    tags = tag_paths(archive)
    sources = source_paths(archive)

    def tag_links(names: Sequence[str], linked_only: bool = False) -> list[tuple[str, str]]:
        """Tag names → (name, page path or '' for a tag too rare for a page), linked ones only if asked."""
        return [(n, tags.get(n, "")) for n in names if tags.get(n) or not linked_only]

    return {"tag_links": tag_links, "source_path": lambda key: sources.get(key, "")}


def listing_months(articles: Sequence[Article], url: Callable[[str], str]) -> list[MonthGroup]:
    """Articles newest first + a page's url() → [(year, month, what each line shows)], newest month first.

    The values are looked up here, not in the template: Jinja's attribute lookups and calls took
    four times as long, and listings hold a million lines at 100,000 articles.
    """
    return [(y, m, [(a.lang, a.captured.isoformat(), f"{a.captured.month:02d}-{a.captured.day:02d}", url(a.path),
                     a.title, a.outlet.name, a.via.name if a.via else "") for a in group])
            for (y, m), group in itertools.groupby(articles, key=_year_month)]


def year_runs(articles: Sequence[Article]) -> list[tuple[int, int, int]]:
    """Articles, newest first → (year, start, end) of each year's run, newest year first."""
    return _runs(articles, 0, len(articles), _minus_year)


def month_runs(articles: Sequence[Article], start: int, end: int) -> list[tuple[int, int, int]]:
    """Articles, newest first + the bounds of one year's run → (month, start, end) of each of its
    months' runs, newest month first."""
    return _runs(articles, start, end, _minus_month)


def _runs(articles: Sequence[Article], start: int, end: int, minus: Callable[[Article], int],
          ) -> list[tuple[int, int, int]]:
    """Articles + bounds + a sort key that does not decrease over them → (minus the key, start, end) of each run
    of one key.

    By bisection, so only a few articles are looked at: listings hold a million entries at 100k.
    """
    runs = []
    while start < end:
        key = minus(articles[start])
        stop = bisect.bisect_right(articles, key, lo=start, hi=end, key=minus)
        runs.append((-key, start, stop))
        start = stop
    return runs


def _listing_page(page: PlanPage, path: str, articles: Sequence[Article], **values: Any) -> Page:
    """One page of a listing: its folder path, its articles newest first, and the template's other values.

    Fingerprinted by the articles as they come; grouped by month only when rendered.
    """
    return page("listing.html", page_file(path), path,
                         lazy={"months": functools.partial(listing_months, articles)}, listed=articles, **values)


def listing_pages(plan_page: PlanPage, path: str, title: str, articles: Sequence[Article],
                  **values: Any) -> Iterator[Page]:
    """One listing (folder path, heading, articles newest first) → its page; past YEAR_SPLIT articles,
    a page of the newest ones plus one page per year (and a year past YEAR_SPLIT, one per month)."""
    # What every page of the listing shows alike; each call adds its folder, articles and navigation.
    page = functools.partial(_listing_page, plan_page, title=title, base=path, **values)
    if len(articles) <= YEAR_SPLIT:
        yield page(path, articles, count=len(articles), years=[], year=None, year_months=[], month=None)
        return
    runs = year_runs(articles)
    # The main page shows the newest YEAR_SPLIT articles, so the newest are one click from anywhere,
    # and the count of every year. A year page shows its own articles and count and links the other
    # years without counts, so a new article does not re-render every year page of its tags. A year
    # too big for one page is split the same way, into months.
    years = [(year, end - start) for year, start, end in runs]
    yield page(path, articles[:YEAR_SPLIT], count=len(articles), years=years, year=None, year_months=[], month=None)
    links = [(year, None) for year, _, _ in runs]
    for year, start, end in runs:
        folder = listing_year_folder(path, year)
        if end - start <= YEAR_SPLIT:
            yield page(folder, articles[start:end], count=end - start, years=links, year=year, year_months=[],
                       month=None)
            continue
        months = month_runs(articles, start, end)
        counts = [(month, stop - first) for month, first, stop in months]
        yield page(folder, articles[start:start + YEAR_SPLIT], count=end - start, years=links, year=year,
                   year_months=counts, month=None)
        month_links = [(month, None) for month, _, _ in months]
        for month, first, stop in months:
            yield page(listing_month_folder(folder, month), articles[first:stop], count=stop - first, years=links,
                       year=year, year_months=month_links, month=month)


def _reading(name: str) -> list[str]:
    """A tag name → how it reads, a syllable or word a piece: Chinese in pinyin without tones (习近平 → xi jin
    ping), other text split at spaces, lower case."""
    if not any("\u3400" <= ch <= "\u9fff" for ch in name):
        return name.casefold().split()
    from pypinyin import lazy_pinyin  # a second at import: only the tag index needs it, when it renders

    return [part.casefold() for part in lazy_pinyin(name) if part.strip()]


def tag_groups(tags: Sequence[Counted], _url: Callable[[str], str] | None = None) -> list[TagGroup]:
    """The tags that have a page (path, name, count, kind) → the tag index's sections: one per kind, in
    KIND_ORDER, each by initial (A–Z, pinyin for Chinese; # for the rest), each initial's tags by reading."""
    by_kind: dict[str, dict[str, list[tuple[list[str], IndexedTag]]]] = {}
    for tag in tags:
        reading = _reading(tag.name)
        first = (reading[0][:1] if reading else "").upper()
        initial = first if first in _LATIN else "#"
        key = " ".join([tag.name.casefold(), "".join(reading), "".join(word[:1] for word in reading)])
        kind = tag.kind if tag.kind and tag.kind in KIND_ORDER else "x"
        by_kind.setdefault(kind, {}).setdefault(initial, []).append(
            (reading, IndexedTag(tag.path, tag.name, tag.count, key)))
    groups = []
    for kind in KIND_ORDER:
        initials = by_kind.get(kind, {})
        sections = [(initial, f"{kind}-{initial if initial != '#' else '0'}",
                     [entry for _, entry in sorted(initials[initial], key=lambda item: (item[0], item[1].name))])
                    for initial in sorted(initials, key=lambda i: (i == "#", i))]
        if sections:
            groups.append((kind, sum(len(entries) for _, _, entries in sections), sections))
    return groups


def index_pages(archive: Archive, page: PlanPage) -> Iterator[Page]:
    """/tags/ with every tag that has a page (the most used first, then by kind and initial), /sources/ with
    every publisher (their listings are listing_groups)."""
    tags = [Counted(tag.path, tag.name, len(tag.articles), tag.kind) for tag in archive.tags]
    yield page("tags.html", page_file(TAGS), TAGS, lazy={"groups": functools.partial(tag_groups, tags)},
               tags=tags, popular=tags[:POPULAR] if len(tags) > POPULAR else [])
    paths = source_paths(archive)
    yield page("sources.html", page_file(SOURCES), SOURCES,
                        sources=[Counted(paths[index.outlet.key], index.outlet.name, len(index.articles))
                                 for index in archive.outlets])


def listings(archive: Archive) -> list[tuple[str, str, tuple[Article, ...], str]]:
    """Archive → (folder, name, articles newest first, kind) of every tag's and publisher's listing."""
    paths = source_paths(archive)
    return ([(tag.path, tag.name, tag.articles, "tag") for tag in archive.tags]
            + [(paths[index.outlet.key], index.outlet.name, index.articles, "source") for index in archive.outlets])


def sitemap_entries(archive: Archive) -> list[tuple[str, Any]]:
    """Archive → (path, last change) of the tag and source pages, for the sitemap."""
    entries: list[tuple[str, Any]] = [(TAGS, None), (SOURCES, None)]
    entries += [(t.path, t.articles[0].captured) for t in archive.tags]
    paths = source_paths(archive)
    entries += [(paths[o.outlet.key], o.articles[0].captured) for o in archive.outlets]
    return entries
