"""Read stage: article file bytes → RawArticle, or an ArticleError that says what to fix.

The format (docs/design.md §1), with the variants real captures have:

    <!--1717807142000-->                  capture time, epoch ms (UTC)
    [Title, may hold [ ] ( ](https://url/may(hold)/parens)
    ------                                any run of - or =
                                          any number of blank lines
    <raw HTML body…>                      may be empty

Characters no URL may hold raw (controls, bidi and zero-width marks, white space) are
percent-encoded in the URL; a URL whose host or port cannot be read is an error. A URL whose
escapes were escaped again (`%25E5…`) is read as the URL it stands for.

A Jekyll post starts with YAML front matter (generator.article.posts) instead; the seed header may follow
it, or the body alone (HTML, or Markdown in a .md file). A capture time that is missing, `NaN`,
empty or out of range is noted, not an error: enrich dates the article from the rest of the file.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import charset_normalizer

from generator.article.identity import story_key, undouble
from generator.article.posts import FrontMatter, front_matter
from generator.errors import ArticleError
from generator.models import Problem, RawArticle

# 1995-01-01 .. 2100-01-01 in epoch ms: anything outside is a typo or seconds.
EARLIEST_MS = 788_918_400_000
LATEST_MS = 4_102_444_800_000
_TIME_LINE = re.compile(r"<!--(.*?)-->")  # the capture time's line; what it holds is checked apart
MARKDOWN_SUFFIXES = (".md", ".markdown")
# An HTML block element: a .md body holding one is HTML (as real captures are), not Markdown.
_HTML_BLOCK = re.compile(r"<(?:p|div|article|section|table|ul|ol|dl|h[1-6]|blockquote|figure|pre|header|footer|"
                         r"aside|main|nav|hr|iframe|video|audio)\b", re.IGNORECASE)
_UNDERLINE = re.compile(r"(?:-+|=+)")
URL_START = re.compile(r"https?://", re.IGNORECASE)
_LEGACY_ENCODINGS = ["gb18030", "big5", "utf_16"]


@dataclass(frozen=True, slots=True)
class FolderRead:
    """Everything read from an archive folder."""

    articles: tuple[RawArticle, ...]  # files that are articles, in file-name order
    problems: tuple[Problem, ...]  # one per skipped file, plus warnings
    files_seen: int  # article files found (read or skipped)


def _fail(file: str, line: int, message: str, hint: str) -> ArticleError:
    """An ArticleError for `file` at `line`."""
    return ArticleError(Problem(file, line, message, hint))


def _shorten(text: str, limit: int = 60) -> str:
    """Text quoted in a message: repr-escaped and cut to `limit` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def decode(name: str, data: bytes) -> tuple[str, str]:
    """File bytes → (text, encoding name); UTF-8 (with or without BOM), else GB18030/Big5/UTF-16."""
    if not data.strip():
        raise _fail(name, 0, "the file is empty", "delete it, or capture the article again")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:  # truncated (an odd number of bytes) or a lone surrogate
            bad_line = data[: exc.start].decode("utf-16", "replace").count("\n") + 1
            bad = f"byte {exc.start} is" if exc.end - exc.start == 1 else f"bytes {exc.start}–{exc.end - 1} are"
            raise _fail(name, bad_line, f"the file starts with a UTF-16 byte order mark, but {bad} not UTF-16 "
                        f"({exc.reason}); it may be cut short",
                        "capture the article again, or re-save the file as UTF-8") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        first_error = f"byte 0x{data[exc.start]:02x} on line {bad_line} is not UTF-8"
    if b"\x00" in data:
        raise _fail(name, 0, f"this is not a text file ({first_error}, and it holds NUL bytes)",
                    "remove it from the archive folder; only article text files belong there")
    best = charset_normalizer.from_bytes(data, cp_isolation=_LEGACY_ENCODINGS).best()
    if best is None:
        raise _fail(name, 0, f"the file is not text in UTF-8, GB18030 or Big5 ({first_error})",
                    "re-save the file as UTF-8")
    return str(best), best.encoding


