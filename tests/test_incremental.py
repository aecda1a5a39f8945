"""Incremental builds (issue #5): the cache, changed-only rendering, stale removal, crash safety, --jobs."""

from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from generator.archive import assemble as archive_stage
from generator.archive import tagging
from generator.article.enrich import process
from generator.article.reader import parse_article
from generator.cache.store import ARTICLE_CONFIG_FIELDS
from generator.commands.build import CACHE_FILE, COMPILED_TEMPLATES, build
from generator.config import Config, MediaConfig, parse_config
from generator.errors import WriteError
from generator.output.writer import _write_atomically, _write_into_generation, output_lock
from generator.site import render, taxonomy
from tests.conftest import SEEDS, TEST_CONFIG_TOML, site_snapshot
from tests.messy import messy_archive, write_archive

ROOT = Path(__file__).parent.parent


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    """Two snapshots → paths added, removed or different."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def new_article(folder: Path, name: str, title: str, url: str, when_ms: int, text: str) -> Path:
    """Write one article file → its path."""
    path = folder / name
    path.write_text(f"<!--{when_ms}-->\n[{title}]({url})\n------\n\n<p>{text}</p>\n", encoding="utf-8")
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """The seeds plus a few articles of their own months, so listings hold several articles."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_bytes(seed.read_bytes())
    for n in range(4):
        new_article(folder, f"extra-{n}.txt", f"朝鲜新闻第{n}篇", f"https://www.voachinese.com/a/extra-{n}.html",
                    1717807142000 - n * 86_400_000, f"金正恩与普京在平壤会晤，朝鲜与俄罗斯签署协议。第{n}篇。")
    return folder


def test_rebuild_takes_every_article_from_the_cache(archive: Path, tmp_path: Path, config: Config) -> None:
    first = build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    assert first.from_cache == 0 and (tmp_path / "cache" / CACHE_FILE).is_file()
    again = build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    assert again.from_cache == 7
    assert again.written is not None and (again.written.written, again.written.rendered) == (0, 0)


def test_editing_one_article_changes_only_the_pages_that_show_it(archive: Path, tmp_path: Path,
                                                                 config: Config) -> None:
    site = tmp_path / "site"
    first = build(archive, site, config, cache_dir=tmp_path / "cache")
    before = site_snapshot(site)
    target = next(a for a in first.archive.articles if a.source_file == "extra-2.txt")
    # Punctuation only: no new words, so no other article's tags move.
    text = (archive / "extra-2.txt").read_text(encoding="utf-8").replace("第2篇。", "第2篇！")
    (archive / "extra-2.txt").write_text(text, encoding="utf-8")
    second = build(archive, site, config, cache_dir=tmp_path / "cache")
    assert second.from_cache == 6, "only the edited file is processed again"
    diff = changed(before, site_snapshot(site))
    month = f"archive/{target.captured:%Y/%m}/"
    assert {target.path + "index.html", month + "index.md"} <= diff  # its page and its month's Markdown copy
    allowed = {target.path + "index.html", month + "index.md", "index.html", month + "index.html",
               "feed.xml", f"feeds/{target.captured:%Y-%m}.xml", "sitemap.xml"}
    unexplained = {p for p in diff - allowed if not p.startswith(("tags/", "sources/", "pagefind/"))}
    assert unexplained == set(), "other articles' pages must not change"
    others = [a for a in first.archive.articles if a.path != target.path]
    assert all(before[a.path + "index.html"] == site_snapshot(site)[a.path + "index.html"] for a in others)
    # The search index: only the edited article's month shard was built again.
    assert second.shards_indexed == 1


def planned_pages(monkeypatch: pytest.MonkeyPatch, template: str) -> list[str]:
    """→ a list that collects, from now on, the page files planned from one template."""
    planned: list[str] = []
    page = render.SiteRenderer.page

    def recording(self: render.SiteRenderer, name: str, page_file: str, *args: Any, **values: Any) -> Any:
        if name == template:
            planned.append(page_file)
        return page(self, name, page_file, *args, **values)

    monkeypatch.setattr(render.SiteRenderer, "page", recording)
    return planned


