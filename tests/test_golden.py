"""Golden test: the whole seed site, file by file, byte for byte.

After an intended change to the output, regenerate the golden copy and review its diff:
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from generator.commands.build import BuildResult

GOLDEN = Path(__file__).parent / "golden" / "site"
# Pagefind's index is a binary made by a pinned tool, not by our templates: tests/test_search.py checks it.
NOT_GOLDEN = ("pagefind/",)


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below folder, except NOT_GOLDEN ones → {relative path: bytes}."""
    files = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}
    return {path: file.read_bytes() for path, file in files.items() if not path.startswith(NOT_GOLDEN)}


def test_seed_site_matches_golden(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(site, GOLDEN, ignore=lambda folder, names: [n for n in names if
                                                                   Path(folder) == site and n + "/" in NOT_GOLDEN])
    built, golden = files_under(site), files_under(GOLDEN)
    assert sorted(built) == sorted(golden), "the set of files differs from tests/golden/site"
    changed = [path for path in built if built[path] != golden[path]]
    assert not changed, f"these files differ from tests/golden/site: {changed}"
