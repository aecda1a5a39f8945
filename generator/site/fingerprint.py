"""Fingerprints: the values a page is rendered from → a short digest, so an unchanged page is not rendered.

A page's fingerprint covers the site-wide inputs (generator code, templates, config) and every
value handed to its template. An Article counts by its mark: its content key (a digest of its
file, name, config and code, so it stands for every field the per-article work produced) plus
what the archive adds to it (its tags and the pages those link to). A value of a kind the walker
does not know is an error, so no input can be silently left out of a fingerprint.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, datetime
from typing import Any

from generator.models import Article

# id() of each Article of the archive → its mark. Looked up by identity: hashing an Article
# by value would digest all its fields, and listings hand over the same objects thousands of times.
Marks = dict[int, str]


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
        raise TypeError(f"cannot fingerprint a {type(value).__name__}; teach generator.site.fingerprint about it")


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
