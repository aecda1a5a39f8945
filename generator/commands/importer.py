"""`newsarchive import SOURCE…`: RSS/Atom feed files or http(s) URLs → new files in the seed format.

Decisions (also in README "Import and preview"):
- Capture time (line 1) is the item's published date, else its updated date, else the feed's
  date, else the file's mtime / the server's Last-Modified, and only then the current time, so
  importing the same feed twice into two folders gives the same files.
- An item is already in the archive when a file there has the same normalized URL, or when its
  GUID was imported before. GUIDs, and the ETag / Last-Modified of each URL, are remembered in
  `.newsarchive-import.json` inside the archive folder (hidden, so `build` ignores it): the GUID
  memory belongs to the archive and moves with it. Deleting it is safe: the next import downloads
  every feed in full, and only items without a link could be imported a second time.
- A new file is named `CAPTUREMS_HASH.txt` (hash of the item's identity): stable across runs and
  distinct per story. It is written to a temporary file and hard-linked into place, so it is never
  half-written and never replaces an existing file.
"""

from __future__ import annotations

import argparse
import calendar
import html
import io
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin

from generator.article.identity import normalize_url
from generator.article.reader import (
    EARLIEST_MS,
    LATEST_MS,
    POSTS,
    URL_START,
    article_files,
    is_jekyll_site,
    parse_article,
    url_problem,
)
from generator.article.reader import clean_url as reader_clean_url
from generator.commands.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Validators, fetch
from generator.errors import ArticleError, FetchError
from generator.text import short_hash

STATE_FILE = ".newsarchive-import.json"
_HEAD_BYTES = 16 * 1024  # enough for the three header lines of any article file
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Item:
    """One feed entry, ready to be written as an article file."""

    title: str  # one line, safe for the [title](url) line
    url: str  # absolute http(s) URL, whitespace percent-encoded; '' when the entry has none
    guid_key: str  # the entry's GUID as remembered (scoped to its feed when not a URI); '' if none
    identity: str  # what makes it the same story: normalized URL, else GUID, else a content hash
    captured_ms: int  # line 1 of the file: epoch milliseconds, UTC
    body_html: str  # date line, byline and content, as HTML

    @property
    def file_name(self) -> str:
        """The file this item is written to: capture time, then a hash of its identity."""
        return f"{self.captured_ms}_{short_hash(self.identity, 16)}.txt"


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What importing one source did."""

    source: str  # the file path or URL as given
    added: int = 0  # new article files written
    skipped: int = 0  # items already in the archive (or empty)
    failed: int = 0  # items that could not be written
    error: str = ""  # why the source failed, or which items could not be written ('' when neither)
    not_modified: bool = False  # the server answered 304: nothing new since the last import
    files: tuple[str, ...] = ()  # names of the article files written


@dataclass(slots=True)
class ImportState:
    """What import remembers between runs; mutable because a run adds to it as it goes."""

    guids: dict[str, str] = field(default_factory=dict)  # GUID key (or content hash) → file imported as
    feeds: dict[str, dict[str, str]] = field(default_factory=dict)  # URL → {"etag", "last_modified"}
    identities: dict[str, str] = field(default_factory=dict)  # normalized URL → file (scanned, not saved)


# --- the seed format -------------------------------------------------------------------------

def clean_title(title: str) -> str:
    """Any title → one line that round-trips through the reader: no controls, no `](`."""
    text = "".join(ch for ch in title if unicodedata.category(ch) != "Cc" or ch.isspace())
    # `](` ends the title on the [title](url) line; a space keeps the text readable.
    return " ".join(text.split()).replace("](", "] (")


def clean_url(url: str) -> str:
    """Any link → an http(s) URL on one line that the reader reads back unchanged, else ''.

    White space, controls and format characters are percent-encoded (reader.clean_url); a URL
    whose host or port cannot be read (reader.url_problem) would make the file unreadable, so
    the item is imported without one.
    """
    url = url.strip()
    if not URL_START.match(url):
        return ""
    url = reader_clean_url(url)
    return "" if url_problem(url) else url


def format_title_line(title: str, url: str) -> str:
    """Title + URL → the `[title](url)` line (both cleaned)."""
    return f"[{clean_title(title)}]({clean_url(url)})"


def format_article(item: Item) -> bytes:
    """An Item → the file's bytes in the seed format (docs/design.md §1), UTF-8 with LF line ends."""
    body = item.body_html.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    text = f"<!--{item.captured_ms}-->\n{format_title_line(item.title, item.url)}\n------\n\n{body}\n"
    return text.encode("utf-8")


