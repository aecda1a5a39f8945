"""The generator's own source code as a digest: what cache keys and page fingerprints depend on.

Only what a stage runs counts (the modules it imports, followed into subpackages), so that a change
elsewhere does not throw its cached work away or re-render pages.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # the generator package
TEMPLATES = "templates"  # its folder of built-in templates


# Import statements, wherever they are (lazy imports inside functions count): "from generator.x.y import …",
# "from generator import x, y", relative "from .x import …" / "from .. import x" (names parenthesized over
# lines too), and "import generator.x.y".
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(generator(?:\.[\w.]+)?|\.+[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
                     r"|import[ \t]+([^\n]*))", re.MULTILINE)


def module_file(name: str) -> Path | None:
    """A dotted module name in the package ("site.render"; "" is the package itself) → its source file
    (a package's __init__.py), or None when there is no such module."""
    base = PACKAGE.joinpath(*name.split(".")) if name else PACKAGE
    for path in (base.with_suffix(".py") if name else None, base / "__init__.py"):
        if path is not None and path.is_file():
            return path
    return None


def _absolute(module: str, current: str, is_package: bool) -> str | None:
    """The module part of a `from … import` (absolute "generator.x" or relative "..x") + the importing
    module → the dotted name in the package ('' for the package itself), or None outside the package."""
    if not module.startswith("."):
        return None if module != "generator" and not module.startswith("generator.") else module[len("generator."):]
    dots = len(module) - len(module.lstrip("."))
    parts = current.split(".") if current else []
    if not is_package:
        parts = parts[:-1]  # a plain module's own package
    parts = parts[: len(parts) - (dots - 1)] if dots > 1 else parts
    rest = module.lstrip(".")
    return ".".join([*parts, *([rest] if rest else [])])


def _with_parents(name: str) -> list[str]:
    """A dotted module name → it and every package it is in (importing it runs their __init__.py too)."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _module_imports(name: str) -> list[str]:
    """A dotted module name in the package → the package modules (and their packages) its imports name.

    Read from the source text, not from a syntax tree: parsing every module made a tenth of a
    second of each rebuild. Text that only looks like an import (in a string) can add a module,
    which costs a needless re-render, never a missed one.
    """
    path = module_file(name)
    if path is None:
        return []
    is_package = path.name == "__init__.py"
    found: list[str] = []
    for module, names, plain in _IMPORT.findall(path.read_text(encoding="utf-8")):
        if module:
            base = _absolute(module, name, is_package)
            if base is None:
                continue
            found += _with_parents(base) if base else [""]  # "": the package's own __init__.py
            listed = names if names.startswith("(") else names.split("#")[0]
            for word in re.findall(r"\w+", listed):  # a name listed may itself be a module of the package
                candidate = f"{base}.{word}" if base else word
                if module_file(candidate) is not None:
                    found += _with_parents(candidate)
        else:
            for dotted in re.findall(r"\bgenerator\.([\w.]+)", plain.split("#")[0]):
                found += _with_parents(dotted.rstrip("."))
    return [module for module in found if module_file(module) is not None]


def imported_modules(roots: Iterable[str], leave_out: Iterable[str] = ()) -> set[str]:
    """Dotted module names in the package (+ modules not to follow) → those modules plus every package
    module they import, transitively."""
    found: set[str] = set(leave_out)
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending += _module_imports(name)
    return found - set(leave_out)


def module_name(path: Path) -> str:
    """A source file in the package → its dotted module name (a package's __init__.py: the package's)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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
        """Modules outside the closure are left out; data files always count, but the templates, which the
        site's fingerprint covers apart (so a template change keeps the article cache)."""
        if path.suffix != ".py":
            return TEMPLATES not in path.relative_to(PACKAGE).parts[:1]
        return module_name(path) in modules

    digest = hashlib.blake2b(folder_fingerprint(PACKAGE, counts).encode(), digest_size=16)
    # The Python version: the cache codec's marshal format and unicodedata's tables go with it.
    digest.update(f"python={sys.version_info[0]}.{sys.version_info[1]}".encode())
    for library in libraries:
        try:
            digest.update(f"{library}={importlib.metadata.version(library)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{library}=none".encode())
    return digest.hexdigest()
