"""Every path and URL of the site, in one place: where each page and feed lives, path-safe names, and the
links between pages (relative, so the site works from any sub-path and from file://; absolute only
where a feed, sitemap or canonical link needs one).

Paths here are site-relative: a folder ends in "/" ("archive/2024/06/"), a file does not.
"""

from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote

from generator.text import short_hash

PAGE = "index.html"  # the file of a folder's page
MARKDOWN_COPY = "index.md"  # an article's Markdown copy, beside its page
FEED = "feed.xml"  # a listing's Atom feed, in its folder; at the root, the main feed
ARCHIVE = "archive/"  # years and months
TAGS = "tags/"  # the tag index; each tag's listing below it
SOURCES = "sources/"  # the publisher index; each publisher's listing below it
SEARCH = "search/"  # the search page
SEARCH_BUNDLE = "pagefind"  # folder of the search index's shards
STATIC = "static/"  # stylesheet, scripts, icons
NOT_FOUND = "404.html"
ROBOTS = "robots.txt"
SITEMAP = "sitemap.xml"


def article_folder(captured: datetime, slug: str) -> str:
    """An article's capture time (site timezone) + slug → the folder of its page."""
    return f"articles/{captured:%Y/%m/%d}/{slug}/"


def moved_article_folder(folder: str, slug: str) -> str:
    """An article's folder + another slug → the folder of that slug on the same day."""
    return f"{day_folder(folder)}{slug}/"


def day_folder(article: str) -> str:
    """An article's folder → the folder of its day's article pages, e.g. "articles/2024/06/08/"."""
    return article.rsplit("/", 2)[0] + "/"


def month_folder(year: int, month: int) -> str:
    """A month → the folder of its page in the archive."""
    return f"{ARCHIVE}{year:04d}/{month:02d}/"


def month_articles_folder(year: int, month: int) -> str:
    """A month → the folder its article pages are in, e.g. "articles/2024/06/"."""
    return f"articles/{year:04d}/{month:02d}/"


def tag_folder(segment: str) -> str:
    """A tag's path-safe segment → its listing's folder."""
    return f"{TAGS}{segment}/"


def source_folder(segment: str) -> str:
    """A publisher's path-safe segment → its listing's folder."""
    return f"{SOURCES}{segment}/"


def listing_year_folder(listing: str, year: int) -> str:
    """A listing's folder + a year → the folder of the listing's page for that year."""
    return f"{listing}{year}/"


def listing_month_folder(year_folder: str, month: int) -> str:
    """A listing's year folder + a month → the folder of its page for that month."""
    return f"{year_folder}{month:02d}/"


def page_file(folder: str) -> str:
    """A folder → the file of its page."""
    return folder + PAGE


def markdown_file(folder: str) -> str:
    """An article's folder → the file of its Markdown copy."""
    return folder + MARKDOWN_COPY


def month_markdown_file(month: str, first_day: int | None) -> str:
    """A month's folder in the archive + the first day of a part of its Markdown copy (None for the first part)
    → that part's file, e.g. "archive/2024/06/index.md", "archive/2024/06/index-17.md"."""
    return month + (MARKDOWN_COPY if first_day is None else f"index-{first_day:02d}.md")


def feed_file(folder: str) -> str:
    """A listing's folder ('' for the site) → its Atom feed."""
    return folder + FEED


def month_feed_file(year: int, month: int) -> str:
    """A month → its RFC 5005 archive feed."""
    return f"feeds/{year:04d}-{month:02d}.xml"


def json_feed_file(atom_file: str) -> str:
    """An Atom feed's file → the JSON Feed beside it."""
    return atom_file.removesuffix(".xml") + ".json"


def article_media_file(folder: str, name: str) -> str:
    """An article's folder + a stored image's file name → where the site holds a copy of it: beside the page."""
    return f"{folder}{name}"


def article_media_link(name: str) -> str:
    """A stored image's file name → the link to its copy from the article's page or Markdown copy, beside
    which it is (article_media_file): the name itself, which needs no escaping (hex digits and an extension)."""
    return name


def stored_media_url(media_base_url: str, name: str) -> str:
    """media_base_url + a stored image's file name → its URL where the store's files/ folder is published
    (the store's layout: files/ab/abcd….webp; generator.media.store.file_path)."""
    return f"{media_base_url}{name[:2]}/{name}"


WAYBACK = "https://web.archive.org/web/"  # the Internet Archive's Wayback Machine