def parse_title_line(line: str) -> tuple[str, str] | None:
    """`[title](url)` → (title, url), where the title may hold brackets and the URL parentheses."""
    line = line.strip()
    if not (line.startswith("[") and line.endswith(")")):
        return None
    start = line.find("](")
    while start != -1:
        url = line[start + 2 : -1].strip()
        # The first `](` followed by a URL is the split: titles may contain `](` text, URLs
        # start with a scheme, so a title fragment is never mistaken for the URL.
        if (url == "" and start + 3 == len(line)) or URL_START.match(url):
            return line[1:start], url
        start = line.find("](", start + 1)
    return None


def _url_unsafe(ch: str) -> bool:
    """True for characters no URL may hold raw: controls, format (bidi, zero-width), white space, non-characters.

    XML cannot carry most of them (feeds), YAML and old JavaScript parsers read some as line ends
    (Markdown front matter, JSON-LD), and browsers percent-encode or drop them anyway.
    """
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp") or ch in "\ufffe\uffff"


def clean_url(url: str) -> str:
    """A URL as written → the same URL with the characters no URL may hold raw percent-encoded (UTF-8)."""
    if not any(_url_unsafe(ch) for ch in url):
        return url
    return "".join(
        "".join(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass")) if _url_unsafe(ch) else ch
        for ch in url
    )


def url_problem(url: str) -> str | None:
    """A URL → what makes its host or port unreadable, or None when both can be read."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- reading it validates it (a number from 0 to 65535)
    except ValueError as exc:
        return str(exc)
    return None


def _capture_time(text: str) -> tuple[int | None, str]:
    """What a capture-time comment holds → (epoch ms, '') when it is a valid time, else (None, why not)."""
    digits = text.strip()
    if not digits:
        return None, "the capture time is empty"
    if not digits.isdigit() or not digits.isascii():
        return None, f"the capture time {_shorten(digits)} is not a number"
    value = int(digits)
    if len(digits) == 10 and EARLIEST_MS <= value * 1000 < LATEST_MS:
        return value * 1000, ""  # seconds, not milliseconds: read as what they mean (the caller warns)
    if not EARLIEST_MS <= value < LATEST_MS:
        return None, f"the capture time {value} is not a date between 1995 and 2100 in epoch milliseconds"
    return value, ""


def _is_markdown(name: str, body: str) -> bool:
    """A file name + its body → whether the body is Markdown: a .md/.markdown post holding no HTML block."""
    return name.lower().endswith(MARKDOWN_SUFFIXES) and not _HTML_BLOCK.search(body)


def parse_article(name: str, data: bytes) -> RawArticle:
    """File name + bytes → RawArticle; raises ArticleError naming the line and the fix.

    A file is either the seed format, or a post: YAML front matter (generator.article.posts) followed by the seed
    format or by a body alone. A capture time that is missing or broken is no error: the article is dated
    from what else the file says (generator.article.dates), and enrich warns.
    """
    text, encoding = decode(name, data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front, start = front_matter(name, lines)
    numbered = iter(enumerate(lines[start:], start=start + 1))
    warnings: list[Problem] = list(front.warnings) if front else []

    def next_content_line() -> tuple[int, str]:
        """The next line that is not blank, with its number; (0, '') at end of file."""
        for number, line in numbered:
            if line.strip():
                return number, line
        return 0, ""

    number, line = next_content_line()
    captured_ms: int | None = None
    capture_text, capture_line = "", 0
    header = True
    title, url = "", ""
    time_match = _TIME_LINE.fullmatch(line.strip().lstrip("\ufeff"))
    if front is not None:
        # After front matter the seed header is optional: a comment followed by a title line is one; any other
        # body (an HTML comment of the body's own, `<!-- wp:paragraph -->`, then markup) is the body.
        after = next((ln for ln in lines[number:] if ln.strip()), "") if number else ""
        header = (bool(time_match) and parse_title_line(after) is not None) or (
            not time_match and parse_title_line(line) is not None and _UNDERLINE.fullmatch(after.strip()) is not None)
    if header:
        if time_match:
            capture_line = number
            captured_ms, why_not = _capture_time(time_match.group(1))
            if captured_ms is None:
                capture_text = why_not
            elif len(time_match.group(1).strip()) == 10:
                warnings.append(Problem(name, number, f"the capture time {time_match.group(1).strip()} is in "
                                        "seconds; it is read as epoch milliseconds "
                                        f"{captured_ms}", "write the capture time in epoch milliseconds (add 000)",
                                        "warning"))
            number, line = next_content_line()
            if not number:
                raise _fail(name, len(lines), "the file ends after the capture time; expected a title line "
                            "[Title](https://url)", "add the title line and the article body")
        elif front is None and parse_title_line(line) is not None:
            capture_text = "the file has no capture time <!--EPOCH_MILLISECONDS--> before its title line"
            capture_line = number
        elif front is None:
            raise _fail(name, number, f"expected the capture time <!--EPOCH_MILLISECONDS--> on the first line, "
                        f"found {_shorten(line)}", "start the file with the capture time in epoch "
                        "milliseconds, e.g. <!--1717807142000-->, or with YAML front matter (---)")
        title_url = parse_title_line(line)
        if title_url is None:
            raise _fail(name, number, f"expected the title line [Title](https://original/url), found "
                        f"{_shorten(line)}", "write the title in square brackets followed by the "
                        "original http(s) URL in parentheses, or () when there is none")
        title, url = title_url
        title_number = number
        number, line = next_content_line()
        if not number or not _UNDERLINE.fullmatch(line.strip()):
            found = _shorten(line) if number else "the end of the file"
            raise _fail(name, number or len(lines), f"expected an underline of - or = below the title, "
                        f"found {found}", "put a line of dashes (------) between the title and the body")
        body_line, first_body = next_content_line()
    else:
        title_number = 0
        body_line, first_body = number, line
    title, written, url_line = title.strip(), clean_url(url.strip()), title_number
    if front is not None:
        title, written, url_line = _agree(name, front, title, written, title_number, warnings)
        if captured_ms is not None and front.date is not None:
            _agree_on_date(name, front, captured_ms, warnings)
    url = undouble(written)
    if url and (problem := url_problem(url)):
        raise _fail(name, url_line, f"the URL {_shorten(url)} cannot be read ({problem})",
                    "correct the host and port of the original URL, or write () when there is none")
    rest = [first_body, *(line for _, line in numbered)] if body_line else []
    body = "\n".join(rest).rstrip()
    return RawArticle(
        source_file=name,
        captured_ms=captured_ms,
        title=title,
        url=url,
        body_html=body,
        body_line=body_line or (number + 1 if number else len(lines)),
        encoding=encoding,
        posted=front.date if front else None,
        author=front.author if front else "",
        body_format="markdown" if _is_markdown(name, body) else "html",
        capture_text=capture_text,
        capture_line=capture_line,
        warnings=tuple(warnings),
        url_as_written=written if written != url else "",
        categories=front.categories if front else (),
        tags=front.tags if front else (),
    )


def _agree(name: str, front: FrontMatter, title: str, url: str, title_line: int,
           warnings: list[Problem]) -> tuple[str, str, int]:
    """Front matter + the seed header's title and URL → the (title, URL, the URL's line) to use, with a warning
    where they disagree. The front matter wins: its fields are delimited without doubt (a title line is split where
    `](http` first occurs) and are what the owner's own site shows and links to."""
    front_url = clean_url(front.url)
    if title and front.title is not None and not _same_title(html.unescape(title), front.title):
        warnings.append(Problem(name, title_line, f"the front matter's title {_shorten(front.title)} and the "
                                f"title line's {_shorten(title)} differ; the front matter's is used",
                                "correct the one that is wrong", "warning"))
    if url and front_url and story_key(url) != story_key(front_url):
        warnings.append(Problem(name, title_line, f"the front matter's URL {_shorten(front_url)} and the title "
                                f"line's {_shorten(url)} differ; the front matter's is used",
                                "correct the one that is wrong", "warning"))
    url_line = front.url_line if front_url else title_line
    return (front.title if front.title is not None else title), (front_url or url), url_line


