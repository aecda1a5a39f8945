"""The cache's outcome buckets: the outcomes of the last build pickled by day of capture, derived from the rows."""

from __future__ import annotations

import dataclasses
import pickle
import sqlite3
from pathlib import Path

import pytest

from generator.archive.tagging import MonthTags
from generator.cache import gather as gather_stage
from generator.cache.gather import gather
from generator.cache.store import RACY_NS, SCHEMA, Cache, bucket_of
from generator.commands.build import open_cache
from generator.config import Config
from generator.models import Processed
from tests.messy import messy_archive, write_archive


def buckets(cache: Cache) -> dict[str, bytes]:
    """An open cache → {bucket: its stored bytes}."""
    return dict(cache.db.execute("SELECT bucket, data FROM buckets"))


def bucket_writes(cache: Cache) -> list[str]:
    """An open cache → a list that collects, from now on, each statement that writes a bucket."""
    writes: list[str] = []
    cache.db.set_trace_callback(lambda sql: writes.append(sql) if "INTO buckets" in sql else None)
    return writes


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A messy archive of 40 files: good, broken and warned-about articles."""
    folder = tmp_path / "messy"
    write_archive(messy_archive(40, seed=11), folder)
    return folder


def test_a_rebuild_loads_every_outcome_from_the_buckets_as_the_rows_give_it(
        folder: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_cache(tmp_path / "cache") as cache:
        first = gather(folder, config, cache)
        stored = buckets(cache)
        keys = [key for (key,) in cache.db.execute("SELECT key FROM outcomes")]
        from_rows = cache._from_rows(set(keys))
    assert len(stored) > 1 and any(isinstance(o, Processed) for o in first.outcomes)

    def no_rows(self: Cache, wanted: set[str]) -> dict:
        raise AssertionError(f"{len(wanted)} outcomes were read from the rows")

    with open_cache(tmp_path / "cache") as cache:
        monkeypatch.setattr(Cache, "_from_rows", no_rows)
        assert cache.outcomes(keys) == from_rows
        writes = bucket_writes(cache)
        again = gather(folder, config, cache)
        assert writes == [] and buckets(cache) == stored, "nothing changed: no bucket is rewritten"
    assert again.outcomes == first.outcomes and again.from_cache == 40


def test_a_new_file_rewrites_only_its_own_bucket(folder: Path, tmp_path: Path, config: Config) -> None:
    with open_cache(tmp_path / "cache") as cache:
        gather(folder, config, cache)
        before = buckets(cache)
        before_keys = {key for (key,) in cache.db.execute("SELECT key FROM outcomes")}
        added = messy_archive(41, seed=11)[40]  # the next file of the same archive
        (folder / added.name).write_bytes(added.data)
        writes = bucket_writes(cache)
        result = gather(folder, config, cache)
        after = buckets(cache)
        (new_key,) = {key for (key,) in cache.db.execute("SELECT key FROM outcomes")} - before_keys
        new_outcome = cache.outcomes([new_key])[new_key]
    assert result.from_cache == 40 and len(writes) == 1
    assert {b for b in before.keys() | after.keys() if before.get(b) != after.get(b)} == {bucket_of(new_outcome)}


def test_a_removed_file_rewrites_only_its_own_bucket_and_every_bucket_holds_the_rows(
        folder: Path, tmp_path: Path, config: Config) -> None:
    with open_cache(tmp_path / "cache") as cache:
        gather(folder, config, cache)
        before = buckets(cache)
        gone = sorted(folder.iterdir())[7]
        gone.unlink()
        writes = bucket_writes(cache)
        result = gather(folder, config, cache)
        after = buckets(cache)
        keys = [key for (key,) in cache.db.execute("SELECT key FROM outcomes")]
        rows = cache._from_rows(set(keys))
    assert len(result.outcomes) == 39 and len(writes) <= 1
    (changed,) = {b for b in before.keys() | after.keys() if before.get(b) != after.get(b)}
    held = {key: outcome for data in after.values() for key, outcome in pickle.loads(data).items()}
    assert held == rows, "the buckets hold exactly the outcomes of the build's files"
    assert changed not in after or len(writes) == 1


def test_buckets_hold_a_day_each_and_load_newest_capture_first(folder: Path, tmp_path: Path,
                                                               config: Config) -> None:
    with open_cache(tmp_path / "cache") as cache:
        first = gather(folder, config, cache)
        stored = {bucket: pickle.loads(data) for bucket, data in buckets(cache).items()}
        keys = [key for (key,) in cache.db.execute("SELECT key FROM outcomes")]
    for bucket, held in stored.items():
        assert {bucket_of(outcome) for outcome in held.values()} == {bucket}
    with open_cache(tmp_path / "cache") as cache:
        loaded = list(cache.outcomes(keys).values())  # in the order they were unpickled
    instants = [o.article.captured.timestamp() for o in loaded if isinstance(o, Processed)]
    assert len(instants) > 20 and instants == sorted(instants, reverse=True)
    assert sorted(map(repr, loaded)) == sorted(map(repr, first.outcomes))


def test_buckets_of_older_code_are_made_again_by_day(folder: Path, tmp_path: Path, config: Config) -> None:
    with open_cache(tmp_path / "cache") as cache:
        first = gather(folder, config, cache)
        everything = {key: outcome for data in buckets(cache).values() for key, outcome in pickle.loads(data).items()}
        with cache.transaction():  # as versions that bucketed by the first two digits of the key left them
            cache.db.execute("DELETE FROM buckets")
            for prefix in sorted({key[:2] for key in everything}):
                held = {key: outcome for key, outcome in everything.items() if key.startswith(prefix)}
                cache.db.execute("INSERT INTO buckets VALUES (?, ?)", (prefix, pickle.dumps(held)))
    with open_cache(tmp_path / "cache") as cache:
        again = gather(folder, config, cache)
        after = {bucket: pickle.loads(data) for bucket, data in buckets(cache).items()}
    assert again.outcomes == first.outcomes and again.from_cache == 40
    assert all(bucket_of(outcome) == bucket for bucket, held in after.items() for outcome in held.values())
    assert {key for held in after.values() for key in held} == set(everything)
    outlets = [o.article.outlet for o in again.outcomes if isinstance(o, Processed)]
    assert len(set(map(id, outlets))) == len(set(outlets)), "one object per publisher, as decoded from the rows"


def test_a_rebuild_keys_trusted_files_from_the_cache_until_the_key_prefix_changes(
        folder: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = gather_stage.article_key
    monkeypatch.setattr(gather_stage, "article_key", lambda *args: made.append(args[1]) or real(*args))

    def trusted(cache: Cache) -> Cache:
        """As if every file was hashed long after it was written: then its digest is trusted without reading."""
        cache.db.execute("UPDATE files SET hashed_ns = hashed_ns + ?", (10 * RACY_NS,))
        made.clear()
        return cache

    with open_cache(tmp_path / "cache") as cache:
        first = gather(folder, config, cache)
        again = gather(folder, config, trusted(cache))
        assert made == [] and again.outcomes == first.outcomes and again.from_cache == 40
        other = dataclasses.replace(config, timezone="UTC")  # a config field of the key prefix
        moved = gather(folder, other, trusted(cache))
        assert len(made) >= 30, "a new prefix: the keys are made again"
        assert gather(folder, other, trusted(cache)).outcomes == moved.outcomes and made == []
        assert gather(folder, config, trusted(cache)).outcomes == first.outcomes and len(made) >= 30


def test_damaged_and_stale_buckets_only_cost_the_rows_speed(folder: Path, tmp_path: Path, config: Config) -> None:
    with open_cache(tmp_path / "cache") as cache:
        first = gather(folder, config, cache)
        damaged = next(iter(buckets(cache)))
        with cache.transaction():
            cache.db.execute("UPDATE buckets SET data = ? WHERE bucket = ?", (b"not a pickle", damaged))
            # A bucket left by other code or another archive: outcomes under keys nobody wants.
            cache.db.execute("INSERT INTO buckets VALUES (?, ?)", ("zz", pickle.dumps({"zz-no-such-key": None})))
        again = gather(folder, config, cache)
        repaired = buckets(cache)
    assert again.outcomes == first.outcomes and again.from_cache == 40
    assert "zz" not in repaired and repaired[damaged] != b"not a pickle"


def test_months_tagging_round_trips_and_a_damaged_row_is_left_out(tmp_path: Path) -> None:
    june = MonthTags({"甲": 2, "乙": 1}, frozenset({"甲"}), (("甲",), ("甲", "乙")))
    cache = Cache(tmp_path / "cache.sqlite3")
    cache.keep_month_tags({"june": june})
    cache.db.execute("INSERT INTO month_tags VALUES ('may', x'00ff')")
    cache.close()
    again = Cache(tmp_path / "cache.sqlite3")
    assert again.month_tags() == {"june": june}
    again.keep_month_tags({})  # a build whose months all changed: the old rows go
    assert again.db.execute("SELECT count(*) FROM month_tags").fetchone()[0] == 0


def test_a_schema_2_database_is_upgraded_in_place_and_an_unknown_one_emptied(folder: Path, tmp_path: Path,
                                                                              config: Config) -> None:
    path = tmp_path / "cache.sqlite3"
    with open_cache(tmp_path) as cache:
        first = gather(folder, config, cache)
    db = sqlite3.connect(path, isolation_level=None)  # as the version before each file's key was kept left it
    db.executescript("""BEGIN;
        CREATE TABLE old AS SELECT name, size, mtime_ns, ctime_ns, inode, hashed_ns, digest FROM files;
        DROP TABLE files; ALTER TABLE old RENAME TO files; PRAGMA user_version=2; COMMIT;""")
    db.close()
    with open_cache(tmp_path) as cache:
        assert cache.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA
        again = gather(folder, config, cache)
    assert again.outcomes == first.outcomes and again.from_cache == 40, "nothing lost"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA user_version=99")  # a database of a version this code does not know
    db.close()
    with open_cache(tmp_path) as cache:
        assert cache.is_empty()
        assert gather(folder, config, cache).outcomes == first.outcomes
