"""Archive stage: every Article → the frozen Archive (duplicates merged, timeline, months, outlets)."""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import itertools
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from generator.archive.tagging import MonthTags, Period, index_tags, tag_kinds, tag_months
from generator.article.entities import display_name
from generator.config import TagsConfig
from generator.models import Archive, Article, Duplicate, Month, OutletIndex, Problem, TagCandidates
from generator.paths import moved_article_folder
from generator.sourcecode import code_fingerprint
from generator.text import short_hash

# Keys in C: the archive stage handles every article several times, 100,000 at 100k.
_story = operator.attrgetter("story")
_path = operator.attrgetter("path")
_timestamp = operator.methodcaller("timestamp")  # of the capture time: the instant, whatever its time zone
_captured = operator.attrgetter("captured")
_outlet_key = operator.attrgetter("outlet.key")
_name = operator.attrgetter("name")
_via = operator.attrgetter("via")
_outlet = operator.attrgetter("outlet")
_candidates = operator.attrgetter("tag_candidates")
_content_key = operator.attrgetter("content_key")
_year_month = operator.attrgetter("captured.year", "captured.month")
_first, _second = operator.itemgetter(0), operator.itemgetter(1)
K, V = TypeVar("K"), TypeVar("V")


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Articles → sorted newest capture first; the page path breaks ties so order never depends on input order.

    Two sorts with keys in C instead of one with a key function: a sort by path, then a stable sort
    by capture instant, descending (reverse keeps the order of equal keys).
    """
    by_path = sorted(articles, key=_path)
    instants = list(map(_timestamp, map(_captured, by_path)))
    return list(map(by_path.__getitem__, sorted(range(len(by_path)), key=instants.__getitem__, reverse=True)))


def _repeated(keys: Iterable[str]) -> set[str]:
    """Keys → those that occur more than once (one pass; a Counter took three times as long)."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for key in keys:
        if key in seen:
            repeated.add(key)
        else:
            seen.add(key)
    return repeated


def _fullest_latest(article: Article) -> tuple[int, float, str]:
    """A capture → its rank among the captures of its story: the fullest text first, then the latest capture."""
    return article.text_length, article.captured.timestamp(), article.source_file


def merge_captures(captures: list[Article]) -> tuple[Article, list[Duplicate]]:
    """The captures of one story → (the one article it becomes, the captures dropped), the captures sorted.

    The fullest body wins (a title-only stub never replaces the full text; of equally full ones, the latest
    capture), and the article keeps its first capture's date as published and its latest as its capture
    time. Its page path, slug and feed id stay what the latest capture's were, as when the latest capture
    won: a page address never moves because of this rule, and a newer capture adds no feed entry.
    """
    captures.sort(key=_fullest_latest, reverse=True)
    winner = captures[0]
    latest = max(captures, key=lambda a: (a.captured.timestamp(), a.source_file))
    first = min(captures, key=lambda a: (a.captured.timestamp(), a.source_file))
    published = min([*(a.published for a in captures if a.published is not None), first.captured], key=_timestamp)
    every = "\x1f".join(f"{c.source_file}\x1e{c.content_key}\x1e{c.captured.isoformat()}" for c in captures)
    merged = dataclasses.replace(winner, captured=latest.captured, published=published, slug=latest.slug,
                                 path=latest.path, identity=latest.identity, entry_id=latest.entry_id,
                                 merged_from=short_hash(every, 16))
    dropped = [Duplicate(c.source_file, winner.source_file, winner.story, c.captured, c.text_length,
                         winner.text_length, winner.captured) for c in captures[1:]]
    return merged, dropped


def merge_duplicates(articles: Iterable[Article]) -> tuple[list[Article], list[Duplicate]]:
    """Articles → (one article per story, the captures dropped); see merge_captures for which one is kept."""
    articles = list(articles)
    # Most stories have one capture: only the others are grouped (100,000 small lists cost a second).
    repeated = _repeated(map(_story, articles))
    if not repeated:
        return articles, []
    kept = [article for article in articles if article.story not in repeated]
    by_story: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        if article.story in repeated:
            by_story[article.story].append(article)
    dropped = []
    for _, captures in sorted(by_story.items()):
        merged, lost = merge_captures(captures)
        kept.append(merged)
        dropped.extend(lost)
    return kept, sorted(dropped, key=lambda d: d.dropped)


