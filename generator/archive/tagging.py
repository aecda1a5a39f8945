"""Tags (docs/design.md §4), the archive step: every article's candidates scored TF-IDF across the archive
→ its tags; tag names → distinct path segments; the tag indexes. Pure functions.

A background IDF (from jieba's corpus) counts as BACKGROUND_DOCS extra documents, so a
three-article archive still ranks 普京 above a name that one article mentions in passing.
Kept apart from generator.article.tags (candidates per article), whose code keys the article cache.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from generator.article.entities import KIND_LETTERS, entity_of
from generator.article.folding import clean_name, term_key
from generator.article.tags import BACKGROUND_IDF, DEFAULT_IDF, MIN_OCCURRENCES, Candidate
from generator.config import TagsConfig
from generator.models import Article, TagCandidates, TagIndex
from generator.paths import FEED, PAGE, safe_segment
from generator.text import short_hash

BACKGROUND_DOCS = 10_000  # how many documents the background IDF is worth
LONE_FACTOR = 0.5  # a term no other article shares gets no tag page, so it ranks lower


def background_idf(term: str) -> float:
    """A term → its IDF in jieba's corpus (the median IDF when the corpus does not list it)."""
    return BACKGROUND_IDF.get(term, DEFAULT_IDF)


def idf(term: str, df: int, articles: int) -> float:
    """A term, how many articles have it, archive size → IDF, the background counting as BACKGROUND_DOCS."""
    expected = BACKGROUND_DOCS * math.exp(-background_idf(term))
    return -math.log((df + expected) / (articles + BACKGROUND_DOCS))


def _fixed_tags(candidates: TagCandidates | Sequence[Candidate], outlet: str, config: TagsConfig) -> list[str]:
    """An article's candidates + outlet key → the tags it always has: those the post lists itself, then those
    config fixes for it, in config order."""
    listed = candidates.listed_tags() if isinstance(candidates, TagCandidates) else []
    if not config.fixed:
        return listed
    keys = {term_key(term) for term in _terms(candidates)}
    tags = list(listed)
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
    """An article's candidates + its fixed tags + each term's rank → its tags: the fixed, then the best scored
    of those mentioned MIN_OCCURRENCES times; when there is none, the best of those mentioned once (an
    article that names nothing twice keeps its one weightiest name: article.tags.extract_candidates)."""
    scored = sorted((-weight * ranks[term], term) for term, count, weight in candidates
                    if count >= MIN_OCCURRENCES and term not in fixed)
    if not scored and not fixed:
        scored = sorted((-weight * ranks[term], term) for term, _, weight in candidates)[:1]
    return tuple(fixed + [term for _, term in scored[:max(room - len(fixed), 0)]])


@dataclass(frozen=True, slots=True)
class MonthTags:
    """One month's part of tagging, kept between builds and reused while its inputs hold."""

    terms: Mapping[str, int]  # each term of the month's articles → how many of its articles have it
    shared: frozenset[str]  # those of its terms that ≥ min_articles articles of the archive had when it was tagged
    tags: tuple[tuple[str, ...], ...]  # its articles' tags, in the order they came
    # each of those tags → {kind letter: how many of its articles' candidates say it} (entities.KIND_LETTERS)
    kinds: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


Period = tuple[int, int]  # (year, month)


def assign_tags(candidates: Sequence[TagCandidates | Sequence[Candidate]], outlets: Sequence[str],
                periods: Sequence[Period], config: TagsConfig) -> list[tuple[str, ...]]:
    """Every article's candidates, outlet key and (year, month), in one order → every article's tags, best first.

    An article's terms are weighed against the articles of its month and the months before,
    not the whole archive: a new article leaves the tags of older months alone (a back-filled
    one retags the months after it), and the same input still gives the same tags. Whether a
    term is shared at all (then its tag gets a page) is counted across the whole archive.
    Fixed tags come first and are always kept; scored tags fill up to `per_article`.
    """
    return tag_by_month(candidates, outlets, periods, config)[0]


def tag_by_month(candidates: Sequence[TagCandidates | Sequence[Candidate]], outlets: Sequence[str],
                 periods: Sequence[Period], config: TagsConfig, keys: Mapping[Period, str] | None = None,
                 known: Mapping[str, MonthTags] | None = None,
                 ) -> tuple[list[tuple[str, ...]], dict[str, MonthTags]]:
    """assign_tags, reusing earlier work: + each month's key (a digest of its articles, those of the months
    before it, the config and the code) + the MonthTags an earlier build kept by key → (every article's
    tags, this build's MonthTags by key).

    A month whose key is known and whose terms are shared as they were is not tagged again: its tags
    depend on nothing else. At 100,000 articles that leaves one month of the three seconds tagging took.
    """
    tags, made, _ = tag_months(candidates, outlets, periods, config, keys, known)
    return tags, made


