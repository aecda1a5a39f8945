"""Tags (docs/design.md §4), the per-article step: candidate terms and their weights. Pure functions.

Two steps:
- `extract_candidates(title, text, lang, config)` → the article's candidate terms with counts
  and weights. It depends on the article alone, so it is cached and run in parallel with the
  rest of the per-article work.
- `generator.archive.tagging.assign_tags(candidates of every article, their outlets, config)` → each
  article's tags, scored TF-IDF against the archive (a module of its own, so that changing how
  tags are scored does not invalidate the cache of per-article work).

Chinese is folded to Simplified (OpenCC) and segmented with part-of-speech tags (rjieba);
candidates are proper nouns and configured terms. English candidates are runs of
capitalised words ("Kim Jong Un"), without titles and stop words.
"""

from __future__ import annotations

import re
import types
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import opencc

from generator.config import TagsConfig

if TYPE_CHECKING:
    import rjieba
from generator.models import TagCandidates

DATA = Path(__file__).resolve().parent / "data"
# (term, occurrences, weight): weight adds TITLE_WEIGHT per title mention, 10..20 per body
# mention and up to FIRST_WEIGHT for the first one, more the nearer the start: news puts
# what matters first, so where a name first appears says much about its weight.
Candidate = tuple[str, int, int]
TITLE_WEIGHT = 30
FIRST_WEIGHT = 30
MIN_OCCURRENCES = 2  # a term mentioned once is not what the article is about
# rjieba part-of-speech tags of proper nouns: people, places, organisations, other names.
PROPER = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
# Characters that glue a preposition or particle onto a name in the dictionary ("和普京").
_GLUE_BEFORE = frozenset("和与及同跟向对在于从把被将给让为据由比")
_GLUE_AFTER = frozenset("的了于在说称等和与")
# Words in an English name run that a title precedes; the name is what follows the title.
_EN_TITLES = frozenset([
    "mr", "mrs", "ms", "dr", "sir", "president", "vice", "prime", "minister", "secretary", "chairman",
    "senator", "sen", "rep", "governor", "gov", "spokesman", "spokeswoman", "spokesperson", "ambassador",
    "king", "queen", "prince", "princess", "pope", "director", "chief", "leader",
])  # fmt: skip
# Words naming the office in "Secretary of State X", "Minister of Foreign Affairs Y".
_EN_OFFICES = frozenset(["state", "defense", "defence", "foreign", "affairs", "interior", "finance",
                         "treasury", "commerce", "justice", "health", "education", "trade", "energy"])
_EN_CONNECTORS = frozenset(["of", "the", "de", "al", "bin", "van", "von", "der", "da", "di", "la", "le", "du", "y"])
# A word, a sentence end, or any other character that breaks a run of words.
_EN_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*|[.!?]+|\n|[^\sA-Za-z]")


