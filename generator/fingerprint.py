"""Fingerprints: the values a page is rendered from → a short digest, so an unchanged page is not rendered.

A page's fingerprint covers the site-wide inputs (generator code, templates, config) and every
value handed to its template. An Article counts by its mark: its content key (a digest of its
file, name, config and code, so it stands for every field the per-article work produced) plus
what the archive adds to it (its tags and the pages those link to). A value of a kind the walker
does not know is an error, so no input can be silently left out of a fingerprint.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import re
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from generator.models import Article

# id() of each Article of the archive → its mark. Looked up by identity: hashing an Article
# by value would digest all its fields, and listings hand over the same objects thousands of times.
Marks = dict[int, str]


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


PACKAGE = Path(__file__).resolve().parent


# Import statements naming package modules, wherever they are (lazy imports inside functions count):
# "from generator.x import …", "from generator import x, y" (parenthesized over lines too), "import generator.x",
# and the same for modules of subpackages ("from generator.media.store import …", "from generator.media import store").
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+generator(?:\.([\w.]+))?[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
                     r"|import[ \t]+([^\n]*))", re.MULTILINE)


def module_file(name: str) -> Path | None:
    """A module name in the package ("render", "media.store", "media") → its source file, None if there is none."""
    path = PACKAGE.joinpath(*name.split("."))
    for candidate in (path.with_name(path.name + ".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_imports(name: str) -> list[str]:
    """A module name in the package → the package modules its import statements name (a module of a
    subpackage brings the packages above it, which Python runs first).

    Read from the source text, not from a syntax tree: parsing every module made a tenth of a
    second of each rebuild. Text that only looks like an import (in a string) can add a module,
    which costs a needless re-render, never a missed one.
    """
    source = module_file(name)
    if source is None:
        return []
    found = []
    for module, names, plain in _IMPORT.findall(source.read_text(encoding="utf-8")):
        if module:
            found.append(module)
        if names:
            listed = names if names.startswith("(") else names.split("#")[0]
            prefix = f"{module}." if module else ""
            found += [prefix + n for n in re.findall(r"\w+", listed) if module_file(prefix + n) is not None]
        elif plain:
            found += re.findall(r"\bgenerator\.([\w.]+)", plain)
    # "a.b.c" is loaded after "a" and "a.b"
    return found + [parent for dotted in found for parent in _parents(dotted)]


def _parents(name: str) -> list[str]:
    """"a.b.c" → ["a", "a.b"]: the packages Python runs before the module."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _module_name(path: Path) -> str:
    """A source file of the package → its module name ("render", "media.store"; "media" for media/__init__.py)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(roots: Iterable[str], leave_out: Iterable[str] = ()) -> set[str]:
    """Module names in the package (+ modules not to follow) → those modules plus every package module
    they import, transitively."""
    found: set[str] = set(leave_out)
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending += _module_imports(name)
    return found - set(leave_out)


def folder_fingerprint(folder: Path, counts: Callable[[Path], bool] = lambda path: True) -> str:
    """A folder (+ which files count) → digest of the names and bytes of its files, __pycache__ left out."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and counts(path):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def code_fingerprint(roots: tuple[str, ...], libraries: tuple[str, ...], leave_out: tuple[str, ...] = ()) -> str:
    """Package modules + libraries (+ modules not to follow) → a digest of the source of those modules and
    all they import, the package's data files, the libraries' versions and the Python version.

    Only what a stage runs counts, so that a change elsewhere does not throw its cached work away.
    """
    modules = imported_modules(roots, leave_out)

    def counts(path: Path) -> bool:
        """Modules outside the closure are left out; data files always count."""
        return path.suffix != ".py" or _module_name(path) in modules

    digest = hashlib.blake2b(folder_fingerprint(PACKAGE, counts).encode(), digest_size=16)
    # The Python version: the cache codec's marshal format and unicodedata's tables go with it.
    digest.update(f"python={sys.version_info[0]}.{sys.version_info[1]}".encode())
    for library in libraries:
        try:
            digest.update(f"{library}={importlib.metadata.version(library)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{library}=none".encode())
    return digest.hexdigest()


_FIELDS: dict[type, tuple[str, ...]] = {}  # dataclass type → its field names (dataclasses.fields is slow)


def _walk(value: Any, marks: Marks, out: list[str]) -> None:
    """A template value → the strings that identify it, appended to out."""
    # By exact type first, the kinds pages hold by the million; subclasses fall through to isinstance.
    kind = type(value)
    if kind is str:
        out.append(value)
    elif kind is Article:
        out.append(marks[id(value)])
    elif kind is list or kind is tuple:
        out.append("[")
        start = len(out)
        try:  # a run of the archive's articles (listings hold thousands) in one C loop over their marks
            out.extend(map(marks.__getitem__, map(id, value)))
            out.append("]")
            return
        except KeyError:  # not all articles: the id of anything else is not a key, while the articles live
            del out[start:]
        for item in value:
            kind = type(item)
            if kind is Article:
                out.append(marks[id(item)])
            elif kind is str:
                out.append(item)
            else:
                _walk(item, marks, out)
        out.append("]")
    elif kind is dict:
        out.append("{")
        # In the dict's own order, not sorted: the code that builds a page's values fixes the order,
        # and sorting cost a second a 100,000-article rebuild.
        for key, item in value.items():
            out.append(repr(key))
            if type(item) is Article:
                out.append(marks[id(item)])
            else:
                _walk(item, marks, out)
        out.append("}")
    elif value is None or isinstance(value, int | float | bool):
        out.append(repr(value))
    elif isinstance(value, Article):  # subclasses of the kinds above, as their base kind
        out.append(marks[id(value)])
    elif isinstance(value, str):
        out.append(str(value))
    elif isinstance(value, list | tuple):
        _walk(list(value), marks, out)
    elif isinstance(value, dict):
        _walk(dict(value), marks, out)
    elif isinstance(value, date | datetime):
        out.append(value.isoformat())
    elif dataclasses.is_dataclass(value):
        names = _FIELDS.get(type(value))
        if names is None:
            names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
        out.append(type(value).__name__)
        for name in names:
            _walk(getattr(value, name), marks, out)
    elif callable(value):  # template helpers: their behaviour comes from the code and config
        out.append(getattr(value, "__qualname__", type(value).__name__))
    else:
        raise TypeError(f"cannot fingerprint a {type(value).__name__}; teach generator.fingerprint about it")


def fingerprint(site: str, name: str, values: dict[str, Any], marks: Marks) -> str:
    """Site-wide fingerprint + template or feed name + its values + the archive's article marks → the page's digest."""
    out = [site, name]
    try:
        _walk(values, marks, out)
    except KeyError as error:  # only the archive's own Article objects have marks
        raise ValueError(f"{name}: an Article that is not in the archive was handed to a template") from error
    return hashlib.blake2b("\x1f".join(out).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def text_digest(text: str) -> str:
    """Any text → a short digest of it (16 hex digits)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def bytes_fingerprint(data: bytes) -> str:
    """Bytes that are already made (static files) → their digest."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()
