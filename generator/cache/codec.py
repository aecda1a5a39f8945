"""Codec: a cached outcome (Processed or Skipped) ↔ bytes, several times faster to load than pickling
the objects; and an article's Content ↔ compressed bytes.

A rebuild loads every article's metadata from the cache, so loading is on the critical path of
every build (100,000 articles at 100k). Pickling the dataclasses costs about 45 µs an article,
mostly in looking up classes and time zones afresh in each small pickle; here each object
becomes a plain tuple whose first item names its type, stored with marshal (only strings,
numbers, bytes and tuples; the Python version is part of every cache key, as marshal's format
may change with it). Loading then builds each type from its tuple, decoding further only the
fields whose type is not plain: about 15 µs an article. Publishers are shared between articles
on the way back, which also saves memory.
"""

from __future__ import annotations

import dataclasses
import functools
import marshal
import struct
import typing
import zlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from generator import models
from generator.models import Article, Content, Image, Outlet, Problem, Processed, Skipped, TagCandidates

# The types the codec writes, by position: a tuple starting with 2 + i is an instance of TYPES[i].
TUPLE, DATETIME = 0, 1
TYPES: tuple[type, ...] = (Processed, Skipped, Article, Image, Outlet, Problem, TagCandidates)
_FIELDS = tuple(tuple(f.name for f in dataclasses.fields(kind)) for kind in TYPES)
_CODES = {kind: 2 + i for i, kind in enumerate(TYPES)}
SHARED = frozenset({Outlet})  # types with few distinct values: one object per value
PLAIN = (str, int, bytes, bool, type(None))


def _nested(kind: type) -> frozenset[str]:
    """A dataclass → the names of its fields whose declared type is not plain (they hold encoded tuples)."""
    hints = typing.get_type_hints(kind, vars(models))
    return frozenset(name for name, hint in hints.items()
                     if name in {f.name for f in dataclasses.fields(kind)}
                     and not (hint in PLAIN or typing.get_origin(hint) is typing.Literal))


_NESTED = tuple(_nested(kind) for kind in TYPES)
# Per type, the positions in its tuple of the fields that may need decoding.
_NESTED_AT = tuple(tuple(1 + i for i, name in enumerate(names) if name in nested)
                   for names, nested in zip(_FIELDS, _NESTED, strict=True))


def _encode(value: Any) -> Any:
    """A value made of the codec's types, tuples, datetimes, str, int, bytes and None → plain tuples."""
    if value is None or isinstance(value, str | int | bytes):
        return value
    code = _CODES.get(type(value))
    if code is not None:
        nested = _NESTED[code - 2]
        items = []
        for name in _FIELDS[code - 2]:
            item = getattr(value, name)
            if name not in nested and not isinstance(item, PLAIN):  # decoding would not look at it
                raise TypeError(f"{type(value).__name__}.{name} holds a {type(item).__name__}, not its "
                                "declared plain type; the cache codec cannot store it")
            items.append(_encode(item))
        return (code, *items)
    if isinstance(value, tuple):
        return (TUPLE, *map(_encode, value))
    if isinstance(value, datetime):
        zone = value.tzinfo
        return (DATETIME, value.isoformat(), zone.key if isinstance(zone, ZoneInfo) else None)
    raise TypeError(f"the cache codec cannot store a {type(value).__name__}; teach generator.cache.codec about it")


@functools.cache
def _zone(key: str) -> ZoneInfo:
    """A time zone name → its ZoneInfo (cached: the constructor is slow even when it finds its own cache)."""
    return ZoneInfo(key)


def _decode(value: Any, shared: dict[tuple, Any]) -> Any:
    """Plain tuples from _encode (+ objects already made of SHARED types) → the value again."""
    if type(value) is not tuple:
        return value
    code = value[0]
    if code == DATETIME:
        moment = datetime.fromisoformat(value[1])
        return moment.astimezone(_zone(value[2])) if value[2] is not None else moment
    if code == TUPLE:
        return tuple([_decode(item, shared) if type(item) is tuple else item for item in value[1:]])
    kind = TYPES[code - 2]
    if kind in SHARED and value in shared:
        return shared[value]
    # Only the fields declared with a non-plain type are looked at: a call per field costs more.
    items = list(value)
    for at in _NESTED_AT[code - 2]:
        if type(items[at]) is tuple:
            items[at] = _decode(items[at], shared)
    made = object.__new__(kind)  # frozen dataclasses: fill __dict__ instead of calling __init__
    made.__dict__.update(zip(_FIELDS[code - 2], items[1:], strict=True))
    if kind in SHARED:
        shared[value] = made
    return made


def dumps(value: Any) -> bytes:
    """A value (an Outcome) → bytes."""
    return marshal.dumps(_encode(value))


def loads(data: bytes, shared: dict[tuple, Any] | None = None) -> Any:
    """Bytes from dumps (+ a dict to share equal publishers across calls) → the value."""
    return _decode(marshal.loads(data), {} if shared is None else shared)


# Before the compressed fields, the UTF-8 sizes of the HTML and of the Markdown: a reader that needs
# only the HTML (a feed entry, 13,000 at 10k) or not the search text (a page) stops decompressing where
# they end. 28 and 37 µs an article where unpickling the three fields together took 68.
_SIZES = struct.Struct("<II")


def _utf8(text: str) -> bytes:
    """Text → UTF-8 bytes (a lone surrogate too, as pickle stored it)."""
    return text.encode("utf-8", "surrogatepass")


def _text(data: bytes) -> str:
    """UTF-8 bytes from _utf8 → the text."""
    return data.decode("utf-8", "surrogatepass")


def pack_content(content: Content) -> bytes:
    """Content → its fields' sizes, then the fields compressed together (done in the worker processes)."""
    html, markdown = _utf8(content.html), _utf8(content.markdown)
    return _SIZES.pack(len(html), len(markdown)) + zlib.compress(html + markdown + _utf8(content.search_text), 1)


def _decompressed(data: bytes, needed: int | None) -> bytes:
    """Stored bytes + how many bytes of the fields are needed (None: all) → at least those bytes."""
    compressed = memoryview(data)[_SIZES.size :]
    if needed is None:
        return zlib.decompress(compressed)
    # max_length stops the inflating there (0 would mean no limit)
    return zlib.decompressobj().decompress(compressed, needed) if needed else b""


def unpack_content(data: bytes, search_text: bool = True) -> Content:
    """Stored bytes → Content; with search_text False, its search text is left empty, not decompressed."""
    html_size, markdown_size = _SIZES.unpack_from(data)
    end = html_size + markdown_size
    raw = _decompressed(data, None if search_text else end)
    return Content(html=_text(raw[:html_size]), markdown=_text(raw[html_size:end]),
                   search_text=_text(raw[end:]) if search_text else "")


def unpack_html(data: bytes) -> str:
    """Stored bytes → the Content's HTML alone, decompressing no further."""
    html_size, _ = _SIZES.unpack_from(data)
    return _text(_decompressed(data, html_size)[:html_size])
