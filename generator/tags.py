"""Tags (DESIGN §4): candidate terms per article, then TF-IDF across the archive. Pure functions.

Two steps:
- `extract_candidates(title, text, lang, config)` → the article's candidate terms with counts
  and weights. It depends on the article alone, so it is cached and run in parallel with the
  rest of the per-article work.
- `assign_tags(candidates of every article, their outlets, config)` → each article's tags,
  scored TF-IDF against the archive. A background IDF (from jieba's corpus) counts as
  `BACKGROUND_DOCS` extra documents, so a three-article archive still ranks 普京 above a
  name that one article mentions in passing.

Chinese is folded to Simplified (OpenCC) and segmented with part-of-speech tags (rjieba);
candidates are proper nouns and configured terms. English candidates are runs of
capitalised words ("Kim Jong Un"), without titles and stop words.
"""

from __future__ import annotations

import math
import re
import types
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import opencc

from generator.config import TagsConfig

if TYPE_CHECKING:
    import rjieba
from generator.models import Article, TagCandidates, TagIndex
from generator.urls import safe_segment, short_hash

DATA = Path(__file__).resolve().parent / "data"
# (term, occurrences, weight): weight adds TITLE_WEIGHT per title mention, 10..20 per body
# mention and up to FIRST_WEIGHT for the first one, more the nearer the start: news puts
# what matters first, so where a name first appears says much about its weight.
Candidate = tuple[str, int, int]
TITLE_WEIGHT = 30
FIRST_WEIGHT = 30
MIN_OCCURRENCES = 2  # a term mentioned once is not what the article is about
BACKGROUND_DOCS = 10_000  # how many documents the background IDF is worth
LONE_FACTOR = 0.5  # a term no other article shares gets no tag page, so it ranks lower
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


def fold(text: str) -> str:
    """Any text → NFKC-normalised (full-width Latin → ASCII) and Traditional → Simplified."""
    return _T2S.convert(unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=65_536)
def clean_name(name: str) -> str:
    """A tag name from the config → folded, control and format characters dropped, spaces collapsed."""
    return " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in fold(name)).split())


@lru_cache(maxsize=65_536)
def _key(term: str) -> str:
    """A term → the form terms are compared in: folded and case-folded."""
    return fold(term).casefold()


def _configured_terms(config: TagsConfig) -> tuple[str, ...]:
    """Config → every term it names (alias variants and targets, fixed-tag keys), folded and sorted."""
    terms = {*config.aliases, *config.aliases.values(), *config.fixed}
    return tuple(sorted({clean_name(t) for t in terms} - {""}))


@lru_cache(maxsize=8)
def _rjieba() -> types.ModuleType:
    """→ the rjieba module, imported on first use: loading it takes 0.2 s that a build served from the
    cache never needs."""
    import rjieba

    return rjieba