def _same_title(one: str, other: str) -> bool:
    """Two titles → whether they are one, but for white space or one being cut short (with "..." or "…")."""
    one, other = (" ".join(t.split()).rstrip(".… ") for t in (one, other))
    return one.startswith(other) or other.startswith(one)


def _agree_on_date(name: str, front: FrontMatter, captured_ms: int, warnings: list[Problem]) -> None:
    """Front matter + a valid capture time → a warning when they are more than a day apart (the capture
    time is used: it is when the capture was made, to the millisecond)."""
    stated = front.date if front.date.tzinfo is not None else front.date.replace(tzinfo=UTC)
    captured = datetime.fromtimestamp(captured_ms / 1000, tz=UTC)
    if abs(stated - captured) > timedelta(days=1):
        warnings.append(Problem(name, front.line_of("date"), f"the front matter's date {front.date_text!r} and "
                                f"the capture time ({captured:%Y-%m-%d %H:%M} UTC) are "
                                f"{abs(stated - captured).days} days apart; the capture time is used",
                                "correct the one that is wrong", "warning"))


POSTS = "_posts"
POST_SUFFIXES = (".md", ".markdown", ".html", ".htm")
_POST_NAME = re.compile(r"\d{4}-\d\d-\d\d-")  # Jekyll's post file names: YYYY-MM-DD-title.md
# Folders a Jekyll site keeps besides its posts (its own _layouts, _includes, _site, … start with _).
_NOT_SITE_SOURCE = frozenset({"node_modules", "vendor"})


