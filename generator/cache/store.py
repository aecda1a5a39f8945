"""Cache: a SQLite store of the per-article work, so a rebuild only reads and cleans what changed.

One file, CACHE_DIR/cache.sqlite3, outside the site folder, with four tables:

- files: each input file's size, mtime, ctime and inode when its content digest was taken. A
  rebuild trusts the digest without reading the file only when all four are unchanged and the
  file was not modified within RACY_NS of the moment it was hashed (git's "racy clean" rule).
  With them, the file's outcome key and a digest of the key prefix it was made with, so a
  rebuild does not hash 100,000 keys again while the code and config stay the same.
- outcomes: key → the result of reading and processing one file (an Article and its warnings,
  or the Problem that skipped it). Keys digest the generator's code, the config fields the
  per-article work reads, the file name and the file's content, so any change gives a new key.
- contents: key → the article's HTML, Markdown and search text, compressed; loaded one article at
  a time when its pages are rendered or its search shard indexed, so bodies are never all in memory.
- feed_entries: entry key → an Atom entry as feedgen wrote it, for the articles of the newest
  months (generator.site.feeds.KeptEntries); the entries of other keys are pruned by each build.
- buckets: the outcomes of the last build again, decoded and pickled in groups by the day of
  capture (bucket_of), newest first. Every rebuild loads every outcome, and one pickle of a few
  dozen loads in half the time the rows take to decode one by one; a new article rewrites only
  its day's bucket. Loaded newest day first, the articles lie in memory in the archive's order,
  and each of the dozen passes the later stages make over them runs twice as fast as over
  articles scattered at random. Derived from the rows and checked against the keys wanted: a
  bucket that is stale, damaged or from other code only costs the rows' speed.

It is safe to delete at any time. Every write is a SQLite transaction, so a build killed
mid-write leaves a usable cache; a database that cannot be opened is set aside and rebuilt.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import os
import pickle
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from generator.archive.tagging import MonthTags
from generator.cache import codec
from generator.config import Config
from generator.models import Content, Outcome, Processed
from generator.sourcecode import code_fingerprint

SCHEMA = 3  # bump when the tables change; an older database is emptied (2 is upgraded in place)
RACY_NS = 2_000_000_000  # a file modified this close to its hashing is hashed again next time
# The config fields enrich.process reads: part of every key (tested: the other fields do not change it).
ARTICLE_CONFIG_FIELDS = ("timezone", "language", "sources", "tags")
SKIPPED_BUCKET = "skipped"  # the bucket of the outcomes that are not articles (the files skipped)
_BUCKET_NAME = re.compile(r"\d{4}-\d\d-\d\d|" + SKIPPED_BUCKET)  # what bucket_of gives


class FileStat(NamedTuple):
    """The stat fields that tell whether a file may have changed since it was hashed.

    A named tuple, not a dataclass: a build makes and compares one per file, and a frozen
    dataclass's __init__ and __eq__ cost a second at 100,000 files."""

    size: int  # bytes
    mtime_ns: int  # last modification
    ctime_ns: int  # last status change (any write moves it; tools cannot set it back)
    inode: int  # a replaced file gets a new one

    @classmethod
    def of(cls, result: os.stat_result) -> FileStat:
        """An os.stat result → FileStat."""
        return cls(result.st_size, result.st_mtime_ns, result.st_ctime_ns, result.st_ino)


# The modules whose code decides what the per-article work produces; the modules they import
# from the package are found by code_fingerprint itself, so a new import is never missed.
ARTICLE_MODULES = ("article.reader", "article.enrich", "cache.codec")
# Libraries whose version changes what the per-article work produces.
ARTICLE_LIBRARIES = ("nh3", "beautifulsoup4", "lxml", "markdownify", "rjieba", "opencc", "charset-normalizer",
                     "pyyaml", "markdown-it-py", "pypinyin", "htmldate")


