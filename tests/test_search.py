"""The search index (generator.search): the search page and Pagefind's index, shards cut from months,
Pagefind services and their page budget, incremental re-indexing, and services that die with the build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.article.words import KEPT_SPACE, search_words
from generator.commands.build import BuildResult, build
from generator.config import Config
from generator.search.shards import BUNDLE

from .conftest import ROOT, SEEDS


def soup_of(site: Path, path: str) -> BeautifulSoup:
    """A page of the site → its parsed HTML."""
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "lxml")


def meta(page: BeautifulSoup, key: str) -> list[str]:
    """A page → the content of every <meta property=key> or <meta name=key>."""
    return [m["content"] for m in page.find_all("meta") if key in (m.get("property"), m.get("name"))]


def test_search_page_and_pagefind_index(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    page = soup_of(site, "search/index.html")
    box = page.find(id="search")
    # One shard per month here (few articles), named by the month and its first day.
    months = [f"{m.year:04d}-{m.month:02d}-from-{m.articles[-1].captured.day:02d}" for m in result.archive.months]
    assert len(months) == 2 and sorted(p.name for p in (site / BUNDLE).iterdir()) == sorted(months)
    # The newest shard carries the UI; the others are merged into its search.
    assert (site / "search" / box["data-bundle"]).resolve() == (site / BUNDLE / months[0] / "pagefind.js").resolve()
    assert [(site / "search" / m).resolve() for m in box["data-merge"].split()] == [
        (site / BUNDLE / month / "pagefind.js").resolve() for month in months[1:]]
    assert [s["src"].split("?")[0] for s in page.find_all("script", src=True)] == [
        "../static/keys.js", f"../pagefind/{months[0]}/pagefind-ui.js", "../static/search.js"]
    indexed = 0
    for month in months:
        entry = json.loads((site / BUNDLE / month / "pagefind-entry.json").read_text())
        [(language, info)] = entry["languages"].items()
        assert language == "mul"  # not "zh": Pagefind would split the Chinese into words again
        indexed += info["page_count"]
    assert indexed == len(result.archive.articles)
    # One record per article (listing pages would repeat every title): its address, title and words.
    records = {record["url"]: record for record in indexed_records(site)}
    assert sorted(records) == sorted(f"/{a.path}index.html" for a in result.archive.articles)
    for article in result.archive.articles:
        record = records[f"/{article.path}index.html"]
        assert record["meta"]["title"] == article.title
        for shown in (article.title, article.outlet.name):  # in words, as Pagefind keeps them (one space apart)
            assert " ".join(search_words(shown).split()) in record["content"]
    oldest = records[f"/{result.archive.articles[-1].path}index.html"]["content"]  # VOA's
    # Chinese in words; the rest as written, a written space beside Chinese text a word of its own.
    assert " 东方 航天 发射 场 " in oldest and f" (John {KEPT_SPACE} Kirby) " in oldest


def indexed_records(site: Path) -> list[dict]:
    """A built site → every record in its Pagefind shards (url, content, meta), from the fragment files."""
    import gzip

    return [json.loads(gzip.decompress(fragment.read_bytes())[len(b"pagefind_dcd"):])
            for fragment in sorted((site / BUNDLE).glob("*/fragment/*.pf_fragment"))]


def bundle_files(site: Path) -> dict[str, bytes]:
    """A built site → {path: bytes} of every file of its search index."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / BUNDLE).rglob("*")) if p.is_file()}


def test_pagefind_output_is_deterministic_and_rebuilt_only_for_changed_shards(tmp_path: Path, config: Config) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    first = build(archive, tmp_path / "one", config, cache_dir=tmp_path / "cache")
    build(archive, tmp_path / "two", config, jobs=2)  # two Pagefind runs at once
    files = bundle_files(tmp_path / "one")
    assert files and files == bundle_files(tmp_path / "two") and first.shards_indexed == 2
    again = build(archive, tmp_path / "one", config, cache_dir=tmp_path / "cache")
    assert again.shards_indexed == 0 and bundle_files(tmp_path / "one") == files
    # A new article in a new month: only its month's shard runs Pagefind; the others are shared.
    (archive / "new.txt").write_text("<!--1730000000000-->\n[新月份的文章](https://example.com/news/new-month-1.html)"
                                     "\n------\n\n<p>十月的新闻正文，用来测试搜索索引的分片。</p>\n", encoding="utf-8")
    before = (tmp_path / "one").resolve()
    grown = build(archive, tmp_path / "one", config, cache_dir=tmp_path / "cache")
    assert grown.shards_indexed == 1
    after = (tmp_path / "one").resolve()
    old = sorted(p.relative_to(before) for p in (before / BUNDLE).rglob("*") if p.is_file())
    assert old and all((after / p).stat().st_ino == (before / p).stat().st_ino for p in old)
    assert len(list((after / BUNDLE).glob("2024-10-from-*/pagefind-entry.json"))) == 1