# --- feed entries → items --------------------------------------------------------------------

def _struct_ms(value: time.struct_time | None) -> int | None:
    """A feedparser UTC date → epoch ms, or None when absent or outside the reader's 1995..2100."""
    if not value:
        return None
    ms = calendar.timegm(value) * 1000
    return ms if EARLIEST_MS <= ms < LATEST_MS else None


def _plain_to_html(text: str) -> str:
    """Plain text → paragraphs of escaped HTML."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _as_html(detail: dict) -> str:
    """A feedparser text construct ({type, value}) → HTML."""
    value = detail.get("value", "") or ""
    return value if detail.get("type", "text/html") in _HTML_TYPES else _plain_to_html(value)


def _content_html(entry: dict) -> str:
    """An entry → its fullest content: content:encoded / Atom content, else description / summary."""
    contents = entry.get("content") or []
    rich = [c for c in contents if c.get("type", "text/html") in _HTML_TYPES]
    for candidates in (rich, contents):
        if candidates:
            return _as_html(max(candidates, key=lambda c: len(c.get("value", "") or "")))
    if "summary_detail" in entry:
        return _as_html(entry["summary_detail"])
    return _plain_to_html(entry.get("summary", "") or "")


def _title_text(entry: dict) -> str:
    """An entry → its title as plain text (HTML titles lose their tags)."""
    title = entry.get("title", "") or ""
    if entry.get("title_detail", {}).get("type") in _HTML_TYPES:
        title = html.unescape(_TAG.sub("", title))
    return title


def guid_key(guid: str, scope: str) -> str:
    """An entry's GUID + its feed → the key remembered: URIs as they are, bare ids tied to the feed."""
    guid = guid.strip()
    if not guid:
        return ""
    return guid if ":" in guid else f"{scope}#{guid}"


def entry_to_item(entry: dict, feed: dict, scope: str, base_url: str, fallback_ms: int) -> Item:
    """A feedparser entry + its feed's metadata → an Item (see the module doc for the date fallbacks)."""
    published = _struct_ms(entry.get("published_parsed")) or _struct_ms(entry.get("updated_parsed")) \
        or _struct_ms(entry.get("created_parsed"))
    captured = published or _struct_ms(feed.get("updated_parsed")) \
        or _struct_ms(feed.get("published_parsed")) or fallback_ms
    link = entry.get("link", "") or ""
    url = clean_url(urljoin(base_url, link.strip()) if base_url else link)
    title = clean_title(_title_text(entry))
    content = _content_html(entry)
    key = guid_key(entry.get("id", "") or "", scope)
    identity = normalize_url(url) if url else key or f"content:{short_hash(title + content, 32)}"
    head = ""
    # The same opening lines real captures have; the cleaner reads them back as date and byline.
    if published:
        head += f"<div><i>{format_datetime(datetime.fromtimestamp(published / 1000, UTC), usegmt=True)}</i></div>"
    if author := (entry.get("author", "") or "").strip():
        head += f"<address>{html.escape(author)}</address>"
    body = head + content if content.strip() else ""
    return Item(title, url, key, identity, captured, body)


# --- the archive folder: what is there, what was imported, writing new files ----------------

