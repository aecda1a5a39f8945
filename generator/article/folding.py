"""Text folding for tags: the forms in which terms are compared (NFKC, Traditional → Simplified, case-folded),
and back to Traditional for a zh-TW site. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")


# The compatibility characters common in Chinese news (full-width ASCII, the ideographic space, the
# ellipsis, the no-break space), each with its compatibility decomposition: NFKC starts by making
# that of it, so replacing them first leaves NFKC's result as it was.
_COMMON_COMPATIBLE = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {
    "\u3000": " ",
    "\u2026": "...",
    "\u00a0": " ",
}
_COMMON_COMPATIBLE_CHAR = re.compile(f"[{re.escape(''.join(_COMMON_COMPATIBLE))}]")


def nfkc(text: str) -> str:
    """Any text → its NFKC form. Chinese text is seldom in NFKC only because of its full-width
    punctuation: that is replaced first (one str.replace per kind found), and the text then passes
    NFKC's quick check, in a tenth of the time of normalising it (property-tested equal)."""
    for found in set(_COMMON_COMPATIBLE_CHAR.findall(text)):
        text = text.replace(found, _COMMON_COMPATIBLE[found])
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """Any text → NFKC-normalised (full-width Latin → ASCII) and Traditional → Simplified."""
    return _T2S.convert(nfkc(text))


@lru_cache(maxsize=65_536)
def clean_name(name: str) -> str:
    """A tag name from the config → folded, control and format characters dropped, spaces collapsed."""
    return " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in fold(name)).split())


@lru_cache(maxsize=65_536)
def term_key(term: str) -> str:
    """A term → the form terms are compared in: folded and case-folded."""
    return fold(term).casefold()


_S2TW = opencc.OpenCC("s2tw")


@lru_cache(maxsize=65_536)
def to_traditional(name: str) -> str:
    """A tag name in Simplified characters → in Traditional ones, as Taiwan writes them (习近平 → 習近平)."""
    return _S2TW.convert(name)
