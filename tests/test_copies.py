"""Markdown copies (config markdown_copies): by month (the default, in parts of whole days past a size), beside
each article, or none; every article in exactly one copy, linked from its page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.commands.build import build
from generator.config import parse_config
from generator.errors import ConfigError
from generator.site import copies

from .conftest import SEEDS, TEST_CONFIG_TOML, month_copy_articles, site_snapshot


def write_day(folder: Path, day: int, count: int, start: int = 0) -> None:
    """Write `count` articles captured on June `day`, 2024 (numbered from start)."""
    for n in range(start, start + count):
        moment = datetime(2024, 6, day, 2, tzinfo=UTC) + timedelta(minutes=n)
        ms = int(moment.timestamp() * 1000)
        header = f"<!--{ms}-->\n[六月{day}日第{n}篇](https://news.example.com/{day}/{n}.html)\n------\n\n"
        (folder / f"d{day:02d}-{n}.txt").write_text(f"{header}<p>正文 {day} {n}。</p>\n", encoding="utf-8")


def markdown_link(site: Path, page: str) -> str | None:
    """A page of the site → where its Markdown link points (site-relative), None without one."""
    soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
    link = soup.find("a", type="text/markdown")
    if link is None:
        return None
    return (site / page).parent.joinpath(link["href"]).resolve().relative_to(site.resolve()).as_posix()


def test_a_big_month_is_cut_into_parts_of_whole_days_and_every_article_is_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(copies, "PART_ARTICLES", 4)
    archive = tmp_path / "archive"
    archive.mkdir()
    for day in (1, 2, 3, 4):
        write_day(archive, day, 2)
    config = parse_config(TEST_CONFIG_TOML)
    site = tmp_path / "site"
    result = build(archive, site, config, cache_dir=tmp_path / "cache")
    month = "archive/2024/06/"
    assert sorted(p.name for p in (site / month).glob("*.md")) == ["index-03.md", "index.md"]
    found = {}
    for name in ("index.md", "index-03.md"):
        for values, _, _ in month_copy_articles((site / month / name).read_text(encoding="utf-8")):
            found.setdefault(values["title"], []).append(name)
    assert found == {a.title: ["index.md" if a.captured.day <= 2 else "index-03.md"] for a in result.archive.articles}
    for article in result.archive.articles:
        assert markdown_link(site, article.path + "index.html") == month + found[article.title][0]
    month_page = BeautifulSoup((site / month / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in month_page.select("p.markdown a")] == ["index.md", "index-03.md"]
    # One more article, the oldest: the first part no longer holds the 1st and 2nd, so the parts after it
    # move by a day, and the pages of the 3rd and 4th (whose neighbours are the same) link their new
    # part; the same site as a build from nothing.
    write_day(archive, 1, 1, start=-1)
    build(archive, site, config, cache_dir=tmp_path / "cache")
    assert sorted(p.name for p in (site / month).glob("*.md")) == ["index-02.md", "index-04.md", "index.md"]
    assert markdown_link(site, result.archive.articles[0].path + "index.html") == month + "index-04.md"
    build(archive, tmp_path / "fresh", config)
    assert site_snapshot(site) == site_snapshot(tmp_path / "fresh")


def test_markdown_copies_beside_each_article(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build(SEEDS, site, parse_config(TEST_CONFIG_TOML + 'markdown_copies = "article"\n'))
    assert not list(site.glob("archive/*/*/*.md"))
    for article in result.archive.articles:
        assert (site / article.path / "index.md").read_text(encoding="utf-8").startswith("---\ntitle: ")
        assert markdown_link(site, article.path + "index.html") == article.path + "index.md"
        page = BeautifulSoup((site / article.path / "index.html").read_text(encoding="utf-8"), "html.parser")
        assert page.find("link", rel="alternate", type="text/markdown")["href"] == "index.md"


def test_no_markdown_copies(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build(SEEDS, site, parse_config(TEST_CONFIG_TOML + 'markdown_copies = "none"\n'))
    assert not list(site.resolve().rglob("*.md"))
    for page in [a.path + "index.html" for a in result.archive.articles] + [
        m.path + "index.html" for m in result.archive.months
    ]:
        assert markdown_link(site, page) is None, page


def test_markdown_copies_takes_only_its_three_values() -> None:
    with pytest.raises(
        ConfigError, match='markdown_copies must be one of month, article, none, not "day"'.replace('"', "'")
    ):
        parse_config('markdown_copies = "day"')