def article_code() -> str:
    """→ the fingerprint of the code and libraries of the per-article work (part of every article key)."""
    return code_fingerprint(ARTICLE_MODULES, ARTICLE_LIBRARIES)


def key_prefix(config: Config, code: str) -> bytes:
    """Config + code fingerprint → the part of every article key shared by one build."""
    fields = repr(tuple(getattr(config, name) for name in ARTICLE_CONFIG_FIELDS))
    return f"{code}\0{fields}\0".encode()


def article_key(prefix: bytes, name: str, content_digest: str) -> str:
    """Shared key prefix + file name + digest of its bytes → the key of its outcome and content."""
    return hashlib.blake2b(prefix + name.encode() + b"\0" + content_digest.encode(), digest_size=16).hexdigest()


def content_digest(data: bytes) -> str:
    """File bytes → their digest."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class Cache:
    """An open cache database. Not shared between processes: workers only compute, the build stores."""

    def __init__(self, path: Path):
        self.path = path
        self.shared: dict[tuple, object] = {}  # one Outlet object per publisher, for every outcome decoded
        self.bucketed: dict[str, frozenset[str]] = {}  # bucket → the keys it held when loaded
        self.months_loaded: dict[str, MonthTags] = {}  # the months' tagging as month_tags() loaded it
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open(path)
        except sqlite3.DatabaseError:
            # A damaged file (disk full, killed mid-creation, not a database): start again.
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            self.db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        """Database path → connection with the current schema."""
        db = sqlite3.connect(path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == 2:  # the tables of schema 3 but for each file's key: upgraded in place, nothing lost
            has = {column for _, column, *_ in db.execute("PRAGMA table_info(files)")}
            added = "".join(f"ALTER TABLE files ADD COLUMN {column} TEXT;"
                            for column in ("keyed", "article_key") if column not in has)
            db.executescript(f"BEGIN; {added} PRAGMA user_version={SCHEMA}; COMMIT;")
        elif version != SCHEMA:  # (an older version of newsarchive empties a newer database the same way)
            db.executescript(f"""
                BEGIN;
                DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS outcomes; DROP TABLE IF EXISTS contents;
                DROP TABLE IF EXISTS buckets;
                CREATE TABLE files (name TEXT PRIMARY KEY, size INT, mtime_ns INT, ctime_ns INT, inode INT,
                                    hashed_ns INT, digest TEXT, keyed TEXT, article_key TEXT) WITHOUT ROWID;
                CREATE TABLE outcomes (key TEXT PRIMARY KEY, outcome BLOB) WITHOUT ROWID;
                CREATE TABLE contents (key TEXT PRIMARY KEY, data BLOB);
                PRAGMA user_version={SCHEMA};
                COMMIT;""")
        # Added within schema 2: derived data, so an older database just gains the tables.
        db.execute("CREATE TABLE IF NOT EXISTS buckets (bucket TEXT PRIMARY KEY, data BLOB) WITHOUT ROWID")
        db.execute("CREATE TABLE IF NOT EXISTS month_tags (key TEXT PRIMARY KEY, data BLOB) WITHOUT ROWID")
        db.execute("CREATE TABLE IF NOT EXISTS feed_entries (key TEXT PRIMARY KEY, data BLOB)")
        db.execute("SELECT count(*) FROM outcomes").fetchone()  # raises now if the file is damaged
        return db

    def is_empty(self) -> bool:
        """True when no outcome is stored (a first build, or the cache was deleted)."""
        return self.db.execute("SELECT 1 FROM outcomes LIMIT 1").fetchone() is None

    def known_digests(self, keyed: str) -> dict[str, tuple[FileStat, str, str]]:
        """The digest of this build's key prefix → {file name: (its stat, its digest, its article key, or ''
        when it was made with another prefix)} for every file whose digest can be trusted without reading."""
        rows = self.db.execute("SELECT name, size, mtime_ns, ctime_ns, inode, digest, "
                               "CASE WHEN keyed = ?2 THEN article_key ELSE '' END FROM files "
                               "WHERE mtime_ns < hashed_ns - ?1 AND ctime_ns < hashed_ns - ?1", (RACY_NS, keyed))
        return {name: (FileStat(size, mtime, ctime, inode), digest, key or "")
                for name, size, mtime, ctime, inode, digest, key in rows}

    def remember_digests(self, digests: Iterable[tuple[str, FileStat, str, str]], hashed_ns: int, keyed: str) -> None:
        """(name, stat, digest, article key) of files just hashed + when + the digest of the key prefix →
        stored; other files' rows are kept."""
        rows = [(n, s.size, s.mtime_ns, s.ctime_ns, s.inode, hashed_ns, d, keyed, k) for n, s, d, k in digests]
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def remember_keys(self, keys: Iterable[tuple[str, str]], keyed: str) -> None:
        """(name, article key) of files keyed anew (the key prefix changed) + the prefix's digest → stored."""
        rows = [(keyed, key, name) for name, key in keys]
        if rows:
            with self.transaction():
                self.db.executemany("UPDATE files SET keyed = ?, article_key = ? WHERE name = ?", rows)

    def outcomes(self, keys: Iterable[str]) -> dict[str, Outcome]:
        """Keys → {key: stored outcome} for those in the cache: from the buckets, the rest from the rows."""
        wanted = set(keys)
        found = self._from_buckets(wanted)
        missing = wanted - found.keys()
        if missing:
            found.update(self._from_rows(missing))
        return found

    def _from_buckets(self, wanted: set[str]) -> dict[str, Outcome]:
        """Keys → {key: outcome} for those the buckets hold (remembering which keys each bucket held)."""
        found: dict[str, Outcome] = {}
        names = [name for (name,) in self.db.execute("SELECT bucket FROM buckets")]
        if not all(map(_BUCKET_NAME.fullmatch, names)):
            # Buckets of an older version (by key): all left unread, to be made again by day from the rows,
            # whose outcomes share their publishers (unpickled from many old buckets, each had its own).
            self.bucketed = dict.fromkeys(names, frozenset())
            return found
        for bucket, data in self.db.execute("SELECT bucket, data FROM buckets ORDER BY bucket DESC"):  # newest first
            try:
                held: dict[str, Outcome] = pickle.loads(data)
            except Exception:  # damaged, or pickled by other code: its outcomes are in the rows
                held = {}
            self.bucketed[bucket] = frozenset(held)
            found.update(held)
        for key in found.keys() - wanted:  # set operations in C: usually none, as the buckets are the last build's
            del found[key]
        return found

    def _from_rows(self, wanted: set[str]) -> dict[str, Outcome]:
        """Keys → {key: outcome} for those stored, decoded row by row."""
        return {key: self.decode(blob) for key, blob in self._rows(wanted, "outcome")}

    def stored(self, keys: Iterable[str]) -> set[str]:
        """Keys → those with an outcome stored (without reading the outcomes)."""
        return {key for key, _ in self._rows(set(keys), "1")}

    def _rows(self, wanted: set[str], column: str) -> Iterator[tuple[str, object]]:
        """Keys + a column of the outcomes table → (key, its value) for the keys stored."""
        if len(wanted) * 2 > self.db.execute("SELECT count(*) FROM outcomes").fetchone()[0]:
            # Most of the table (a first rebuild): one scan beats hundreds of lookups by key.
            rows: Iterable[tuple[str, object]] = self.db.execute(f"SELECT key, {column} FROM outcomes")
        else:
            rows = _by_key(self.db, f"SELECT key, {column} FROM outcomes", wanted)
        return ((key, value) for key, value in rows if key in wanted)

    def keep_bucketed(self, outcomes: Mapping[str, Outcome]) -> None:
        """Every outcome of this build by key → the buckets whose keys changed rewritten, the rest kept.

        Call it before anything changes the outcomes' objects: the buckets must hold them as stored.
        """
        # Only the buckets whose keys changed are grouped again, found with set operations in C.
        loaded = frozenset().union(*self.bucketed.values())
        added, removed = outcomes.keys() - loaded, loaded - outcomes.keys()
        changed: dict[str, set[str]] = {}
        for bucket, keys in self.bucketed.items():
            if not _BUCKET_NAME.fullmatch(bucket):  # named by older code: removed (its outcomes came from the rows)
                changed[bucket] = set()
            elif not keys.isdisjoint(removed):
                changed[bucket] = set(keys - removed)
        for key in added:
            bucket = bucket_of(outcomes[key])
            if bucket not in changed:
                changed[bucket] = set(self.bucketed.get(bucket, frozenset()))
            changed[bucket].add(key)
        with self.transaction():
            for bucket, keys in sorted(changed.items()):
                if not keys:
                    self.db.execute("DELETE FROM buckets WHERE bucket = ?", (bucket,))
                    continue
                # Newest capture first, as they are loaded (so the articles lie in memory in the archive's order).
                ordered = sorted(keys, key=lambda key: (-_instant(outcomes[key]), key))
                data = pickle.dumps({key: outcomes[key] for key in ordered}, protocol=pickle.HIGHEST_PROTOCOL)
                self.db.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?)", (bucket, data))
        for bucket, keys in changed.items():
            if keys:
                self.bucketed[bucket] = frozenset(keys)
            else:
                self.bucketed.pop(bucket, None)

    def month_tags(self) -> dict[str, MonthTags]:
        """→ the months' tagging the last build kept, by key (rows that cannot be read are left out)."""
        months = {}
        for key, data in self.db.execute("SELECT key, data FROM month_tags"):
            try:
                terms, shared, tags, kinds = pickle.loads(data)
                months[key] = MonthTags(terms, frozenset(shared), tags, kinds)
            except Exception:  # damaged, or written by other code: that month is tagged again
                continue
        self.months_loaded = months
        return months

    def keep_month_tags(self, months: Mapping[str, MonthTags]) -> None:
        """This build's months' tagging by key → those not loaded as they are stored; other keys' rows deleted."""
        stored = {key for (key,) in self.db.execute("SELECT key FROM month_tags")}
        with self.transaction():
            self.db.executemany("DELETE FROM month_tags WHERE key = ?", [(k,) for k in stored - months.keys()])
            for key, month in sorted(months.items()):
                if self.months_loaded.get(key) is month:
                    continue
                data = pickle.dumps((dict(month.terms), sorted(month.shared), month.tags,
                                     {tag: dict(votes) for tag, votes in month.kinds.items()}),
                                    protocol=pickle.HIGHEST_PROTOCOL)
                self.db.execute("INSERT OR REPLACE INTO month_tags VALUES (?, ?)", (key, data))

    def feed_entries(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Entry keys → {key: the entry's bytes} for those kept."""
        return dict(_by_key(self.db, "SELECT key, data FROM feed_entries", keys))

    def keep_feed_entries(self, entries: Mapping[str, bytes]) -> None:
        """{entry key: the entry's bytes} → kept (committed together)."""
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO feed_entries VALUES (?, ?)", sorted(entries.items()))

    def keep_only_feed_entries(self, keys: Iterable[str]) -> None:
        """The entry keys of this build → the kept entries of other keys deleted."""
        used = set(keys)
        stale = [(key,) for (key,) in self.db.execute("SELECT key FROM feed_entries") if key not in used]
        if stale:
            with self.transaction():
                self.db.executemany("DELETE FROM feed_entries WHERE key = ?", stale)

    def decode(self, outcome: bytes) -> Outcome:
        """An encoded outcome (stored, or just made by a worker) → the Outcome, its publisher shared."""
        decoded: Outcome = codec.loads(outcome, self.shared)
        return decoded

    @contextlib.contextmanager
    def batches(self, size: int = 256) -> Iterator[Callable[[str, bytes, bytes | None], None]]:
        """→ a store(key, encoded outcome, packed content) function that commits every `size` calls.

        A build killed midway keeps what was committed; the rest is simply processed again.
        """
        count = 0

        def store(key: str, outcome: bytes, content: bytes | None) -> None:
            nonlocal count
            self.db.execute("INSERT OR REPLACE INTO outcomes VALUES (?, ?)", (key, outcome))
            if content is not None:
                self.db.execute("INSERT OR REPLACE INTO contents (key, data) VALUES (?, ?)", (key, content))
            count += 1
            if count % size == 0:
                self.db.execute("COMMIT")
                self.db.execute("BEGIN")

        with self.transaction():
            yield store

    def content(self, key: str, search_text: bool = True) -> Content:
        """Article content key → its Content (with search_text False, without its search text); KeyError
        if the cache lost it."""
        return _content(self.db, key, search_text)

    def html(self, key: str) -> str:
        """Article content key → its Content's HTML alone; KeyError if the cache lost it."""
        return codec.unpack_html(_stored(self.db, key))

    @contextlib.contextmanager
    def reader(self) -> Iterator[Callable[[str], Content]]:
        """→ content(key) as Cache.content, on a read-only connection of its own that another thread may
        use (a connection stays in the thread that opened it); closed at the end of the block."""
        db = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True, timeout=60)
        try:
            yield functools.partial(_content, db)
        finally:
            db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside the block is committed together, or not at all."""
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def prune(self, used: set[str], files: set[str]) -> int:
        """Keys of this build + its file names → entries of other keys and vanished files deleted; → count."""
        stored = self.db.execute("SELECT count(*) FROM outcomes").fetchone()[0]
        removed = 0
        if stored > len(used):  # something to prune: find it (rare; a full scan of the keys)
            stale = [(k,) for (k,) in self.db.execute("SELECT key FROM outcomes") if k not in used]
            with self.transaction():
                self.db.executemany("DELETE FROM outcomes WHERE key = ?", stale)
                self.db.executemany("DELETE FROM contents WHERE key = ?", stale)
            removed = len(stale)
        gone = [(n,) for (n,) in self.db.execute("SELECT name FROM files") if n not in files]
        if gone:
            with self.transaction():
                self.db.executemany("DELETE FROM files WHERE name = ?", gone)
        return removed

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def _by_key(db: sqlite3.Connection, select: str, keys: Iterable[str]) -> Iterator[tuple[str, Any]]:
    """A connection + a SELECT of (key, value) from a table + keys → the rows of those keys, looked up
    500 at a time (SQLite's limit on parameters is 999 in older versions)."""
    ordered = sorted(keys)
    return itertools.chain.from_iterable(
        db.execute(f"{select} WHERE key IN ({','.join('?' * len(chunk))})", chunk)
        for chunk in (ordered[start : start + 500] for start in range(0, len(ordered), 500)))


def bucket_of(outcome: Outcome) -> str:
    """An outcome → the name of its bucket: its article's day of capture, or SKIPPED_BUCKET."""
    if isinstance(outcome, Processed):
        captured = outcome.article.captured
        return f"{captured.year:04d}-{captured.month:02d}-{captured.day:02d}"
    return SKIPPED_BUCKET


def _instant(outcome: Outcome) -> float:
    """An outcome → its article's instant of capture (0 when it is not an article)."""
    return outcome.article.captured.timestamp() if isinstance(outcome, Processed) else 0.0


def _stored(db: sqlite3.Connection, key: str) -> bytes:
    """A connection to the cache + an article content key → its stored Content; KeyError if the cache lost it."""
    row = db.execute("SELECT data FROM contents WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise KeyError(key)
    return row[0]


def _content(db: sqlite3.Connection, key: str, search_text: bool = True) -> Content:
    """A connection to the cache + an article content key → its Content (search_text False: without its
    search text); KeyError if the cache lost it."""
    return codec.unpack_content(_stored(db, key), search_text)