def separate_colliding_paths(articles: list[Article]) -> tuple[list[Article], list[Problem]]:
    """Give distinct stories that landed on one page path distinct slugs; warn about each collision.

    The article whose identity sorts first keeps the plain slug; the others get a hash of their
    own identity appended, so each new slug is still a function of the article alone.
    """
    repeated = _repeated(map(_path, articles))
    if not repeated:  # the usual case
        return articles, []
    result = [article for article in articles if article.path not in repeated]
    by_path: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        if article.path in repeated:
            by_path[article.path].append(article)
    warnings = []
    for path, group in sorted(by_path.items()):
        group.sort(key=lambda a: a.identity)
        result.append(group[0])
        for other in group[1:]:
            slug = f"{other.slug[:72]}-{short_hash(other.identity, 6)}"
            moved = dataclasses.replace(other, slug=slug, path=moved_article_folder(path, slug))
            result.append(moved)
            warnings.append(Problem(
                other.source_file, 0,
                f"its page path {path} is also the path of {group[0].source_file} "
                f"(a different story); it was moved to {moved.path}",
                "nothing to do; this warning lists the collision so the moved address is no surprise",
                "warning",
            ))
    return result, warnings


def _grouped(keys: Iterable[K], values: Iterable[V]) -> dict[K, list[V]]:
    """Keys and values in one order → {key: its values, in order}; each run of one key is taken whole, in C
    (the archive's articles come in runs of one month)."""
    grouped: dict[K, list[V]] = defaultdict(list)
    for key, run in itertools.groupby(zip(keys, values, strict=True), key=_first):
        grouped[key].extend(map(_second, run))
    return grouped


def group_months(articles: tuple[Article, ...]) -> tuple[Month, ...]:
    """Articles, newest first → one Month per calendar month that has any, newest first."""
    months = _grouped(map(_year_month, articles), articles)
    return tuple(Month(y, m, tuple(months[(y, m)])) for y, m in sorted(months, reverse=True))


def group_outlets(articles: tuple[Article, ...]) -> tuple[OutletIndex, ...]:
    """Articles, newest first → one OutletIndex per publisher, most articles first. An article an aggregator
    republished is listed under its publisher and under the aggregator.

    A publisher is named as most of its own articles name it (of equally many, as the newest does), so a
    front matter that names it differently now and then does not rename its page.
    """
    groups: dict[str, list[Article]] = defaultdict(list)
    republished: dict[str, int] = defaultdict(int)
    if not any(map(_via, articles)):  # most archives have no aggregator: one loop without a test per article
        for article in articles:
            groups[article.outlet.key].append(article)
    else:  # each listing in the archive's order, with what it republished
        for article in articles:
            groups[article.outlet.key].append(article)
            if article.via is not None:
                groups[article.via.key].append(article)
                republished[article.via.key] += 1
    indexes = []
    for key, listed in groups.items():
        own = [a for a in listed if a.outlet.key == key] if republished[key] else listed
        # Named as most of its own articles name it, counted in C by name (their key is the same); of names as
        # common, the newest article's comes first. An aggregator with none of its own: as its copies name it.
        outlets = list(map(_outlet, own)) if own else [a.via for a in listed if a.via is not None]
        name = collections.Counter(map(_name, outlets)).most_common(1)[0][0]
        outlet = outlets[0] if outlets[0].name == name else next(o for o in outlets if o.name == name)
        indexes.append(OutletIndex(outlet, tuple(listed), republished[key]))
    return tuple(sorted(indexes, key=lambda o: (-len(o.articles), o.outlet.key)))