def is_jekyll_site(folder: Path) -> bool:
    """An archive folder → whether it is a Jekyll site (it holds a _posts folder)."""
    return (folder / POSTS).is_dir()


def _is_article(name: str, in_posts: bool, site: bool) -> bool:
    """A file name (+ whether it lies in a _posts folder, and whether the archive is a Jekyll site) → whether it
    is an article file: a seed .txt, or a post (.md, .markdown, .html) in _posts or named YYYY-MM-DD-title; in a
    Jekyll site, only what lies in _posts (a dated page or robots.txt elsewhere is no post, as for Jekyll)."""
    if site and not in_posts:
        return False
    if name.endswith(".txt"):  # as before: the common case, first
        return True
    return name.lower().endswith(POST_SUFFIXES) and (in_posts or _POST_NAME.match(name) is not None)


def scan_folder(folder: Path) -> list[tuple[str, str, os.stat_result]]:
    """Archive folder → (relative name, path, stat) of every article file below it, hidden ones excluded, sorted.

    In a plain archive folder: every *.txt, and every post (.md, .markdown, .html) named like a Jekyll post
    (YYYY-MM-DD-title.md) or lying in a _posts folder; the folder may itself be a _posts folder. In a Jekyll
    site (a folder holding _posts/): the posts of its _posts folders only (also category/_posts/, as Jekyll
    reads them), so its pages, _layouts, _includes, _config.yml, _site, assets and README are not read.
    """
    site = is_jekyll_site(folder)
    found = []
    pending = [(str(folder), "", folder.name == POSTS)]
    visited = set()  # (device, inode) of folders seen, so a symlink loop is walked once
    while pending:
        directory, prefix, in_posts = pending.pop()
        status = os.stat(directory)
        if (status.st_dev, status.st_ino) in visited:
            continue
        visited.add((status.st_dev, status.st_ino))
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    if site and not in_posts and ((entry.name.startswith("_") and entry.name != POSTS)
                                                  or entry.name in _NOT_SITE_SOURCE):
                        continue
                    pending.append((entry.path, prefix + entry.name + "/", in_posts or entry.name == POSTS))
                elif _is_article(entry.name, in_posts, site) and entry.is_file():
                    found.append((prefix + entry.name, entry.path, entry.stat()))
    found.sort(key=lambda item: item[0])
    return found


def article_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """Archive folder → (relative name, path) of every article file, as scan_folder finds them."""
    return ((name, Path(path)) for name, path, _ in scan_folder(folder))


def read_folder(folder: Path) -> FolderRead:
    """Archive folder → every article in it, and one Problem per file that could not be read."""
    articles: list[RawArticle] = []
    problems: list[Problem] = []
    seen = 0
    for name, path in article_files(folder):
        seen += 1
        try:
            articles.append(parse_article(name, path.read_bytes()))
        except ArticleError as exc:
            problems.append(exc.problem)
        except OSError as exc:
            problems.append(unreadable(name, exc))
    return FolderRead(tuple(articles), tuple(problems), seen)


def unreadable(name: str, exc: OSError) -> Problem:
    """A file name + the error reading it → the Problem that skips it."""
    return Problem(name, 0, f"cannot be read: {exc.strerror}", "check the file's permissions")