def add_noon_article(archive: Path) -> None:
    """Add an article of June 6, 2024, 12:00 in Shanghai: between the extra articles of June 6 and June 7
    (same publisher)."""
    new_article(archive, "noon.txt", "六月六日的新闻", "https://www.voachinese.com/a/noon.html", 1717646400000,
                "金正恩。")


def test_a_new_article_plans_again_only_the_article_pages_of_the_days_whose_links_it_changes(
        archive: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    build(archive, site, config, cache_dir=tmp_path / "cache")
    planned = planned_pages(monkeypatch, "article.html")
    add_noon_article(archive)
    second = build(archive, site, config, cache_dir=tmp_path / "cache")
    articles = second.archive.articles
    i = next(n for n, a in enumerate(articles) if a.source_file == "noon.txt")
    same_source = [a for a in articles if a.outlet == articles[i].outlet]
    j = same_source.index(articles[i])
    touched = [articles[i], articles[i - 1], articles[i + 1], same_source[j - 1], same_source[j + 1]]

    def day(path: str) -> str:
        return "/".join(path.split("/")[:4])  # articles/YYYY/MM/DD

    assert {day(path) for path in planned} == {day(a.path) for a in touched} == {
        "articles/2024/06/06", "articles/2024/06/07"}
    june = {day(a.path) for a in articles if a.captured.month == 6 and a.captured.year == 2024}
    assert len(june) > 2, "June has other days, whose pages were kept without being planned"
    build(archive, tmp_path / "fresh", config)
    assert site_snapshot(site) == site_snapshot(tmp_path / "fresh")


def test_a_new_article_plans_again_only_the_listings_of_its_tags_and_its_publisher(
        archive: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    first = build(archive, site, config, cache_dir=tmp_path / "cache")
    planned = planned_pages(monkeypatch, "listing.html")
    add_noon_article(archive)
    second = build(archive, site, config, cache_dir=tmp_path / "cache")
    noon = next(a for a in second.archive.articles if a.source_file == "noon.txt")
    before = {t.path: t.articles for t in first.archive.tags}
    changed = {t.path for t in second.archive.tags if [a.path for a in t.articles] != [a.path for a in before.get(
        t.path, ())]}
    assert {t.path for t in second.archive.tags if noon in t.articles} <= changed
    listings = {path.split("/")[0] + "/" + path.split("/")[1] + "/" for path in planned}
    assert listings == changed | {taxonomy.source_paths(second.archive)[noon.outlet.key]}
    assert len(second.archive.tags) > len(changed), "other tags' listings were kept without being planned"
    build(archive, tmp_path / "fresh", config)
    assert site_snapshot(site) == site_snapshot(tmp_path / "fresh")


@pytest.mark.parametrize(("days", "runs"), [
    ([9, 9, 8, 1], [("articles/2024/06/09/", 0, 2), ("articles/2024/06/08/", 2, 3), ("articles/2024/06/01/", 3, 4)]),
    ([9, 8, 9], None),  # a clock set back across midnight: June 9 in two runs, so the month is one group
])
def test_day_runs_split_a_month_into_its_days_unless_a_day_comes_back(days: list[int],
                                                                      runs: list[tuple] | None) -> None:
    articles = tuple(SimpleNamespace(captured=datetime(2024, 6, d), path=f"articles/2024/06/{d:02d}/a{n}/")
                     for n, d in enumerate(days))
    assert render.day_runs(articles, 0, len(articles)) == runs  # type: ignore[arg-type]


def test_a_rebuild_tags_again_only_the_months_whose_articles_changed(archive: Path, tmp_path: Path, config: Config,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first = build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    tagged: list[tuple] = []
    best = tagging._best
    monkeypatch.setattr(tagging, "_best", lambda *args: tagged.append(args) or best(*args))
    build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    assert tagged == [], "nothing changed: every month's tags are kept"
    text = (archive / "extra-2.txt").read_text(encoding="utf-8").replace("第2篇。", "第2篇！")
    (archive / "extra-2.txt").write_text(text, encoding="utf-8")
    second = build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    june = [a for a in first.archive.articles if a.captured.month == 6]
    assert len(tagged) == len(june) < len(first.archive.articles), "only June is tagged again"
    assert [a.tags for a in second.archive.articles] == [a.tags for a in first.archive.articles]


def test_a_rebuild_renders_from_templates_compiled_by_the_build_before(archive: Path, tmp_path: Path, config: Config,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    compiled = tmp_path / "cache" / COMPILED_TEMPLATES
    (compiled / "0123456789abcdef-other-code.cache").write_bytes(b"compiled by other code")
    compiles: list[str] = []
    real = jinja2.Environment.compile

    def counted(env: jinja2.Environment, source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiles.append(name)
        return real(env, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    add_noon_article(archive)
    result = build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    assert result.written is not None and result.written.rendered > 5 and compiles == []
    assert not (compiled / "0123456789abcdef-other-code.cache").exists() and len(list(compiled.glob("*.cache"))) > 5
    build(archive, tmp_path / "fresh", config)
    assert site_snapshot(tmp_path / "site") == site_snapshot(tmp_path / "fresh")
    assert compiles, "without a cache, the templates are compiled"


def test_removed_article_leaves_no_page_behind(archive: Path, tmp_path: Path, config: Config) -> None:
    site = tmp_path / "site"
    first = build(archive, site, config, cache_dir=tmp_path / "cache")
    gone = next(a for a in first.archive.articles if a.source_file == "extra-3.txt")
    (archive / "extra-3.txt").unlink()
    second = build(archive, site, config, cache_dir=tmp_path / "cache")
    assert second.written is not None and second.written.removed >= 1
    assert not (site / gone.path).exists()
    assert gone.title not in (site / f"archive/{gone.captured:%Y/%m}/index.md").read_text(encoding="utf-8")
    build(archive, tmp_path / "fresh", config)  # from nothing, without a cache
    assert site_snapshot(site) == site_snapshot(tmp_path / "fresh")


def test_rebuilds_after_changes_across_months_equal_fresh_builds(archive: Path, tmp_path: Path,
                                                                 config: Config) -> None:
    # A month's article pages are kept as a group while its fingerprint holds; these changes reach
    # pages of other months only through the links to neighbouring articles.
    site = tmp_path / "site"
    build(archive, site, config, cache_dir=tmp_path / "cache")
    may, MAY_31 = "https://www.bbc.com/zhongwen/simp/world-may", 1717113600000  # another publisher than its neighbours
    steps = {
        # A new month between June 2024 and September 2023: the oldest June page and the September
        # page now link to it.
        "new month": lambda: new_article(archive, "may.txt", "五月的新闻", may, MAY_31, "普京访问朝鲜。"),
        # Its title shows on the neighbouring pages of both other months.
        "title edited": lambda: new_article(archive, "may.txt", "五月的新闻（更新）", may, MAY_31, "普京访问朝鲜。"),
        # A publisher's newer article: the September page from the same publisher links to it.
        "same publisher": lambda: new_article(archive, "october.txt", "十月的新闻",
                                              "https://www.voachinese.com/a/october.html", 1696118400000, "金正恩。"),
        "removed": lambda: (archive / "may.txt").unlink(),
    }
    for name, change in steps.items():
        change()
        build(archive, site, config, cache_dir=tmp_path / "cache")
        fresh = tmp_path / name.replace(" ", "-")
        build(archive, fresh, config)
        assert site_snapshot(site) == site_snapshot(fresh), name


def test_cached_and_uncached_builds_are_byte_identical(tmp_path: Path, config: Config) -> None:
    folder = tmp_path / "messy"
    write_archive(messy_archive(90, seed=5), folder)
    build(folder, tmp_path / "cached", config, cache_dir=tmp_path / "cache")
    (folder / "late.txt").write_bytes((SEEDS / sorted(os.listdir(SEEDS))[0]).read_bytes().replace(b"voa", b"voa2"))
    cached = build(folder, tmp_path / "cached", config, cache_dir=tmp_path / "cache")
    assert cached.from_cache >= 90
    uncached = build(folder, tmp_path / "uncached", config, jobs=2)  # in worker processes too
    assert site_snapshot(tmp_path / "cached") == site_snapshot(tmp_path / "uncached")
    assert cached.archive.problems == uncached.archive.problems


def test_a_damaged_cache_is_rebuilt(archive: Path, tmp_path: Path, config: Config) -> None:
    build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    (tmp_path / "cache" / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    for leftover in (tmp_path / "cache").glob(f"{CACHE_FILE}-*"):
        leftover.unlink()
    result = build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    assert result.from_cache == 0 and len(result.archive.articles) == 7
    assert build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache").from_cache == 7


def test_content_change_with_the_same_size_and_mtime_is_seen(archive: Path, tmp_path: Path, config: Config) -> None:
    path = archive / "extra-1.txt"
    old = path.stat()
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns - 10**10))  # old enough to be trusted by stat
    build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    stamp = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("第1篇", "第9篇"), encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # what a careless copy tool does
    assert path.stat().st_size == stamp.st_size and path.stat().st_mtime_ns == stamp.st_mtime_ns
    result = build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    assert result.from_cache == 6
    page = next(a for a in result.archive.articles if a.source_file == "extra-1.txt").path
    assert "第9篇" in (tmp_path / "site" / page / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Config) if f.name not in ARTICLE_CONFIG_FIELDS])
def test_config_fields_outside_the_cache_key_do_not_change_the_article_work(field: str) -> None:
    raw = parse_article("a.txt", (SEEDS / sorted(os.listdir(SEEDS))[0]).read_bytes())
    base = parse_config(TEST_CONFIG_TOML)
    value = getattr(base, field)
    other = {bool: lambda v: not v, int: lambda v: v + 7, str: lambda v: v + "x",
             MediaConfig: lambda v: dataclasses.replace(v, publish="original", max_width=99)}.get(type(value))
    assert other is not None, f"teach this test how to change {field}"
    changed_config = dataclasses.replace(base, **{field: other(value)})
    assert process(raw, base, "k") == process(raw, changed_config, "k")


def test_jobs_give_the_same_site_as_one_process(tmp_path: Path, config: Config) -> None:
    folder = tmp_path / "messy"
    write_archive(messy_archive(80, seed=11), folder)
    one = build(folder, tmp_path / "one", config, jobs=1)
    two = build(folder, tmp_path / "two", config, jobs=2)
    assert site_snapshot(tmp_path / "one") == site_snapshot(tmp_path / "two")
    assert one.archive.problems == two.archive.problems and one.files_seen == two.files_seen == 80


def _cli_build(archive: Path, site: Path, cache: Path) -> subprocess.Popen[bytes]:
    """Start `newsarchive build` in a child process."""
    command = [sys.executable, "-m", "generator", "build", "--input", str(archive), "--output", str(site),
               "--cache", str(cache), "--jobs", "1", "--quiet", "--base-url", "https://archive.example.org/news/"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_second_build_of_the_same_site_meanwhile_stops_and_leaves_it_alone(archive: Path, tmp_path: Path,
                                                                           config: Config) -> None:
    site = tmp_path / "site"
    build(archive, site, config, cache_dir=tmp_path / "cache")
    before = site_snapshot(site)
    (archive / "extra-1.txt").unlink()
    with output_lock(site), pytest.raises(WriteError, match=r"another newsarchive build is writing .*site"):
        build(archive, site, config, cache_dir=tmp_path / "cache")
    assert site_snapshot(site) == before
    assert build(archive, site, config, cache_dir=tmp_path / "cache").written.removed == 1, "the lock was released"


def test_a_build_killed_at_any_moment_leaves_a_complete_site(archive: Path, tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    assert _cli_build(archive, site, cache).wait() == 0
    previous = site_snapshot(site)
    rng = random.Random(8)
    started = time.monotonic()
    assert _cli_build(archive, site, cache).wait() == 0
    duration = max(time.monotonic() - started, 1.0)
    for round_number in range(8):
        new_article(archive, f"round-{round_number}.txt", f"第{round_number}轮的新文章",
                    f"https://www.voachinese.com/a/round-{round_number}.html",
                    1717807142000 + round_number * 3_600_000, f"第{round_number}轮：金正恩会见普京。")
        child = _cli_build(archive, site, cache)
        time.sleep(rng.uniform(0.2, duration * 2))
        child.send_signal(signal.SIGKILL)
        child.wait()
        seen = site_snapshot(site)
        assert _cli_build(archive, site, cache).wait() == 0, "the next build works after a kill"
        finished = site_snapshot(site)
        assert seen in (previous, finished), f"round {round_number}: the site was half-written"
        previous = finished
    fresh = tmp_path / "fresh"
    assert _cli_build(archive, fresh, tmp_path / "fresh-cache").wait() == 0
    assert site_snapshot(fresh) == previous, "after the kills the cached build equals a build from nothing"


def test_a_new_article_changes_only_its_months_sitemap_part_and_its_own_year_pages(
        archive: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.site import render, taxonomy

    monkeypatch.setattr(render, "SITEMAP_MAX_URLS", 3)
    monkeypatch.setattr(taxonomy, "YEAR_SPLIT", 2)
    site = tmp_path / "site"
    first = build(archive, site, config, cache_dir=tmp_path / "cache")
    before = site_snapshot(site)
    index = BeautifulSoup(before["sitemap.xml"], "xml")
    parts = [loc.get_text().rsplit("/", 1)[1] for loc in index.find_all("loc")]
    urls = [loc.get_text() for part in parts for loc in BeautifulSoup(before[part], "xml").find_all("loc")]
    assert len(urls) == len(set(urls)) and all(len(BeautifulSoup(before[p], "xml").find_all("url")) <= 3
                                               for p in parts)
    assert {config.base_url + a.path for a in first.archive.articles} <= set(urls)
    article_parts = [p for p in parts if p.startswith("sitemap-articles-")]
    new_article(archive, "newest.txt", "朝鲜最新消息", "https://www.voachinese.com/a/newest.html",
                1717807142000 + 3_600_000, "金正恩与普京在平壤会晤，朝鲜与俄罗斯签署协议。最新。")
    build(archive, site, config, cache_dir=tmp_path / "cache")
    diff = changed(before, site_snapshot(site))
    # Articles are listed by month, oldest first: only the new article's month's last part changes
    # (or a part is added after it, when it was full).
    june = [p for p in article_parts if p.startswith("sitemap-articles-2024-06-")]
    assert june and "sitemap-articles-2023-09-1.xml" in article_parts
    assert not (set(article_parts) - {june[-1]}) & diff
    grown = {june[-1], f"sitemap-articles-2024-06-{len(june) + 1}.xml"}
    assert {p for p in diff if p.startswith("sitemap-articles-")} & grown
    # A tag's year pages other than the new article's year do not change.
    old_years = [p for p in before if p.startswith("tags/") and p.count("/") == 3 and "/2023/" in p]
    assert old_years and not set(old_years) & diff


def test_a_build_leaves_garbage_collection_as_it_found_it(tmp_path: Path) -> None:
    """The build pauses the cyclic collector while loading and freezes the archive out of it after;
    both are undone at the end, also when the build fails."""
    build(SEEDS, tmp_path / "site", Config(), cache_dir=tmp_path / "cache")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(WriteError):
        build(SEEDS, tmp_path / "file", Config(), cache_dir=tmp_path / "cache")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_articles_are_processed_with_the_garbage_collector_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build pauses the collector, but cleaning makes cyclic garbage (parsed trees): processing in
    the build's own process and in forked workers (which inherit the pause) collects it."""
    from generator.cache import gather

    seen = []
    real = gather.process_file

    def spying(*args: object) -> object:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(gather, "process_file", spying)
    build(SEEDS, tmp_path / "site", Config(), cache_dir=tmp_path / "cache", jobs=1)
    assert seen and all(seen)
    gc.disable()
    try:
        gather._start_worker(Config(), b"prefix")
        assert gc.isenabled() and gc.get_freeze_count() > 0  # what the fork inherited is not walked
    finally:
        gc.unfreeze()
        gc.enable()


def test_with_a_large_archive_loaded_even_one_new_file_is_processed_in_a_worker(
        archive: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """So the libraries' dictionaries it loads are freed with the worker, not kept while rendering."""
    from generator.cache import gather

    pids = tmp_path / "pids"
    real = gather._process_path

    def recording(name: str, *args: object) -> object:
        with pids.open("a") as handle:
            handle.write(f"{name} {os.getpid()}\n")
        return real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(gather, "_process_path", recording)
    build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache", jobs=2)
    assert {line.split()[1] for line in pids.read_text().splitlines()} == {str(os.getpid())}, "7 files: in-process"
    monkeypatch.setattr(gather, "LARGE_ARCHIVE", 7)
    new_article(archive, "zz-new.txt", "新文章", "https://www.voachinese.com/a/new.html", 1717807142000, "新闻正文。")
    pids.unlink()
    assert build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache", jobs=2).from_cache == 7
    [line] = pids.read_text().splitlines()
    assert line.split()[0] == "zz-new.txt" and line.split()[1] != str(os.getpid())


def test_a_new_file_is_processed_while_the_stored_outcomes_load(
        archive: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its worker starts first: loading 100,000 stored outcomes takes a second and a half."""
    from generator.cache import gather
    from generator.cache.store import Cache

    build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache", jobs=2)
    done = tmp_path / "processed"
    real_process, real_outcomes = gather._process_path, Cache.outcomes

    def recording(name: str, *args: object) -> object:
        result = real_process(name, *args)  # type: ignore[arg-type]
        done.write_text(name)
        return result

    seen_while_loading = []

    def waiting(self: Cache, keys: Iterable[str]) -> object:
        deadline = time.monotonic() + 60
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        seen_while_loading.append(done.exists())
        return real_outcomes(self, keys)

    monkeypatch.setattr(gather, "_process_path", recording)
    monkeypatch.setattr(Cache, "outcomes", waiting)
    monkeypatch.setattr(gather, "LARGE_ARCHIVE", 7)  # in a worker, as at 100,000 articles
    new_article(archive, "zz-new.txt", "新文章", "https://www.voachinese.com/a/new.html", 1717807142000, "新闻正文。")
    result = build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache", jobs=2)
    assert seen_while_loading == [True] and done.read_text() == "zz-new.txt"
    assert result.from_cache == 7 and "zz-new.txt" in {a.source_file for a in result.archive.articles}


def test_when_loading_the_stored_outcomes_fails_the_workers_stop_instead_of_processing_everything(
        archive: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.cache import gather
    from generator.cache.store import Cache

    build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache", jobs=2)
    for n in range(300):
        new_article(archive, f"new-{n:03d}.txt", f"新文章 {n}", f"https://www.voachinese.com/a/new-{n}.html",
                    1717807142000 + n * 60_000, "新闻正文。" * 50)
    processed = tmp_path / "processed"
    real_process = gather._process_path

    def recording(name: str, *args: object) -> object:
        with processed.open("a") as handle:
            handle.write(name + "\n")
        return real_process(name, *args)  # type: ignore[arg-type]

    def failing(self: Cache, keys: Iterable[str]) -> object:
        raise RuntimeError("the cache broke while loading")

    monkeypatch.setattr(gather, "_process_path", recording)
    monkeypatch.setattr(Cache, "outcomes", failing)
    with pytest.raises(RuntimeError, match="the cache broke"):
        build(archive, tmp_path / "site", config, cache_dir=tmp_path / "cache", jobs=2)
    assert len(processed.read_text().splitlines()) < 150 if processed.exists() else True


def test_the_spare_generations_manifest_is_forgotten_folder_by_folder_as_the_build_settles_them(
        archive: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 100,000 articles it is a third manifest of 200,000 files: held to the end of a full re-render,
    it was ~40 MB of the peak."""
    from generator.output import writer

    for title in ("one", "two"):  # two generations, each with a manifest
        build(archive, tmp_path / "site", dataclasses.replace(config, title=title), cache_dir=tmp_path / "cache")
    held: list[tuple[str, int, int]] = []
    real_settle = writer._Target.settle

    def recording(self: writer._Target, new: writer.Manifest, prefix: str) -> None:
        real_settle(self, new, prefix)
        assert self.opened is not None
        under = [p for p in self.opened.files if p.startswith(prefix)]
        held.append((prefix, len(under), len(self.opened.files)))

    monkeypatch.setattr(writer._Target, "settle", recording)
    build(archive, tmp_path / "site", dataclasses.replace(config, title="three"), cache_dir=tmp_path / "cache")
    assert [prefix for prefix, _, _ in held[:-1]] and all(prefix.startswith("articles/") for prefix, _, _ in held[:-1])
    assert all(under == 0 for _, under, _ in held) and held[-1] == ("", 0, 0)
    assert [total for _, _, total in held] == sorted((total for _, _, total in held), reverse=True)


@given(st.lists(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 12, 31)), max_size=60))
def test_year_runs_by_bisection_match_grouping_every_article(moments: list[datetime]) -> None:
    articles = [SimpleNamespace(captured=moment) for moment in sorted(moments, reverse=True)]
    runs = taxonomy.year_runs(articles)  # type: ignore[arg-type]
    grouped = [(year, len(list(group))) for year, group in itertools.groupby(articles, key=lambda a: a.captured.year)]
    assert [(year, end - start) for year, start, end in runs] == grouped
    assert all(end == next_start for (_, _, end), (_, next_start, _) in itertools.pairwise(runs))
    assert (runs[0][1], runs[-1][2]) == (0, len(articles)) if runs else not articles


def test_when_memory_is_tight_the_monthly_archive_feeds_come_first_and_the_site_is_the_same(
        archive: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.commands import build as build_module
    from generator.search import shards as search

    orders: list[list[str]] = []
    real_prepare = build_module.prepare

    def recording_prepare(files: Iterable[Any], output: Path) -> Any:
        order: list[str] = []
        orders.append(order)

        def recorded() -> Iterator[Any]:
            for planned in files:
                order.append(getattr(planned, "path", None) or planned.prefix)
                yield planned

        return real_prepare(recorded(), output)

    monkeypatch.setattr(build_module, "prepare", recording_prepare)
    monkeypatch.setattr(build_module, "release_free_memory", lambda: orders[-1].append("(memory released)"))
    # Roomy whatever this process's size: the build measures its own peak, and the suite grows it.
    monkeypatch.setattr(search, "MEMORY_BUDGET", 1 << 40)
    build(archive, tmp_path / "roomy", config, cache_dir=tmp_path / "cache")
    monkeypatch.setattr(search, "MEMORY_BUDGET", 1 << 20)  # not even one shard fits beside the build
    build(archive, tmp_path / "tight", config, cache_dir=tmp_path / "cache")
    roomy, tight = orders
    released = "(memory released)"
    archive_feeds = [path for path in roomy if path.startswith("feeds/")]
    # Memory is given back as each month's pages are done (before Pagefind indexes them) and once
    # everything is rendered; when tight, right after the archive feeds too.
    after = [roomy[i - 1] for i, path in enumerate(roomy) if path == released]
    assert len(after) >= 3 and roomy[-1] == released
    assert all(re.fullmatch(r"articles/\d{4}/\d{2}/", path) for path in after[:-1]), after
    assert tight.count(released) == len(after) + 1 and tight[-1] == tight[len(archive_feeds)] == released
    roomy, tight = [path for path in roomy if path != released], [path for path in tight if path != released]
    assert len(archive_feeds) >= 2 and sorted(roomy) == sorted(tight)
    assert roomy[-len(archive_feeds):] == archive_feeds and tight[:len(archive_feeds)] == archive_feeds
    assert site_snapshot(tmp_path / "roomy") == site_snapshot(tmp_path / "tight")


RELEASE_SCRIPT = """
from generator.commands.build import release_free_memory
def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) // 1024
chunks = [i.to_bytes(4, "little") * 250 for i in range(200_000)]  # 200 MB of 1 KB blocks from malloc
pins = chunks[::64]  # kept, spread through the heap, so it cannot simply shrink from its top
del chunks
freed = rss_mb()
release_free_memory()
print(freed, rss_mb())
"""


def test_release_free_memory_gives_freed_memory_back_to_the_system() -> None:
    # In a process of its own: what the test process freed before would blur the numbers.
    result = subprocess.run([sys.executable, "-c", RELEASE_SCRIPT], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    freed, released = map(int, result.stdout.split())
    assert freed - released > 150, (freed, released)  # of the ~197 MB freed and still held


ZONES = [ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), UTC]


@given(st.lists(st.tuples(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2020, 1, 3)),
                          st.sampled_from(ZONES), st.sampled_from(["a/", "b/", "c/", "d/"])), max_size=40))
def test_the_archive_order_is_newest_instant_first_then_path(captures: list[tuple[datetime, Any, str]]) -> None:
    # Equal instants in other zones, and equal wall times at other instants: order by the instant, then the path.
    articles = [SimpleNamespace(captured=moment.replace(tzinfo=zone), path=f"{path}{n}/")
                for n, (moment, zone, path) in enumerate(captures)]
    expected = sorted(articles, key=lambda a: (-a.captured.timestamp(), a.path))
    assert archive_stage.newest_first(articles) == expected  # type: ignore[arg-type]


def test_a_file_is_written_as_a_new_file_even_over_a_leftover_temporary(tmp_path: Path) -> None:
    """A killed build's temporary file may be a hard link shared with the live site: writing replaces
    it with a new file (never truncates it), makes missing folders, and leaves the page readable."""
    live = tmp_path / "live.html"
    live.write_bytes(b"live page")
    target = tmp_path / "site" / "index.html"
    target.parent.mkdir()
    leftover = target.with_name(".tmp-index.html")
    os.link(live, leftover)
    _write_atomically(target, b"new page")
    assert target.read_bytes() == b"new page"
    assert live.read_bytes() == b"live page"
    assert not leftover.exists()
    assert target.stat().st_mode & 0o777 == 0o644
    deep = tmp_path / "site" / "a" / "b" / "index.md"
    _write_atomically(deep, [b"in ", b"pieces"])
    assert deep.read_bytes() == b"in pieces"


def test_a_page_over_a_file_linked_with_the_live_site_replaces_it_and_a_new_one_is_written_in_place(
        tmp_path: Path) -> None:
    live = tmp_path / "live.html"
    live.write_bytes(b"live page")
    linked = tmp_path / "site" / "linked.html"
    linked.parent.mkdir()
    os.link(live, linked)  # as the other generation shares unchanged files with the live one
    _write_into_generation(linked, b"changed page")
    assert linked.read_bytes() == b"changed page" and live.read_bytes() == b"live page"
    fresh = tmp_path / "site" / "new" / "folder" / "index.html"
    _write_into_generation(fresh, b"new page")
    assert fresh.read_bytes() == b"new page" and fresh.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in fresh.parent.iterdir()) == ["index.html"], "no temporary file was made"


def test_a_fresh_checkout_with_the_cache_and_the_site_restored_processes_and_renders_nothing(
        archive: Path, tmp_path: Path, config: Config) -> None:
    # CI (docs/deploy.md): each run checks the archive out afresh, so every file has a new inode and mtime,
    # and restores the cache folder and the previous site (its link and generations) as archived.
    first = tmp_path / "run1"
    build(archive, first / "site", config, cache_dir=first / "cache")
    second = tmp_path / "run2"
    shutil.copytree(archive, second / "archive", copy_function=shutil.copyfile)  # new inodes, mtimes of now
    shutil.copytree(first, second, symlinks=True, dirs_exist_ok=True)  # as tar restores: links and mtimes kept
    assert all(os.stat(archive / p.name).st_ino != p.stat().st_ino for p in (second / "archive").iterdir())
    result = build(second / "archive", second / "site", config, cache_dir=second / "cache")
    assert result.from_cache == result.files_seen == 7, "no article processed again: the content digests decide"
    assert result.written is not None and (result.written.rendered, result.written.written) == (0, 0)
    assert result.shards_indexed == 0
    assert site_snapshot(second / "site") == site_snapshot(first / "site")
    # Without the previous site to compare with, every page is rendered again (from the cache's articles).
    third = tmp_path / "run3"
    shutil.copytree(archive, third / "archive", copy_function=shutil.copyfile)
    shutil.copytree(first / "cache", third / "cache")
    again = build(third / "archive", third / "site", config, cache_dir=third / "cache")
    assert again.from_cache == 7 and again.written is not None and again.written.rendered == again.written.written > 7