def _read_words(name: str) -> frozenset[str]:
    """A word list in generator/data (words split by space or line, # comments) → the words."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


def _read_idf() -> tuple[dict[str, float], float]:
    """generator/data/zh_idf.tsv → (IDF per word, IDF of any other word)."""
    table, default = {}, 12.0
    for line in (DATA / "zh_idf.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        word, value = line.split("\t")
        if word == "*":
            default = float(value)
        else:
            table[word] = float(value)
    return table, default


STOP_ZH = _read_words("stop_zh.txt")
STOP_EN = _read_words("stop_en.txt")
BACKGROUND_IDF, DEFAULT_IDF = _read_idf()
_T2S = opencc.OpenCC("t2s")


# The compatibility characters common in Chinese news (full-width ASCII, the ideographic space, the
# ellipsis, the no-break space), each with its compatibility decomposition: NFKC starts by making
# that of it, so replacing them first leaves NFKC's result as it was.
_COMMON_COMPATIBLE = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {
    "\u3000": " ", "\u2026": "...", "\u00a0": " "}
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


def _configured_terms(config: TagsConfig) -> tuple[str, ...]:
    """Config → every term it names (alias variants and targets, fixed-tag keys), folded and sorted."""
    terms = {*config.aliases, *config.aliases.values(), *config.fixed}
    return tuple(sorted({clean_name(t) for t in terms} - {""}))


@lru_cache(maxsize=8)
def load_rjieba() -> types.ModuleType:
    """→ the rjieba module, imported on first use: loading it takes 0.2 s that a build served from the
    cache never needs."""
    import rjieba

    return rjieba


def _segmenter(terms: tuple[str, ...]) -> rjieba.Jieba | None:
    """Configured Chinese terms → a segmenter that keeps each whole (None: the default one will do)."""
    chinese = [t for t in terms if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    if not chinese:
        return None
    segmenter = load_rjieba().Jieba()
    for term in chinese:
        segmenter.add_word(term, 100_000, "nz")
    return segmenter


@lru_cache(maxsize=65_536)
def _unglued(word: str, segmenter: rjieba.Jieba | None) -> str:
    """A proper noun from the dictionary → itself, its name without glue ("和普京" → 普京), or ''."""
    if len(word) < 2 or not all(ch.isalpha() for ch in word):
        return ""  # single characters, numbers, mixed scripts with digits
    if len(word) > 2:
        tag = segmenter.tag if segmenter else load_rjieba().tag
        for rest, glue in ((word[1:], word[0] in _GLUE_BEFORE), (word[:-1], word[-1] in _GLUE_AFTER)):
            if glue:
                parts = tag(rest, False)
                if len(parts) == 1:  # the rest is a dictionary word: the whole was a fragment
                    return rest if parts[0][1] in PROPER else ""
    return word


def _chinese_terms(text: str, segmenter: rjieba.Jieba | None, configured: frozenset[str]) -> Iterator[tuple[str, int]]:
    """Folded Chinese text → (proper noun or configured term, offset) for each mention."""
    offset = 0
    for word, flag in (segmenter.tag(text) if segmenter else load_rjieba().tag(text)):
        start, offset = offset, offset + len(word)
        if word in configured:
            yield word, start
        elif flag in PROPER:
            term = _unglued(word, segmenter)
            if term:
                yield term, start


def _english_runs(text: str) -> Iterator[tuple[list[str], int, bool]]:
    """English text → (capitalised word run, offset, starts a sentence) for each run."""
    run: list[str] = []
    start, sentence_start, at_sentence_start = 0, True, True
    for match in _EN_TOKEN.finditer(text):
        token = match.group()
        if token[0].isupper() and token[0].isalpha():
            if not run:
                start, sentence_start = match.start(), at_sentence_start
            run.append(token)
        elif run and token in _EN_CONNECTORS and run[-1] not in _EN_CONNECTORS:
            run.append(token)  # "Bank of England": kept only if a capitalised word follows
        else:
            if run:
                yield run, start, sentence_start
            run = []
        if token[0].isalpha():
            at_sentence_start = False
        elif token[0] in ".!?\n":
            at_sentence_start = True
    if run:
        yield run, start, sentence_start


def _english_terms(text: str) -> Iterator[tuple[str, int]]:
    """English text → (proper name, offset) per mention: titles, stop words and possessives dropped."""
    found = []
    for run, start, sentence_start in _english_runs(text):
        words = [w.removesuffix("'s").removesuffix("’s").strip("-'’") for w in run]
        while words and words[-1] in _EN_CONNECTORS:
            words.pop()
        titled = [i for i, w in enumerate(words) if w.lower() in _EN_TITLES]
        if titled and titled[-1] + 1 < len(words):
            words, sentence_start = words[titled[-1] + 1 :], False
            while words and words[0] in _EN_CONNECTORS:  # "Secretary of State Antony Blinken"
                words = words[1:]
                while words and words[0].lower() in _EN_OFFICES:
                    words = words[1:]
        while words and words[0].lower() in STOP_EN:
            words, sentence_start = words[1:], False
        words = [w for w in words if w]
        if not words or (len(words) == 1 and (words[0].lower() in STOP_EN or len(words[0]) < 2)):
            continue
        found.append((" ".join(words), start, sentence_start and len(words) == 1))
    # A lone capitalised word only at sentence starts ("Officials said") is not a name.
    named = {term for term, _, first in found if not first}
    # News names a person in full once, then by surname: "Putin" after "Vladimir Putin" is one tag.
    full: dict[str, set[str]] = defaultdict(set)
    for term, _, _ in found:
        if " " in term:
            full[term.rsplit(" ", 1)[1]].add(term)
    for term, start, first in found:
        if not first or term in named or term.isupper():
            yield (next(iter(full[term])) if len(full.get(term, ())) == 1 else term), start


def _configured_latin(text: str, terms: Iterable[str]) -> Iterator[tuple[str, int]]:
    """Text + configured terms in Latin letters → (term, offset) for each whole-word mention."""
    for term in terms:
        if term.isascii():
            for match in re.finditer(rf"\b{re.escape(term)}\b", text, re.IGNORECASE):
                yield term, match.start()


def _mentions(text: str, lang: str, config: TagsConfig) -> Iterator[tuple[str, int]]:
    """Folded text → every mention of a candidate term, with its offset."""
    terms = _configured_terms(config)
    if lang == "en":
        yield from _english_terms(text)
    else:
        yield from _chinese_terms(text, _segmenter(terms), frozenset(terms))
    yield from _configured_latin(text, terms)


def extract_candidates(title: str, text: str, lang: str, config: TagsConfig) -> TagCandidates:
    """An article's title, plain text and language + [tags] config → its candidates, sorted by term."""
    aliases = {term_key(k): clean_name(v) for k, v in config.aliases.items()}
    stop = {term_key(w) for w in config.stop}
    configured = {term_key(t) for t in _configured_terms(config)}
    text = fold(text)
    length = max(len(text), 1)
    # (term, weight, where it is: 0 = title or start of text, 1 = end of text)
    mentions = [(term, TITLE_WEIGHT, 0.0) for term, _ in _mentions(fold(title), lang, config)]
    for term, offset in _mentions(text, lang, config):
        where = offset / length
        mentions.append((term, 10 + round(10 * (1 - where)), where))
    # Plain dicts, not Counters: a Counter's missing key is a Python call, per mention.
    counts: dict[str, int] = {}
    weights: dict[str, int] = {}
    spellings: dict[str, dict[str, int]] = {}
    stop_zh = STOP_ZH if lang != "en" else frozenset()
    for term, weight, where in mentions:
        term = aliases.get(term_key(term), term)
        key = term_key(term)
        if key in stop or term in stop_zh:
            continue
        if key not in counts:  # mentions come in reading order: title, then text
            counts[key], weights[key], spellings[key] = 0, round(FIRST_WEIGHT * (1 - where)), {}
        counts[key] += 1
        weights[key] += weight
        spelled = spellings[key]
        spelled[term] = spelled.get(term, 0) + 1
    result = []
    for key, count in counts.items():
        if count >= MIN_OCCURRENCES or key in configured:
            # The spelling used most ("Kim Jong Un", not "KIM JONG UN"); ties go to the first in order.
            spelling = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
            result.append((spelling, count, weights[key]))
    return TagCandidates.pack(result)
