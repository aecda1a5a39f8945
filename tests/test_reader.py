"""Reader: every input variant of docs/design.md §1 reads correctly; every broken file fails with a useful message."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from generator.article.reader import parse_article, parse_title_line, read_folder
from generator.errors import ArticleError
from generator.models import RawArticle

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = Path(__file__).parent.parent / "seeds"
VOA_URL = "https://www.voachinese.com/a/putin-visit/7647600.html"


def read_fixture(kind: str, case: str) -> RawArticle:
    """Parse tests/fixtures/<kind>/<case>.txt."""
    return parse_article(f"{case}.txt", (FIXTURES / kind / f"{case}.txt").read_bytes())


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_seeds_read(path: Path) -> None:
    raw = parse_article(path.name, path.read_bytes())
    assert raw.captured_ms > 1_600_000_000_000
    assert raw.title and "](" not in raw.title
    assert raw.url.startswith("https://")
    assert raw.body_html.startswith("<") and raw.body_line == 5
    assert raw.encoding == "utf-8"


@pytest.mark.parametrize(
    "case",
    ["bom", "crlf", "cr_only", "underline_equals", "underline_long", "no_blank_line", "extra_blank_lines", "gb18030"],
)
def test_variants_read_like_the_plain_file(case: str) -> None:
    raw = read_fixture("variants", case)
    assert raw.captured_ms == 1717807142000
    assert raw.title == "普京访问平壤"
    assert raw.url == VOA_URL
    assert raw.body_html == "<p>俄罗斯总统普京将于本周访问朝鲜。</p>"


def test_brackets_in_title_are_kept() -> None:
    raw = read_fixture("variants", "brackets_in_title")
    assert raw.title == "[视频] 普京(Putin)访问[朝鲜]"
    assert raw.url == VOA_URL


def test_parentheses_in_url_are_kept() -> None:
    raw = read_fixture("variants", "parentheses_in_url")
    assert raw.url == "https://en.wikipedia.org/wiki/Kim_(surname)"
    assert raw.title == "维基百科词条"


def test_big5_file_is_decoded() -> None:
    raw = read_fixture("variants", "big5")
    assert raw.encoding == "big5"
    assert raw.title == "普京訪問平壤，與朝鮮領導人會面"
    assert "俄羅斯總統" in raw.body_html


def test_gb18030_encoding_is_recorded() -> None:
    assert read_fixture("variants", "gb18030").encoding == "gb18030"


def test_empty_body_is_an_article() -> None:
    raw = read_fixture("variants", "empty_body")
    assert raw.body_html == ""
    assert raw.title == "普京访问平壤"


def test_missing_url_is_allowed() -> None:
    raw = read_fixture("variants", "no_url")
    assert raw.url == ""
    assert raw.title == "没有链接的文章"


# case → (line the message points at, words the message must contain)
BROKEN = {
    "empty": (0, "the file is empty"),
    "only_whitespace": (0, "the file is empty"),
    "ends_after_capture_time": (2, "ends after the capture time"),
    "title_line_missing": (2, "expected the title line [Title](https://original/url), found '普京访问平壤'"),
    "title_without_url": (2, "expected the title line"),
    "title_url_not_http": (2, "expected the title line"),
    "underline_missing": (4, "expected an underline of - or = below the title, found '<p>"),
    "ends_after_title": (3, "found the end of the file"),
    "binary_junk": (0, "not a text file"),
    "not_any_known_encoding": (0, "not text in UTF-8, GB18030 or Big5 (byte 0xff on line 2 is not UTF-8)"),
}


# case → what the reader says of the capture time (the file is still read; enrich recovers a date or skips it)
CAPTURE_TIME_BROKEN = {
    "no_capture_time": "the file has no capture time",
    "capture_time_not_a_number": "the capture time 'yesterday' is not a number",
}


def test_every_broken_fixture_has_a_case() -> None:
    cases = set(BROKEN) | set(CAPTURE_TIME_BROKEN) | {"capture_time_in_seconds"}
    assert {p.stem for p in (FIXTURES / "broken").glob("*.txt")} == cases


@pytest.mark.parametrize("case", sorted(CAPTURE_TIME_BROKEN))
def test_a_missing_or_broken_capture_time_is_read_and_noted(case: str) -> None:
    raw = read_fixture("broken", case)
    assert raw.captured_ms is None
    assert raw.capture_text.startswith(CAPTURE_TIME_BROKEN[case]) and raw.capture_line == 1
    assert raw.title and raw.url and raw.body_html


def test_a_capture_time_in_seconds_is_read_as_the_time_it_means_with_a_warning() -> None:
    raw = read_fixture("broken", "capture_time_in_seconds")
    assert raw.captured_ms == 1717807142000
    [warning] = raw.warnings
    assert (warning.line, warning.severity) == (1, "warning") and "in seconds" in warning.message


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_message(case: str) -> None:
    line, words = BROKEN[case]
    with pytest.raises(ArticleError) as caught:
        read_fixture("broken", case)
    problem = caught.value.problem
    assert problem.file == f"{case}.txt"
    assert problem.line == line
    assert words in problem.message
    assert problem.hint  # every message says how to fix it
    text = str(problem)
    assert text.startswith(f"{case}.txt:{line}: error: " if line else f"{case}.txt: error: ")
    assert ". Fix: " in text


def test_read_folder_skips_broken_files_and_keeps_the_rest(tmp_path: Path) -> None:
    for seed in SEEDS.glob("*.txt"):
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "broken.txt").write_bytes((FIXTURES / "broken" / "title_line_missing.txt").read_bytes())
    (tmp_path / ".hidden.txt").write_text("ignored")
    (tmp_path / "notes.md").write_text("ignored")
    result = read_folder(tmp_path)
    assert result.files_seen == 4
    assert len(result.articles) == 3
    assert [p.file for p in result.problems] == ["nested/broken.txt"]


def test_title_line_splits_at_first_url() -> None:
    assert parse_title_line("[a](b) c](https://x.org/p(1))") == ("a](b) c", "https://x.org/p(1)")
    assert parse_title_line("[t]()") == ("t", "")
    assert parse_title_line("[t](ftp://x)") is None
    assert parse_title_line("t](https://x)") is None


@given(st.binary(max_size=2048))
def test_reader_only_raises_its_own_error(data: bytes) -> None:
    try:
        raw = parse_article("fuzz.txt", data)
    except ArticleError as exc:
        assert exc.problem.file == "fuzz.txt" and exc.problem.message and exc.problem.hint
    else:
        assert isinstance(raw, RawArticle)


def _header_like() -> st.SearchStrategy[bytes]:
    """Bytes that look like an article with random damage, to reach deep reader branches."""
    lines = st.lists(
        st.one_of(
            st.sampled_from(["<!--1717807142000-->", "[t](https://x.org/a)", "------", "", "<p>x</p>", "==",
                             "<!--12-->", "[](", "\ufeff", "[a](b)](http://c)"]),
            st.text(max_size=40),
        ),
        max_size=8,
    )
    return st.builds(lambda ls, enc, nl: nl.join(ls).encode(enc, "replace"), lines,
                     st.sampled_from(["utf-8", "gb18030", "big5", "utf-16"]), st.sampled_from(["\n", "\r\n", "\r"]))


@given(_header_like())
def test_reader_on_damaged_articles_only_raises_its_own_error(data: bytes) -> None:
    try:
        parse_article("fuzz.txt", data)
    except ArticleError as exc:
        assert exc.problem.message and exc.problem.hint


_title_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60)
_url_path = st.text(st.sampled_from("abcxyz0189-_/()%.~"), max_size=40)


_body_text = st.text(st.characters(blacklist_characters="\r", blacklist_categories=("Cs",)), max_size=200)


@given(title=_title_text, path=_url_path, body=_body_text, ms=st.integers(800_000_000_000, 4_000_000_000_000))
def test_written_articles_read_back(title: str, path: str, body: str, ms: int) -> None:
    title, body = title.strip(), body.strip()
    assume(title and "](http" not in title)
    url = f"https://example.org/{path}"
    text = f"<!--{ms}-->\n[{title}]({url})\n------\n\n{body}\n"
    raw = parse_article("a.txt", text.encode("utf-8"))
    assert (raw.captured_ms, raw.title, raw.url) == (ms, title, url)
    assert raw.body_html == body


def _with_url(url: str) -> bytes:
    return f"<!--1717807142000-->\n[t]({url})\n------\n\n<p>x</p>\n".encode()


def test_characters_no_url_may_hold_are_percent_encoded() -> None:
    """Regression (XSS corpus): a control character in the URL stopped the whole build in the Atom writer,
    and a line separator there ends a line for YAML front matter readers."""
    raw = parse_article("a.txt", _with_url("https://x.org/a\x01b\x7f\x85\u2028\u202e\ufeff c\x0bd"))
    assert raw.url == "https://x.org/a%01b%7F%C2%85%E2%80%A8%E2%80%AE%EF%BB%BF%20c%0Bd"
    assert parse_article("a.txt", _with_url("https://x.org/普京?q=a&b=(1)")).url == "https://x.org/普京?q=a&b=(1)"


@pytest.mark.parametrize("url", ["https://[::1/a", "https://x.org:99999/a", "https://x.org:abc/", "https://x.org:-1/"])
def test_url_with_an_unreadable_host_or_port_is_an_error(url: str) -> None:
    """Regression (fuzzing): these made urlsplit and nh3 raise ValueError after reading, which skipped the
    file as a newsarchive bug instead of telling what to fix."""
    with pytest.raises(ArticleError) as caught:
        parse_article("a.txt", _with_url(url))
    assert caught.value.problem.line == 2 and "cannot be read" in caught.value.problem.message
