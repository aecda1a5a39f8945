"""Write stage: (path, bytes) pairs → files in the output folder. The only stage that writes.

- A file is written only when its bytes changed, and always atomically (temporary file +
  rename), so no page is ever seen half-written.
- Files that the previous build wrote and this one did not are removed; the list of what
  was written is kept in a manifest inside the output folder, so files that newsarchive did
  not write are never touched.
- Every path is checked to stay inside the output folder before anything is written.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = ".newsarchive-manifest.json"


class WriteError(Exception):
    """The output folder cannot be written safely; the message says what to do."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What one write did to the output folder."""

    written: int  # files created or changed
    unchanged: int  # files whose bytes were already right
    removed: int  # stale files from the previous build that were deleted


def check_relative_path(path: str) -> PurePosixPath:
    """A site-relative path → itself, or WriteError if it could leave the output folder."""
    pure = PurePosixPath(path)
    if (not path or pure.is_absolute() or "\\" in path or "\x00" in path
            or any(part in ("", ".", "..") for part in path.split("/"))):
        raise WriteError(f"refusing to write {path!r}: it is not a plain path inside the output folder")
    return pure


def _read_manifest(out_dir: Path) -> set[str]:
    """The files the previous build wrote; WriteError if the folder holds other people's files."""
    manifest = out_dir / MANIFEST
    if manifest.exists():
        try:
            return set(json.loads(manifest.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            return set()  # a damaged manifest only means stale files may stay behind
    if out_dir.exists() and any(out_dir.iterdir()):
        raise WriteError(f"the output folder {out_dir} is not empty and was not written by newsarchive; "
                         "choose an empty or new folder with --output, or empty this one")
    return set()


def _write_atomically(target: Path, data: bytes) -> None:
    """Write bytes to target through a temporary file in the same folder and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _same_content(target: Path, data: bytes) -> bool:
    """True when target exists and holds exactly these bytes."""
    try:
        if target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def _remove_empty_folders(out_dir: Path, candidates: Iterable[Path]) -> None:
    """Remove folders left empty by deletions, walking up towards out_dir."""
    for folder in sorted(set(candidates), key=lambda p: len(p.parts), reverse=True):
        while folder != out_dir and out_dir in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


def write_site(files: Iterable[tuple[str, bytes]], out_dir: Path) -> WriteReport:
    """Site files → written into out_dir (only the changed ones); stale ones removed → counts."""
    out_dir = out_dir.resolve()
    previous = _read_manifest(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    current: set[str] = set()
    written = unchanged = 0
    for path, data in files:
        check_relative_path(path)
        if path in current:
            raise WriteError(f"two pages were rendered to the same path {path!r}; this is a bug")
        current.add(path)
        target = out_dir / path
        if _same_content(target, data):
            unchanged += 1
        else:
            _write_atomically(target, data)
            written += 1
    stale = sorted(previous - current)
    for path in stale:
        check_relative_path(path)
        (out_dir / path).unlink(missing_ok=True)
    _remove_empty_folders(out_dir, ((out_dir / p).parent for p in stale))
    _write_atomically(out_dir / MANIFEST, json.dumps(sorted(current), ensure_ascii=False, indent=0).encode())
    return WriteReport(written=written, unchanged=unchanged, removed=len(stale))