def _identity_of(path: Path, name: str) -> str:
    """An article file → its normalized URL ('' when it has none or cannot be read)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
        if len(head) == _HEAD_BYTES:
            head = head[: head.rfind(b"\n") + 1] or head
        try:
            raw = parse_article(name, head)
        except ArticleError:
            raw = parse_article(name, path.read_bytes())
    except (ArticleError, OSError):
        return ""  # `newsarchive check` reports such files; import only needs the readable ones
    return normalize_url(raw.url) if raw.url else ""


def load_state(folder: Path) -> tuple[ImportState, str]:
    """Archive folder → (what earlier imports remembered + the URLs of every article, a warning or '')."""
    state, warning = ImportState(), ""
    path = folder / STATE_FILE
    if path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            state.guids = {str(k): str(v) for k, v in saved.get("guids", {}).items()}
            state.feeds = {str(k): dict(v) for k, v in saved.get("feeds", {}).items()}
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            warning = (f"warning: {path} cannot be read ({exc}); starting without it. Fix: nothing to do; "
                       "feeds are downloaded in full this time and duplicates are still found by URL")
    for name, file in article_files(folder):
        if identity := _identity_of(file, name):
            state.identities.setdefault(identity, name)
    return state, warning


def _write_atomically(target: Path, data: bytes, replace: bool) -> bool:
    """Bytes → target via a temporary file; False (nothing written) if target exists and not replace."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-import-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        if replace:
            os.replace(temporary, target)
            return True
        try:
            os.link(temporary, target)  # fails if target exists: an existing file is never replaced
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: check, then rename
            if target.exists():
                return False
            os.replace(temporary, target)
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


def save_state(folder: Path, state: ImportState) -> None:
    """The GUIDs and validators → the state file, atomically."""
    data = {"version": 1, "guids": dict(sorted(state.guids.items())),
            "feeds": dict(sorted(state.feeds.items()))}
    encoded = json.dumps(data, ensure_ascii=False, indent=1).encode()
    path = folder / STATE_FILE
    if not path.exists() or path.read_bytes() != encoded:  # an import that found nothing new changes nothing
        _write_atomically(path, encoded, True)


# --- importing --------------------------------------------------------------------------------

def import_document(data: bytes, source: str, folder: Path, state: ImportState, fallback_ms: int,
                    base_url: str = "", content_type: str = "") -> SourceResult:
    """Feed bytes → new article files in folder (state updated); SourceResult with the counts."""
    headers = {"content-type": content_type} if content_type else {}
    if base_url:
        headers["content-location"] = base_url
    import feedparser  # here, not at the top: every command loads this module, only `import` reads feeds

    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements found"
        return SourceResult(source, error=f"{source}: this is not an RSS or Atom feed ({reason}). "
                            "Fix: check that the file or URL is the feed itself, not a web page")
    feed = parsed.get("feed", {})
    scope = normalize_url(feed["link"]) if feed.get("link") else source
    if is_jekyll_site(folder):  # a Jekyll site's build reads its posts only: new captures go beside them
        folder = folder / POSTS
        folder.mkdir(exist_ok=True)
    added = skipped = failed = 0
    errors = []
    written_files = []
    for entry in parsed.entries:
        item = entry_to_item(entry, feed, scope, base_url or feed.get("link", ""), fallback_ms)
        # Items without a link are remembered by GUID, or by their content when they have none.
        memory_key = item.guid_key or ("" if item.url else item.identity)
        known = state.guids.get(memory_key) if memory_key else None
        known = known or (state.identities.get(item.identity) if item.url else None)
        if known or not (item.url or item.title or item.body_html):
            skipped += 1
        else:
            try:
                written = _write_atomically(folder / item.file_name, format_article(item), replace=False)
            except OSError as exc:
                failed += 1
                errors.append(f"{source}: cannot write {folder / item.file_name} ({exc.strerror}). "
                              "Fix: check that the archive folder is writable and the disk is not full")
                continue
            # A file of that name holds this very item (the name comes from its identity and date).
            added, skipped = (added + 1, skipped) if written else (added, skipped + 1)
            if written:
                written_files.append(item.file_name)
            known = item.file_name
        if item.url:
            state.identities.setdefault(item.identity, known)
        if memory_key:
            state.guids.setdefault(memory_key, known)
    return SourceResult(source, added, skipped, failed, error="\n".join(errors), files=tuple(written_files))


def _fallback_ms(last_modified: str) -> int:
    """A Last-Modified header (or '') → epoch ms: that time, else now."""
    try:
        return int(parsedate_to_datetime(last_modified).timestamp() * 1000)
    except (TypeError, ValueError, IndexError):
        return int(time.time() * 1000)


