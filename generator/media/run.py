"""One run of the media pass: the archive's pages → their images fetched, verified and stored, the ledger updated.

A run reads which images each article's page shows (from its sanitized HTML, as the build makes it:
images the cleaner drops, such as trackers and share buttons, are never fetched), finds for each the
URLs to try (generator.media.addresses.candidates), asks for those the ledger has neither stored nor
given up (nor scheduled for later), and writes, per article, the map of its stored images that builds
read. A second run with nothing new makes no request.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.config import Config, MediaConfig
from generator.media import store as ledger
from generator.media.addresses import candidates, host_of
from generator.media.store import (
    FAILED,
    GONE,
    STORED,
    ArticleMedia,
    Fetch,
    MediaStore,
    Variants,
    images_digest,
    store_folder,
)

if TYPE_CHECKING:  # httpx and Pillow are loaded when a run starts: every command loads this module
    from generator.media.fetcher import FetchFailed

BACKOFF_SECONDS = 1800  # wait after a first failure; each further failure waits four times longer
Progress = Callable[[Iterable, int], Iterable]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class PageImages:
    """One article as the media pass reads it."""

    file: str  # its file, relative to the archive folder (the ledger's key)
    content_key: str  # the key of its content in the cache: the addresses are read again when it changes
    url: str  # the article's URL: the Referer sent, and the base of relative addresses
    addresses: Callable[[], list[str]]  # → the addresses its page shows (loaded only when the ledger lacks them)
    raw_groups: Callable[[], list[tuple[str, ...]]]  # → every address its raw HTML gives per image element


@dataclass(frozen=True, slots=True)
class Job:
    """One address to get an image for."""

    address: str  # as the page shows it
    candidates: tuple[str, ...]  # URLs to try, best first
    referer: str  # the URL of (the first) article showing it
    known: dict[str, Fetch]  # what the ledger knew of the candidates when the run started


@dataclass(frozen=True, slots=True)
class Kept:
    """An image stored by this run."""

    image: str  # digest of the bytes downloaded
    width: int  # the original's size, pixels
    height: int
    source_format: str  # as Pillow names it
    source_bytes: int  # bytes downloaded
    stored_bytes: int  # bytes its variants take
    variants: Variants  # (file name, width, height), widest first


@dataclass(frozen=True, slots=True)
class Asked:
    """One URL asked for in this run, and what came of it."""

    url: str  # the URL
    image: str  # digest of the image it gave ('' when it failed)
    kept: Kept | None  # the image, when this run stored it (None when it failed or was stored already)
    failure: FetchFailed | None  # why it failed (None when it gave an image)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A job's result."""

    job: Job  # the job
    image: str  # the image the address became ('' when none of its candidates gave one)
    asked: tuple[Asked, ...]  # the URLs asked for, in order


@dataclass(frozen=True, slots=True)
class MediaReport:
    """What a run did, and where the archive's images stand."""

    articles: int  # articles read
    images: int  # images their pages show (each address once)
    local: int  # of those, stored
    failed: int  # given up (every URL tried for them gave up)
    waiting: int  # neither: not tried yet, or to be tried again later
    stored_now: int  # images stored by this run
    requests: int  # requests sent by this run
    failures: tuple[tuple[str, str], ...] = field(default=())  # (URL, reason) of this run's failures


