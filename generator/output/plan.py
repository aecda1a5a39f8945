"""Planned files: what the page makers hand the writer. Each output file (or folder of files) comes with a
fingerprint of everything its bytes depend on and a function that makes them, called only when the
fingerprint is new (or, for a file that exists already, the file to link)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path


@dataclasses.dataclass(frozen=True, slots=True)
class PlannedFile:
    """One output file, described before it is rendered."""

    path: str  # site-relative path, e.g. "articles/2024/06/08/slug/index.html"
    fingerprint: str  # digest of everything its bytes depend on
    render: Callable[[], bytes]  # makes the bytes; called only when the fingerprint is new


@dataclasses.dataclass(frozen=True, slots=True)
class PlannedLink:
    """One output file that exists already (a stored image): linked into the site (hard link, else a copy),
    never rendered or read."""

    path: str  # site-relative path, e.g. "articles/2024/06/08/slug/3ca5….webp"
    fingerprint: str  # digest of its bytes (the stored file is named after it, and never changes)
    source: Path  # the file to link


@dataclasses.dataclass(frozen=True, slots=True)
class PlannedGroup:
    """Every file under one folder, planned together. While its fingerprint is the one the live site
    recorded, the live files under the folder are kept as they are, without planning each of them:
    at 100,000 articles, planning the article pages one by one was a third of a rebuild."""

    prefix: str  # site-relative folder ending in "/", e.g. "articles/2024/06/"
    fingerprint: str  # digest of everything the files under it depend on
    files: Callable[[], Iterable[PlannedFile | PlannedLink]]  # plans them; called only when the fingerprint is new