def wayback_url(original_url: str, captured: datetime) -> str:
    """An article's original URL + its capture time → the Internet Archive's copy of it nearest that time
    (https://web.archive.org/web/YYYYMMDDhhmmss/URL, the time in UTC); '' when there is no URL."""
    if not original_url:
        return ""
    return f"{WAYBACK}{captured.astimezone(UTC):%Y%m%d%H%M%S}/{original_url}"


def sitemap_pages_file(number: int) -> str:
    """The number of a part of the sitemap's listings (from 1) → its file."""
    return f"sitemap-pages-{number}.xml"


def sitemap_articles_file(year: int, month: int, number: int) -> str:
    """A month + the number of a part of its articles (from 1) → that part of the sitemap."""
    return f"sitemap-articles-{year:04d}-{month:02d}-{number}.xml"


def static_file(name: str) -> str:
    """A file under generator/templates/static (a relative POSIX path) → where the site has it."""
    return STATIC + name


def search_record_url(article: str) -> str:
    """An article's folder → the URL the search index records for it: root-relative, naming index.html as
    every link of the site does (Pagefind's keep_index_url)."""
    return f"/{article}{PAGE}"


_UNSAFE_SEGMENT = re.compile(r'[/\\?#%:*"<>|\x00-\x1f\x7f]')
# Names Windows reserves for devices in every folder, also with an extension ("nul.txt") and with
# spaces before it ("CON .md"); superscript digits count as digits (COM¹). CONIN$, CONOUT$ and
# CLOCK$ are special too.
_WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$", "clock$",
                              *(f"{port}{n}" for port in ("com", "lpt") for n in "0123456789¹²³")})
SEGMENT_MAX_BYTES = 200


def is_windows_reserved(segment: str) -> bool:
    """True for a path segment Windows would open as a device instead of a file (CON, nul.txt, COM¹)."""
    return segment.split(".")[0].rstrip(" ").casefold() in _WINDOWS_DEVICES


def safe_segment(name: str) -> str:
    """A tag or outlet name → one path segment that keeps its letters and cannot leave its folder.

    Also valid on Windows: no reserved device name, no trailing dot or space (Windows drops
    them, so "a." would be the same folder as "a").
    """
    cleaned = _UNSAFE_SEGMENT.sub("-", unicodedata.normalize("NFC", name)).strip()
    cleaned = re.sub(r"\s+", "-", cleaned).strip(".") or "-"
    if is_windows_reserved(cleaned):
        cleaned = "_" + cleaned
    encoded = cleaned.encode("utf-8")
    if len(encoded) > SEGMENT_MAX_BYTES:
        cleaned = encoded[: SEGMENT_MAX_BYTES - 9].decode("utf-8", "ignore") + "-" + short_hash(name)
    return cleaned


def relative_url(from_page: str, to_path: str) -> str:
    """Site-relative page file + site-relative target → a relative link that also works on file://.

    Folder targets ("archive/2024/06/") get an explicit index.html, because file:// has no
    directory index.
    """
    target = to_path + "index.html" if to_path == "" or to_path.endswith("/") else to_path
    return _quoted(_relative_path(posixpath.dirname(from_page), target))


def _relative_path(start: str, target: str) -> str:
    """A site-relative folder ('' for the root) + a site-relative file → the path from one to the other.

    posixpath.relpath, without its calls to os.getcwd(): pages hold hundreds of thousands of links.
    """
    folders = start.split("/") if start else []
    parts = target.split("/")
    shared = 0
    while shared < len(folders) and shared < len(parts) - 1 and folders[shared] == parts[shared]:
        shared += 1
    return "/".join([".."] * (len(folders) - shared) + parts[shared:])


@functools.lru_cache(maxsize=1 << 16)
def _quoted(path: str) -> str:
    """A relative path → percent-encoded for an href (cached: most links repeat across pages)."""
    return quote(path, safe="/#?=&-._~")


def absolute_url(base_url: str, path: str) -> str:
    """base_url + site-relative path → absolute URL with non-ASCII characters percent-encoded."""
    return base_url + quote(path, safe="/#?=&-._~")


def links_from(page_file: str) -> Callable[[str], str]:
    """A site-relative page file → its url() for templates: site-relative target → relative_url(page_file, target).

    A listing holds tens of thousands of links, most of them (its articles') sharing no folder with
    the page: those are "../" times the page's depth + the target's link from the root.
    """
    start = posixpath.dirname(page_file)
    if not start:
        return functools.partial(relative_url, page_file)
    first = start.split("/", 1)[0] + "/"
    up = "../" * (start.count("/") + 1)

    def link(target: str) -> str:
        if target.startswith(first):  # a folder in common: counted out
            return relative_url(page_file, target)
        return up + relative_url("index.html", target)

    return link