def tag_months(candidates: Sequence[TagCandidates | Sequence[Candidate]], outlets: Sequence[str],
               periods: Sequence[Period], config: TagsConfig, keys: Mapping[Period, str] | None = None,
               known: Mapping[str, MonthTags] | None = None,
               ) -> tuple[list[tuple[str, ...]], dict[str, MonthTags], list[MonthTags]]:
    """tag_by_month, + every month's MonthTags (those with no key too), oldest first: their kinds name the tags'."""
    keys, known = keys or {}, known or {}
    by_period: dict[Period, list[int]] = defaultdict(list)
    for position, period in enumerate(periods):
        by_period[period].append(position)
    order = sorted(by_period)
    kept = {period: month for period in order
            if (month := known.get(keys.get(period, ""))) is not None and len(month.tags) == len(by_period[period])}
    counts = {period: kept[period].terms if period in kept else _term_counts(candidates, by_period[period])
              for period in order}
    everywhere: Counter[str] = Counter()
    for month_counts in counts.values():
        everywhere.update(month_counts)
    result: list[tuple[str, ...]] = [()] * len(candidates)
    made: dict[str, MonthTags] = {}
    every: list[MonthTags] = []
    df: Counter[str] = Counter()
    seen = 0
    for period in order:
        positions, month_counts = by_period[period], counts[period]
        df.update(month_counts)
        seen += len(positions)
        shared = frozenset(term for term in month_counts if everywhere[term] >= config.min_articles)
        month = kept.get(period)
        if month is None or month.shared != shared:
            # Per term, once a month (not once per mention); lower for a term no other article shares.
            ranks = {term: idf(term, df[term], seen) * (1.0 if term in shared else LONE_FACTOR)
                     for term in month_counts}
            tags = tuple(_best(candidates[p], _fixed_tags(candidates[p], outlets[p], config), ranks,
                               config.per_article) for p in positions)
            month = MonthTags(month_counts, shared, tags, _kind_votes(candidates, positions, tags))
        for position, found in zip(positions, month.tags, strict=True):
            result[position] = found
        if period in keys:
            made[keys[period]] = month
        every.append(month)
    return result, made, every


def _kind_votes(candidates: Sequence[TagCandidates | Sequence[Candidate]], positions: Sequence[int],
                tags: Sequence[tuple[str, ...]]) -> dict[str, dict[str, int]]:
    """Every article's candidates + one month's positions and tags → {tag: {kind letter: how many of the
    month's articles tagged with it say that kind}}."""
    votes: dict[str, dict[str, int]] = defaultdict(dict)
    for position, found in zip(positions, tags, strict=True):
        article = candidates[position]
        kinds = article.kind_of() if isinstance(article, TagCandidates) else {}
        for tag in found:
            letter = kinds.get(tag, "x")
            votes[tag][letter] = votes[tag].get(letter, 0) + 1
    return dict(votes)


def tag_kinds(months: Iterable[MonthTags]) -> dict[str, str]:
    """Every month's tagging → {tag: its kind letter}: the entity table's, else the one most of its articles'
    candidates say (a known kind before x, then the first letter)."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for month in months:
        for tag, counts in month.kinds.items():
            votes[tag].update(counts)
    kinds = {}
    for tag, counts in votes.items():
        entity = entity_of(tag)
        kinds[tag] = KIND_LETTERS[entity.kind] if entity is not None else \
            min(counts.items(), key=lambda item: (item[0] == "x", -item[1], item[0]))[0]
    return kinds


def _term_counts(candidates: Sequence[TagCandidates | Sequence[Candidate]], positions: Sequence[int]) -> Counter[str]:
    """Every article's candidates + the positions of one month's articles → how many of them have each term."""
    return Counter(itertools.chain.from_iterable(_terms(candidates[position]) for position in positions))


def _segment_base(name: str) -> str:
    """A tag → a path segment with no control, format (bidi) or unsafe characters and no trailing dot."""
    visible = "".join("-" if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in name)
    base = safe_segment(visible).rstrip(". ") or "-"
    return "_" + base if base.casefold() in (PAGE, FEED) else base


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


def index_tags(articles: Sequence[Article], min_articles: int, kinds: Mapping[str, str] | None = None,
               keys: Mapping[str, str] | None = None) -> tuple[TagIndex, ...]:
    """Tagged articles, newest first (+ each tag's kind letter, + each tag name's key, where the site names a tag
    otherwise than tagging compares it) → one TagIndex per tag with ≥ min_articles, most articles first.

    A tag's folder is made from its key, not its name, so that a site in another language or script (習近平,
    Xi Jinping) keeps the tag pages where they were (tags/习近平/)."""
    by_tag: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for tag in article.tags:
            by_tag[tag].append(article)
    kept = {name: tuple(arts) for name, arts in by_tag.items() if len(arts) >= min_articles}
    keys = keys or {}
    segments = tag_segments(keys.get(name, name) for name in kept)
    indexes = [TagIndex(name, segments[keys.get(name, name)], arts, (kinds or {}).get(name, "x"))
               for name, arts in kept.items()]
    return tuple(sorted(indexes, key=lambda t: (-len(t.articles), t.name)))