class MediaRun:
    """One run of the media pass over a store."""

    def __init__(
        self,
        store: MediaStore,
        settings: MediaConfig,
        user_agent: str,
        clock: Clock = ledger.now,
        transport: object = None,
    ):
        """The store + the [media] settings + the User-Agent to send (+ the clock, an httpx transport: tests and
        benchmarks)."""
        from generator.media.fetcher import Fetcher, FetchSettings

        self.store = store
        self.settings = settings
        self.clock = clock
        self.fetcher = Fetcher(
            FetchSettings(
                user_agent,
                settings.timeout,
                settings.max_bytes,
                settings.per_host,
                settings.allow_private_hosts,
                settings.referers,
            ),
            transport,
        )
        self.images: dict[str, Variants] = store.image_variants()
        self._asked: dict[str, Future[Asked]] = {}  # URL → its one request of this run (two jobs may share a URL)
        self._lock = threading.Lock()
        self._recorded: set[str] = set()  # URLs whose outcome this run has written

    def close(self) -> None:
        """Close the connections."""
        self.fetcher.close()

    # --- network side (worker threads) ----------------------------------------------------------

    def _ask(self, url: str, referer: str) -> Asked:
        """A URL → what came of asking for it (once per run, whichever job asks first)."""
        with self._lock:
            future = self._asked.get(url)
            mine = future is None
            if mine:
                future = self._asked[url] = Future()
        assert future is not None
        if not mine:
            return future.result()
        try:
            asked = self._download(url, referer)
        except BaseException as exc:
            future.set_exception(exc)
            raise
        future.set_result(asked)
        return asked

    def _download(self, url: str, referer: str) -> Asked:
        """A URL → its bytes, verified and stored (or known already) → Asked."""
        from generator.media.fetcher import FetchFailed
        from generator.media.images import ImageRefused, encode_image

        try:
            data = self.fetcher.get(url, referer)
        except FetchFailed as failure:
            return Asked(url, "", None, failure)
        except Exception as exc:  # an address httpx cannot even send (one image must never stop the run)
            return Asked(url, "", None, FetchFailed(f"cannot be requested ({type(exc).__name__}: {exc})", True))
        image = hashlib.sha256(data).hexdigest()
        if image in self.images:  # the same bytes under another URL: stored once
            return Asked(url, image, None, None)
        settings = self.settings
        try:
            encoded = encode_image(
                data, settings.max_width, settings.small_width, settings.format, settings.quality, settings.max_pixels
            )
        except ImageRefused as refused:
            return Asked(url, "", None, FetchFailed(f"{refused}. Fix: nothing; it is not kept", permanent=True))
        except Exception as exc:  # a decoder's own error on hostile bytes: that image is refused, the run goes on
            reason = f"an image Pillow cannot decode ({type(exc).__name__}: {exc}). Fix: nothing; it is not kept"
            return Asked(url, "", None, FetchFailed(reason, permanent=True))
        variants = self.store.write_variants((v.name, v.data, v.width, v.height) for v in encoded.variants)
        kept = Kept(
            image,
            encoded.width,
            encoded.height,
            encoded.source_format,
            len(data),
            sum(len(v.data) for v in encoded.variants),
            variants,
        )
        return Asked(url, image, kept, None)

    def _resolve(self, job: Job) -> Resolved:
        """A job → the first candidate that gives an image (those known to be given up, or not due yet, skipped)."""
        now = self.clock()
        asked = []
        for url in job.candidates:
            known = job.known.get(url)
            if known is not None and known.state == STORED and known.image in self.images:
                return Resolved(job, known.image, tuple(asked))
            if known is not None and (known.state == GONE or not known.due(now)):
                continue
            outcome = self._ask(url, job.referer)
            asked.append(outcome)
            if outcome.image:
                return Resolved(job, outcome.image, tuple(asked))
        return Resolved(job, "", tuple(asked))

    # --- ledger side (the calling thread) -------------------------------------------------------

    def _record(self, resolved: Resolved, known: dict[str, Fetch]) -> None:
        """A job's result → the ledger (and `known`, this run's view of the fetches)."""
        now = self.clock()
        with self.store.transaction():
            for asked in resolved.asked:
                if asked.url in self._recorded:  # asked once, shared by two jobs: counted once
                    continue
                self._recorded.add(asked.url)
                previous = known.get(asked.url)
                attempts = (previous.attempts if previous else 0) + 1
                if asked.failure is None:
                    fetch = Fetch(asked.url, STORED, asked.image, attempts, 0.0, "")
                else:
                    failure = asked.failure
                    give_up = failure.permanent or attempts >= self.settings.max_attempts
                    wait = max(failure.retry_after, BACKOFF_SECONDS * 4 ** (attempts - 1))
                    fetch = Fetch(
                        asked.url,
                        GONE if give_up else FAILED,
                        "",
                        attempts,
                        0.0 if give_up else now + wait,
                        failure.reason,
                    )
                known[asked.url] = fetch
                self.store.record_fetch(fetch, now)
                if asked.kept is not None and asked.kept.image not in self.images:
                    kept = asked.kept
                    self.store.record_image(
                        kept.image,
                        kept.width,
                        kept.height,
                        kept.source_format,
                        kept.source_bytes,
                        kept.stored_bytes,
                        kept.variants,
                    )
                    self.images[kept.image] = kept.variants
            if resolved.image:
                self.store.resolve(resolved.job.address, resolved.image)

    def run(
        self, pages: Iterable[PageImages], progress: Progress = lambda items, total: items, prune: bool = False
    ) -> MediaReport:
        """The archive's articles (+ a progress wrapper, + whether rows of articles not among them are
        removed) → their images fetched and stored, the ledger updated → the report."""
        rows = self.store.articles()
        addresses = self.store.addresses()
        shown: dict[str, tuple[str, tuple[str, ...]]] = {}  # file → (content key, addresses its page shows)
        with self.store.transaction():
            for page in pages:
                row = rows.get(page.file)
                found = row[1] if row is not None and row[0] == page.content_key else tuple(page.addresses())
                shown[page.file] = (page.content_key, found)
                groups = None
                for address in found:
                    if address not in addresses:
                        groups = page.raw_groups() if groups is None else groups
                        tried = candidates(address, groups)
                        self.store.add_address(address, tried, page.url)
                        addresses[address] = (tried, page.url, "")
        wanted = {a for _, found in shown.values() for a in found}
        open_addresses = [a for a in sorted(wanted) if not addresses[a][2] or addresses[a][2] not in self.images]
        known = self.store.fetches(url for a in open_addresses for url in addresses[a][0])
        now = self.clock()
        jobs = []
        for address in open_addresses:
            tried, referer, _ = addresses[address]
            mine = {url: known[url] for url in tried if url in known}
            # Only addresses with something to do: a URL never asked, one due again, or one stored already.
            if any(url not in mine or mine[url].due(now) or mine[url].state == STORED for url in tried):
                jobs.append(Job(address, tried, referer, mine))
        resolved_now: dict[str, str] = {}
        failures: list[tuple[str, str]] = []
        requests_before = self.fetcher.requests
        with ThreadPoolExecutor(max_workers=self.settings.concurrency) as pool:
            futures = [pool.submit(self._resolve, job) for job in _by_host_in_turn(jobs)]
            for future in progress(as_completed(futures), len(futures)):
                resolved = future.result()
                self._record(resolved, known)
                failures += [(a.url, a.failure.reason) for a in resolved.asked if a.failure is not None]
                if resolved.image:
                    resolved_now[resolved.job.address] = resolved.image
                    addresses[resolved.job.address] = (*addresses[resolved.job.address][:2], resolved.image)
        report = self._write_articles(shown, addresses, known, rows, prune)
        stored_now = sum(1 for a in resolved_now if a in wanted)
        return MediaReport(
            len(shown),
            *report,
            stored_now=stored_now,
            requests=self.fetcher.requests - requests_before,
            failures=tuple(failures),
        )

    def _write_articles(
        self,
        shown: dict[str, tuple[str, tuple[str, ...]]],
        addresses: dict[str, tuple[tuple[str, ...], str, str]],
        known: dict[str, Fetch],
        rows: dict[str, tuple[str, tuple[str, ...], str, int]],
        prune: bool,
    ) -> tuple[int, int, int, int]:
        """Each article's map of stored images → the ledger (rows that changed) → (images, local, failed, waiting)."""

        def given_up(address: str) -> bool:
            tried = addresses[address][0]
            return all(url in known and known[url].state == GONE for url in tried)

        local = failed = 0
        counted: set[str] = set()
        with self.store.transaction():
            for file, (content_key, found) in shown.items():
                images = {a: self.images[addresses[a][2]] for a in found if addresses[a][2] in self.images}
                gone = sum(1 for a in found if a not in images and given_up(a))
                media = ArticleMedia(content_key, found, images, images_digest(images), gone)
                row = rows.get(file)
                if row is None or row != (content_key, found, media.digest, gone):
                    self.store.record_article(file, media)
                for address in found:
                    if address not in counted:
                        counted.add(address)
                        local += address in images
                        failed += address not in images and given_up(address)
            if prune:
                self.store.forget_articles(set(rows) - set(shown))
        return len(counted), local, failed, len(counted) - local - failed


