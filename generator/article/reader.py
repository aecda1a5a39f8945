"""Read stage: article file bytes → RawArticle, or an ArticleError that says what to fix.

The format (docs/design.md §1), with the variants real captures have:

    <!--1717807142000-->                  capture time, epoch ms (UTC)
    [Title, may hold [ ] ( ](https://url/may(hold)/parens)
    ------                                any run of - or =
                                          any number of blank lines
    <raw HTML body…>                      may be empty

Characters no URL may hold raw (controls, bidi and zero-width marks, white space) are
percent-encoded in the URL; a URL whose host or port cannot be read is an error.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import charset_normalizer

from generator.errors import ArticleError
from generator.models import Problem, RawArticle

# 1995-01-01 .. 2100-01-01 in epoch ms: anything outside is a typo or seconds.
EARLIEST_MS = 788_918_400_000
LATEST_MS = 4_102_444_800_000
_TIME_LINE = re.compile(r"<!--\s*(\d+)\s*-->")
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


def parse_article(name: str, data: bytes) -> RawArticle:
    """File name + bytes → RawArticle; raises ArticleError naming the line and the fix."""
    text, encoding = decode(name, data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = iter(enumerate(lines, start=1))

    def next_content_line() -> tuple[int, str]:
        """The next line that is not blank, with its number; (0, '') at end of file."""
        for number, line in numbered:
            if line.strip():
                return number, line
        return 0, ""

    number, line = next_content_line()
    match = _TIME_LINE.fullmatch(line.strip().lstrip("\ufeff"))
    if not match:
        raise _fail(name, number, f"expected the capture time <!--EPOCH_MILLISECONDS--> on the first line, "
                    f"found {_shorten(line)}", "start the file with the capture time in epoch "
                    "milliseconds, e.g. <!--1717807142000-->")
    captured_ms = int(match.group(1))
    if not EARLIEST_MS <= captured_ms < LATEST_MS:
        seconds_hint = " (it looks like seconds: add 000)" if len(match.group(1)) == 10 else ""
        raise _fail(name, number, f"capture time {captured_ms} is not a date between 1995 and 2100 in "
                    f"epoch milliseconds{seconds_hint}", "write the capture time as epoch "
                    "milliseconds, e.g. <!--1717807142000-->")

    number, line = next_content_line()
    if not number:
        raise _fail(name, len(lines), "the file ends after the capture time; expected a title line "
                    "[Title](https://url)", "add the title line and the article body")
    title_url = parse_title_line(line)
    if title_url is None:
        raise _fail(name, number, f"expected the title line [Title](https://original/url), found "
                    f"{_shorten(line)}", "write the title in square brackets followed by the "
                    "original http(s) URL in parentheses, or () when there is none")
    title, url = title_url
    url = clean_url(url)
    if url and (problem := url_problem(url)):
        raise _fail(name, number, f"the URL {_shorten(url)} cannot be read ({problem})",
                    "correct the host and port of the original URL, or write () when there is none")

    number, line = next_content_line()
    if not number or not _UNDERLINE.fullmatch(line.strip()):
        found = _shorten(line) if number else "the end of the file"
        raise _fail(name, number or len(lines), f"expected an underline of - or = below the title, "
                    f"found {found}", "put a line of dashes (------) between the title and the body")

    body_line, first_body = next_content_line()
    rest = [first_body, *(line for _, line in numbered)] if body_line else []
    body = "\n".join(rest).rstrip()
    return RawArticle(
        source_file=name,
        captured_ms=captured_ms,
        title=title.strip(),
        url=url,
        body_html=body,
        body_line=body_line or number + 1,
        encoding=encoding,
    )


def scan_folder(folder: Path) -> list[tuple[str, str, os.stat_result]]:
    """Archive folder → (relative name, path, stat) of every *.txt file below it, hidden ones excluded, sorted."""
    found = []
    pending = [(str(folder), "")]
    visited = set()  # (device, inode) of folders seen, so a symlink loop is walked once
    while pending:
        directory, prefix = pending.pop()
        status = os.stat(directory)
        if (status.st_dev, status.st_ino) in visited:
            continue
        visited.add((status.st_dev, status.st_ino))
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    pending.append((entry.path, prefix + entry.name + "/"))
                elif entry.name.endswith(".txt") and entry.is_file():
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
