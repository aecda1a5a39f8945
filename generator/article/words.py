"""Search words: an article's text with its Chinese split into the words the search index holds.

Pagefind's own Chinese segmentation (its extended build, for a page in `zh`) costs about two thirds
of its time and a fifth more memory (measured on 1,109 pages of the bench corpus: 10.3 s of CPU and
494 MB in `zh`, 4.4 s and 410 MB for the same text split here and indexed by whitespace). So the
per-article work, which runs in parallel and is cached, splits the text as Pagefind would, and
Pagefind indexes it as whitespace-separated words. The split is Pagefind's (charabia's Chinese
segmenter): jieba's dictionary words without its HMM guesses, and a word longer than two characters
cut again, greedily, into the dictionary words of two or three characters that start it, else its
first character (on those 1,109 pages, the same Chinese words as Pagefind's). So a query finds what
it found before: the search page splits it into words in the browser (Intl.Segmenter) and matches
each as the start of an indexed word.

Only Chinese is split: between two pieces of other text, nothing is added, so English, numbers and
punctuation stay as they were written. Pagefind keeps its words one space apart, and its excerpts show
them so. In a text with Chinese, the search page (generator/templates/static/search.js) takes every space out of
an excerpt and turns KEPT_SPACE back into one: each real space is written as that word of its own. A
line break between two wide characters (Chinese, its punctuation) is not kept: CSS joins such lines
too, and a space after 。 would stand out.
"""

from __future__ import annotations

import re
import unicodedata

from generator.article.tags import load_rjieba

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # CJK ideographs

# A real space in a text with Chinese. WORD JOINER: invisible if shown as it is, and no word character,
# so Pagefind indexes nothing for it (it does count it as a word in positions and excerpts).
KEPT_SPACE = "\u2060"
_WHITE_SPACE = re.compile(r"\s+")


def _pieces(word: str) -> str:
    """A Chinese word from the dictionary, longer than two characters → its pieces, space-separated: at
    each point the two- or three-character dictionary word that starts there, else one character
    (charabia's cut_for_search, which Pagefind applies)."""
    has_word = load_rjieba().has_word
    pieces, start = [], 0
    while start < len(word):
        for size in (2, 3, 1):
            piece = word[start : start + size]
            if len(piece) == size and (size == 1 or has_word(piece)):
                break
        pieces.append(piece)
        start += len(piece)
    return " ".join(pieces)


# Tokens already spaced: most of an article's words were met before. A plain dict, emptied when full,
# is a third of the cost of an lru_cache here, and bounds what a worker process holds.
_SPACED: dict[str, str] = {}
_SPACED_MAX = 100_000


def _spaced(token: str) -> str:
    """A token jieba found → a Chinese word as its pieces with a space on either side; any other as it is."""
    spaced = f" {_pieces(token) if len(token) > 2 else token} " if _HAN.match(token) else token
    if len(_SPACED) >= _SPACED_MAX:
        _SPACED.clear()
    _SPACED[token] = spaced
    return spaced


def _wide(character: str) -> bool:
    """A character → True when it is East Asian wide or full-width (Chinese and its punctuation)."""
    return unicodedata.east_asian_width(character) in "WF"


def _kept(space: re.Match[str]) -> str:
    """A run of white space in a text with Chinese → KEPT_SPACE as a word of its own; a plain line break
    (taken out when shown) for a run with one between two wide characters."""
    text, start, end = space.string, space.start(), space.end()
    if "\n" in space.group() and _wide(text[start - 1]) and _wide(text[end]):
        return "\n"
    return f" {KEPT_SPACE} "


def search_words(text: str) -> str:
    """Text → the same text with spaces between Chinese words and around them, for the search index
    (which reads words between white space: runs of spaces mean nothing more than one), and, when it
    has Chinese, each real space written as KEPT_SPACE."""
    if not _HAN.search(text):
        return text.replace(KEPT_SPACE, "")  # shown as written: the search page changes nothing without Chinese
    text = _WHITE_SPACE.sub(_kept, text.replace(KEPT_SPACE, "").strip())
    known = _SPACED.get
    return "".join([known(token) or _spaced(token) for token in load_rjieba().cut(text, False)])
