"""Search stage, indexing: Pagefind run over the planned shards (generator.search.shards), in service processes.

Pagefind's extended build (PyPI `pagefind-bin-extended`: the binary ships inside the wheel and
never downloads anything) indexes one record per article: its title, publisher, author and text,
with the Chinese already split into words by the per-article work (generator.article.words,
cached), so Pagefind only reads words between spaces. Several shards are indexed at once, within
a page budget, in Pagefind service processes reused from shard to shard. Output is deterministic:
the same articles give the same files (tested) — except Pagefind filters, whose values it writes in
hash order, so records have none.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import functools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from generator.errors import SearchError
from generator.models import Content
from generator.output.writer import link_or_copy
from generator.search import shards as planning
from generator.search.shards import BUNDLE, Shard, index_language, shard_records

STAMP = ".newsarchive-shard"  # file in each shard folder holding the fingerprint it was built from
# Pages a Pagefind service may index in all, over the shards it is given: one full shard's. Its memory
# grows with every shard it indexes, even after deleting each index (at 100k, 600-page shards: ~240 MB
# for a fresh service, up to 454 MB for one that had indexed a 546-page shard before), while starting
# one costs ~10 ms of CPU.
SERVICE_PAGES = planning.SHARD_PAGES
WARM_UP_TEXT = "朝鲜 与 俄罗斯 签署 协议 news archive"  # what a service indexes, and forgets, as it starts
# Opens, on the thread that indexes a shard, a way to load an article's Content (Cache.reader).
Reader = Callable[[], contextlib.AbstractContextManager[Callable[[str], Content]]]


def pagefind_executable() -> Path:
    """→ path of the Pagefind binary shipped in the pagefind-bin-extended wheel, or SearchError."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError as error:
        raise SearchError("pagefind-bin-extended is not installed; install newsarchive again "
                          "(pip install -e .) or pip install pagefind-bin-extended") from error
    try:
        return get_executable()
    except FileNotFoundError as error:
        raise SearchError(f"the Pagefind binary is missing from pagefind-bin-extended: {error}") from error


def _stamp(folder: Path) -> str:
    """A shard folder → the fingerprint it was built from ('' when unknown)."""
    try:
        return (folder / STAMP).read_text(encoding="utf-8")
    except OSError:
        return ""


def index_is_current(site_dir: Path, shards: Sequence[Shard]) -> bool:
    """A site generation + the planned shards → True when every shard in it was built from its fingerprint."""
    return all(_stamp(site_dir / BUNDLE / shard.name) == shard.fingerprint for shard in shards)