def _by_host_in_turn(jobs: list[Job]) -> Iterator[Job]:
    """Jobs → the same jobs, one host after another in turn, so the pool's threads seldom all wait for one host."""
    queues: dict[str, list[Job]] = {}
    for job in jobs:
        queues.setdefault(host_of(job.candidates[0]) if job.candidates else "", []).append(job)
    lists = list(queues.values())
    for index in range(max((len(q) for q in lists), default=0)):
        for queue in lists:
            if index < len(queue):
                yield queue[index]


# --- the command ---------------------------------------------------------------------------------


def fetch_media(
    pages: list[PageImages],
    config: Config,
    input_dir: Path,
    progress: Progress,
    prune: bool,
    user_agent: str,
    retry_failed: bool = False,
    verify: bool = False,
    clock: Clock | None = None,
) -> MediaReport:
    """Pages + config + archive folder + progress wrapper + whether ledger rows of other articles go + the
    User-Agent (+ whether failures are forgotten first, whether lost files are looked for, the clock) → their
    images fetched into the store → the report."""
    store = MediaStore(store_folder(config, input_dir))
    try:
        if retry_failed:
            store.forget_failures()
        if verify:
            lost = [
                image
                for image, variants in store.image_variants().items()
                if not all(ledger.file_path(store.folder, name).is_file() for name, _, _ in variants)
            ]
            with store.transaction():
                store.forget_images(lost)
        run = MediaRun(store, config.media, user_agent, clock or ledger.now)
        try:
            return run.run(pages, progress, prune)
        finally:
            run.close()
    finally:
        store.close()
