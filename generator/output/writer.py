"""Write stage: planned files → the output folder, switched over in one atomic step. The only stage that writes.

The output folder is a symbolic link to one of two generations kept beside it:

    site → .site.newsarchive/a      the live site
           .site.newsarchive/b      the site before it, brought up to date by the next build
           .site.newsarchive/a.manifest   path and fingerprint of every file of generation a

A build compares each planned file with the live generation. Only files whose fingerprint
changed are rendered, and only those whose bytes changed are written, into the other generation;
files equal to the live ones are hard-linked from it. Then a rename points the link at the new
generation. So a reader (or a build killed at any moment) only ever sees a complete site, and a
rebuild costs what changed, not what exists. A generation has a manifest only while it is
complete; one left half-written by a killed build is rebuilt from the live one. After a first
build, the other generation is made a twin of the new one (hard links), so that the next build
that changes anything writes only what changed. A group of files planned together (a month's
article pages of a day) has a fingerprint of its own in the manifest: while it is unchanged, the group's
files are taken from the live manifest without being planned one by one.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.errors import WriteError
from generator.output.manifest import Manifest, decode_manifest, encode_manifest
from generator.output.plan import PlannedFile, PlannedGroup, PlannedLink

LEGACY_MANIFEST = ".newsarchive-manifest.json"  # what versions before generations left in the output folder
GENERATIONS = ("a", "b")


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What one write did to the site, compared with the live site before it."""

    written: int  # files created or changed
    unchanged: int  # files whose bytes were already right
    removed: int  # stale files from the previous build that were deleted
    rendered: int = 0  # files whose fingerprint changed, so they were rendered to compare

    @property
    def changed(self) -> bool:
        """True when the new site differs from the live one."""
        return bool(self.written or self.removed)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A complete new generation, written but not yet live."""

    output: Path  # the output folder (the symbolic link readers use)
    folder: Path | None  # the new generation's folder; None when the live site is already right
    live: Path | None  # the live generation's folder, None when there is none yet
    report: WriteReport  # what changed compared with the live generation
    manifest: Manifest | None = None  # the new generation's manifest, as written (None with no folder)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A mark among the planned files: every file under `prefix` was planned before it.

    There the writer makes the new generation hold exactly those files (the rest come later) and
    calls `reached` with it, so work that reads them (the search index) can start while the
    other files are still being rendered.
    """

    prefix: str  # site-relative folder, e.g. "articles/"
    reached: Callable[[Path, Path | None], None]  # (the new generation's folder, the live one's or None)


def check_relative_path(path: str) -> str:
    """A site-relative path → itself, or WriteError if it could leave the output folder."""
    if (not path or path.startswith("/") or "\\" in path or "\x00" in path or "\n" in path or "\t" in path
            or "//" in path or path.endswith("/") or "/./" in f"/{path}/" or "/../" in f"/{path}/"):
        raise WriteError(f"refusing to write {path!r}: it is not a plain path inside the output folder")
    return path


def state_folder(output: Path) -> Path:
    """The output folder → the hidden folder beside it that holds the generations."""
    return output.parent / f".{output.name}.newsarchive"


def read_manifest(state: Path, generation: str) -> Manifest | None:
    """A generation → the Manifest of its files, or None when it is missing or incomplete."""
    try:
        return decode_manifest((state / f"{generation}.manifest").read_bytes())
    except OSError:
        return None


def _write_manifest(state: Path, generation: str, manifest: Manifest) -> None:
    """A generation's Manifest → its manifest file, written atomically."""
    _write_atomically(state / f"{generation}.manifest", encode_manifest(manifest))


