"""The media store: image files named after their bytes, and a ledger (SQLite) of what became of every address.

    media/ledger.sqlite3           the ledger
    media/files/3c/3ca5…f789.webp  one variant of an image, named after a digest of its bytes

Ledger tables:
- fetches: every URL asked for, its outcome (stored, failed to be retried, gone = given up), attempts,
  the time of the next try, the reason it failed. A run asks for no URL that is stored or given up,
  nor for one whose next try has not come.
- images: every image kept, by a digest of the bytes downloaded (the same bytes under two URLs are
  one image), with its original size and its variants.
- addresses: every address a page shows, the URLs tried for it (candidates), and the image it became.
- articles: per article file, the digest of its map of stored images (the build's fingerprint of the
  article's media) and counts of its images; small, as every build reads all of it.
- article_images: per article file, the addresses its page shows and, of those kept, the variants (the
  map itself, read when the article's pages are made).

Files are written once, atomically, and never changed, so the site can hard-link them. Only the
`media` command writes; a build reads (MediaIndex).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.config import Config
from generator.errors import MediaError

LEDGER = "ledger.sqlite3"
FILES = "files"
SCHEMA = 1
STORED, FAILED, GONE = "stored", "failed", "gone"  # states of a fetched URL
# (file name, width, height) of each variant, widest first: what a page needs to show an image.
Variants = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True)
class Fetch:
    """The ledger's record of one URL."""

    url: str  # the URL asked for
    state: str  # STORED, FAILED (to be tried again at next_try) or GONE (given up)
    image: str  # digest of the image it gave ('' unless stored)
    attempts: int  # requests made for it so far (that failed, or the one that succeeded)
    next_try: float  # epoch seconds before which it is not asked for again (0 when stored or gone)
    reason: str  # why it failed, for people ('' when stored)

    def due(self, now: float) -> bool:
        """True when the URL is to be asked for (again) at `now`."""
        return self.state == FAILED and self.next_try <= now


@dataclass(frozen=True, slots=True)
class ArticleMedia:
    """What the ledger holds for one article file."""

    content_key: str  # the content the addresses were read from (generator.cache key)
    addresses: tuple[str, ...]  # the addresses of the images its page shows, in order
    images: dict[str, Variants]  # address → its stored variants, for those kept
    digest: str  # digest of `images` ('' when empty): a page's fingerprint of its media
    failed: int  # addresses given up


def store_folder(config: Config, input_dir: Path) -> Path:
    """The config + the archive folder → the media store's folder (media.store, else "media" beside the archive)."""
    if config.media.store:
        return Path(config.media.store)
    return Path(input_dir).absolute().parent / "media"


def file_path(folder: Path, name: str) -> Path:
    """The store folder + a variant's file name → where the file is."""
    return folder / FILES / name[:2] / name


