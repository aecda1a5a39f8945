"""Enrich stage: RawArticle + CleanBody + Config → Article (dates, slug, publisher, language, identity)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from generator.article.cleaner import clean_body
from generator.article.dates import DateFound, recover_date
from generator.article.identity import entry_id, normalize_url, story_key
from generator.article.outlets import directory
from generator.article.posts import render_markdown
from generator.article.publishers import attribute
from generator.article.reader import parse_article
from generator.article.slugs import readable_slug
from generator.article.tags import extract_candidates
from generator.article.words import search_words
from generator.config import Config
from generator.errors import ArticleError
from generator.models import Article, CleanBody, Content, Outcome, Problem, Processed, RawArticle, Skipped
from generator.paths import article_folder
from generator.text import short_hash, strip_illegal

# Characters common in one script and written differently in the other; enough to tell a
# Traditional text from a Simplified one without a dictionary.
_TRADITIONAL = set("們這個來說為國時會對於與發經過還點開關東車長門見現問題將總統華義韓蘭島區")
_SIMPLIFIED = set("们这个来说为国时会对于与发经过还点开关东车长门见现问题将总统华义韩兰岛区")
UNTITLED = "（无标题）"


# Counted in C without a Python object per character (regular expressions' findall made one for
# each of ~3,000, half a millisecond an article): Han characters by the high byte of their UTF-16
# code unit (U+4E00–U+9FFF is 0x4E–0x9F; characters beyond the BMP are surrogates, 0xD8–0xDF),
# Latin letters among the ASCII characters, and the characters of each script one by one.
_HAN_HIGH_BYTES = bytes(range(0x4E, 0xA0))
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _count_bytes(data: bytes, wanted: bytes) -> int:
    """Bytes + the byte values wanted → how many of the bytes are wanted ones."""
    return len(data) - len(data.translate(None, wanted))


def script_counts(text: str) -> tuple[int, int, int, int]:
    """Text → how many Han characters (U+4E00–U+9FFF), ASCII letters, and characters of the
    Traditional and of the Simplified list it holds."""
    han = _count_bytes(text.encode("utf-16-be", "surrogatepass")[0::2], _HAN_HIGH_BYTES)
    latin = _count_bytes(text.encode("ascii", "ignore"), _ASCII_LETTERS)
    return han, latin, sum(map(text.count, _TRADITIONAL)), sum(map(text.count, _SIMPLIFIED))


def detect_language(text: str) -> str:
    """Plain text → "en", "zh-Hant" or "zh-Hans" by counting scripts in its first 3,000 characters."""
    han, latin, traditional, simplified = script_counts(text[:3000])
    if han * 4 < latin:
        return "en"
    return "zh-Hant" if traditional > simplified else "zh-Hans"


def _localize(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A datetime (naive = already local) → the same moment in the site's timezone."""
    if moment is None:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _title(raw: RawArticle, body: CleanBody) -> str:
    """The title to show: the captured one, else the opening words of the text."""
    title = " ".join(strip_illegal(raw.title).split())
    if title:
        return title
    opening = body.summary[:40].rstrip("…")
    return opening + "…" if opening else UNTITLED


def _same_or(identity: str, story: str) -> str:
    """An identity + a story key → the identity object itself when they are equal (most are): one string in
    memory, and in the cache, instead of two."""
    return identity if story == identity else story


def _dated(raw: RawArticle, zone: ZoneInfo) -> tuple[DateFound | None, list[Problem]]:
    """A read article + the site's zone → the date it is filed under (None when it has none), and the warning
    that goes with it when its capture time was missing or broken."""
    captured = None if raw.captured_ms is None else datetime.fromtimestamp(raw.captured_ms / 1000, tz=UTC)
    found = recover_date(captured, raw.posted, raw.source_file, raw.url, raw.body_html, raw.modified)
    if found is None or not (raw.capture_text or found.source == "file time"):
        return found, []
    when = f"{_localize(found.moment, zone):%Y-%m-%d %H:%M}"
    if found.source == "file time":
        missing = raw.capture_text or "the file has no capture time"
        return found, [Problem(raw.source_file, raw.capture_line, f"{missing}, and no other date was found; the "
                               f"article is dated {when} from the file's modification time", _DATE_HINT,
                               "warning")]
    return found, [Problem(raw.source_file, raw.capture_line, f"{raw.capture_text}; the article is dated {when} "
                           f"from its {found.source}", "write the capture time in epoch milliseconds, e.g. "
                           "<!--1717807142000-->, or nothing to do if that date is right", "warning")]


_DATE_HINT = ("write the capture time in epoch milliseconds on the first line, e.g. <!--1717807142000-->, "
              "or start the file name with the date (2024-06-08-title.md)")


def undated(raw: RawArticle) -> Problem:
    """A read article that holds no date anywhere, and whose file's time is not known → the Problem that skips it
    (a build always knows the file's time: this is for the per-article work called on bytes alone)."""
    return Problem(raw.source_file, raw.capture_line or 1,
                   f"{raw.capture_text or 'the file has no capture time'}, and no other date was found (no front "
                   "matter date, no date in the file name, the URL, the image addresses or the text)", _DATE_HINT)


