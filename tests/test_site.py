"""The built seed site: pages, links, feed, sitemap, determinism, duplicates and the writer."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from generator.commands.build import BuildResult, build
from generator.config import Config

from .conftest import SEEDS, month_copy_articles

BASE = "https://archive.example.org/news/"


def html_pages(site: Path) -> list[Path]:
    """Every HTML page of a site."""
    return sorted(site.rglob("*.html"))


def local_target(site: Path, page: Path, link: str) -> Path | None:
    """A link on a page → the file it points to inside the site, or None when it leaves the site."""
    parts = urlsplit(link)
    if parts.scheme or link.startswith(("#", "//")) or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):  # root-relative (the 404 page): relative to base_url's path
        base_path = urlsplit(BASE).path
        assert path.startswith(base_path), f"{page}: {link} is outside the site's path"
        target = site / path[len(base_path):]
    else:
        target = page.parent / path
    return target / "index.html" if path.endswith("/") or target.is_dir() else target


def test_expected_pages_exist(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    assert len(result.archive.articles) == 3
    for path in ["index.html", "archive/index.html", "archive/2024/06/index.html", "archive/2023/09/index.html",
                 "feed.xml", "404.html", "robots.txt", "sitemap.xml", "static/style.css"]:
        assert (site / path).is_file(), path
    for article in result.archive.articles:
        assert (site / article.path / "index.html").is_file()
        assert not (site / article.path / "index.md").exists()  # the Markdown copies are by month
        assert article.path.startswith(f"articles/{article.captured:%Y/%m/%d}/")
    for month in result.archive.months:
        assert (site / month.path / "index.md").is_file()


def test_every_internal_link_resolves(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    broken = []
    checked = 0
    for page in html_pages(site):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["a", "link", "img", "script"]):
            link = tag.get("href") or tag.get("src")
            if not link:
                continue
            target = local_target(site, page, str(link))
            if target is None:
                continue
            checked += 1
            if not target.resolve().is_file() or site.resolve() not in target.resolve().parents:
                broken.append(f"{page.relative_to(site)} → {link}")
    assert checked > 50
    assert not broken, broken


def test_internal_links_are_relative(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    for page in html_pages(site):
        if page.name == "404.html":
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["a", "link"]):
            href = str(tag.get("href", ""))
            if tag.get("rel") == ["canonical"]:
                assert href.startswith(BASE)
            else:
                assert not href.startswith(("/", BASE)), f"{page}: {href}"


def test_every_page_has_feed_autodiscovery(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    for page in html_pages(site):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links = soup.find_all("link", rel="alternate", type="application/atom+xml")
        assert links, page
        target = local_target(site, page, links[0]["href"])
        assert target is not None and target.resolve() == (site / "feed.xml").resolve(), page


def test_article_page_shows_what_readers_need(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    nyt = next(a for a in result.archive.articles if "nytimes" in a.url)
    soup = BeautifulSoup((site / nyt.path / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.h1.get_text() == "普京将访问朝鲜，为俄乌战争寻求武器支持"
    assert soup.select_one(".outlet").get_text() == "纽约时报中文网"
    assert soup.select_one(".author").get_text() == "CHOE SANG-HUN"
    meta_time = soup.select_one(".meta time")
    assert meta_time["datetime"] == "2024-06-18T12:44:20+08:00"
    assert soup.select_one("a.original")["href"] == nyt.url
    assert soup.select_one(".body figure img")["loading"] == "lazy"
    assert soup.find("a", href="../../../../../archive/2024/06/index.md", type="text/markdown")
    older = soup.select_one('.pager a[rel="next"]')
    assert older is not None and "普京或很快访平壤" in older.get_text()
    assert "获取更多RSS" not in soup.get_text()


def test_capture_time_is_in_the_configured_timezone(seed_site: tuple[Path, BuildResult]) -> None:
    _, result = seed_site
    first = next(a for a in result.archive.articles if "7647600" in a.url)
    assert first.captured.isoformat() == "2024-06-08T08:39:02+08:00"  # 1717807142000 ms in Asia/Shanghai


def test_front_page_is_grouped_by_day_newest_first(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    days = [t["datetime"] for t in soup.select("section.day h2 time")]
    assert days == ["2024-06-18", "2024-06-08", "2023-09-14"]


def test_month_page_lists_only_its_month(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    soup = BeautifulSoup((site / "archive/2024/06/index.html").read_text(encoding="utf-8"), "html.parser")
    assert len(soup.select("li.item")) == 2
    archive = (site / "archive/index.html").read_text(encoding="utf-8")
    assert "<svg" in archive and "<script" not in archive


def test_markdown_copy(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    nyt = next(a for a in result.archive.articles if "nytimes" in a.url)
    markdown = (site / "archive/2024/06/index.md").read_text(encoding="utf-8")
    assert markdown.startswith("# 普京将访问朝鲜，为俄乌战争寻求武器支持\n\n```yaml\n"
                               'title: "普京将访问朝鲜，为俄乌战争寻求武器支持"\n')
    (values, _, body), _ = month_copy_articles(markdown)
    assert values["original"] == nyt.url and values["archived"] == BASE + nyt.path
    assert "[特别是因为它有能力](https://cn.nytimes.com/asia-pacific/20230915/north-south-korea-ukraine/)" in body


def test_feed_parses_and_every_entry_is_complete(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "测试存档"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == BASE + "feed.xml" and links["alternate"] == BASE
    assert len(feed.entries) == 3
    newest = max(a.captured for a in result.archive.articles)
    assert datetime.fromisoformat(feed.feed.updated) == newest  # newest entry, never the build time
    for entry, article in zip(feed.entries, result.archive.articles, strict=True):
        assert entry.id == article.entry_id and entry.id.startswith("urn:uuid:")
        assert entry.title == article.title
        entry_links = {link.rel: link.href for link in entry.links}
        assert entry_links["alternate"] == BASE + article.path
        assert (site / article.path / "index.html").is_file()
        assert entry_links["related"] == article.url
        assert datetime.fromisoformat(entry.updated) == article.captured
        assert entry.published
        assert entry.author in (article.author, article.outlet.name) and entry.author
        assert entry.summary == article.summary
        assert entry.content[0].type == "text/html" and "<p>" in entry.content[0].value
        assert "<script" not in entry.content[0].value
        assert entry.tags[0].label == article.outlet.name


def test_feed_is_limited_to_feed_entries(seed_copy: Path, tmp_path: Path, config: Config) -> None:
    import dataclasses
    build(seed_copy, tmp_path / "site", dataclasses.replace(config, feed_entries=2))
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert len(feed.entries) == 2
    assert "2024-06-18" in feed.entries[0].updated


def test_sitemap_and_robots(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    sitemap = BeautifulSoup((site / "sitemap.xml").read_text(encoding="utf-8"), "xml")
    locations = {loc.get_text() for loc in sitemap.find_all("loc")}
    assert {BASE + a.path for a in result.archive.articles} <= locations
    assert BASE in locations and BASE + "archive/2024/06/" in locations
    assert f"Sitemap: {BASE}sitemap.xml" in (site / "robots.txt").read_text()


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file below folder → its SHA-256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_builds_are_byte_identical(tmp_path: Path, config: Config) -> None:
    build(SEEDS, tmp_path / "one", config)
    build(SEEDS, tmp_path / "two", config)
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_rebuild_writes_nothing_when_nothing_changed(tmp_path: Path, config: Config) -> None:
    first = build(SEEDS, tmp_path / "site", config)
    second = build(SEEDS, tmp_path / "site", config)
    assert first.written is not None and first.written.written > 10
    assert second.written is not None
    assert (second.written.written, second.written.removed) == (0, 0)
    assert second.written.unchanged == first.written.written


def test_input_is_never_modified(seed_copy: Path, tmp_path: Path, config: Config) -> None:
    (seed_copy / "broken.txt").write_text("not an article")
    before = tree_digest(seed_copy)
    build(seed_copy, tmp_path / "site", config)
    assert tree_digest(seed_copy) == before


def test_broken_file_is_skipped_and_the_rest_builds(seed_copy: Path, tmp_path: Path, config: Config) -> None:
    (seed_copy / "broken.txt").write_text("<!--1717807142000-->\nno title here\n------\n\n<p>x</p>\n")
    result = build(seed_copy, tmp_path / "site", config)
    assert len(result.archive.articles) == 3
    assert [(p.file, p.line) for p in result.errors] == [("broken.txt", 2)]


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "普京", ""]), max_size=12))
def test_repeated_keys_are_those_seen_more_than_once(keys: list[str]) -> None:
    from generator.archive.assemble import _repeated

    assert _repeated(keys) == {key for key, count in Counter(keys).items() if count > 1}


def test_same_story_captured_twice_becomes_one_article(seed_copy: Path, tmp_path: Path, config: Config) -> None:
    original = next(seed_copy.glob("000_*.txt"))
    text = original.read_text(encoding="utf-8")
    recaptured = text.replace("<!--1717807142000-->", "<!--1717900000000-->", 1)
    recaptured = recaptured.replace("7647600.html)", "7647600.html?utm_source=rss&utm_medium=feed#top)", 1)
    recaptured = recaptured.replace("[普京或很快访平壤", "[更新：普京或很快访平壤", 1)
    (seed_copy / "zzz_recapture.txt").write_text(recaptured, encoding="utf-8")
    result = build(seed_copy, tmp_path / "site", config)
    assert len(result.archive.articles) == 3
    [duplicate] = result.archive.duplicates
    assert (duplicate.dropped, duplicate.kept) == (original.name, "zzz_recapture.txt")
    kept = next(a for a in result.archive.articles if "7647600" in a.url)
    assert kept.title.startswith("更新：")  # the latest capture wins
    assert kept.entry_id == next(a for a in build(SEEDS, tmp_path / "s2", config).archive.articles
                                 if "7647600" in a.url).entry_id


def test_removed_article_pages_are_removed(seed_copy: Path, tmp_path: Path, config: Config) -> None:
    site = tmp_path / "site"
    first = build(seed_copy, site, config)
    # Pagefind's index is written after the writer, so its files are not in the writer's report.
    files_before = {p for p in tree_digest(site) if not p.startswith("pagefind/")}
    gone = next(a for a in first.archive.articles if "nytimes" in a.url)
    next(seed_copy.glob("003_*.txt")).unlink()
    second = build(seed_copy, site, config)
    files_after = {p for p in tree_digest(site) if not p.startswith("pagefind/")}
    # The page goes, and with it the publisher's page and feed and the page and feed of 乌克兰, a tag
    # that now has one article, below tags.min_articles.
    assert {gone.path + "index.html", "sources/cn.nytimes.com/feed.xml",
            "tags/乌克兰/feed.xml"} <= files_before - files_after
    assert gone.title not in (site / "archive/2024/06/index.md").read_text(encoding="utf-8")
    assert second.written is not None and second.written.removed == len(files_before - files_after)
    assert not (site / gone.path).exists()
    assert not (site / "articles/2024/06/18").exists()  # emptied folders go too
    assert tree_digest(site) == tree_digest(_fresh_build(seed_copy, tmp_path / "fresh", config))


def _fresh_build(archive: Path, out: Path, config: Config) -> Path:
    """Build archive into a new folder; return the folder."""
    build(archive, out, config)
    return out


def test_empty_archive_builds_a_site(tmp_path: Path, config: Config) -> None:
    (tmp_path / "empty").mkdir()
    result = build(tmp_path / "empty", tmp_path / "site", config)
    assert result.archive.articles == ()
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries == []
    assert (tmp_path / "site" / "index.html").is_file()


def test_hostile_article_renders_safely(tmp_path: Path, config: Config) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "xss.txt").write_text(
        '<!--1717807142000-->\n[<script>alert("t")</script>标题 & "引号"](https://evil.example/a?x="><script>)\n'
        '------\n\n<p onclick="alert(1)">正文<script>alert(2)</script></p><img src=x onerror=alert(3)>\n',
        encoding="utf-8")
    result = build(archive, tmp_path / "site", config)
    [article] = result.archive.articles
    page = (tmp_path / "site" / article.path / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "onclick" not in page and "onerror" not in page
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;标题 &amp; &#34;引号&#34;" in page
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert not feed.bozo
    assert feed.entries[0].title == '<script>alert("t")</script>标题 & "引号"'


def test_an_article_that_crashes_processing_is_skipped_not_fatal(config: Config,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.article import enrich
    from generator.article.enrich import process
    from generator.commands.build import load_archive

    def fragile(raw, cfg, key):  # stands in for any bug the per-article code may still have
        if raw.source_file.startswith("002_"):
            raise RecursionError("maximum recursion depth exceeded")
        return process(raw, cfg, key)

    monkeypatch.setattr(enrich, "process", fragile)
    archive, files_seen = load_archive(SEEDS, config)
    assert files_seen == 3 and len(archive.articles) == 2
    [problem] = [p for p in archive.problems if p.severity == "error"]
    assert problem.file.startswith("002_") and problem.line == 5
    assert "could not be processed (RecursionError: maximum recursion depth exceeded)" in problem.message
    assert "report it with the file attached" in problem.hint