class _Pagefind:
    """One Pagefind process in service mode (`pagefind --service`), indexing what it is asked to.

    A `pagefind` run costs about 0.3 s before it reads a page (at 1,000 articles, more than the
    pages themselves); a service pays it once. Requests are base64 JSON ended by a comma on
    stdin, answered the same way on stdout. Not the `pagefind` Python wrapper: it polls for each
    answer every 100 ms and is asynchronous, while the shards here are indexed by threads.
    """

    def __init__(self) -> None:
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 (its stderr, read when it fails; closed in close())
        self.process = start_dying_with_parent([str(pagefind_executable()), "--service"], stdin=subprocess.PIPE,
                                               stdout=subprocess.PIPE, stderr=self.errors)
        self.sent = 0
        self.pending = b""
        self.indexed = 0  # pages it has indexed so far

    def call(self, request: dict[str, object]) -> dict[str, object]:
        """A request payload → Pagefind's answer payload (SearchError when it reports an error or dies)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.sent += 1
        # UTF-8, not \u escapes: Chinese takes half the bytes to encode, send and parse (~15% of adding a record).
        message = json.dumps({"message_id": self.sent, "payload": request}, ensure_ascii=False).encode()
        try:
            self.process.stdin.write(base64.b64encode(message) + b",")
            self.process.stdin.flush()
            while b"," not in self.pending:
                chunk = self.process.stdout.read1(65536)
                if not chunk:
                    raise OSError("Pagefind closed its output")
                self.pending += chunk
        except OSError as error:
            self.errors.seek(0)
            raise SearchError(f"pagefind stopped ({error}): "
                              f"{self.errors.read().decode(errors='replace').strip()}") from error
        answer, _, self.pending = self.pending.partition(b",")
        payload: dict[str, object] = json.loads(base64.b64decode(answer))["payload"]
        if payload.get("type") == "Error":
            raise SearchError(f"pagefind failed on {request['type']}: {payload.get('message')}")
        return payload

    def _new_index(self, language: str) -> object:
        """The site's language → the id of a new, empty index."""
        return self.call({"type": "NewIndex", "config": {
            "force_language": index_language(language),
            "keep_index_url": True,  # result links name index.html like every other link in the site
        }})["index_id"]

    def _add(self, index_id: object, record: dict[str, object]) -> None:
        """An index id + a record (url, content, meta) → the record added to that index."""
        self.call({"type": "AddRecord", "index_id": index_id, "language": "", **record})

    def warm_up(self, language: str) -> None:
        """Index one small record in the site's language and delete the index: a service started while
        the first month's pages render starts on their shard at once."""
        index_id = self._new_index(language)
        try:
            self._add(index_id, {"url": "/warm-up/", "content": WARM_UP_TEXT, "meta": {"title": "warm-up"}})
        finally:
            self.call({"type": "DeleteIndex", "index_id": index_id})

    def index(self, shard: Shard, records: Iterable[dict[str, object]], language: str, output: Path) -> None:
        """A shard + its articles' records (shard_records) + the site's language → its index written into output."""
        index_id = self._new_index(language)
        try:
            for record in records:
                self._add(index_id, record)
            self.call({"type": "WriteFiles", "index_id": index_id, "output_path": str(output)})
            self.indexed += shard.pages
        finally:
            self.call({"type": "DeleteIndex", "index_id": index_id})
        (output / STAMP).write_text(shard.fingerprint, encoding="utf-8")

    def close(self) -> None:
        """End the service (closing its input ends it) and wait for it."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()


def _die_with_parent() -> None:
    """In the child, before it starts: ask Linux to kill it if the build is killed."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@functools.cache
