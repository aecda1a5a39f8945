"""The pipeline: one function that runs the stages in order (docs/design.md §3).

gather (read → clean + enrich, per file, cached, in parallel) → archive → render + feeds
→ write a new generation (the search index built alongside, once the article pages are in it) → publish
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.archive.assemble import build_archive
from generator.cache.gather import Gathered, Progress, gather
from generator.cache.store import Cache
from generator.config import Config
from generator.media.store import MediaIndex, store_folder
from generator.models import Archive, Article, Problem, Processed
from generator.output.plan import PlannedFile, PlannedGroup
from generator.output.writer import Checkpoint, WriteReport, live_folder, mirror_first, output_lock, prepare, publish
from generator.search.pagefind import Indexer, index_is_current
from generator.search.shards import memory_is_tight, page_budget, plan_shards
from generator.site.render import TEMPLATES_DIR, SiteRenderer, site_fingerprint

CACHE_FILE = "cache.sqlite3"
COMPILED_TEMPLATES = "templates"  # folder in the cache folder where Jinja keeps compiled templates
EARLY_INDEX = "pagefind-early"  # folder beside the generations where a rebuild indexes its shards early


@dataclass(frozen=True, slots=True)
class ImageCounts:
    """How the site's article pages show their images (as the media store's ledger last read the pages)."""

    local: int  # shown from the store
    remote: int  # shown from their original address: not fetched yet, or to be tried again
    failed: int  # shown from their original address: every download of them gave up
    unseen: int  # articles `newsarchive media` has not read yet (their images are shown from their addresses)


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did."""

    archive: Archive  # the archive that was built
    files_seen: int  # article files found in the input folder
    written: WriteReport | None  # what the writer did (None for a check without writing)
    from_cache: int = 0  # files whose processing came from the cache
    shards_indexed: int = 0  # search index shards Pagefind had to build
    images: ImageCounts | None = None  # the pages' images, when pages show a media store's copies

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems that made a file be skipped."""
        return tuple(p for p in self.archive.problems if p.severity == "error")


def image_counts(archive: Archive, media: MediaIndex) -> ImageCounts:
    """The archive + the media store's index → ImageCounts."""
    stored = failed = total = unseen = 0
    rows = media.rows
    for article in archive.articles:
        row = rows.get(article.source_file)
        if row is None:
            unseen += 1
        else:
            stored, failed, total = stored + row[2], failed + row[3], total + row[4]
    return ImageCounts(local=stored, remote=total - stored - failed, failed=failed, unseen=unseen)


def default_cache_dir(output_dir: Path) -> Path:
    """The output folder → where its cache lives by default: beside it, never inside it."""
    return Path(output_dir).absolute().parent / ".newsarchive-cache"


@contextlib.contextmanager
def open_cache(cache_dir: Path | None) -> Iterator[Cache]:
    """A cache folder (None: a throwaway one, for --no-cache and check) → the open Cache."""
    with contextlib.ExitStack() as stack:
        if cache_dir is None:
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newsarchive-")))
        cache = Cache(cache_dir / CACHE_FILE)
        stack.callback(cache.close)
        yield cache


@contextlib.contextmanager
def archive_outside_gc() -> Iterator[Callable[[], None]]:
    """→ a function to call once the archive and its renderer are made. Until then the cyclic garbage
    collector is paused; from then on to the end of the block, everything made so far is left out of
    its collections.

    The archive is millions of objects that live the whole build and hold no reference cycles;
    each full collection walked them all again, seconds of a 100,000-article rebuild. The renderer's
    tables (an article's neighbours, its mark) live as long, and made 0.1 s of collections more.
    """
    enabled = gc.isenabled()
    gc.disable()
    frozen = False

    def loaded() -> None:
        nonlocal frozen
        gc.freeze()
        frozen = True
        if enabled:
            gc.enable()

    try:
        yield loaded
    finally:
        if frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


def archive_of(gathered: Gathered, config: Config, cache: Cache) -> Archive:
    """Every file's outcome + config + cache → the Archive (problems sorted by file and line); the
    months' tagging is taken from the cache where it still holds, and this build's kept in it."""
    articles: list[Article] = []
    problems: list[Problem] = []
    for outcome in gathered.outcomes:
        if isinstance(outcome, Processed):
            articles.append(outcome.article)
            problems.extend(outcome.warnings)
        else:
            problems.append(outcome.problem)
    problems.sort(key=lambda p: (p.file, p.line))
    archive, months = build_archive(articles, problems, config.tags, cache.month_tags(), config.language)
    cache.keep_month_tags(months)
    return archive


def load_archive(input_dir: Path, config: Config, cache: Cache | None = None, jobs: int = 1,
                 progress: Progress = lambda items, total: items) -> tuple[Archive, int]:
    """Archive folder + config (+ cache, workers) → (the complete Archive, number of article files seen)."""
    with open_cache(None) if cache is None else contextlib.nullcontext(cache) as opened:
        gathered = gather(input_dir, config, opened, jobs, progress)
        return archive_of(gathered, config, opened), gathered.files_seen