def import_source(source: str, folder: Path, state: ImportState, timeout: float = DEFAULT_TIMEOUT,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> SourceResult:
    """A feed file or http(s) URL → new article files in folder; never raises for a bad source."""
    if re.match(r"https?://", source, re.IGNORECASE):
        remembered = state.feeds.get(source, {})
        try:
            fetched = fetch(source, Validators(remembered.get("etag", ""), remembered.get("last_modified", "")),
                            timeout, max_bytes)
        except FetchError as exc:
            return SourceResult(source, error=str(exc))
        if fetched.body is None:
            return SourceResult(source, not_modified=True)
        result = import_document(fetched.body, source, folder, state,
                                 _fallback_ms(fetched.validators.last_modified),
                                 fetched.final_url, fetched.content_type)
        if not result.error and not result.failed:
            # Remember validators only after a complete import, so a failed run is retried in full.
            state.feeds[source] = {"etag": fetched.validators.etag,
                                   "last_modified": fetched.validators.last_modified}
        return result
    if "://" in source:
        return SourceResult(source, error=f"{source}: only feed files and http(s) URLs can be imported. "
                            "Fix: download the feed first, or use its http(s) address")
    path = Path(source)
    try:
        if path.stat().st_size > max_bytes:
            return SourceResult(source, error=f"{source}: the file is larger than {max_bytes:,} bytes. "
                                "Fix: check it is a feed, or raise the limit with --max-bytes")
        data = path.read_bytes()
        mtime_ms = path.stat().st_mtime_ns // 1_000_000
    except OSError as exc:
        return SourceResult(source, error=f"{source}: cannot read the file ({exc.strerror}). "
                            "Fix: check the path; URLs must start with http:// or https://")
    return import_document(data, source, folder, state, mtime_ms)


def describe(result: SourceResult) -> str:
    """A SourceResult → one line for the terminal."""
    if result.not_modified:
        return f"{result.source}: not modified since the last import"
    line = f"{result.source}: {result.added} added, {result.skipped} skipped"
    return line + (f", {result.failed} failed" if result.failed else "")


def run_import(args: argparse.Namespace) -> int:
    """`newsarchive import`: every source into args.input → exit 0, or 1 if any source or item failed."""
    folder: Path = args.input
    state, warning = load_state(folder)
    if warning:
        print(warning, file=sys.stderr)
    results = []
    for source in args.sources:
        result = import_source(source, folder, state, args.timeout, args.max_bytes)
        results.append(result)
        if result.error:
            print(f"error: {result.error}", file=sys.stderr)
        if not result.error or result.added or result.failed:
            print(describe(result))
        try:
            save_state(folder, state)  # after every source, so an interrupted run keeps its progress
        except OSError as exc:
            print(f"error: cannot save {folder / STATE_FILE} ({exc.strerror}). Fix: check that the "
                  "archive folder is writable", file=sys.stderr)
            return 1
    added = sum(r.added for r in results)
    skipped = sum(r.skipped for r in results)
    failed = sum(r.failed for r in results)
    broken = sum(1 for r in results if r.error and not r.failed)
    print(f"imported {added} new, {skipped} skipped, {failed} failed"
          + (f"; {broken} of {len(results)} sources could not be imported" if broken else ""))
    if args.media:
        from generator.commands.media import fetch_new_files  # Pillow and httpx only for --media

        fetch_new_files(folder, [name for r in results for name in r.files], args.config)
    return 1 if failed or broken else 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `import` subcommand's arguments."""
    parser.add_argument("--input", type=Path, default=Path("seeds"), help="archive folder (default: seeds)")
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="feed file or http(s) URL")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds to wait for each download (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                        help=f"largest feed accepted, in bytes (default: {DEFAULT_MAX_BYTES:,})")
    parser.add_argument("--media", action="store_true",
                        help="also download the new items' images into the media store (see `newsarchive media`)")
    parser.add_argument("--config", type=Path, default=None,
                        help="config file, for --media's [media] settings (default: newsarchive.toml if it exists)")
