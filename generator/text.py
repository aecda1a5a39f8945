"""Text helpers every stage uses: the characters XML 1.0 (so Atom feeds, and pages) cannot carry, removed;
short digests of text.

A module of its own, so that reading the config does not load the cleaner's libraries (bs4,
nh3, markdownify: 60 ms of every command's start).
"""

from __future__ import annotations

import hashlib
import re

# Characters XML cannot carry: C0 controls except tab/newline/CR, DEL, and the non-characters.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def strip_illegal(text: str) -> str:
    """Text → the same text without characters that XML and HTML cannot carry."""
    return _XML_ILLEGAL.sub("", text)


def short_hash(text: str, length: int = 8) -> str:
    """Text → the first `length` hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]
