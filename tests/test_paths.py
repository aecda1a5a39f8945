"""Output paths (generator.paths): path-safe segments, relative links, and titles, URLs, tags and source
names built to escape the output folder or to collide.

Every output path must stay inside the output folder and be a valid, distinct file name on
every common file system: no `..`, no absolute or drive paths, no backslash, NUL or other
character Windows refuses, no reserved device name (CON, nul.txt, COM¹), no trailing dot or
space (Windows drops them), at most 255 bytes per segment, and no two paths that a
case-insensitive (macOS, Windows) or normalisation-insensitive (macOS) file system would take
for one. Checked on the helpers with Hypothesis and on a whole build of a hostile archive.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from generator.archive.tagging import segment_key, tag_segments
from generator.article.folding import clean_name
from generator.article.identity import article_slug
from generator.commands.build import BuildResult, build
from generator.config import parse_config
from generator.output.writer import lock_file
from generator.paths import _relative_path, is_windows_reserved, links_from, relative_url, safe_segment
from generator.search.pagefind import STAMP
from generator.text import strip_illegal

from .conftest import TEST_CONFIG_TOML

WINDOWS_INVALID = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
RESERVED = ["CON", "con", "PRN", "AUX", "nul", "NUL.txt", "aux.tar.gz", "COM1", "com9", "COM0", "LPT1", "lpt9",
            "COM¹", "LPT³", "CONIN$", "conout$", "CON .md", "nul "]


def assert_valid_segment(segment: str) -> None:
    """One path segment is a valid file name everywhere and cannot leave its folder."""
    assert segment and segment not in (".", ".."), segment
    assert not WINDOWS_INVALID.search(segment), segment
    assert not segment.startswith(".") and not segment.endswith((".", " ")), segment
    assert not is_windows_reserved(segment), segment
    assert len(segment.encode("utf-8")) <= 255, segment


# Names made of the pieces that cause trouble, so Hypothesis meets them often.
_pieces = st.sampled_from(["CON", "con", "nul", "Aux", "COM1", "lpt9", "COM¹", "conin$", ".", "..", "/", "\\", " ",
                           "%2e", "%2f", "\x00", ":", "txt", "a", "A", "ı", "I", "ß", "ss", "ﬁ", "fi", "Ⅸ", "IX",
                           "\u200b", "\u202e", "普京", "\ufeff", "~1"])
_names = st.one_of(st.text(max_size=60), st.lists(_pieces, max_size=8).map("".join))


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_device_names_are_recognised(name: str) -> None:
    assert is_windows_reserved(name)
    assert not is_windows_reserved("_" + name) and not is_windows_reserved("console") and not is_windows_reserved("com")


@given(_names)
@example("COM¹")
@example("lpt³.x")
@example("CONIN$")
@example("a.")
@example("a. ")
@example("con .txt")
def test_safe_segment_is_a_valid_file_name_everywhere(name: str) -> None:
    """Regression: COM0, COM¹, LPT³, CONIN$ were not seen as device names, and a trailing dot was kept."""
    segment = safe_segment(name)
    assert_valid_segment(segment)
    assert posixpath.normpath(posixpath.join("tags", segment, "index.html")).startswith("tags/")


_url_paths = st.lists(st.one_of(_pieces, st.text(max_size=12)), max_size=6).map("/".join)


@given(path=_url_paths, query=st.sampled_from(["", "?p=con", "?id=COM1", "?x=../.."]), title=_names)
@example(path="CON", query="", title="")
@example(path="", query="?p=con", title="")
@example(path="a/com1", query="", title="")
@example(path="LPT9.html", query="", title="")
def test_article_slug_is_never_a_reserved_name(path: str, query: str, title: str) -> None:
    """Regression: https://x.org/CON gave the slug "con", a folder Windows cannot create."""
    url = f"https://x.org/{path}{query}"
    for slug in (article_slug(url, title), article_slug("", title), article_slug("", path)):
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug) <= 80, slug
        assert_valid_segment(slug)


@given(st.lists(_names, max_size=14))
@example(["ı", "I"])
@example(["AI", "ai", "Ai"])
@example(["COM1", "COM¹"])
@example(["ß", "ss", "SS"])
@example(["Ⅸ", "IX", "ix"])
@example(["a.", "a", "a "])
@example(["index.html", "INDEX.HTML", "feed.xml"])
def test_tag_segments_are_distinct_on_every_file_system(names: list[str]) -> None:
    """Regression: "ı" and "I" got distinct segments that NTFS (which compares upper-cased names) takes for one."""
    segments = tag_segments(names)
    assert set(segments) == set(names)
    for segment in segments.values():
        assert_valid_segment(segment)
        assert segment.casefold() not in ("index.html", "feed.xml")
    for fold in (segment_key, str.casefold, str.upper, lambda s: unicodedata.normalize("NFD", s).casefold()):
        assert len({fold(s) for s in segments.values()}) == len(segments), fold


