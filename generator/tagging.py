"""Tags (DESIGN §4), the archive step: every article's candidates scored TF-IDF across the archive
→ its tags; tag names → distinct path segments; the tag indexes. Pure functions.

A background IDF (from jieba's corpus) counts as BACKGROUND_DOCS extra documents, so a
three-article archive still ranks 普京 above a name that one article mentions in passing.
Kept apart from generator.tags (candidates per article), whose code keys the article cache.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from generator.config import TagsConfig
from generator.models import Article, TagCandidates, TagIndex
from generator.tags import BACKGROUND_IDF, DEFAULT_IDF, MIN_OCCURRENCES, Candidate, clean_name, term_key
from generator.urls import safe_segment, short_hash

BACKGROUND_DOCS = 10_000  # how many documents the background IDF is worth
LONE_FACTOR = 0.5  # a term no other article shares gets no tag page, so it ranks lower


def background_idf(term: str) -> float:
    """A term → its IDF in jieba's corpus (the median IDF when the corpus does not list it)."""
    return BACKGROUND_IDF.get(term, DEFAULT_IDF)


def idf(term: str, df: int, articles: int) -> float:
    """A term, how many articles have it, archive size → IDF, the background counting as BACKGROUND_DOCS."""
    expected = BACKGROUND_DOCS * math.exp(-background_idf(term))
    return -math.log((df + expected) / (articles + BACKGROUND_DOCS))


def _fixed_tags(terms: Iterable[str], outlet: str, config: TagsConfig) -> list[str]:
    """An article's candidate terms + outlet key → the tags config fixes for it, in config order."""
    if not config.fixed:
        return []
    keys = {term_key(term) for term in terms}
    tags = []
    for key, values in config.fixed.items():
        if key == outlet or term_key(key) in keys:
            tags.extend(clean_name(v) for v in values)
    return list(dict.fromkeys(t for t in tags if t))


def _terms(candidates: TagCandidates | Sequence[Candidate]) -> list[str]:
    """An article's candidates → their terms (from packed candidates without unpacking the numbers)."""
    if isinstance(candidates, TagCandidates):
        return candidates.terms.split(TagCandidates.SEPARATOR) if candidates.terms else []
    return [term for term, _, _ in candidates]


def _best(candidates: TagCandidates | Sequence[Candidate], fixed: list[str], ranks: Mapping[str, float],
          room: int) -> tuple[str, ...]:
    """An article's candidates + its fixed tags + each term's rank → its tags: the fixed, then the best scored."""
    scored = sorted((-weight * ranks[term], term) for term, count, weight in candidates
                    if count >= MIN_OCCURRENCES and term not in fixed)
    return tuple(fixed + [term for _, term in scored[:max(room - len(fixed), 0)]])


def assign_tags(candidates: Sequence[TagCandidates | Sequence[Candidate]], outlets: Sequence[str],
                periods: Sequence[tuple[int, int]], config: TagsConfig) -> list[tuple[str, ...]]:
    """Every article's candidates, outlet key and (year, month), in one order → every article's tags, best first.

    An article's terms are weighed against the articles of its month and the months before,
    not the whole archive: a new article leaves the tags of older months alone (a back-filled
    one retags the months after it), and the same input still gives the same tags. Whether a
    term is shared at all (then its tag gets a page) is counted across the whole archive.
    Fixed tags come first and are always kept; scored tags fill up to `per_article`.
    """
    terms = [_terms(article) for article in candidates]
    everywhere = Counter(itertools.chain.from_iterable(terms))
    by_period: dict[tuple[int, int], list[int]] = defaultdict(list)
    for position, period in enumerate(periods):
        by_period[period].append(position)
    result: list[tuple[str, ...]] = [()] * len(candidates)
    df: Counter[str] = Counter()
    seen = 0
    for period in sorted(by_period):
        positions = by_period[period]
        month_terms = list(itertools.chain.from_iterable(terms[position] for position in positions))
        df.update(month_terms)
        seen += len(positions)
        # Per term, once a month (not once per mention); lower for a term no other article shares.
        ranks = {term: idf(term, df[term], seen) * (1.0 if everywhere[term] >= config.min_articles else LONE_FACTOR)
                 for term in set(month_terms)}
        for position in positions:
            fixed = _fixed_tags(terms[position], outlets[position], config)
            result[position] = _best(candidates[position], fixed, ranks, config.per_article)
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