def _setpriv() -> str | None:
    """→ util-linux setpriv if it is here and can set the parent-death signal, else None."""
    found = shutil.which("setpriv")
    if found is None:
        return None
    try:
        subprocess.run([found, "--pdeathsig", "KILL", "--", "true"], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return found


def start_dying_with_parent(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """A command + Popen options → the started process, which Linux kills when the build dies
    (elsewhere the service ends when its input closes, after the shard in hand).

    Through setpriv where it can: a function run before exec (preexec_fn) makes Python fork the
    whole build, ~45 ms at 700 MB, and a forked copy made memory sampling count the build twice.
    """
    if sys.platform != "linux":
        return subprocess.Popen(command, **options)
    setpriv = _setpriv()
    if setpriv is not None:
        return subprocess.Popen([setpriv, "--pdeathsig", "KILL", "--", *command], **options)
    return subprocess.Popen(command, preexec_fn=_die_with_parent, **options)


class Indexer:
    """Makes a new generation's SITE/pagefind/ shard by shard, as the build reaches their months.

    At the first `add` the shards not planned are removed. A shard already right in the new
    generation is kept, one right in the live generation is linked from it, and the rest are
    indexed by Pagefind on background threads: up to `jobs` at once, as long as the pages of the
    services indexing or waiting to be reused stay within the page budget (Pagefind's memory
    grows with them).

    A rebuild with one service's pages to index starts them before any page is written
    (`start_early`), into a staging folder: a shard's records come from the cache, not the pages.
    Its month's `add` then only claims it, and `finish` moves it in.
    """

    def __init__(self, shards: Sequence[Shard], language: str, reader: Reader, jobs: int = 1,
                 pages_at_once: int | None = None):
        self.reader = reader  # opens a way to load Content on a pool thread (Cache.reader)
        self.shards = tuple(shards)
        self.wanted = {shard.name for shard in shards}
        self.by_folder: dict[str, list[Shard]] = {}  # site folder of a month's article pages → its shards
        for shard in shards:
            self.by_folder.setdefault(shard.folder, []).append(shard)
        self.language = language
        self.workers = max(jobs, 1)
        self.budget = _PageBudget(planning.SHARD_PAGES if pages_at_once is None else pages_at_once)
        # Services that may index another shard, with the pages they hold in the budget.
        self.idle: queue.SimpleQueue[tuple[_Pagefind, int]] = queue.SimpleQueue()
        self.pool = ThreadPoolExecutor(max_workers=self.workers)
        self.running: list[Future[None]] = []
        self.site_dir: Path | None = None
        self.warming: Future[None] | None = None  # a service being started ahead of the first shard
        self.staging: Path | None = None  # where shards started early are indexed
        self.early: dict[str, Future[None]] = {}  # shard name → its indexing, started early
        self.claimed: list[tuple[str, Path]] = []  # (shard name, its folder in the new generation)

    def __enter__(self) -> Indexer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        while self._end_an_idle_service():
            pass
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)

    def start_early(self, staging: Path, live_dir: Path) -> bool:
        """A staging folder + the live generation → True when the shards whose live copy is stale hold one
        service's pages at most, and their indexing has started into staging (else nothing starts).

        Started before any page renders, Pagefind is no longer the last thing a rebuild waits for: the
        run of an article added to a full month is 600 pages, ~1.2 s of Pagefind, which began only once
        the month's pages were written; a 100k rebuild then waited 0.8 s for it at its end (5.0–5.3 s
        in all, now 4.5–4.6 s). More pages wait for their months, which come after the biggest feeds
        when memory is tight.
        """
        stale = [shard for shard in self.shards if _stamp(live_dir / BUNDLE / shard.name) != shard.fingerprint]
        if not stale or sum(shard.pages for shard in stale) > SERVICE_PAGES:
            return False
        shutil.rmtree(staging, ignore_errors=True)  # a killed build's
        staging.mkdir(parents=True)
        self.staging = staging
        for shard in stale:
            self.early[shard.name] = self.pool.submit(self._index, staging / shard.name, shard)
        return True

    def warm_up(self) -> None:
        """Start a Pagefind service ahead of the first shard, on a pool thread, ready for it."""

        def start() -> None:
            service = _Pagefind()
            try:
                service.warm_up(self.language)
            except BaseException:
                service.close()
                raise
            self.idle.put((service, 0))  # memory of no pages yet (~60 MB)
            self.budget.wake()

        self.warming = self.pool.submit(start)

    def add_month(self, folder: str, site_dir: Path, live_dir: Path | None) -> None:
        """A month's folder of article pages, all in the new generation (+ the live one) → its shards started."""
        self.add(site_dir, live_dir, self.by_folder.get(folder, ()))

    def add(self, site_dir: Path, live_dir: Path | None, shards: Iterable[Shard]) -> None:
        """A new generation (+ the live one) + shards whose pages are all in it → their indexing started."""
        bundle = site_dir / BUNDLE
        if self.site_dir is None:
            self.site_dir = site_dir
            bundle.mkdir(exist_ok=True)
            for folder in bundle.iterdir():  # shards of months that are gone, and leftovers of killed builds
                if folder.name not in self.wanted:
                    shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
        assert site_dir == self.site_dir, "one Indexer makes one generation's index"
        for shard in shards:
            if _stamp(bundle / shard.name) == shard.fingerprint:
                continue
            live = live_dir / BUNDLE / shard.name if live_dir is not None else None
            if live is not None and _stamp(live) == shard.fingerprint:
                _replace(bundle / shard.name, lambda temporary, live=live: shutil.copytree(
                    live, temporary, copy_function=link_or_copy))
            elif shard.name in self.early:
                self.claimed.append((shard.name, bundle / shard.name))
            else:
                self.running.append(self.pool.submit(self._index, bundle / shard.name, shard))

    def _index(self, folder: Path, shard: Shard) -> None:
        """Run Pagefind for one shard, into its folder (on a pool thread)."""
        # A service is reused: a full index has a shard per 600 pages, and each process started costs.
        # It keeps the memory of the biggest shard it has indexed, so those pages stay counted in the
        # budget while it waits, and waiting services are ended when another shard needs their room.
        service: _Pagefind | None
        if self.warming is not None:  # it is ready by now, or as soon as a fresh one would be; failed, it is not used
            wait([self.warming])
        try:
            service, held = self.idle.get_nowait()
        except queue.Empty:
            service, held = None, 0
        if service is not None and service.indexed + shard.pages > SERVICE_PAGES:
            service.close()  # it would grow past a fresh one's size (at 100k: 454 MB, against 240 fresh)
            self.budget.release(held)
            service, held = None, 0
        pages = max(held, shard.pages)
        if not self.budget.try_acquire(pages - held, held):
            # Never wait while holding pages: two threads doing so could wait for each other forever.
            if service is not None:
                service.close()
                self.budget.release(held)
            service, pages = None, shard.pages
            self.budget.acquire(pages, make_room=self._end_an_idle_service)
        if service is None:
            try:
                service = _Pagefind()
            except BaseException:
                self.budget.release(pages)  # or the threads waiting for room would wait forever
                raise
        keep = False
        try:
            with self.reader() as content:
                _replace(folder, lambda temporary: service.index(
                    shard, shard_records(shard, content), self.language, temporary))
            # One bigger than the budget ran alone: it would hold every other one up.
            keep = pages <= self.budget.limit and service.indexed < SERVICE_PAGES
        finally:
            if keep:
                self.idle.put((service, pages))
                self.budget.wake()  # a thread waiting for room may end it
            else:
                service.close()
                self.budget.release(pages)

    def _end_an_idle_service(self) -> bool:
        """End one waiting service and free its pages in the budget; → False when none was waiting."""
        try:
            service, held = self.idle.get_nowait()
        except queue.Empty:
            return False
        service.close()
        self.budget.release(held)
        return True

    def finish(self) -> int:
        """Wait for every shard added, and move in those started early → how many Pagefind indexed
        (raises the first SearchError)."""
        for running in (*self.running, *self.early.values()):
            running.result()
        for name, folder in self.claimed:
            assert self.staging is not None
            _replace(folder, lambda temporary, staged=self.staging / name: staged.rename(temporary))
        return len(self.running) + len(self.early)


def _replace(folder: Path, make: Callable[[Path], object]) -> None:
    """A shard folder + a function filling a new folder → the folder replaced by a newly made one."""
    temporary = folder.with_name(f".{folder.name}.new-{os.getpid()}")  # unique: a killed build's Pagefind may linger
    shutil.rmtree(temporary, ignore_errors=True)
    make(temporary)
    shutil.rmtree(folder, ignore_errors=True)
    temporary.rename(folder)


class _PageBudget:
    """How many pages Pagefind services may hold at once; a shard bigger than the whole budget runs alone."""

    def __init__(self, pages: int):
        self.limit, self.used = pages, 0
        self.changed = threading.Condition()  # reentrant: make_room releases pages while acquire waits

    def try_acquire(self, pages: int, held: int = 0) -> bool:
        """Count `pages` more if they fit in the budget besides the `held` ones the caller counted
        already (or if nothing else is counted); → whether they were counted."""
        with self.changed:
            if self.used == held or self.used + pages <= self.limit:
                self.used += pages
                return True
            return False

    def acquire(self, pages: int, make_room: Callable[[], bool] = lambda: False) -> None:
        """Wait until `pages` fit in the budget (calling make_room while it frees some), then count them.
        The caller must hold no pages: it would wait for itself."""
        with self.changed:
            while not (self.used == 0 or self.used + pages <= self.limit):
                if not make_room():
                    self.changed.wait()
            self.used += pages

    def release(self, pages: int) -> None:
        """Stop counting `pages`."""
        with self.changed:
            self.used -= pages
            self.changed.notify_all()

    def wake(self) -> None:
        """Let the threads waiting for room look again (make_room may now free some)."""
        with self.changed:
            self.changed.notify_all()