def images_digest(images: dict[str, Variants]) -> str:
    """An article's map of stored images → its digest ('' for none)."""
    if not images:
        return ""
    text = json.dumps(sorted(images.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    """The ledger's path → a connection with the current tables (an older schema is upgraded, or the
    tables made)."""
    db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
        db.executescript(f"""
            BEGIN;
            CREATE TABLE IF NOT EXISTS fetches (url TEXT PRIMARY KEY, state TEXT NOT NULL, image TEXT NOT NULL,
                attempts INT NOT NULL, next_try REAL NOT NULL, reason TEXT NOT NULL, updated REAL NOT NULL)
                WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS images (image TEXT PRIMARY KEY, width INT, height INT, format TEXT,
                bytes INT, variants TEXT NOT NULL, stored_bytes INT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS addresses (address TEXT PRIMARY KEY, candidates TEXT NOT NULL,
                referer TEXT NOT NULL, image TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS articles (file TEXT PRIMARY KEY, content_key TEXT NOT NULL,
                digest TEXT NOT NULL, local INT NOT NULL, failed INT NOT NULL, total INT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS article_images (file TEXT PRIMARY KEY, addresses TEXT NOT NULL,
                images TEXT NOT NULL) WITHOUT ROWID;
            PRAGMA user_version={SCHEMA};
            COMMIT;
        """)
    return db


class MediaStore:
    """The store, open for the `media` command (the only writer)."""

    def __init__(self, folder: Path):
        self.folder = folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.db = _connect(folder / LEDGER)
        except (OSError, sqlite3.Error) as exc:
            raise MediaError(
                f"the media store {folder} cannot be opened ({exc}). Fix: check that the folder is "
                "writable, or choose another with [media] store"
            ) from None

    def close(self) -> None:
        """Close the ledger."""
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction (many rows written at the cost of one)."""
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- files ----------------------------------------------------------------------------------

    def write_variants(self, variants: Iterable[tuple[str, bytes, int, int]]) -> Variants:
        """An image's variants (file name, bytes, width, height) → their files written (those already there
        kept) → their names and sizes.

        Thread-safe: a file is written to a temporary name and renamed, and two threads writing the
        same name write the same bytes.
        """
        written = []
        for name, data, width, height in variants:
            target = file_path(self.folder, name)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(data)
                    os.chmod(temporary, 0o644)
                    os.replace(temporary, target)
                finally:
                    Path(temporary).unlink(missing_ok=True)
            written.append((name, width, height))
        return tuple(written)

    # --- fetches and images ---------------------------------------------------------------------

    def fetches(self, urls: Iterable[str]) -> dict[str, Fetch]:
        """URLs → the ledger's record of those it has."""
        found = {}
        wanted = list(dict.fromkeys(urls))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.db.execute(
                f"SELECT url, state, image, attempts, next_try, reason FROM fetches "
                f"WHERE url IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update((row[0], Fetch(*row)) for row in rows)
        return found

    def record_fetch(self, fetch: Fetch, now: float) -> None:
        """One URL's outcome → the ledger."""
        self.db.execute(
            "INSERT OR REPLACE INTO fetches VALUES (?, ?, ?, ?, ?, ?, ?)",
            (fetch.url, fetch.state, fetch.image, fetch.attempts, fetch.next_try, fetch.reason, now),
        )

    def forget_failures(self) -> int:
        """Every failed and given-up URL forgotten, so the next run tries them again → how many."""
        return self.db.execute("DELETE FROM fetches WHERE state != ?", (STORED,)).rowcount

    def image_variants(self) -> dict[str, Variants]:
        """→ every stored image's variants, by image digest."""
        return {
            image: tuple(map(tuple, json.loads(variants)))
            for image, variants in self.db.execute("SELECT image, variants FROM images")
        }

    def record_image(
        self,
        image: str,
        width: int,
        height: int,
        source_format: str,
        source_bytes: int,
        stored_bytes: int,
        variants: Variants,
    ) -> None:
        """A newly stored image (its digest, original size and format, bytes downloaded and stored, variants)
        → the ledger."""
        self.db.execute(
            "INSERT OR REPLACE INTO images VALUES (?, ?, ?, ?, ?, ?, ?)",
            (image, width, height, source_format, source_bytes, json.dumps(variants), stored_bytes),
        )

    def forget_images(self, images: Iterable[str]) -> None:
        """Images whose files are lost → forgotten, with the fetches and addresses that gave them."""
        for image in images:
            self.db.execute("DELETE FROM images WHERE image = ?", (image,))
            self.db.execute("DELETE FROM fetches WHERE image = ?", (image,))
            self.db.execute("UPDATE addresses SET image = '' WHERE image = ?", (image,))

    # --- addresses and articles -----------------------------------------------------------------

    def addresses(self) -> dict[str, tuple[tuple[str, ...], str, str]]:
        """→ every address: (candidates, Referer, image digest or '')."""
        return {
            address: (tuple(json.loads(candidates)), referer, image)
            for address, candidates, referer, image in self.db.execute("SELECT * FROM addresses")
        }

    def add_address(self, address: str, candidates: tuple[str, ...], referer: str) -> None:
        """A new address a page shows → the ledger, with the URLs to try for it."""
        self.db.execute(
            "INSERT OR IGNORE INTO addresses VALUES (?, ?, ?, '')", (address, json.dumps(candidates), referer)
        )

    def resolve(self, address: str, image: str) -> None:
        """An address → the image one of its candidates gave."""
        self.db.execute("UPDATE addresses SET image = ? WHERE address = ?", (image, address))

    def articles(self) -> dict[str, tuple[str, tuple[str, ...], str, int]]:
        """→ every article file's (content key, addresses, digest of its stored images, images given up)."""
        return {
            file: (key, tuple(json.loads(addresses)), digest, failed)
            for file, key, addresses, digest, failed in self.db.execute(
                "SELECT file, content_key, addresses, digest, failed FROM articles JOIN article_images USING (file)"
            )
        }

    def record_article(self, file: str, media: ArticleMedia) -> None:
        """One article's media → the ledger."""
        self.db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?)",
            (file, media.content_key, media.digest, len(media.images), media.failed, len(media.addresses)),
        )
        self.db.execute(
            "INSERT OR REPLACE INTO article_images VALUES (?, ?, ?)",
            (
                file,
                json.dumps(media.addresses, ensure_ascii=False, separators=(",", ":")),
                json.dumps(media.images, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            ),
        )

    def forget_articles(self, files: Iterable[str]) -> None:
        """Article files no longer in the archive → their rows removed."""
        files = list(files)
        for table in ("articles", "article_images"):
            self.db.executemany(f"DELETE FROM {table} WHERE file = ?", ((f,) for f in files))

    def sizes(self) -> tuple[int, int, int]:
        """→ (images stored, bytes downloaded for them, bytes their variants take)."""
        count, downloaded, stored = self.db.execute(
            "SELECT count(*), coalesce(sum(bytes), 0), coalesce(sum(stored_bytes), 0) FROM images"
        ).fetchone()
        return count, downloaded, stored


class MediaIndex:
    """The store as a build reads it: per article file, the digest of its stored images (at once, for
    fingerprints) and the images themselves (when its pages are planned). Never writes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.db = sqlite3.connect(f"file:{folder / LEDGER}?mode=ro", uri=True, timeout=60, check_same_thread=False)
        # Every article file's row as SQLite gives it, (file, digest of its stored images, images stored,
        # given up, shown): no object made per row, as every build reads them all (0.1 s at 100,000 articles).
        rows = self.db.execute("SELECT file, digest, local, failed, total FROM articles").fetchall()
        self.rows: dict[str, tuple[str, str, int, int, int]] = {row[0]: row for row in rows}

    @classmethod
    def open(cls, folder: Path) -> MediaIndex | None:
        """The store folder → its index, None when it has no ledger (`newsarchive media` never ran); MediaError
        when it cannot be read (the pages would silently lose their stored images)."""
        if not (folder / LEDGER).is_file():
            return None
        try:
            return cls(folder)
        except sqlite3.Error as exc:
            raise MediaError(
                f"the media ledger {folder / LEDGER} cannot be read ({exc}). Fix: set [media] "
                'publish = "original" to build without it, or move it away and run `newsarchive '
                "media` again (it asks for every image again)"
            ) from None

    def close(self) -> None:
        """Close the ledger."""
        self.db.close()

    def digest(self, file: str) -> str:
        """An article file → the digest of its stored images ('' when none)."""
        row = self.rows.get(file)
        return row[1] if row else ""

    def images(self, file: str) -> dict[str, Variants]:
        """An article file → address → the stored variants of each of its images kept."""
        if not self.digest(file):
            return {}
        row = self.db.execute("SELECT images FROM article_images WHERE file = ?", (file,)).fetchone()
        return {address: tuple(map(tuple, variants)) for address, variants in json.loads(row[0]).items()}

    def file(self, name: str) -> Path:
        """A variant's file name → its path in the store."""
        return file_path(self.folder, name)


def now() -> float:
    """→ the current time, epoch seconds (the ledger's clock; tests replace it)."""
    return time.time()
