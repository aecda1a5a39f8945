"""Gather stage: archive folder + cache → every file's outcome (article or problem), in file-name order.

Only files whose content the cache has not seen are read, cleaned and enriched, in worker
processes (--jobs). A file whose size, mtime, ctime and inode are unchanged is not even read.
The articles come back without their bodies: those go straight into the cache's content store.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from generator.article.reader import scan_folder, unreadable
from generator.cache import codec
from generator.cache.store import (
    Cache,
    FileStat,
    article_code,
    article_key,
    content_digest,
    key_prefix,
)
from generator.config import Config
from generator.models import Content, Outcome, Skipped

# Below this many files to process, worker processes cost more to start than they save ...
PARALLEL_FROM = 64
# ... unless this many outcomes are loaded already: then even one file is processed in a worker, so
# the segmenter's and converter's dictionaries (~40 MB) go with it instead of staying through rendering.
LARGE_ARCHIVE = 10_000
CHUNK = 8  # files sent to a worker at a time

Progress = Callable[[Iterable[Outcome], int], Iterable[Outcome]]


@dataclass(frozen=True, slots=True)
class Gathered:
    """Every input file's outcome, and how many came from the cache."""

    outcomes: tuple[Outcome, ...]  # one per file, in file-name order
    files_seen: int  # article files found
    from_cache: int  # outcomes taken from the cache without processing


def default_jobs() -> int:
    """→ the number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_worker_state: dict[str, object] = {}


def process_file(name: str, data: bytes, key: str, config: Config,
                 modified: datetime | None = None) -> tuple[Outcome, Content | None]:
    """enrich.process_file, its module imported on first use: a rebuild that finds every file in the cache
    never loads the cleaner's and the segmenter's libraries, and a new file's worker loads them itself."""
    from generator.article.enrich import process_file as process

    return process(name, data, key, config, modified)


def _start_worker(config: Config, prefix: bytes) -> None:
    """Worker process initializer: keep the build's config and key prefix, collect garbage.

    A forked worker inherits the build's paused garbage collector (see build.archive_outside_gc),
    and cleaning leaves cyclic garbage (parsed HTML trees): without collection a worker grew by
    hundreds of megabytes in a cold 10,000-article build.
    """
    gc.freeze()  # what the fork inherited (a large archive, loaded) is left out of the collections
    gc.enable()
    _worker_state.update(config=config, prefix=prefix)


@contextlib.contextmanager
def _collecting() -> Iterator[None]:
    """The garbage collector on for the block (files processed here make cyclic garbage), as before after.

    When the build has paused it, what is loaded so far (every cached outcome) is left out of the
    collections meanwhile: processing a few new files must not walk 100,000 loaded articles.
    """
    if gc.isenabled():
        yield
        return
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.disable()
        gc.unfreeze()


Result = tuple[str, str, str, bytes, bytes | None]  # name, content digest, key, encoded outcome, packed content


def _work(job: tuple[str, str]) -> Result:
    """(name, path) → its Result, computed in a worker process."""
    name, path = job
    config, prefix = _worker_state["config"], _worker_state["prefix"]
    assert isinstance(config, Config) and isinstance(prefix, bytes)
    return _process_path(name, path, config, prefix)


def _process_path(name: str, path: str, config: Config, prefix: bytes) -> Result:
    """(name, path, config, key prefix) → its Result ('' digest and key when it cannot be read)."""
    try:
        data = Path(path).read_bytes()
        # The last date an article with no other one has: what the file system says (see article.dates).
        modified = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
    except OSError as exc:
        return name, "", "", codec.dumps(Skipped(unreadable(name, exc))), None
    digest = content_digest(data)
    key = article_key(prefix, name, digest)
    outcome, content = process_file(name, data, key, config, modified)
    return name, digest, key, codec.dumps(outcome), None if content is None else codec.pack_content(content)