def _new_file(path: Path, replace: bool = True) -> int:
    """A path (+ whether a file there is replaced, else FileExistsError) → a file descriptor of a new, empty
    file there (its folder made only when missing: most are there already, and a mkdir per file was 8%
    of the rendering thread's profile)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        return os.open(path, flags, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        if not replace:
            raise
        path.unlink()  # a temporary file left by a killed build
    return os.open(path, flags, 0o644)


def _write_atomically(target: Path, data: bytes | Iterable[bytes]) -> None:
    """Write bytes (or pieces of them, so they need not all be in memory) to target through a
    temporary file beside it and a rename: a new file, never the old one rewritten in place, which
    may be a hard link shared with the live generation."""
    temporary = target.with_name(f".tmp-{target.name}")  # one build at a time writes a site (output_lock)
    _fill(_new_file(temporary), temporary, data)
    try:
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _fill(fd: int, path: Path, data: bytes | Iterable[bytes]) -> None:
    """A new file's descriptor + its path + bytes (or pieces of them) → written, readable by all, and closed;
    on failure the file is removed."""
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # readable by the web server whatever the umask (Windows has no modes)
                os.fchmod(fd, 0o644)
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write_into_generation(target: Path, data: bytes) -> None:
    """Bytes → a file of the generation being written. A new file is written in place: O_EXCL makes sure
    it is not a hard link shared with the live generation, and the generation has no manifest until it
    is complete, so a file cut short by a killed build is never served. An existing file (which may be
    such a link) is replaced through _write_atomically. A third fewer system calls than always going
    through a temporary file: 8 µs a file, seconds of a first build of 100,000 articles."""
    try:
        fd = _new_file(target, replace=False)
    except FileExistsError:
        _write_atomically(target, data)
        return
    _fill(fd, target, data)


def _link_atomically(source: Path, target: Path) -> None:
    """Make target the same file as source (a hard link; a copy where links are not possible)."""
    try:
        if os.path.samestat(source.stat(), target.stat()):
            return  # already the same file (and rename() between two links of one file does nothing)
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".tmp-link-{target.name}")
    temporary.unlink(missing_ok=True)
    link_or_copy(source, temporary)
    os.replace(temporary, target)


def _link_stored(source: Path, target: Path) -> None:
    """A stored file (an image of the media store) → the same file at target in the generation being written;
    WriteError if it is gone. A new path is linked in place, as _write_into_generation writes one (the
    generation has no manifest until it is complete); an existing one, or another file system, goes
    through _link_atomically."""
    try:
        try:
            os.link(source, target)
            return
        except FileNotFoundError:
            if not source.exists():
                raise
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # the path is taken, or links are impossible (another file system): below
            pass
        _link_atomically(source, target)
    except FileNotFoundError:
        raise WriteError(f"{source} is missing from the media store, which still lists it; run "
                         "`newsarchive media --verify` to fetch the images whose files are lost, then build "
                         "again") from None


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """Hard-link one file (files are never changed in place, so sharing them is safe), or copy it
    where links are not possible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _same_content(target: Path, data: bytes) -> bool:
    """True when target exists and holds exactly these bytes."""
    try:
        if target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def _remove_empty_folders(root: Path, candidates: Iterable[Path]) -> None:
    """Remove folders left empty by deletions, walking up towards root."""
    for folder in sorted(set(candidates), key=lambda p: len(p.parts), reverse=True):
        while folder != root and root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


def live_generation(output: Path) -> str | None:
    """The output folder → the name of its live generation, None when there is no site yet.

    A real folder written by an older newsarchive becomes generation a; any other folder or
    link is refused, so files newsarchive did not write are never touched.
    """
    state = state_folder(output)
    if output.is_symlink():
        target = Path(os.readlink(output))
        if target.parent == Path(state.name) and target.name in GENERATIONS:
            return target.name
        raise WriteError(f"the output folder {output} is a link to {target}, not a site newsarchive wrote; "
                         "remove the link or choose another --output")
    if not output.exists():
        return None
    if not output.is_dir():
        raise WriteError(f"the output path {output} is a file; choose a folder with --output")
    if not any(output.iterdir()):
        output.rmdir()
        return None
    if (output / LEGACY_MANIFEST).exists():  # a site from before generations: it becomes generation a
        state.mkdir(exist_ok=True)
        shutil.rmtree(state / "a", ignore_errors=True)
        (output / LEGACY_MANIFEST).unlink()
        output.rename(state / "a")
        _point(output, "a")
        return "a"
    raise WriteError(f"the output folder {output} is not empty and was not written by newsarchive; "
                     "choose an empty or new folder with --output, or empty this one")


