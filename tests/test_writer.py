"""The writer (generator.output.writer), the only code that writes into a site: generations switched atomically,
stale files removed, manifests, planned groups kept without planning, and nothing written outside the folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.commands.build import build
from generator.config import Config
from generator.output.manifest import Manifest, decode_manifest, encode_manifest
from generator.output.plan import PlannedFile, PlannedGroup
from generator.output.writer import (
    Checkpoint,
    WriteError,
    check_relative_path,
    mirror_first,
    prepare,
    publish,
    read_manifest,
    state_folder,
    write_site,
)
from generator.site.fingerprint import bytes_fingerprint

from .conftest import SEEDS, site_snapshot


def test_writer_refuses_a_folder_it_did_not_write(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "precious.txt").write_text("mine")
    with pytest.raises(WriteError, match="not empty and was not written by newsarchive"):
        build(SEEDS, out, config)
    assert (out / "precious.txt").read_text() == "mine"


def planned(path: str, data: bytes) -> PlannedFile:
    """A ready-made file as the writer receives it."""
    return PlannedFile(path, bytes_fingerprint(data), lambda: data)


def test_writer_switches_generations_and_removes_stale_files(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write_site([planned("a.html", b"a"), planned("b/c.html", b"c")], out)
    assert (first.written, first.removed) == (2, 0) and out.is_symlink()
    live = out.resolve()
    report = write_site([planned("a.html", b"a"), planned("d.html", b"d")], out)
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert out.resolve() != live, "the new site is a new generation, switched to in one step"
    assert sorted(p.relative_to(out.resolve()).as_posix() for p in out.resolve().rglob("*")) == ["a.html", "d.html"]
    # Unchanged files are shared with the previous generation, not copied.
    assert (out / "a.html").stat().st_ino == (live / "a.html").stat().st_ino
    assert (live / "b" / "c.html").read_bytes() == b"c", "the previous generation is untouched"
    again = write_site([planned("a.html", b"a"), planned("d.html", b"d")], out)
    assert (again.written, again.removed, again.rendered) == (0, 0, 0)
    assert state_folder(out).is_dir() and not (out / ".newsarchive-manifest.json").exists()


def test_writer_relinks_a_page_whose_fingerprint_changed_but_not_its_bytes(tmp_path: Path) -> None:
    # rename() between two links of one file does nothing: the writer must not leave its temporary link.
    out = tmp_path / "site"
    write_site([planned("a.html", b"a")], out)
    write_site([planned("a.html", b"a"), planned("b.html", b"b")], out)  # a is shared by both generations
    moved = PlannedFile("a.html", "another fingerprint", lambda: b"a")
    report = write_site([moved, planned("b.html", b"b"), planned("c.html", b"c")], out)
    assert (report.written, report.unchanged) == (1, 2)
    assert sorted(p.name for p in out.resolve().rglob("*")) == ["a.html", "b.html", "c.html"]


def test_at_a_checkpoint_the_new_generation_holds_exactly_the_files_planned_under_its_prefix(
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    articles = [planned(f"articles/{'xy'[n // 2]}/{n}/index.html", f"article {n}".encode()) for n in range(4)]
    write_site([*articles, planned("index.html", b"front 1")], out)  # generation a
    write_site([*articles[:3], planned("index.html", b"front 2")], out)  # b: article 3 gone
    seen: list[dict[str, bytes]] = []

    def reached(prefix: str) -> Checkpoint:
        def look(folder: Path, live: Path | None) -> None:
            assert live == out.resolve() and folder != live
            seen.append({p.relative_to(folder).as_posix(): p.read_bytes() for p in (folder / prefix).rglob("*.html")})
        return Checkpoint(prefix, look)

    # Generation a is brought up to date, a folder at a time: article 1 changes, 0 and 2 are linked,
    # article 3 is stale there.
    files = [articles[0], planned("articles/x/1/index.html", b"changed"), reached("articles/x/"),
             articles[2], reached("articles/y/"), planned("index.html", b"front 3")]
    publish(prepare(files, out))
    assert seen == [{"articles/x/0/index.html": b"article 0", "articles/x/1/index.html": b"changed"},
                    {"articles/y/2/index.html": b"article 2"}]
    assert (out / "index.html").read_bytes() == b"front 3" and not (out / "articles/y/3").exists()
    late = r"'articles/x/9/index.html' was planned after the checkpoint or group for 'articles/x/'"
    with pytest.raises(WriteError, match=late):
        prepare([reached("articles/x/"), reached("articles/y/"), planned("articles/x/9/index.html", b"late")], out)


def test_a_group_with_its_live_fingerprint_keeps_its_files_without_planning_them(tmp_path: Path) -> None:
    out = tmp_path / "site"
    one, two = planned("articles/x/1.html", b"one"), planned("articles/x/2.html", b"two")

    def not_planned() -> list[PlannedFile]:
        raise AssertionError("a group whose fingerprint is unchanged must not be planned")

    # A site written before groups: the same files as a group are unchanged, and the group is remembered.
    write_site([one, two, planned("index.html", b"front 1")], out)
    upgrade = prepare([PlannedGroup("articles/x/", "g1", lambda: [one, two]), planned("index.html", b"front 1")], out)
    assert upgrade.folder is None and upgrade.report.written == 0
    assert read_manifest(state_folder(out), out.resolve().name).groups == {"articles/x/": "g1"}
    kept = write_site([PlannedGroup("articles/x/", "g1", not_planned), planned("index.html", b"front 2")], out)
    assert (kept.written, kept.unchanged, kept.rendered) == (1, 2, 1)
    assert site_snapshot(out) == {"articles/x/1.html": b"one", "articles/x/2.html": b"two", "index.html": b"front 2"}
    # A new fingerprint: the group is planned, and a file it no longer plans is removed.
    changed = write_site([PlannedGroup("articles/x/", "g2", lambda: [planned("articles/x/1.html", b"new one")]),
                          planned("index.html", b"front 2")], out)
    assert (changed.written, changed.removed) == (1, 1)
    assert site_snapshot(out) == {"articles/x/1.html": b"new one", "index.html": b"front 2"}
    # The group's files are exactly those under its folder.
    with pytest.raises(WriteError, match=r"'index\.html' was planned in the group of 'articles/x/'"):
        prepare([PlannedGroup("articles/x/", "g3", lambda: [planned("index.html", b"x")])], out)
    with pytest.raises(WriteError, match=r"'articles/x/3\.html' was planned after the checkpoint or group for"):
        prepare([PlannedGroup("articles/x/", "g2", not_planned), planned("articles/x/3.html", b"late")], out)


def test_manifests_round_trip_any_path_and_only_when_complete(tmp_path: Path) -> None:
    from generator.output.writer import _write_manifest

    # Line separators other than "\n" are allowed in paths (a line-splitting reader broke on them).
    files = {"新闻/页.html": "f3", "a.html": "f1", "b\u2028c\x1c/index.html": "f2"}
    groups = {"articles/2024/06/": "g1"}
    _write_manifest(tmp_path, "a", Manifest(files, groups))
    read = read_manifest(tmp_path, "a")
    assert read == Manifest(files, groups) and list(read.files) == sorted(files), "files come in path order"
    whole = (tmp_path / "a.manifest").read_bytes()
    for broken in (whole[:-1], whole[: len(whole) // 2], whole + b"\0", b"\xff" + whole, b""):
        (tmp_path / "a.manifest").write_bytes(broken)
        assert read_manifest(tmp_path, "a") is None, broken
    assert read_manifest(tmp_path, "missing") is None
    # The text manifests of earlier versions are still read; a group's folder ends in "/", a file's path never.
    text = "f1\ta.html\ng1\tarticles/2024/06/\nf2\tb\u2028c\x1c/index.html\n# complete\n"
    (tmp_path / "a.manifest").write_text(text, encoding="utf-8", newline="")
    assert read_manifest(tmp_path, "a") == Manifest({"a.html": "f1", "b\u2028c\x1c/index.html": "f2"}, groups)
    for broken_text in (text.removesuffix("# complete\n"), text + "f4\td.html\n"):
        (tmp_path / "a.manifest").write_text(broken_text, encoding="utf-8", newline="")
        assert read_manifest(tmp_path, "a") is None, broken_text


@given(st.dictionaries(st.text(min_size=1).filter(lambda t: not t.endswith("/")), st.text()),
       st.dictionaries(st.text().map(lambda t: t + "/"), st.text(), max_size=3), st.data())
def test_any_manifest_round_trips_and_any_cut_is_refused(files: dict, groups: dict, data: st.DataObject) -> None:
    encoded = encode_manifest(Manifest(files, groups))
    assert decode_manifest(encoded) == Manifest(files, groups)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    assert decode_manifest(encoded[:cut]) is None


def test_a_first_build_leaves_a_twin_spare_generation_so_the_next_change_writes_only_itself(
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    files = [planned(f"p{i}/index.html", f"page {i}".encode()) for i in range(20)]
    first = prepare(files, out)
    publish(first)
    mirror_first(first)
    state, live = state_folder(out), out.resolve()
    spare = state / ("b" if live.name == "a" else "a")
    assert read_manifest(state, spare.name) == read_manifest(state, live.name)
    for i in range(20):
        assert (spare / f"p{i}/index.html").samefile(live / f"p{i}/index.html")
    # The next build writes its one change into the twin; everything else is already there.
    second = prepare([*files[1:], planned("p0/index.html", b"changed")], out)
    assert second.folder == spare and (second.report.written, second.report.unchanged) == (1, 19)
    publish(second)
    mirror_first(second)  # not a first build: nothing is mirrored
    assert (out / "p0/index.html").read_bytes() == b"changed" and (live / "p0/index.html").read_bytes() == b"page 0"
    assert (out / "p1/index.html").samefile(live / "p1/index.html")


def test_writer_takes_over_a_site_written_before_generations(tmp_path: Path) -> None:
    out = tmp_path / "site"
    (out / "old").mkdir(parents=True)
    (out / "old" / "page.html").write_text("old")
    (out / ".newsarchive-manifest.json").write_text('["old/page.html"]')
    report = write_site([planned("index.html", b"new")], out)
    assert out.is_symlink() and (out / "index.html").read_bytes() == b"new"
    assert report.written == 1 and not (out / "old").exists()


@pytest.mark.parametrize("path", ["../x.html", "/etc/passwd", "a/../../x", "a\\..\\x", "", "a//b", "./a", "a\x00b"])
def test_writer_refuses_paths_outside_the_folder(path: str, tmp_path: Path) -> None:
    with pytest.raises(WriteError):
        check_relative_path(path)
    with pytest.raises(WriteError):
        write_site([planned(path, b"x")], tmp_path / "site")
    assert not (tmp_path / "x.html").exists()