# --- a whole build ----------------------------------------------------------------------------

# (title, URL) of hostile articles. Titles without a URL name their slug; URLs name it otherwise.
HOSTILE_ARTICLES = [
    ("CON", ""), ("nul", ""), ("aux.txt", ""), ("COM1", ""), ("LPT9", ""), ("Con", ""),
    ("../../../etc/passwd", ""), ("/etc/passwd", ""), ("C:\\Windows\\System32", ""), ("..", ""), (".", ""),
    ("%2e%2e%2f%2e%2e%2fescape", ""), ("a\x00b", ""), ("trailing dot.", ""), ("trailing space ", ""),
    ("A" * 600, ""), ("A" * 600 + "B", ""), ("Same Title", ""), ("SAME TITLE", ""), ("same title", ""),
    ("con", "https://x.example/CON"), ("nul", "https://x.example/nul.txt"), ("com1", "https://x.example/a/com1"),
    ("p", "https://x.example/?p=con"), ("lpt", "https://x.example/LPT9.html"),
    ("dots", "https://x.example/../../etc/passwd"), ("enc", "https://x.example/%2e%2e/%2e%2e/escape"),
    ("bs", "https://x.example/a\\..\\..\\b"), ("case 1", "https://x.example/Story"), ("case 2", "https://x.example/story"),
    ("long", "https://x.example/" + "word-" * 200), ("long 2", "https://x.example/" + "word-" * 200 + "x"),
    ("host con", "https://con/x"), ("host CON.", "https://CON./y"), ("host nul", "https://nul.example/z"),
    ("host aux", "https://aux/"), ("host com1", "https://com1.x.example/"), ("host dots", "https://../x"),
]
HOSTILE_TAGS = ["CON", "con", "Con.txt", "nul", "COM1", "COM¹", "LPT9", "aux.txt", "CONIN$", "..", "../../escape",
                "/etc/passwd", "C:\\x", "%2e%2e%2f", "a\x00b", "a.", "a", "a ", "AI", "ai", "Ai", "ı", "I", "ß", "ss",
                "ﬁ", "fi", "Ⅸ", "IX", "index.html", "INDEX.HTML", "feed.xml", "x" * 300, "x" * 300 + "y", "\u202eevil"]


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, BuildResult]:
    """The hostile archive built: (the folder holding the output folder, the output folder, the result)."""
    root = tmp_path_factory.mktemp("paths")
    archive = root / "archive"
    archive.mkdir()
    for i, (title, url) in enumerate(HOSTILE_ARTICLES):
        ms = 1717807142000 + i * 3_600_000
        body = "<p>Alpha Bravo met Charlie Delta. Alpha Bravo and Charlie Delta spoke.</p>"
        (archive / f"{i:03d}.txt").write_text(f"<!--{ms}-->\n[{title}]({url})\n------\n\n{body}\n", encoding="utf-8")
    tags = ", ".join('"' + t.replace("\\", "\\\\").replace("\x00", "\\u0000") + '"' for t in HOSTILE_TAGS)
    # A Markdown copy beside each article page: the most paths an archive can make.
    config = parse_config(TEST_CONFIG_TOML + 'markdown_copies = "article"\n'
                          + f'[tags]\nper_article = 40\nfixed = {{ "x.example" = [{tags}] }}\n')
    out = root / "out" / "site"
    return root, out, build(archive, out, config)


def test_hostile_archive_builds_every_article(hostile_build: tuple[Path, Path, BuildResult]) -> None:
    _, out, result = hostile_build
    archive = result.archive
    assert len(archive.articles) == len(HOSTILE_ARTICLES) and not result.errors and not archive.duplicates
    assert len({a.path for a in archive.articles}) == len(archive.articles)
    for article in archive.articles:
        assert (out / article.path / "index.html").is_file() and (out / article.path / "index.md").is_file()
    pages = list((out / "articles").rglob("index.html"))
    assert len(pages) == len(archive.articles)  # nothing overwrote anything
    # Config tag names are folded first (Ⅸ → IX, COM¹ → COM1, controls dropped); the rest reach the paths as they are.
    fixed = {clean_name(strip_illegal(t)) for t in HOSTILE_TAGS}
    assert {"AI", "ai", "Ai", "ı", "I", "ß", "ss", "a.", "a", "CON", "con", "COM1", "INDEX.HTML"} <= fixed
    assert fixed == {t.name for t in archive.tags} & fixed
    assert len(list((out / "tags").glob("*/index.html"))) == len(archive.tags)
    assert len(list((out / "sources").glob("*/index.html"))) == len(archive.outlets) >= 6