def month_keys(articles: Iterable[Article], config: TagsConfig, periods: Sequence[Period] | None = None,
               ) -> dict[Period, str]:
    """Articles + tags config (+ their months, when the caller has them) → each month's tagging key: a
    digest of the tagging code, the config and the content keys of its articles and of every month
    before it (what a month's tags depend on, besides which terms are shared). Empty when an article
    has no content key (made outside a build)."""
    articles = list(articles)
    content_keys = list(map(_content_key, articles))
    if not all(content_keys):
        return {}
    grouped = _grouped(map(_year_month, articles) if periods is None else periods, content_keys)
    chain = f"{code_fingerprint(('archive.tagging',), ())}\0{config!r}"
    keys = {}
    for period in sorted(grouped):
        text = f"{chain}\0{period}\0" + "\x1f".join(grouped[period])
        keys[period] = chain = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return keys


NO_CANDIDATES = TagCandidates()  # what a tagged article holds instead of its candidates


def tag_articles(articles: tuple[Article, ...], config: TagsConfig, known: Mapping[str, MonthTags] | None = None,
                 language: str = "zh-CN") -> tuple[dict[str, MonthTags], dict[str, str], dict[str, str]]:
    """Articles with tag candidates (+ the months an earlier build tagged, by key, + the site's language) →
    each given its tags, scored across all of them and named as the site's language writes them
    (entities.display_name), and its candidates let go, in place; → (this build's months by key, to keep,
    each tag's kind letter by its name, and each tag name's key where they differ).

    In place, although Article is frozen: the articles are this build's own, decoded from the
    cache for it, and nothing has seen them yet; a tagged copy of each cost 1.5 s and 100 MB at
    100,000 articles. The candidates are needed for nothing after tagging, and held ~40 MB at
    100,000 articles through the whole render.
    """
    periods = list(map(_year_month, articles))  # once for both: a pass over 100,000 articles is ~0.1 s
    tags, months, every = tag_months(list(map(_candidates, articles)), list(map(_outlet_key, articles)),
                                     periods, config, month_keys(articles, config, periods), known)
    names: dict[str, str] = {}  # each tag's key → its name on the site
    kinds = {names.setdefault(tag, display_name(tag, language)): kind for tag, kind in tag_kinds(every).items()}
    if language != "zh-CN":
        tags = [tuple(dict.fromkeys(names.get(tag) or names.setdefault(tag, display_name(tag, language))
                                    for tag in found)) for found in tags]
    if len(tags) != len(articles):
        raise ValueError(f"tagging gave {len(tags)} results for {len(articles)} articles")
    # Set in C loops (calls of object.__setattr__): two calls per article made a tenth of a second.
    collections.deque(map(object.__setattr__, articles, itertools.repeat("tags"), tags), maxlen=0)
    collections.deque(map(object.__setattr__, articles, itertools.repeat("tag_candidates"),
                          itertools.repeat(NO_CANDIDATES)), maxlen=0)
    return months, kinds, {name: key for key, name in names.items() if name != key}


def build_archive(articles: Iterable[Article], problems: Iterable[Problem] = (), tags: TagsConfig | None = None,
                  known_months: Mapping[str, MonthTags] | None = None, language: str = "zh-CN",
                  ) -> tuple[Archive, dict[str, MonthTags]]:
    """Every enriched article (+ problems met so far, + [tags] config to tag them, + the months an earlier
    build tagged, + the site's language, which names the tags) → the frozen Archive, and its months' tagging
    by key (to keep for the next build).

    The articles must be the caller's own, seen by no one else yet: tagging sets their tags in place.
    """
    unique, duplicates = merge_duplicates(articles)
    placed, collisions = separate_colliding_paths(unique)
    ordered = tuple(newest_first(placed))
    months, kinds, keys = tag_articles(ordered, tags, known_months, language) if tags is not None else ({}, {}, {})
    archive = Archive(
        articles=ordered,
        months=group_months(ordered),
        outlets=group_outlets(ordered),
        duplicates=tuple(duplicates),
        problems=tuple(problems) + tuple(collisions),
        tags=index_tags(ordered, tags.min_articles, kinds, keys) if tags is not None else (),
    )
    return archive, months
