"""Jekyll-style posts (part of the read stage): the YAML front matter that opens a post → FrontMatter.

A post starts with a line `---`, then YAML `key: value` lines, then a line `---` (or `...`), then the
body. The keys read are `title` (HTML entities unescaped once), `date`, `author`, the original URL
(`from`, else `link`, else `url`; only an http(s) URL counts), `tags` and `categories`; others
(`layout`, `comments`, …) are left alone. YAML is parsed by PyYAML's C loader with every implicit
type but null turned off, so values stay the text they are (a title `yes` or `2020` is that text, a
date is parsed here, where a bad one is a warning and not a crash). Only the front matter block is
given to YAML, never the body (real posts have ~30 KB bodies): 0.05 ms a post, where
python-frontmatter took 0.12 ms (it splits the whole file with a regular expression).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import yaml

from generator.errors import ArticleError
from generator.models import Problem

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when PyYAML was built with libyaml


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader with no implicit types but null: every scalar is read as text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}
URL_KEYS = ("from", "link", "url")  # where the original URL may be, in order of preference
_KEY_LINE = re.compile(r"([A-Za-z_][\w-]*)\s*:")
_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d\d)(\d\d)$")  # Jekyll's "2014-02-04 09:36:39 +0100"


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """What a post's front matter says about the article."""

    title: str | None  # the title, entities unescaped; None when the key is absent or empty
    date: datetime | None  # the date (naive = in the site's timezone); None when absent or unreadable
    date_text: str  # the date as written ('' when absent), for messages
    author: str  # the byline ('' when absent)
    url: str  # the original http(s) URL as written ('' when absent)
    url_line: int  # the line the URL is on (0 when there is none)
    tags: tuple[str, ...]  # the tags listed
    categories: tuple[str, ...]  # the categories listed (in real archives: the outlet's name)
    lines: tuple[tuple[str, int], ...]  # (key, line number) of each top-level key, for messages
    warnings: tuple[Problem, ...]  # values that could not be used (a date that is not a date, …)

    def line_of(self, key: str) -> int:
        """A key → the line it is on (1 when it is not there: the front matter's start)."""
        return next((line for name, line in self.lines if name == key), 1)


def _fail(file: str, line: int, message: str, hint: str) -> ArticleError:
    """An ArticleError for `file` at `line`."""
    return ArticleError(Problem(file, line, message, hint))


def is_delimiter(line: str) -> bool:
    """True for the line `---` that opens and closes a front matter (spaces after it allowed)."""
    return line.rstrip() == "---"


def parse_date(text: str) -> datetime | None:
    """A front matter date (ISO 8601 or Jekyll's `YYYY-MM-DD HH:MM:SS +ZZZZ`) → datetime (naive when it names
    no offset), else None."""
    text = text.strip()
    if not text or len(text) > 64:
        return None
    try:
        return datetime.fromisoformat(_OFFSET_WITHOUT_COLON.sub(r"\1:\2", text.replace(" +", "+").replace(" -", "-")))
    except ValueError:
        pass
    try:
        return datetime.combine(date.fromisoformat(text), time())
    except ValueError:
        return None


def _text(value: object) -> str | None:
    """A YAML value → its text ('' for null), or None when it is a list or mapping."""
    if value is None:
        return ""
    return value if isinstance(value, str) else None


def _texts(value: object) -> tuple[str, ...] | None:
    """A YAML value meant as a list of words (`[a, b]`, `a`, or `a b` for Jekyll's tags) → the words, else None."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    return None


def front_matter(name: str, lines: list[str]) -> tuple[FrontMatter | None, int]:
    """A file's name + its lines → (its FrontMatter, index of the first line after it), or (None, 0) when the
    file does not start with one; raises ArticleError (file, line, fix) when it cannot be read."""
    if not lines or not is_delimiter(lines[0].lstrip("\ufeff")):
        return None, 0
    end = next((i for i in range(1, len(lines)) if is_delimiter(lines[i]) or lines[i].rstrip() == "..."), None)
    if end is None:
        raise _fail(name, 1, "the front matter opened by --- on line 1 is never closed",
                    "end the front matter with a line of three dashes (---) before the body")
    block = "\n".join(lines[1:end])
    try:
        values = yaml.load(block, Loader=_Loader) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise _fail(name, line, f"the front matter is not valid YAML ({problem})",
                    'quote the value on that line ("…", with \\" for a quote inside) or correct its '
                    "indentation") from None
    except (ValueError, TypeError, RecursionError) as exc:  # nothing PyYAML documents, but never a crash
        raise _fail(name, 1, f"the front matter cannot be read ({type(exc).__name__})",
                    "write it as key: value lines") from None
    if not isinstance(values, dict):
        raise _fail(name, 2, "the front matter is not a list of key: value lines",
                    "write each field as key: value, e.g. title: \"…\"")
    key_lines = tuple((match.group(1), 2 + i) for i, line in enumerate(lines[1:end])
                      if (match := _KEY_LINE.match(line)))
    lines_of = dict(key_lines)
    warnings: list[Problem] = []

    def text_of(key: str) -> str:
        value = _text(values.get(key))
        if value is None:
            raise _fail(name, lines_of.get(key, 1), f"the front matter's {key} is a list or a table, not text",
                        f'write it as {key}: "…"')
        return value.strip()

    title = html.unescape(text_of("title")) if "title" in values else None
    date_text = text_of("date") if "date" in values else ""
    moment = parse_date(date_text) if date_text else None
    if date_text and moment is None:
        warnings.append(Problem(name, lines_of.get("date", 1), f"the front matter's date {date_text[:40]!r} "
                                "is not a date", "write it as 2024-06-08T00:33:36Z or 2024-06-08 08:33:36 +0800",
                                "warning"))
    url, url_line = "", 0
    for key in URL_KEYS:
        candidate = text_of(key) if key in values else ""
        if candidate.lower().startswith(("http://", "https://")):
            url, url_line = candidate, lines_of.get(key, 1)
            break
        if candidate and not candidate.startswith("/"):  # a site path (Jekyll's own `url`) is no original URL
            warnings.append(Problem(name, lines_of.get(key, 1), f"the front matter's {key} {candidate[:60]!r} "
                                    "is not an http(s) URL; it is not used", "write the original article's "
                                    "full address, starting with https://", "warning"))
    listed: dict[str, tuple[str, ...]] = {}
    for key in ("tags", "categories"):
        words = _texts(values.get(key))
        if words is None:
            raise _fail(name, lines_of.get(key, 1), f"the front matter's {key} is not a list of words",
                        f"write it as {key}: [ one, two ]")
        listed[key] = words
    return FrontMatter(
        title=title or None,
        date=moment,
        date_text=date_text,
        author=" ".join(text_of("author").split()) if "author" in values else "",
        url=url,
        url_line=url_line,
        tags=listed["tags"],
        categories=listed["categories"],
        lines=key_lines,
        warnings=tuple(warnings),
    ), end + 1


@functools.cache
def _markdown() -> Any:
    """→ the Markdown renderer (CommonMark, raw HTML passed on to the sanitizer), made on first use."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True})


def render_markdown(body: str) -> str:
    """A Markdown body (a .md post with no HTML block) → its HTML, untrusted still: the cleaner sanitizes it.

    markdown-it-py, which rich already brings: CommonMark, as Jekyll's kramdown reads the plain posts.
    """
    return _markdown().render(body)
