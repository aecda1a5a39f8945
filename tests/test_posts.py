"""Jekyll-style posts: YAML front matter followed by the seed format, plain HTML or Markdown, and a Jekyll
site folder read without its non-post files (issue #28)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.article.enrich import process_file
from generator.article.posts import front_matter, parse_date
from generator.article.reader import parse_article, read_folder, scan_folder
from generator.commands import cli
from generator.config import Config
from generator.errors import ArticleError
from generator.models import Processed, RawArticle, Skipped

POSTS = Path(__file__).parent / "fixtures" / "posts"
SEEDS = Path(__file__).parent.parent / "seeds"
CONFIG = Config()


def read_post(name: str) -> RawArticle:
    """Parse tests/fixtures/posts/<name>."""
    return parse_article(name, (POSTS / name).read_bytes())


def processed(name: str) -> Processed:
    """The per-article work on tests/fixtures/posts/<name>, which must give an article."""
    outcome, _ = process_file(name, (POSTS / name).read_bytes(), "", CONFIG)
    assert isinstance(outcome, Processed), outcome
    return outcome


def test_front_matter_and_plain_html_body() -> None:
    raw = read_post("2021-05-11-plain-html.md")
    # \" is YAML's, and the entities (&amp; and &#38;) are unescaped once
    assert raw.title == '资中筠：1900 & 2020 "庚子年"的忧思 & 展望'
    assert raw.posted == datetime(2021, 5, 11, 3, 30, tzinfo=UTC)
    assert raw.author == "黎敏"
    # `from` was percent-encoded twice: the real URL is encoded once; slugs and ids use it as written
    assert raw.url == "https://matters.news/@someone/%E5%BA%9A%E5%AD%90%E5%B9%B4-bafyreiabc"
    assert raw.url_as_written.startswith("https://matters.news/@someone/%25E5%25BA")
    assert raw.captured_ms is None and raw.capture_text == "" and not raw.warnings
    assert raw.body_format == "html" and raw.body_html.startswith('<article class="post">')
    assert raw.body_line == 12


def test_a_plain_post_is_dated_by_its_front_matter_without_a_warning() -> None:
    outcome = processed("2021-05-11-plain-html.md")
    article = outcome.article
    assert article.date_source == "front matter" and not outcome.warnings
    assert article.captured == datetime(2021, 5, 11, 11, 30, tzinfo=CONFIG.zone)
    assert article.author == "黎敏"  # from the front matter: the body names none
    assert article.slug == "geng-zi-nian-bafyreiabc"  # pinyin, not the escape residue e5-ba-9a-…


def test_front_matter_then_seed_header() -> None:
    raw = read_post("2021-05-12-seed-header.md")
    assert raw.captured_ms == 1717807142000
    assert (raw.title, raw.url) == ("普京访问平壤", "https://www.voachinese.com/a/putin-visit/7647600.html")
    assert raw.body_html == "<p>俄罗斯总统普京将于本周访问朝鲜。</p>" and raw.body_line == 14
    assert not raw.warnings
    assert processed("2021-05-12-seed-header.md").article.date_source == "capture time"


def test_a_nan_capture_time_is_a_warning_and_the_front_matter_dates_the_post() -> None:
    raw = read_post("2021-05-13-nan-capture-time.md")
    assert raw.captured_ms is None and raw.capture_text == "the capture time 'NaN' is not a number"
    assert raw.capture_line == 10
    outcome = processed("2021-05-13-nan-capture-time.md")
    assert outcome.article.date_source == "front matter"
    assert outcome.article.captured == datetime(2021, 5, 13, 12, 0, 7, 314000, tzinfo=CONFIG.zone)
    [warning] = outcome.warnings
    assert (warning.line, warning.severity) == (10, "warning")
    assert "'NaN' is not a number; the article is dated 2021-05-13 12:00 from its front matter" in warning.message


def test_a_markdown_body_is_rendered_as_markdown() -> None:
    raw = read_post("2021-05-14-markdown-body.md")
    assert raw.body_format == "markdown"
    assert raw.url == "https://example.org/2021/05/14/a-markdown-post/"  # from `link`
    assert raw.posted == datetime(2021, 5, 14, 9, 36, 39, tzinfo=timezone(timedelta(hours=1)))
    _, content = process_file("2021-05-14-markdown-body.md", (POSTS / "2021-05-14-markdown-body.md").read_bytes(),
                              "", CONFIG)
    assert content is not None
    assert "<em>first</em>" in content.html and "<h2>A heading</h2>" in content.html
    assert '<a href="https://example.org/elsewhere"' in content.html and "<li>two</li>" in content.html


def test_an_html_body_in_a_md_file_is_not_read_as_markdown() -> None:
    assert read_post("2021-05-11-plain-html.md").body_format == "html"


def test_a_body_opening_with_its_own_comment_is_not_taken_for_a_seed_header() -> None:
    raw = read_post("2021-05-19-wordpress-comment-first.md")
    assert raw.captured_ms is None and raw.capture_text == ""
    assert raw.body_html.startswith("<!-- wp:paragraph -->")
    assert processed("2021-05-19-wordpress-comment-first.md").article.text_length > 10


def test_broken_yaml_is_the_files_own_error_with_line_and_fix() -> None:
    with pytest.raises(ArticleError) as caught:
        read_post("2021-05-15-broken-yaml.md")
    problem = caught.value.problem
    assert (problem.file, problem.line, problem.severity) == ("2021-05-15-broken-yaml.md", 3, "error")
    assert "the front matter is not valid YAML" in problem.message and "quote the value" in problem.hint
    outcome, _ = process_file("x.md", (POSTS / "2021-05-15-broken-yaml.md").read_bytes(), "", CONFIG)
    assert isinstance(outcome, Skipped)  # skipped, never a crash


def test_an_unclosed_front_matter_is_an_error() -> None:
    with pytest.raises(ArticleError) as caught:
        read_post("2021-05-17-front-matter-never-closed.md")
    assert caught.value.problem.line == 1 and "never closed" in caught.value.problem.message


def test_where_front_matter_and_header_disagree_the_front_matter_wins_with_warnings() -> None:
    raw = read_post("2021-05-16-header-disagrees.md")
    assert (raw.title, raw.url) == ("The front matter's title", "https://example.org/news/the-story")
    assert raw.captured_ms == 1621123200000  # the capture time is kept for the date
    messages = [w.message for w in raw.warnings]
    assert any("title" in m and "the front matter's is used" in m for m in messages)
    assert any("URL" in m and "the front matter's is used" in m for m in messages)
    assert any("days apart; the capture time is used" in m for m in messages)
    assert all(w.severity == "warning" and w.line for w in raw.warnings)
    assert processed("2021-05-16-header-disagrees.md").warnings == raw.warnings


def test_a_bad_front_matter_date_is_a_warning_and_the_file_name_dates_the_post() -> None:
    raw = read_post("2021-05-18-no-date-in-front-matter.html")
    assert raw.posted is None and raw.url == ""  # a site path in `url` is no original URL
    assert [w.line for w in raw.warnings] == [3]
    outcome = processed("2021-05-18-no-date-in-front-matter.html")
    assert outcome.article.date_source == "file name"
    assert outcome.article.captured == datetime(2021, 5, 18, tzinfo=CONFIG.zone)


@pytest.mark.parametrize(("text", "expected"), [
    ("2021-05-12T04:00:07.314Z", datetime(2021, 5, 12, 4, 0, 7, 314000, tzinfo=UTC)),
    ("2014-02-04 09:36:39 +0100", datetime(2014, 2, 4, 9, 36, 39, tzinfo=timezone(timedelta(hours=1)))),
    ("2016-06-15T12:50:35+02:00", datetime(2016, 6, 15, 12, 50, 35, tzinfo=timezone(timedelta(hours=2)))),
    ("2020-05-23", datetime(2020, 5, 23)),
    ("2020-05-23 08:00", datetime(2020, 5, 23, 8, 0)),
    ("NaN", None),
    ("2021-13-45", None),
])
def test_front_matter_dates(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("block", ["title: [a, b]", "tags: {a: 1}", "- a\n- b"])
def test_front_matter_of_the_wrong_shape_is_an_error(block: str) -> None:
    with pytest.raises(ArticleError):
        front_matter("x.md", ["---", *block.split("\n"), "---", "<p>x</p>"])


def test_front_matter_values_stay_text() -> None:
    found, start = front_matter("x.md", ["---", "title: yes", "tags: 2020 news", "author:", "---", "body"])
    assert found is not None and start == 5
    assert (found.title, found.tags, found.author) == ("yes", ("2020", "news"), "")


def jekyll_site(root: Path) -> None:
    """A Jekyll site: posts in _posts and category/_posts, and everything else a site holds."""
    for name in ("2021-05-11-plain-html.md", "2021-05-12-seed-header.md"):
        (root / "_posts").mkdir(parents=True, exist_ok=True)
        (root / "_posts" / name).write_bytes((POSTS / name).read_bytes())
    (root / "news" / "_posts").mkdir(parents=True)
    (root / "news" / "_posts" / "2021-05-13-nan-capture-time.md").write_bytes(
        (POSTS / "2021-05-13-nan-capture-time.md").read_bytes())
    for name, text in {"_config.yml": "title: x\n", "_layouts/post.html": "{{ content }}", "README.md": "# site\n",
                       "_includes/head.html": "<head>", "index.md": "---\nlayout: home\n---\n", "robots.txt": "x",
                       "about.html": "---\ntitle: About\n---\n<p>about</p>", "assets/notes.txt": "x",
                       "_site/2021/05/11/x.html": "<p>built</p>", "_drafts/2021-06-01-draft.md": "---\n---\n",
                       "2021-05-20-loose-post.md": "---\ntitle: t\n---\n"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def test_a_jekyll_site_is_read_without_its_non_post_files(tmp_path: Path) -> None:
    jekyll_site(tmp_path)
    names = [name for name, _, _ in scan_folder(tmp_path)]
    assert names == ["_posts/2021-05-11-plain-html.md", "_posts/2021-05-12-seed-header.md",
                     "news/_posts/2021-05-13-nan-capture-time.md"]
    assert [name for name, _, _ in scan_folder(tmp_path / "_posts")] == [
        "2021-05-11-plain-html.md", "2021-05-12-seed-header.md"]


def test_a_plain_folder_reads_seeds_and_dated_posts_but_not_notes(tmp_path: Path) -> None:
    (tmp_path / "2021-05-12-seed-header.md").write_bytes((POSTS / "2021-05-12-seed-header.md").read_bytes())
    (tmp_path / "a.txt").write_bytes(next(SEEDS.glob("*.txt")).read_bytes())
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    (tmp_path / "page.html").write_text("<p>x</p>", encoding="utf-8")
    result = read_folder(tmp_path)
    assert [a.source_file for a in result.articles] == ["2021-05-12-seed-header.md", "a.txt"]
    assert result.files_seen == 2 and not result.problems


def test_build_and_check_read_a_jekyll_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jekyll_site(tmp_path / "site-source")
    assert cli.main(["check", "--input", str(tmp_path / "site-source")]) == 0
    out = capsys.readouterr().out
    assert "3 articles from 3 files (0 skipped, 0 duplicates)" in out
    assert cli.main(["build", "--input", str(tmp_path / "site-source"), "--output", str(tmp_path / "out"),
                     "--quiet", "--no-cache"]) == 0
    pages = sorted(p.parent.name for p in (tmp_path / "out" / "articles").rglob("index.html"))
    assert pages == ["609383361b655f495f2d1d79", "geng-zi-nian-bafyreiabc", "putin-visit-7647600"]


_yaml_lines = st.lists(st.one_of(
    st.sampled_from(["title: \"a \\\" b\"", "date: 2021-05-11T00:00:00Z", "date: NaN", "from: https://x.org/%25E5",
                     "tags: [ a, b ]", "tags: [", "- x", "  nested: 1", "title: &a x", "t: *a", "? complex",
                     "categories: {a: b}", "title: !!binary aGk=", "url: /a.html", "author: [x]", "'", "\t", "..."]),
    st.text(max_size=30)), max_size=8)


@given(lines=_yaml_lines, body=st.sampled_from(["<p>x</p>", "<!--NaN-->\n[t](https://x.org/a)\n------\n\n<p>x</p>",
                                                 "", "*md*"]))
def test_any_front_matter_is_read_or_refused_with_its_line(lines: list[str], body: str) -> None:
    data = "\n".join(["---", *lines, "---", body]).encode("utf-8", "surrogatepass")
    try:
        raw = parse_article("2021-05-11-x.md", data)
    except ArticleError as error:
        assert error.problem.message and error.problem.hint and error.problem.line >= 0
        return
    outcome, _ = process_file("2021-05-11-x.md", data, "", CONFIG)
    assert isinstance(outcome, Processed | Skipped)
    assert raw.captured_ms is None or raw.captured_ms > 0