def enrich(raw: RawArticle, body: CleanBody, config: Config, content_key: str = "",
           ) -> tuple[Article, Content, tuple[Problem, ...]]:
    """One read and cleaned article + config (+ its content-store key) → (Article, its Content, warnings);
    raises ArticleError when it holds no date, or neither a title nor any text."""
    zone = config.zone
    if not raw.title.strip() and not body.text and body.lead_image is None:
        raise ArticleError(Problem(raw.source_file, raw.body_line, "the file has neither a title nor any text",
                                   "capture the article again, or delete the file"))
    found, warnings = _dated(raw, zone)
    if found is None:
        raise ArticleError(undated(raw))
    warnings = [*raw.warnings, *warnings]
    title = _title(raw, body)
    if not raw.title.strip():
        warnings.append(Problem(raw.source_file, raw.body_line - 2 if raw.body_line > 2 else 2,
                                f"the title is empty; showing {title!r} instead",
                                "write the title between the square brackets, or as title: in the front matter",
                                "warning"))
    if not body.text and body.lead_image is None:
        warnings.append(Problem(raw.source_file, raw.body_line, "the article body is empty",
                                "capture the article again if its text is missing", "warning"))
    captured = _localize(found.moment, zone)
    assert captured is not None
    captured_ms = raw.captured_ms if raw.captured_ms is not None else int(captured.timestamp() * 1000)
    written = raw.url_as_written or raw.url
    identity = normalize_url(written) if written else f"title:{short_hash(title, 16)}:{captured_ms}"
    slug = readable_slug(written, title, raw.url)
    lang = detect_language(body.text or title)
    published_by = attribute(raw.url, directory(config.sources, config.language), config.language, raw.categories,
                             raw.tags, body.author or raw.author, raw.body_html, body.text)
    # A copy whose capture names its original's URL is a capture of that story: merged with the original's own.
    story = story_key(published_by.original_url) if published_by.original_url else (
        _same_or(identity, story_key(raw.url)) if raw.url else identity)
    # The publisher, the site that carried it and the post's categories name no tag of it (tags.extract_candidates).
    carrier = published_by.via
    outlet_names = (published_by.outlet.name, published_by.outlet.key,
                    *((carrier.name, carrier.key) if carrier else ()), *raw.categories)
    article = Article(
        source_file=raw.source_file,
        url=raw.url,
        identity=identity,
        entry_id=entry_id(identity),
        title=title,
        captured=captured,
        published=_localize(body.published, zone),
        slug=slug,
        path=article_folder(captured, slug),
        outlet=published_by.outlet,
        author=published_by.author,
        lang=lang,
        summary=body.summary,
        lead_image=body.lead_image,
        content_key=content_key,
        story=story,
        text_length=len(body.text),
        date_source=found.source,
        tag_candidates=extract_candidates(title, body.text, lang, config.tags, listed=raw.tags, outlet=outlet_names),
        via=published_by.via,
    )
    # What the search index reads of the article: its page shows these above and in its body.
    via = published_by.via.name if published_by.via else ""
    searched = search_words("\n".join((title, article.outlet.name, via, article.author, body.text)))
    return article, Content(html=body.html, markdown=body.markdown, search_text=searched), tuple(warnings)


def process(raw: RawArticle, config: Config, content_key: str = "",
            ) -> tuple[Article, Content, tuple[Problem, ...]]:
    """The per-article work in one call (clean + enrich): RawArticle → (Article, Content, warnings); raises
    ArticleError for an article that cannot be filed (no date, or neither title nor text).

    This is the unit that caching and parallel builds work on. It reads only the config fields
    in generator.cache.store.ARTICLE_CONFIG_FIELDS, which are part of every cache key.
    """
    body_html = render_markdown(raw.body_html) if raw.body_format == "markdown" else raw.body_html
    return enrich(raw, clean_body(body_html, raw.url), config, content_key)


def unprocessable(name: str, line: int, exc: Exception) -> Problem:
    """A file that crashed the per-article work + the exception → the Problem that skips it."""
    return Problem(name, line,
                   f"the article could not be processed ({type(exc).__name__}: {str(exc)[:200]})",
                   "this is a bug in newsarchive, not in the file: please report it with the file attached; "
                   "the rest of the archive was built")


def process_file(name: str, data: bytes, key: str, config: Config,
                 modified: datetime | None = None) -> tuple[Outcome, Content | None]:
    """One file's name + bytes + cache key + config (+ its modification time, the last date there is for an
    article that carries none) → (its outcome, its Content or None): never raises."""
    try:
        raw = parse_article(name, data)
    except ArticleError as exc:
        return Skipped(exc.problem), None
    if modified is not None:
        raw = dataclasses.replace(raw, modified=modified)
    try:
        article, content, warnings = process(raw, config, key)
    except ArticleError as exc:
        return Skipped(exc.problem), None
    except Exception as exc:  # one article must never stop the build: report it and go on
        return Skipped(unprocessable(name, raw.body_line, exc)), None
    return Processed(article, warnings), content