def records_of(articles: list) -> list[dict[str, object]]:
    """Articles → Pagefind records of them, as shard_records makes, with made-up words."""
    return [{"url": f"/{a.path}index.html", "content": f"{a.title} 朝鲜 与 俄罗斯", "meta": {"title": a.title}}
            for a in articles]


def test_one_pagefind_service_indexes_shard_after_shard_and_reports_what_it_cannot(
        seed_site: tuple[Path, BuildResult], tmp_path: Path) -> None:
    from generator.errors import SearchError
    from generator.search.pagefind import STAMP, Shard, _Pagefind

    _, result = seed_site
    articles = list(result.archive.articles)
    service = _Pagefind()
    try:
        for n, run in enumerate([articles[:1], articles[1:]]):
            shard = Shard(f"s{n}", tuple(run), f"print{n}", "articles/")
            service.index(shard, records_of(run), "zh-CN", tmp_path / f"s{n}")
            assert (tmp_path / f"s{n}" / STAMP).read_text() == f"print{n}"
            assert json.loads((tmp_path / f"s{n}" / "pagefind-entry.json").read_text())["languages"]["mul"][
                "page_count"] == len(run)
        with pytest.raises(SearchError, match=r"pagefind failed on AddRecord: invalid type: null"):
            shard = Shard("none", tuple(articles[:1]), "x", "articles/")
            service.index(shard, [{"url": "/x/", "content": None}], "zh-CN", tmp_path / "none")
        assert not (tmp_path / "none" / STAMP).exists()
    finally:
        service.close()
    assert service.process.returncode == 0


