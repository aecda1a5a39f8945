"""Fuzzing the per-article code: reader, cleaner, slugs and tag names, with random and mutated articles.

The only allowed outcomes are an article (a RawArticle that the rest of the per-article work
then processes without an exception) or the project's own ArticleError with a message and a
fix. Inputs are real articles (seeds, fixtures, the XSS corpus) damaged at random: truncated,
bytes flipped or inserted (invalid UTF-8, BOMs, NUL), lines duplicated, huge lines, deep
nesting, other line ends, other encodings.

CI runs each property with Hypothesis's default number of examples. Long campaigns run
outside CI with the "long" profile (20,000 examples each; tests/conftest.py):

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -q tests/test_fuzz.py -k reader \\
        -p no:cacheprovider --hypothesis-show-statistics

Every failure a campaign found is kept below as an explicit @example, so CI replays it.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from generator.archive.tagging import assign_tags, tag_segments
from generator.article.cleaner import clean_body
from generator.article.enrich import process
from generator.article.identity import SLUG_MAX, article_slug, normalize_url
from generator.article.reader import EARLIEST_MS, LATEST_MS, parse_article
from generator.article.tags import clean_name, extract_candidates
from generator.config import Config, TagsConfig
from generator.errors import ArticleError
from generator.models import RawArticle
from generator.paths import is_windows_reserved
from tests.strategies import nested_html

from .test_xss import audit, audit_fragment

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [p.read_bytes() for p in sorted([*(ROOT / "seeds").glob("*.txt"),
                                          *(ROOT / "tests" / "fixtures").rglob("*.txt")])]
CONFIG = Config()
# Byte sequences that break decoders and parsers: invalid and overlong UTF-8, encoded surrogates,
# BOMs, NUL, line separators, and pieces of the article format and of HTML.
JUNK = [b"\xff", b"\x80", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
        b"\x00", b"\r", b"\x85", "\u2028".encode(), b"<!--", b"-->", b"<!--1717807142000-->\n", b"](", b"[", b")",
        b"https://", b"------\n", b"<script>", b"<![CDATA[", b"&#0;", b"&#xD800;", b"&#x110000;", b"<svg><math>",
        b"<", b">", b"&", b'"', b"\t", b"\x1b[31m", b"\xe6\x99", "普京".encode("gb18030")]
FAST = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)


@st.composite
def mutated_articles(draw: st.DrawFn) -> bytes:
    """A real article file with random damage."""
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(0, 6))):
        operation = draw(st.sampled_from(["truncate", "insert", "delete", "flip", "duplicate", "huge line",
                                          "line ends", "encoding", "nest"]))
        at = draw(st.integers(0, len(data)))
        if operation == "truncate":
            del data[at:]
        elif operation == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(JUNK), st.binary(min_size=1, max_size=16)))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(1, 40))
        elif operation == "huge line":
            data[at:at] = draw(st.sampled_from([b"x", b"<b>", "普".encode(), b"&amp;", b" "])) * draw(
                st.integers(1_000, 200_000))
        elif operation == "line ends":
            data = bytearray(bytes(data).replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n", b""]))))
        elif operation == "encoding":
            encoding = draw(st.sampled_from(["gb18030", "big5", "utf-16", "utf-16-le", "latin-1", "cp1252"]))
            data = bytearray(bytes(data).decode("utf-8", "replace").encode(encoding, "replace"))
        elif operation == "nest":
            tag = draw(st.sampled_from([b"div", b"b", b"table", b"a", b"p", b"li"]))
            data[at:at] = b"<" + tag + b">" * draw(st.integers(1, 3000))
    return bytes(data)


def check_read(name: str, data: bytes) -> RawArticle | None:
    """Read bytes; the result must be a sound RawArticle or an ArticleError that explains itself."""
    try:
        raw = parse_article(name, data)
    except ArticleError as error:
        problem = error.problem
        assert problem.file == name and problem.message and problem.hint and problem.line >= 0
        return None
    assert raw.captured_ms is None or EARLIEST_MS <= raw.captured_ms < LATEST_MS
    assert "\n" not in raw.title and "\r" not in raw.title and raw.body_line >= 1
    if raw.url:
        assert re.match(r"https?://", raw.url, re.IGNORECASE) and not re.search(r"\s", raw.url)
        urlsplit(raw.url).port  # noqa: B018 -- host and port can be read
    return raw


# --- reader --------------------------------------------------------------------------------


@FAST
@given(mutated_articles())
@example(b"\xff\xfe<")  # found by the first campaign: truncated UTF-16 raised UnicodeDecodeError (stopped the build)
@example(b"\xfe\xff\x00<\xd8\x00")  # UTF-16 with a lone surrogate
def test_fuzz_reader_on_mutated_articles(data: bytes) -> None:
    check_read("fuzz.txt", data)


@FAST
@given(st.binary(max_size=4096))
def test_fuzz_reader_on_random_bytes(data: bytes) -> None:
    check_read("fuzz.txt", data)


# --- the whole per-article pipeline ----------------------------------------------------------


@FAST
@given(mutated_articles())
def test_fuzz_every_article_read_is_processed(data: bytes) -> None:
    """An article the reader accepts never crashes the rest of the per-article work (clean, enrich, tags)."""
    raw = check_read("fuzz.txt", data)
    if raw is not None:
        try:
            process(raw, CONFIG)
        except ArticleError as error:  # no date anywhere, or neither title nor text: skipped, with the fix
            assert error.problem.file == "fuzz.txt" and error.problem.message and error.problem.hint


# --- cleaner -------------------------------------------------------------------------------

_tag_names = st.sampled_from(["p", "div", "span", "a", "img", "br", "table", "tr", "td", "li", "ul", "pre", "code",
                              "script", "style", "svg", "math", "mtext", "mglyph", "noscript", "template", "iframe",
                              "textarea", "title", "select", "option", "form", "object", "figure", "figcaption",
                              "address", "time", "i", "small", "h1", "xmp", "plaintext", "frameset", "base", "!--",
                              "b", "em", "strong", "q", "kbd", "samp", "sub", "sup", "del", "s", "blockquote", "h2",
                              "ol", "dl", "dt", "dd", "th", "caption", "details", "summary", "hr"])
_attributes = st.sampled_from(["", " href=javascript:alert(1)", ' src="x" onerror="alert(1)"', " srcset='x 1x'",
                               ' href="https://x.example/a"', ' src="/r.png"', ' style="x:url(javascript:1)"',
                               ' title="</noscript><img src=x onerror=alert(1)>"', " datetime=2024-06-18",
                               ' width="1" height="1"', " xlink:href=data:x", ' alt="[x](javascript:1)"'])
_texts = st.one_of(st.sampled_from(["", "普京", "获取更多RSS", "&lt;script&gt;", "&amp;", "<", ">", "]]>", "-->", "```",
                                    "[x](javascript:1)", "Sat, 08 Jun 2024 00:33:36 GMT", "\x00", "\u2028", "&#0;"]),
                   st.text(max_size=20))


def hostile_html() -> st.SearchStrategy[str]:
    """Random nested HTML from hostile and real pieces, often unbalanced."""
    return nested_html(_tag_names, _attributes, _texts, most_parts=5, most_depth=5,
                       closings=lambda tag: [f"</{tag}>", "", f"</{tag}"])


_base_urls = st.sampled_from(["", "https://news.example.com/a/b.html", "https://a%20b/x", "http://x.org:8080/"])
_permissive = MarkdownIt("commonmark", {"html": True})
_permissive.validateLink = lambda url: True  # type: ignore[method-assign]


@FAST
@given(html=st.one_of(hostile_html(), st.text(max_size=2000)), base=_base_urls)
# Found by the first cleaner campaign: a code span across a blank line (or a line starting an HTML
# block) ended early in the Markdown copy, and the code's text came out as raw <script>.
@example(html="<code><p>普京</p>&lt;script&gt;</code>", base="")
@example(html="<p><code>a\n&lt;script&gt;alert(1)&lt;/script&gt;</code></p>", base="")
# Found by the second: a backtick in text, or a code span right before another one, took the code
# span's delimiter, so the span closed early and its code came out as raw HTML.
@example(html="`<p><p><code><p></p</code></p>&lt;script&gt;</p>", base="")
@example(html="`<p><p><code><p></p</code></p><xmp><a></a></p>", base="")
@example(html="<p><code>a</code><code>` b `` &lt;script&gt;</code></p>", base="")
@example(html="<p><code>a</code><b><code>``x` &lt;script&gt;</code></b></p>", base="")
# Found by the third: <pre> inside a link or emphasis gave a fence that does not start a line.
@example(html="<p><div><i><div><pre>[x](javascript:1)</pre></div></i></div></p>", base="")
@example(html='<a href="https://x.example/"><pre>```\n&lt;script&gt;\n````</pre></a>', base="")
# Found by the fourth: <kbd> and <samp> still went through markdownify's own convert_code.
@example(html="<kbd>普京<p>[x](javascript:1)</p>", base="")
@example(html="<p><kbd>a</kbd><samp>` b `` &lt;script&gt;</samp></p>", base="")
# Found after issue #28 (lazy images): an image given an address with a host nh3 refuses lost it on the way
# out, and the second clean dropped the image left without one.
@example(html="<img srcset='x 1x'></img>", base="https://a%20b/x")
# Found the same day: nh3 reads a <noscript>'s content as raw text and hands it on unsanitized, so a
# javascript: link inside one reached the Markdown copy (noscripts are now renamed before nh3, as iframes).
@example(html="<p><noscript><a href=javascript:alert(1)><p>普京</p>", base="")
@example(html="<p><noscript><a href=javascript:alert(1)>普京", base="")
def test_fuzz_cleaner(html: str, base: str) -> None:
    """Any HTML → allow-listed HTML that cleans to itself again, and Markdown that renders to nothing unsafe."""
    body = clean_body(html, base)
    assert audit_fragment(body.html) == []
    again = clean_body(body.html, base)
    assert again.html == body.html and again.text == body.text
    rendered = lxml.html.fragment_fromstring(_permissive.render(body.markdown), create_parent="div")
    assert audit(rendered) == []
    assert all(re.match(r"(https?://|mailto:)", e.get("href") or e.get("src") or "", re.IGNORECASE)
               for e in rendered.iterdescendants("a", "img"))


# --- slugs ---------------------------------------------------------------------------------


@FAST
@given(url=st.text(max_size=200), title=st.text(max_size=200))
def test_fuzz_slugs(url: str, title: str) -> None:
    """Any URL line the reader accepts + any title → a slug of [a-z0-9-], 1..80 characters, not a device name."""
    line = f"<!--1717807142000-->\n[{title}](https://{url})\n------\n\n<p>x</p>\n".encode("utf-8", "surrogatepass")
    raw = check_read("fuzz.txt", line)
    candidates = [("", title.replace("\n", " "))] + ([(raw.url, raw.title)] if raw else [])
    for address, name in candidates:
        slug = article_slug(address, name)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= SLUG_MAX, slug
        assert not is_windows_reserved(slug)
        if address:
            normalize_url(address)


# --- tag names -----------------------------------------------------------------------------

_words = st.one_of(st.sampled_from(["Kim Jong Un", "Putin", "普京", "金正恩", "朝鮮", "O'Brien", "AI", "ai", "CON",
                                    "nul", "Ⅸ", "ı", "\u202e", "\x00", "\ufeff", ". ", "\n", "<script>", "x" * 300]),
                   st.text(max_size=30))


@FAST
@given(title=st.lists(_words, max_size=8).map(" ".join), texts=st.lists(st.lists(_words, max_size=40).map(" ".join),
                                                                         min_size=1, max_size=4),
       lang=st.sampled_from(["en", "zh-Hans", "zh-Hant"]), fixed=st.lists(_words, max_size=4))
def test_fuzz_tag_names(title: str, texts: list[str], lang: str, fixed: list[str]) -> None:
    """Any text → candidate tags that are clean names, and tag segments that are distinct and path-safe."""
    config = TagsConfig(fixed={"x.example": tuple(fixed)}, aliases={w: "Alias" for w in fixed[:1]},
                        stop=tuple(fixed[1:2]))
    candidates = [extract_candidates(title, text, lang, config) for text in texts]
    for article in candidates:
        for term, count, weight in article:
            assert term and term == clean_name(term) and count >= 1 and weight > 0, term
    months = [(2024, 1 + i % 12) for i in range(len(candidates))]
    tags = assign_tags(candidates, ["x.example"] * len(candidates), months, config)
    names = {t for article in tags for t in article}
    assert all(name and name == clean_name(name) for name in names), names
    segments = tag_segments(names)
    assert len({s.upper().casefold() for s in segments.values()}) == len(names)
    assert not any(is_windows_reserved(s) or s.endswith((".", " ")) or "/" in s for s in segments.values())