def test_every_output_path_is_inside_distinct_and_valid(hostile_build: tuple[Path, Path, BuildResult]) -> None:
    root, out, _ = hostile_build
    # The output folder is a link to the live generation, kept with the others in the writer's hidden folder.
    state = out.parent / f".{out.name}.newsarchive"
    live = out.resolve()
    assert live.is_relative_to(state)
    written = [p for p in root.rglob("*") if not p.is_relative_to(root / "archive")]
    outside = [p for p in written if p not in (out, out.parent, lock_file(out)) and not p.is_relative_to(state)
               and not p.is_relative_to(out)]
    assert outside == [], "written outside the output folder"
    paths = [p.relative_to(live).as_posix() for p in live.rglob("*")]
    assert len(paths) > 300
    for path in paths:
        assert (live / path).resolve().is_relative_to(live), path
        for segment in path.split("/"):
            if segment == STAMP:  # the search index's own hidden stamp file
                continue
            assert_valid_segment(segment)
    for fold in (segment_key, str.upper):
        folded = [fold(p) for p in paths]
        clashes = {p for p in folded if folded.count(p) > 1}
        assert not clashes, (fold, clashes)


@pytest.mark.parametrize("name", ["..", ".", "../etc", "a/b", "a\\b", "%2e%2e", "nul\x00name", "CON", "con.txt",
                                  "x" * 300, "😀" * 100, "\u202eevil", "  ", ""])
def test_safe_segment_stays_in_its_folder(name: str) -> None:
    segment = safe_segment(name)
    assert segment and segment not in (".", "..") and not segment.startswith(".")
    assert "/" not in segment and "\\" not in segment and "\x00" not in segment and "%" not in segment
    assert len(segment.encode("utf-8")) <= 200
    assert posixpath.normpath(posixpath.join("tags", segment)).startswith("tags/")


def test_safe_segment_keeps_chinese() -> None:
    assert safe_segment("普京") == "普京"
    assert safe_segment("美国之音 VOA") == "美国之音-VOA"


@given(st.text(max_size=400))
def test_safe_segment_property(name: str) -> None:
    segment = safe_segment(name)
    assert segment and not segment.startswith(".")
    assert not set(segment) & set('/\\?#%:*"<>|\x00')
    assert posixpath.normpath(posixpath.join("tags", segment, "index.html")).startswith("tags/")


@pytest.mark.parametrize(("page", "target", "link"), [
    ("index.html", "archive/", "archive/index.html"),
    ("archive/2024/06/index.html", "", "../../../index.html"),
    ("articles/2024/06/08/s/index.html", "articles/2024/06/18/t/", "../../18/t/index.html"),
    ("articles/2024/06/08/s/index.html", "feed.xml", "../../../../../feed.xml"),
    ("tags/普京/index.html", "tags/金正恩/", "../%E9%87%91%E6%AD%A3%E6%81%A9/index.html"),
])
def test_relative_url(page: str, target: str, link: str) -> None:
    assert relative_url(page, target) == link


_SEGMENTS = st.lists(st.sampled_from(["a", "b", "articles", "2024", "06", "tags", "普京", "index.html"]), max_size=5)


@given(_SEGMENTS, _SEGMENTS.filter(bool))
def test_relative_links_agree_with_relpath(folder: list[str], target: list[str]) -> None:
    start, path = "/".join(folder), "/".join(target)
    assume(path != start and not start.startswith(path + "/"))  # a file cannot be a folder of the page
    assert _relative_path(start, path) == posixpath.relpath(path, start or ".")


@given(_SEGMENTS, _SEGMENTS, st.sampled_from(["", "/"]))
def test_a_pages_link_maker_links_as_relative_url_does(folder: list[str], target: list[str], end: str) -> None:

    page, path = "/".join([*folder, "index.html"]), "/".join(target) + end
    assert links_from(page)(path) == relative_url(page, path)