def _point(output: Path, generation: str) -> None:
    """Point the output link at a generation, atomically (a new link renamed over the old one)."""
    temporary = output.with_name(f".{output.name}.link-tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(Path(state_folder(output).name) / generation, temporary, target_is_directory=True)
    os.replace(temporary, output)


def lock_file(output: Path) -> Path:
    """The output folder → the file beside it that a build locks."""
    return output.parent / f".{output.name}.newsarchive.lock"


@contextlib.contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Hold the output folder for one build: WriteError if another build holds it.

    Two builds writing the same generation at once would break each other's files (a scheduled
    build overlapping a slow one). The lock is a file beside the output folder, locked with flock,
    so a killed build never leaves it held. Where flock does not exist (Windows), builds are not locked.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    output = Path(os.path.abspath(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_file(output)
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WriteError(f"another newsarchive build is writing {output} (it holds {lock}); "
                             "wait for it to finish, or stop it") from None
        yield


def live_folder(output: Path) -> Path | None:
    """The output folder → the folder of its live generation, None when there is no site yet."""
    output = Path(os.path.abspath(output))
    live = live_generation(output)
    return state_folder(output) / live if live else None


def prepare(files: Iterable[PlannedFile | PlannedLink | PlannedGroup | Checkpoint], output: Path) -> Prepared:
    """Planned files and groups of them (+ checkpoints) + output folder → the new generation written
    beside the live one (unless nothing changed and no checkpoint was met: the search index may need
    a new generation when no page changed).

    Nothing readers see changes until publish().
    """
    output = Path(os.path.abspath(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    live = live_generation(output)
    state = state_folder(output)
    live_dir = state / live if live else None
    live_manifest = (read_manifest(state, live) or Manifest({})) if live else Manifest({})
    live_files = live_manifest.files
    live_paths: list[str] | None = None  # the live files sorted, once the first group is kept
    target = _Target(state, "b" if live == "a" else "a", live_dir)
    new = Manifest({})
    written = rendered = 0
    closed: tuple[str, ...] = ()  # folders of the checkpoints and groups passed: no more files may come under them

    def check_open(path: str) -> None:
        """A path about to be planned → WriteError if it was planned already or its folder is closed."""
        if path in new.files:
            raise WriteError(f"two pages were rendered to the same path {path!r}; this is a bug")
        if closed and path.startswith(closed):
            prefix = next(p for p in closed if path.startswith(p))
            raise WriteError(f"{path!r} was planned after the checkpoint or group for {prefix!r}; this is a bug")

    def take(planned: PlannedFile | PlannedLink) -> None:
        """One planned file → rendered (or linked) into the target if its fingerprint is new."""
        nonlocal written, rendered
        path, fingerprint = planned.path, planned.fingerprint
        check_relative_path(path)
        check_open(path)
        new.files[path] = fingerprint
        if live_files.get(path) == fingerprint:
            target.as_live.append(path)
            return
        if isinstance(planned, PlannedLink):  # its fingerprint is its bytes' digest: no need to compare them
            if target.manifest().files.get(path) != fingerprint:
                _link_stored(planned.source, target.folder / path)
            written += 1
            return
        data = planned.render()
        rendered += 1
        if live_dir is not None and _same_content(live_dir / path, data):
            target.as_live.append(path)
            return
        if target.manifest().files.get(path) != fingerprint:
            _write_into_generation(target.folder / path, data)
        written += 1

    for planned in files:
        if isinstance(planned, PlannedFile | PlannedLink):
            take(planned)
        elif isinstance(planned, PlannedGroup):
            prefix = planned.prefix
            check_open(prefix)
            if live_manifest.groups.get(prefix) == planned.fingerprint:  # its files are the live ones
                if live_paths is None:
                    live_paths = sorted(live_files)  # in order already, as written: a linear pass
                kept = _under(live_paths, prefix)
                if not new.files.keys().isdisjoint(kept):  # in C: the groups hold 200,000 files at 100k
                    twice = next(path for path in kept if path in new.files)
                    raise WriteError(f"{twice!r} was planned before its group {prefix!r}; this is a bug")
                new.files.update(zip(kept, map(live_files.__getitem__, kept), strict=True))
                target.kept.append((prefix, planned.fingerprint, kept))
            else:
                for grouped in planned.files():
                    if not grouped.path.startswith(prefix):
                        raise WriteError(f"{grouped.path!r} was planned in the group of {prefix!r}; this is a bug")
                    take(grouped)
            new.groups[prefix] = planned.fingerprint
            closed = (*closed, prefix)
        else:  # a checkpoint
            target.settle(new, planned.prefix)
            # The folders closed under it go: every path is checked against this tuple, and a build
            # passes a group per day (~1,100 at 100,000 articles) but a checkpoint per month.
            closed = (*(folder for folder in closed if not folder.startswith(planned.prefix)), planned.prefix)
            target.folder.mkdir(parents=True, exist_ok=True)
            planned.reached(target.folder, live_dir)

    removed = sum(1 for p in live_files if p not in new.files)
    report = WriteReport(written=written, unchanged=len(new.files) - written, removed=removed, rendered=rendered)
    if target.opened is None and not removed and live is not None:  # already right
        if rendered or new.groups != live_manifest.groups:  # ... but fingerprints changed: remember the new ones
            _write_manifest(state, live, new)
        return Prepared(output=output, folder=None, live=live_dir, report=report)
    target.settle(new, "")
    target.folder.mkdir(parents=True, exist_ok=True)
    _write_manifest(state, target.name, new)
    return Prepared(output=output, folder=target.folder, live=live_dir, report=report, manifest=new)


class _Target:
    """The generation a build writes: its manifest as it was (opened, so marked incomplete, at the first
    change), and the files planned since the last settle that are to equal the live ones."""

    def __init__(self, state: Path, name: str, live_dir: Path | None):
        self.state, self.name, self.folder, self.live_dir = state, name, state / name, live_dir
        self.opened: Manifest | None = None
        self.paths: list[str] = []  # its files when opened, sorted
        self.as_live: list[str] = []  # files with the same bytes as the live ones
        # (folder, fingerprint, files) of the groups kept from the live site
        self.kept: list[tuple[str, str, list[str]]] = []

    def manifest(self) -> Manifest:
        """→ the target's manifest as it was, opened (its file removed: the generation is incomplete from here on)."""
        if self.opened is None:
            self.opened = _open_target(self.state, self.name)
            files = self.opened.files
            self.paths = sorted(files)  # in order already, as written: a linear pass
        return self.opened

    def settle(self, new: Manifest, prefix: str) -> None:
        """Bring the target up to the files planned so far: those equal to the live ones are linked from
        the live generation, and the target's files under prefix that were not planned are removed."""
        target = self.manifest()
        exact = set()  # folders whose files the target holds exactly already: nothing to link or remove
        for folder, fingerprint, paths in self.kept:
            if target.groups.get(folder) == fingerprint:
                exact.add(folder)
            else:
                self.as_live.extend(paths)
        for path in self.as_live:
            if target.files.get(path) != new.files[path] and self.live_dir is not None:
                _link_atomically(self.live_dir / path, self.folder / path)
        start, end = _span(self.paths, prefix)
        under = self.paths[start:end]
        stale = [] if prefix in exact else [p for p in under if p not in new.files and p in target.files]
        for path in stale:
            (self.folder / path).unlink(missing_ok=True)
        _remove_empty_folders(self.folder, ((self.folder / p).parent for p in stale))
        # No file comes under prefix any more: what the target held there is done with. Forgotten, so
        # that a full re-render at 100,000 articles does not hold this third manifest to the end (~40 MB).
        for path in under:
            target.files.pop(path, None)
        del self.paths[start:end]
        self.as_live, self.kept = [], []


def _under(paths: list[str], prefix: str) -> list[str]:
    """Sorted paths + a prefix → those that start with it (found by bisection: a build passes a
    checkpoint per month, and the target may hold 200,000 files)."""
    start, end = _span(paths, prefix)
    return paths[start:end]


def _span(paths: list[str], prefix: str) -> tuple[int, int]:
    """Sorted paths + a prefix → (start, end) of the run of those that start with it."""
    start = bisect.bisect_left(paths, prefix)
    # Every string that starts with the prefix sorts before the prefix with its last character raised.
    end = bisect.bisect_left(paths, prefix[:-1] + chr(ord(prefix[-1]) + 1), lo=start) if prefix else len(paths)
    return start, end


def _open_target(state: Path, generation: str) -> Manifest:
    """A generation about to be written → its manifest (emptied and forgotten first if incomplete).

    The manifest is removed before the first change, so a build killed from here on leaves a
    generation that the next build knows to rebuild.
    """
    manifest = read_manifest(state, generation)
    if manifest is None:
        shutil.rmtree(state / generation, ignore_errors=True)
        manifest = Manifest({})
    (state / f"{generation}.manifest").unlink(missing_ok=True)
    return manifest


def publish(prepared: Prepared) -> None:
    """A prepared generation → the live site (one atomic rename of the output link)."""
    if prepared.folder is not None:
        _point(prepared.output, prepared.folder.name)


def write_site(files: Iterable[PlannedFile], output: Path) -> WriteReport:
    """Planned files → the output folder updated and switched over; → what changed."""
    prepared = prepare(files, output)
    publish(prepared)
    return prepared.report


def mirror_first(prepared: Prepared) -> None:
    """After a first build (no live site before it): the spare generation made a twin of the new one.

    Hard links, so it costs a link per file. Without it, the first build that changes anything
    would link every unchanged file into the spare generation: seconds at 100,000 articles.
    """
    if prepared.folder is None or prepared.live is not None or prepared.manifest is None:
        return
    state, built = prepared.folder.parent, prepared.folder.name
    spare = GENERATIONS[1 - GENERATIONS.index(built)]
    (state / f"{spare}.manifest").unlink(missing_ok=True)  # incomplete until the end
    shutil.rmtree(state / spare, ignore_errors=True)
    shutil.copytree(state / built, state / spare, copy_function=link_or_copy)
    _write_manifest(state, spare, prepared.manifest)