def _segmenter(terms: tuple[str, ...]) -> rjieba.Jieba | None:
    """Configured Chinese terms → a segmenter that keeps each whole (None: the default one will do)."""
    chinese = [t for t in terms if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    if not chinese:
        return None
    segmenter = _rjieba().Jieba()
    for term in chinese:
        segmenter.add_word(term, 100_000, "nz")
    return segmenter


@lru_cache(maxsize=65_536)
def _unglued(word: str, segmenter: rjieba.Jieba | None) -> str:
    """A proper noun from the dictionary → itself, its name without glue ("和普京" → 普京), or ''."""
    if len(word) < 2 or not all(ch.isalpha() for ch in word):
        return ""  # single characters, numbers, mixed scripts with digits
    if len(word) > 2:
        tag = segmenter.tag if segmenter else _rjieba().tag
        for rest, glue in ((word[1:], word[0] in _GLUE_BEFORE), (word[:-1], word[-1] in _GLUE_AFTER)):
            if glue:
                parts = tag(rest, False)
                if len(parts) == 1:  # the rest is a dictionary word: the whole was a fragment
                    return rest if parts[0][1] in PROPER else ""
    return word


def _chinese_terms(text: str, segmenter: rjieba.Jieba | None, configured: frozenset[str]) -> Iterator[tuple[str, int]]:
    """Folded Chinese text → (proper noun or configured term, offset) for each mention."""
    offset = 0
    for word, flag in (segmenter.tag(text) if segmenter else _rjieba().tag(text)):
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
    aliases = {_key(k): clean_name(v) for k, v in config.aliases.items()}
    stop = {_key(w) for w in config.stop}
    configured = {_key(t) for t in _configured_terms(config)}
    text = fold(text)
    length = max(len(text), 1)
    # (term, weight, where it is: 0 = title or start of text, 1 = end of text)
    mentions = [(term, TITLE_WEIGHT, 0.0) for term, _ in _mentions(fold(title), lang, config)]
    for term, offset in _mentions(text, lang, config):
        where = offset / length
        mentions.append((term, 10 + round(10 * (1 - where)), where))
    counts: Counter[str] = Counter()
    weights: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for term, weight, where in mentions:
        term = aliases.get(_key(term), term)
        key = _key(term)
        if key in stop or (lang != "en" and term in STOP_ZH):
            continue
        if key not in counts:  # mentions come in reading order: title, then text
            weights[key] += round(FIRST_WEIGHT * (1 - where))
        counts[key] += 1
        weights[key] += weight
        spellings[key][term] += 1
    result = []
    for key, count in counts.items():
        if count >= MIN_OCCURRENCES or key in configured:
            # The spelling used most ("Kim Jong Un", not "KIM JONG UN"); ties go to the first in order.
            spelling = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
            result.append((spelling, count, weights[key]))
    return TagCandidates.pack(result)


def background_idf(term: str) -> float:
    """A term → its IDF in jieba's corpus (the median IDF when the corpus does not list it)."""
    return BACKGROUND_IDF.get(term, DEFAULT_IDF)


def idf(term: str, df: int, articles: int) -> float:
    """A term, how many articles have it, archive size → IDF, the background counting as BACKGROUND_DOCS."""
    expected = BACKGROUND_DOCS * math.exp(-background_idf(term))
    return -math.log((df + expected) / (articles + BACKGROUND_DOCS))


def _fixed_tags(terms: set[str], outlet: str, config: TagsConfig) -> list[str]:
    """An article's candidate keys + outlet key → the tags config fixes for it, in config order."""
    tags = []
    for key, values in config.fixed.items():
        if key == outlet or _key(key) in terms:
            tags.extend(clean_name(v) for v in values)
    return list(dict.fromkeys(t for t in tags if t))


def _terms(candidates: TagCandidates | Sequence[Candidate]) -> list[str]:
    """An article's candidates → their terms (from packed candidates without unpacking the numbers)."""
    if isinstance(candidates, TagCandidates):
        return candidates.terms.split(TagCandidates.SEPARATOR) if candidates.terms else []
    return [term for term, _, _ in candidates]


def assign_tags(candidates: Sequence[TagCandidates | Sequence[Candidate]], outlets: Sequence[str],
                config: TagsConfig) -> list[tuple[str, ...]]:
    """Every article's candidates + outlet keys (same order) → every article's tags, best first.

    Fixed tags come first and are always kept; scored tags fill up to `per_article`.
    """
    df: Counter[str] = Counter()
    for article in candidates:
        df.update(_terms(article))
    total = len(candidates)
    # Per term, once (not per mention): its IDF, lowered for a term no other article shares.
    rank = {term: idf(term, count, total) * (1.0 if count >= config.min_articles else LONE_FACTOR)
            for term, count in df.items()}
    result = []
    for article, outlet in zip(candidates, outlets, strict=True):
        tags = _fixed_tags({_key(term) for term in _terms(article)}, outlet, config) if config.fixed else []
        scored = sorted((-weight * rank[term], term) for term, count, weight in article
                        if count >= MIN_OCCURRENCES and term not in tags)
        room = max(config.per_article - len(tags), 0)
        tags += [term for _, term in scored[:room]]
        result.append(tuple(tags))
    return result


def _segment_base(name: str) -> str:
    """A tag → a path segment with no control, format (bidi) or unsafe characters and no trailing dot."""
    visible = "".join("-" if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in name)
    base = safe_segment(visible).rstrip(". ") or "-"
    return "_" + base if base.casefold() in ("index.html", "feed.xml") else base


def _hash(name: str, length: int) -> str:
    """A name (even one holding lone surrogates) → `length` hex digits of its hash."""
    return short_hash(name.encode("utf-8", "surrogatepass").decode("latin-1"), length)


def segment_key(segment: str) -> str:
    """A path segment → the form in which a case- or normalisation-insensitive file system compares it.

    Upper-cased before case-folding: NTFS compares names upper-cased, which also merges
    letters case-folding keeps apart (dotless ı and I).
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", segment).upper().casefold())


def tag_segments(names: Iterable[str]) -> dict[str, str]:
    """Tag names → one distinct path segment each, distinct even on case-insensitive file systems.

    When several names clean up to one segment, the name that sorts first keeps it and the
    others get a hash of their own name appended, so the result never depends on input order.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(names)):
        groups[segment_key(_segment_base(name))].append(name)
    taken = set(groups)
    segments = {}
    for key in sorted(groups):
        first, *others = groups[key]
        segments[first] = _segment_base(first)
        for name in others:
            base, length = _segment_base(name).encode()[:180].decode("utf-8", "ignore"), 6
            while segment_key(candidate := f"{base}-{_hash(name, length)}") in taken:
                length += 2
            taken.add(segment_key(candidate))
            segments[name] = candidate
    return segments


def index_tags(articles: Sequence[Article], min_articles: int) -> tuple[TagIndex, ...]:
    """Tagged articles, newest first → one TagIndex per tag with ≥ min_articles, most articles first."""
    by_tag: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for tag in article.tags:
            by_tag[tag].append(article)
    kept = {name: tuple(arts) for name, arts in by_tag.items() if len(arts) >= min_articles}
    segments = tag_segments(kept)
    indexes = [TagIndex(name, segments[name], arts) for name, arts in kept.items()]
    return tuple(sorted(indexes, key=lambda t: (-len(t.articles), t.name)))
