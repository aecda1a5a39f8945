"""Tags (DESIGN §4), the archive step: every article's candidates scored TF-IDF across the archive
→ its tags; tag names → distinct path segments; the tag indexes. Pure functions.

A background IDF (from jieba's corpus) counts as BACKGROUND_DOCS extra documents, so a
three-article archive still ranks 普京 above a name that one article mentions in passing.
Kept apart from generator.tags (candidates per article), whose code keys the article cache.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

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


def _fixed_tags(terms: set[str], outlet: str, config: TagsConfig) -> list[str]:
    """An article's candidate keys + outlet key → the tags config fixes for it, in config order."""
    tags = []
    for key, values in config.fixed.items():
        if key == outlet or term_key(key) in terms:
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
        tags = _fixed_tags({term_key(term) for term in _terms(article)}, outlet, config) if config.fixed else []
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