def site_files(renderer: SiteRenderer, checkpoint: Callable[[str], Checkpoint] | None = None,
               archive_feeds_first: bool = False) -> Iterator[PlannedFile | PlannedGroup | Checkpoint]:
    """The renderer of one archive (+ what makes the checkpoint for a folder of article pages, + whether
    the monthly archive feeds come first) → every output file, planned: pages, then feeds; each
    month's article pages (a group per day) followed by their folder's checkpoint, then the month's
    Markdown copy (which loads the same bodies; after the checkpoint, so its search shards are
    already being indexed meanwhile).

    The monthly archive feeds (thousands of entries with full content: ~100 MB for a moment at
    100,000 articles) come first when memory is tight: then no Pagefind service runs beside them,
    and the memory they held is given back before one starts.
    """
    if archive_feeds_first:
        yield from renderer.feeds(archived=True)
        release_free_memory()
    yield from renderer.timeline_pages()
    for (folder, groups), month in zip(renderer.article_pages(), renderer.archive.months, strict=True):
        yield from groups
        if checkpoint is not None:
            yield checkpoint(folder)
        yield from renderer.month_copies(month)
    yield from renderer.pages_after_articles()
    yield from renderer.feeds()
    if not archive_feeds_first:
        yield from renderer.feeds(archived=True)


def release_free_memory() -> None:
    """Give the memory this process has freed back to the system (glibc's malloc_trim; elsewhere nothing).

    glibc keeps freed memory for the process to reuse: after the monthly archive feeds of a cold
    100,000-article build, 140 MB that the Pagefind services beside the build could not have.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # a C library without it (musl)
            ctypes.CDLL(None).malloc_trim(0)


def peak_bytes() -> int:
    """→ the most memory this process has held so far (0 where the platform does not tell)."""
    try:
        import resource
    except ImportError:  # not on Unix
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def build(input_dir: Path, output_dir: Path, config: Config, templates_dir: Path = TEMPLATES_DIR,
          progress: Progress = lambda items, total: items, cache_dir: Path | None = None,
          jobs: int = 1) -> BuildResult:
    """Archive folder → site folder (cache_dir None: no cache kept); returns what was built, skipped and written."""
    with output_lock(output_dir), open_cache(cache_dir) as cache, archive_outside_gc() as loaded, \
            contextlib.ExitStack() as stack:
        gathered = gather(input_dir, config, cache, jobs, progress)
        archive = archive_of(gathered, config, cache)
        # The search index's shards before the renderer: a rebuild's Pagefind work starts 0.3 s sooner.
        shards = plan_shards(archive, config.language, site_fingerprint(config, templates_dir))
        live = live_folder(output_dir)
        # What Pagefind services must fit beside.
        indexer = stack.enter_context(Indexer(shards, config.language, cache.reader, jobs, page_budget(peak_bytes())))
        checkpoint: Callable[[str], Checkpoint] | None = None
        if live is None or not index_is_current(live, shards):
            # Once a month's article pages are in the new generation, its shards are indexed (processes
            # of their own, so on other cores) while later pages render: the index keeps pace with the
            # pages, and when memory is tight it never runs beside the archive feeds, rendered first.
            def month_checkpoint(folder: str) -> Checkpoint:
                def ready(site_dir: Path, live_dir: Path | None) -> None:
                    release_free_memory()  # a Pagefind service is about to work beside the build
                    indexer.add_month(folder, site_dir, live_dir)

                return Checkpoint(folder, ready)

            checkpoint = month_checkpoint
            indexer.warm_up()
            if live is not None:
                indexer.start_early(live.parent / EARLY_INDEX, live)  # beside the generations

        # The media store, read only: a build never fetches (its images are in it or keep their addresses).
        local = config.media.publish == "local"
        media = MediaIndex.open(store_folder(config, input_dir)) if local else None
        if media is not None:
            stack.callback(media.close)
        renderer = SiteRenderer(archive, config, cache, shards, templates_dir, cache.path.parent / COMPILED_TEMPLATES,
                                media)
        loaded()
        cache.keep_only_feed_entries(renderer.kept_entries.keys.values())
        prepared = prepare(site_files(renderer, checkpoint, memory_is_tight(peak_bytes())), output_dir)
        release_free_memory()  # what rendering freed, given back while Pagefind may still be indexing
        if prepared.folder is not None:  # its stale shards removed; those of unchanged pages taken from the live site
            indexer.add(prepared.folder, prepared.live, () if checkpoint else shards)
        indexed = indexer.finish()
        publish(prepared)
        mirror_first(prepared)
    images = None if media is None else image_counts(archive, media)
    return BuildResult(archive=archive, files_seen=gathered.files_seen, written=prepared.report,
                       from_cache=gathered.from_cache, shards_indexed=indexed, images=images)