def test_a_warmed_up_service_indexes_the_next_shard_byte_for_byte_as_a_fresh_one(
        seed_site: tuple[Path, BuildResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Warming up indexes a record and deletes its index: nothing of it may reach a shard. And the
    Indexer hands the warmed service the first shard instead of starting another."""
    import contextlib

    from generator.search import pagefind as search

    site, result = seed_site
    articles = result.archive.articles[:2]
    shard = search.Shard("s", tuple(articles), "print", "articles/2024/")
    fresh, warmed = search._Pagefind(), search._Pagefind()
    try:
        warmed.warm_up("zh-CN")
        fresh.index(shard, records_of(articles), "zh-CN", tmp_path / "fresh")
        warmed.index(shard, records_of(articles), "zh-CN", tmp_path / "warmed")
    finally:
        fresh.close()
        warmed.close()

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    assert files(tmp_path / "fresh") == files(tmp_path / "warmed") and len(files(tmp_path / "fresh")) > 3

    started: list[str] = []

    class Recording(search._Pagefind):
        def __init__(self) -> None:
            super().__init__()
            started.append("service")

        def warm_up(self, language: str) -> None:
            super().warm_up(language)
            started.append("warmed")

    monkeypatch.setattr(search, "_Pagefind", Recording)
    # Records as shard_records makes them, from contents that give each article the made-up words.
    made_up = {r["url"]: r["content"] for r in records_of(articles)}
    by_key = {a.content_key: made_up[f"/{a.path}index.html"] for a in articles}

    @contextlib.contextmanager
    def reader():
        yield lambda key: search.Content("", "", by_key[key])

    copy = shutil.copytree(site, tmp_path / "copy")
    with search.Indexer([shard], "zh-CN", reader, jobs=2) as indexer:
        indexer.warm_up()
        indexer.add(copy.resolve(), None, [shard])
        assert indexer.finish() == 1
    assert started == ["service", "warmed"]  # one service: the warmed one indexed the shard
    assert files(copy / search.BUNDLE / "s") == files(tmp_path / "fresh")


def test_months_are_cut_into_runs_of_whole_days_that_stay_put_as_days_are_added(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from generator.search import pagefind as search

    monkeypatch.setattr(search.planning, "SHARD_PAGES", 10)
    days = [30] * 4 + [29] * 6 + [12] * 3 + [3] * 12 + [1] * 5  # newest first; day 3 alone exceeds 10
    articles = [SimpleNamespace(captured=SimpleNamespace(day=d), n=i) for i, d in enumerate(days)]
    runs = search.planning._fill_days(articles)
    assert [sorted({a.captured.day for a in run}) for run in runs] == [[30], [12, 29], [3], [1]]
    assert [a for run in runs for a in run] == articles  # newest first, nothing lost or repeated
    # A new day at the end of the month adds a run or grows the newest; the older runs stay as they were.
    grown = search.planning._fill_days([SimpleNamespace(captured=SimpleNamespace(day=31), n=-1)] * 3 + articles)
    assert grown[1:] == runs[1:] and sorted({a.captured.day for a in grown[0]}) == [30, 31]
    busy_day = [SimpleNamespace(captured=SimpleNamespace(day=31))] * 9
    assert sorted({a.captured.day for a in search.planning._fill_days(busy_day + articles)[0]}) == [31]


def test_pagefind_runs_share_a_page_budget() -> None:
    import threading
    import time

    from generator.search.pagefind import _PageBudget

    budget, lock = _PageBudget(10), threading.Lock()
    held, seen = [0], []

    def run(pages: int) -> None:
        budget.acquire(pages)
        with lock:
            held[0] += pages
            seen.append(held[0])
        time.sleep(0.02)
        with lock:
            held[0] -= pages
        budget.release(pages)

    threads = [threading.Thread(target=run, args=(p,)) for p in (6, 6, 4, 3, 25, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Never more than 10 pages at once, except the run bigger than the whole budget, which runs alone.
    assert held[0] == 0 and len(seen) == 6 and all(pages <= 10 or pages == 25 for pages in seen)


def fake_shard(name: str, pages: int):
    """A shard of `pages` stand-in articles, for Indexer tests whose services never read them."""
    from generator.search.shards import Shard

    return Shard(name, (None,) * pages, f"print-{name}", "")  # type: ignore[arg-type]


def no_reader():
    """An Indexer reader for services that never read an article's Content."""
    import contextlib

    return contextlib.nullcontext()


def test_a_pagefind_service_is_reused_unless_its_shard_outgrew_the_budget_and_its_memory_stays_counted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from generator.search import pagefind as search

    services: list[FakeService] = []
    lock = threading.Lock()
    peaks: list[int] = []

    class FakeService:
        """Stands in for a Pagefind service: records the shards it indexes, the memory it keeps (the
        pages of its biggest shard), and what all services keep while it indexes."""

        def __init__(self) -> None:
            self.pages: list[int] = []
            self.indexed = 0
            self.held = 0
            self.closed = False
            with lock:
                services.append(self)

        def index(self, shard: search.Shard, records: object, language: str, output: Path) -> None:
            assert not self.closed
            with lock:
                self.pages.append(shard.pages)
                self.indexed += shard.pages
                self.held = max(self.held, shard.pages)
                peaks.append(sum(s.held for s in services if not s.closed))
            time.sleep(0.01)
            output.mkdir()

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(search, "_Pagefind", FakeService)
    monkeypatch.setattr(search.planning, "SHARD_PAGES", 4)
    shards = [fake_shard(f"s{n}", pages) for n, pages in enumerate([2, 3, 6, 1, 1])]
    with search.Indexer(shards, "zh-CN", no_reader, jobs=1) as indexer:
        indexer.add(tmp_path, None, shards)
        assert indexer.finish() == 5
    # The service that indexed 6 pages (more than the whole budget) kept their memory: it ended.
    assert [s.pages for s in services] == [[2, 3, 6], [1, 1]] and all(s.closed for s in services)

    # Side by side, the services waiting for a shard keep their memory: it counts in the budget.
    services.clear()
    peaks.clear()
    sizes = [2, 4]  # the 2-page service waits (kept for reuse) while the 4 pages are indexed
    shards = [fake_shard(f"t{n}", pages) for n, pages in enumerate(sizes)]
    with search.Indexer(shards, "zh-CN", no_reader, jobs=2, pages_at_once=4) as indexer:
        indexer.add(tmp_path, None, shards)
        assert indexer.finish() == len(shards)
    assert sorted(p for s in services for p in s.pages) == sorted(s.pages for s in shards)
    assert max(peaks) <= 4 and all(s.closed for s in services)

    # A service indexes SERVICE_PAGES pages at most, in all (its memory grows with each shard).
    services.clear()
    monkeypatch.setattr(search, "SERVICE_PAGES", 5)
    shards = [fake_shard(f"u{n}", pages) for n, pages in enumerate([2, 2, 2, 3, 2, 1])]
    with search.Indexer(shards, "zh-CN", no_reader, jobs=1) as indexer:
        indexer.add(tmp_path, None, shards)
        assert indexer.finish() == len(shards)
    assert [s.pages for s in services] == [[2, 2], [2, 3], [2, 1]] and all(s.closed for s in services)


def test_a_pagefind_that_cannot_start_fails_the_index_instead_of_hanging_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from generator.search import pagefind as search

    def missing() -> None:
        raise search.SearchError("the Pagefind binary is missing")

    monkeypatch.setattr(search, "_Pagefind", missing)
    monkeypatch.setattr(search.planning, "SHARD_PAGES", 4)  # one shard at a time: the others wait for its room
    shards = [fake_shard(f"s{n}", pages) for n, pages in enumerate([3, 3, 3])]
    raised: list[BaseException] = []

    def index() -> None:
        try:
            with search.Indexer(shards, "zh-CN", no_reader, jobs=2) as indexer:
                indexer.add(tmp_path, None, shards)
                indexer.finish()
        except search.SearchError as error:
            raised.append(error)

    thread = threading.Thread(target=index, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "the threads waiting for the budget were never woken"
    assert [str(e) for e in raised] == ["the Pagefind binary is missing"]


def test_pagefind_indexes_more_pages_at_once_only_while_the_build_is_small() -> None:
    from generator.search.shards import MEMORY_BUDGET, PAGE_BYTES, SHARD_PAGES, page_budget

    mb = 1 << 20
    # A 10,000-article build (~130 MB) leaves room for two full shards side by side ...
    assert page_budget(130 * mb) >= 2 * SHARD_PAGES
    # ... a 100,000-article one (~630 MB, ~760 MB while rendering) for one at a time, as does any bigger one.
    assert page_budget(630 * mb) == page_budget(4096 * mb) == SHARD_PAGES
    budgets = [page_budget(size * mb) for size in range(0, 1100, 10)]
    assert budgets == sorted(budgets, reverse=True)
    # What is granted beyond one shard fits the budget with the build grown by half.
    assert all(size * mb * 3 // 2 + pages * PAGE_BYTES <= MEMORY_BUDGET
               for size, pages in zip(range(0, 1100, 10), budgets, strict=True) if pages > SHARD_PAGES)


def test_a_months_search_shards_are_indexed_while_older_months_and_the_feeds_still_render(
        tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from generator.cache.store import Cache
    from generator.search import pagefind as search
    from generator.site import feeds

    # Memory not tight whatever this process's size (the suite grows it): the feeds come after the articles.
    monkeypatch.setattr(search.planning, "MEMORY_BUDGET", 1 << 40)
    archive = build(SEEDS, tmp_path / "plain", config).archive
    articles, folders = archive.articles, sorted(search.planning.pages_folder(month) for month in archive.months)
    newest = folders[-1]
    assert len(folders) == 2 and articles[0].path.startswith(newest)
    indexing = {folder: threading.Event() for folder in folders}
    real_index, real_content, real_feed = search._Pagefind.index, Cache.content, feeds.atom_feed

    def index(self: search._Pagefind, shard: search.Shard, records: object, language: str, output: Path) -> None:
        # Every article page of the shard's month is already in the generation it indexes into.
        site_dir = output.parent.parent
        assert all((site_dir / a.path / "index.html").is_file() for a in articles if a.path.startswith(shard.folder))
        indexing[shard.folder].set()
        real_index(self, shard, records, language, output)  # type: ignore[arg-type]

    def content(self: Cache, key: str, search_text: bool = True) -> object:  # loaded only while an article page renders
        if not next(a for a in articles if a.content_key == key).path.startswith(newest):
            assert indexing[newest].wait(10), "an older month's pages rendered before the newest month's index started"
        return real_content(self, key, search_text)

    def atom_feed(*args: object, **kwargs: object) -> bytes:
        assert all(event.wait(10) for event in indexing.values()), "feeds were rendered before the index started"
        return real_feed(*args, **kwargs)

    monkeypatch.setattr(search._Pagefind, "index", index)
    monkeypatch.setattr(Cache, "content", content)
    monkeypatch.setattr(feeds, "atom_feed", atom_feed)
    result = build(SEEDS, tmp_path / "site", config)
    assert result.shards_indexed == 2
    plain, site = (tmp_path / "plain").resolve(), (tmp_path / "site").resolve()
    assert ({p.relative_to(plain): p.read_bytes() for p in plain.rglob("*") if p.is_file()}
            == {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()})


def test_a_rebuild_with_one_services_pages_to_index_starts_pagefind_before_any_page_is_written(
        tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.commands.build import EARLY_INDEX
    from generator.search import pagefind as search
    from generator.site import render

    archive, site, cache = tmp_path / "archive", tmp_path / "site", tmp_path / "cache"
    shutil.copytree(SEEDS, archive)
    build(archive, site, config, cache_dir=cache)
    staging = tmp_path / f".{site.name}.newsarchive" / EARLY_INDEX
    indexed_into: list[Path] = []
    real_index = search._Pagefind.index

    def index(self: search._Pagefind, shard: search.Shard, records: object, language: str, output: Path) -> None:
        indexed_into.append(output.parent)
        real_index(self, shard, records, language, output)  # type: ignore[arg-type]

    monkeypatch.setattr(search._Pagefind, "index", index)
    events: list[str] = []
    real_start, real_renderer = search.Indexer.start_early, render.SiteRenderer.__init__
    monkeypatch.setattr(search.Indexer, "start_early",
                        lambda self, *args: events.append("early start") or real_start(self, *args))
    monkeypatch.setattr(render.SiteRenderer, "__init__",
                        lambda self, *args: events.append("renderer") or real_renderer(self, *args))
    for day, early in ((9, True), (10, False)):  # an article added to the newest month, twice
        if not early:  # more pages to index than one service holds: they wait for their month's pages
            monkeypatch.setattr(search, "SERVICE_PAGES", 0)
        (archive / f"added-{day}.txt").write_text(
            f"<!--{1717900000000 + day * 3_600_000}-->\n[六月新增的文章{day}](https://example.com/news/june-{day}.html)"
            "\n------\n\n<p>六月的新闻正文，用来测试提前开始的搜索索引。</p>\n", encoding="utf-8")
        indexed_into.clear()
        events.clear()
        result = build(archive, site, config, cache_dir=cache)
        assert result.shards_indexed == 1
        assert indexed_into == ([staging] if early else [site.resolve() / BUNDLE]), indexed_into
        assert events == ["early start", "renderer"], "tried before the renderer's set-up (0.3 s at 100k)"
        assert not staging.exists()
        fresh = tmp_path / f"fresh-{day}"
        build(archive, fresh, config)
        assert bundle_files(site) == bundle_files(fresh)  # the same index as a build from scratch


def test_an_out_of_date_search_index_is_rebuilt_even_when_no_page_changed(tmp_path: Path, config: Config) -> None:
    # As after an upgrade of Pagefind or a change of code that leaves every page's bytes alone.
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(SEEDS, site, config, cache_dir=cache)
    [stamp, *_] = sorted((site / BUNDLE).glob("*/.newsarchive-shard"))
    stamp.write_text("built from something else", encoding="utf-8")
    before = site.resolve()
    again = build(SEEDS, site, config, cache_dir=cache)
    assert again.shards_indexed == 1 and again.written is not None and again.written.written == 0
    assert site.resolve() != before, "re-indexed in a new generation, never in the live one"
    assert (site / BUNDLE / stamp.parent.name / ".newsarchive-shard").read_text() != "built from something else"
    assert build(SEEDS, site, config, cache_dir=cache).shards_indexed == 0


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("through", ["setpriv", "preexec"])
def test_a_pagefind_service_dies_with_the_build_that_started_it(through: str) -> None:
    """Killed mid-build, a build takes its services with it: one busy with a shard would otherwise
    go on writing into the generation the next build cleans up."""
    child = textwrap.dedent(f"""
        import subprocess, sys, time
        from generator.search import pagefind as search
        if {through!r} == "preexec":
            search._setpriv = lambda: None
        process = search.start_dying_with_parent(["sleep", "60"], stdin=subprocess.DEVNULL)
        print(process.pid, flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", child], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    service = int(parent.stdout.readline())
    assert _alive(service)
    # Killed only once the service runs its own program: setpriv (or the preexec function) asks for the
    # signal just before that, and on a busy machine the parent could otherwise die first.
    deadline = time.monotonic() + 10
    while Path(f"/proc/{service}/comm").read_text().strip() != "sleep" and time.monotonic() < deadline:
        time.sleep(0.01)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(service) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(service), "the service outlived the build"


def _alive(pid: int) -> bool:
    """A process id → True while it runs (a zombie waiting to be reaped counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status