@contextlib.contextmanager
def _running(jobs: list[tuple[str, str]], workers: int, config: Config, prefix: bytes,
             loaded: int = 0) -> Iterator[Iterator[Result]]:
    """Files to process (+ how many outcomes the build holds besides) → their results in order; in
    worker processes, which start on entering the block, when that pays in time or memory."""
    if not jobs or workers <= 1 or (len(jobs) < PARALLEL_FROM and loaded < LARGE_ARCHIVE):
        yield (_process_path(name, path, config, prefix) for name, path in jobs)
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_start_worker,
                               initargs=(config, prefix))
    try:
        yield pool.map(_work, jobs, chunksize=CHUNK)  # all submitted now
    finally:  # when the block fails, the files not started are dropped instead of processed to the end
        pool.shutdown(wait=True, cancel_futures=True)


def gather(folder: Path, config: Config, cache: Cache, jobs: int = 1,
           progress: Progress = lambda items, total: items) -> Gathered:
    """Archive folder + config + cache + worker count → every file's outcome (cache updated)."""
    started = time.time_ns()  # comparable with file mtimes
    prefix = key_prefix(config, article_code())
    keyed = content_digest(prefix)  # names the prefix in the cache: a file's key is kept with it
    files = [(name, path, FileStat.of(stat)) for name, path, stat in scan_folder(folder)]
    trusted = cache.known_digests(keyed)
    keys: dict[str, str] = {}
    hashed: dict[str, str] = {}  # file name → digest, for files read in this build
    rekeyed: list[str] = []  # files whose digest was trusted but whose key was made with another prefix
    unread: list[tuple[str, str]] = []
    cache_is_empty = cache.is_empty()
    for name, path, stat in files:
        known = trusted.get(name)
        if known is not None and known[0] == stat:
            if known[2]:
                keys[name] = known[2]
            else:
                keys[name] = article_key(prefix, name, known[1])
                rekeyed.append(name)
            continue
        if cache_is_empty:  # nothing to find in the cache: let the workers read and hash
            unread.append((name, path))
            continue
        try:
            with open(path, "rb") as handle:
                digest = content_digest(handle.read())
        except OSError:
            unread.append((name, path))  # the worker reports it
            continue
        hashed[name] = digest
        keys[name] = article_key(prefix, name, digest)
    # New and changed files with no stored outcome are processed from here on, while the stored
    # outcomes load (1.5 s at 100,000 articles); whatever else turns out missing, after them.
    stored = cache.stored(keys[name] for name in hashed)
    first = sorted(unread + [(name, path) for name, path, _ in files if name in hashed and keys[name] not in stored])
    with _running(first, jobs, config, prefix, loaded=len(files) - len(first)) as processed:
        found = cache.outcomes(keys.values())
        outcomes: dict[str, Outcome] = {name: found[key] for name, key in keys.items() if key in found}
        from_cache = len(outcomes)
        taken = {name for name, _ in first}
        later = [(name, path) for name, path, _ in files if name in keys and name not in outcomes and name not in taken]
        with _running(later, jobs, config, prefix, loaded=from_cache) as processed_later, _collecting():
            results = itertools.chain(processed, processed_later)
            for name, outcome in progress(_store_as_they_come(cache, results, keys, hashed), len(first) + len(later)):
                outcomes[name] = outcome
    cache.remember_digests(((name, stat, hashed[name], keys[name]) for name, _, stat in files if name in hashed),
                           started, keyed)
    cache.remember_keys(((name, keys[name]) for name in rekeyed), keyed)
    cache.keep_bucketed({key: outcomes[name] for name, key in keys.items()})
    cache.prune(set(keys.values()), {name for name, _, _ in files})
    return Gathered(tuple(outcomes[name] for name, _, _ in files), len(files), from_cache)


def _store_as_they_come(cache: Cache, results: Iterable[Result], keys: dict[str, str],
                        hashed: dict[str, str]) -> Iterator[tuple[str, Outcome]]:
    """Worker results → (name, outcome), each stored in the cache (committed every few hundred)."""
    with cache.batches() as stored:
        for name, digest, key, outcome_blob, content in results:
            if key:  # '' when the file could not be read: nothing to remember
                keys[name], hashed[name] = key, digest
                stored(key, outcome_blob, content)
            yield name, cache.decode(outcome_blob)
