"""Archive stage: every Article → the frozen Archive (duplicates merged, timeline, months, outlets)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping

from generator.config import TagsConfig
from generator.fingerprint import code_fingerprint
from generator.models import Archive, Article, Duplicate, Month, OutletIndex, Problem, TagCandidates
from generator.tagging import MonthTags, Period, index_tags, tag_by_month
from generator.urls import short_hash


def _newest_first(article: Article) -> tuple[float, str]:
    """Sort key: newest capture first; the page path breaks ties so order never depends on input order."""
    return (-article.captured.timestamp(), article.path)


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


def merge_duplicates(articles: Iterable[Article]) -> tuple[list[Article], list[Duplicate]]:
    """Articles → (one article per story, the captures dropped); the latest capture of a story wins."""
    articles = list(articles)
    # Most stories have one capture: only the others are grouped (100,000 small lists cost a second).
    repeated = _repeated(article.identity for article in articles)
    if not repeated:
        return articles, []
    kept = [article for article in articles if article.identity not in repeated]
    by_identity: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        if article.identity in repeated:
            by_identity[article.identity].append(article)
    dropped = []
    for identity, captures in sorted(by_identity.items()):
        captures.sort(key=lambda a: (a.captured.timestamp(), a.source_file), reverse=True)
        winner = captures[0]
        kept.append(winner)
        dropped.extend(Duplicate(c.source_file, winner.source_file, identity) for c in captures[1:])
    return kept, sorted(dropped, key=lambda d: d.dropped)


def separate_colliding_paths(articles: list[Article]) -> tuple[list[Article], list[Problem]]:
    """Give distinct stories that landed on one page path distinct slugs; warn about each collision.

    The article whose identity sorts first keeps the plain slug; the others get a hash of their
    own identity appended, so each new slug is still a function of the article alone.
    """
    repeated = _repeated(article.path for article in articles)
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
            moved = dataclasses.replace(other, slug=slug, path=path.rsplit("/", 2)[0] + f"/{slug}/")
            result.append(moved)
            warnings.append(Problem(
                other.source_file, 0,
                f"its page path {path} is also the path of {group[0].source_file} "
                f"(a different story); it was moved to {moved.path}",
                "nothing to do; this warning lists the collision so the moved address is no surprise",
                "warning",
            ))
    return result, warnings


def group_months(articles: tuple[Article, ...]) -> tuple[Month, ...]:
    """Articles, newest first → one Month per calendar month that has any, newest first."""
    months: dict[tuple[int, int], list[Article]] = defaultdict(list)
    for article in articles:
        months[(article.captured.year, article.captured.month)].append(article)
    return tuple(Month(y, m, tuple(months[(y, m)])) for y, m in sorted(months, reverse=True))


def group_outlets(articles: tuple[Article, ...]) -> tuple[OutletIndex, ...]:
    """Articles, newest first → one OutletIndex per publisher, most articles first."""
    groups: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        groups[article.outlet.key].append(article)
    indexes = [OutletIndex(arts[0].outlet, tuple(arts)) for arts in groups.values()]
    return tuple(sorted(indexes, key=lambda o: (-len(o.articles), o.outlet.key)))


def month_keys(articles: Iterable[Article], config: TagsConfig) -> dict[Period, str]:
    """Articles + tags config → each month's tagging key: a digest of the tagging code, the config and the
    content keys of its articles and of every month before it (what a month's tags depend on, besides
    which terms are shared). Empty when an article has no content key (made outside a build)."""
    grouped: dict[Period, list[str]] = defaultdict(list)
    for article in articles:
        if not article.content_key:
            return {}
        grouped[(article.captured.year, article.captured.month)].append(article.content_key)
    chain = f"{code_fingerprint(('tagging',), ())}\0{config!r}"
    keys = {}
    for period in sorted(grouped):
        text = f"{chain}\0{period}\0" + "\x1f".join(grouped[period])
        keys[period] = chain = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return keys


NO_CANDIDATES = TagCandidates()  # what a tagged article holds instead of its candidates


def tag_articles(articles: tuple[Article, ...], config: TagsConfig,
                 known: Mapping[str, MonthTags] | None = None) -> dict[str, MonthTags]:
    """Articles with tag candidates (+ the months an earlier build tagged, by key) → each given its
    tags, scored across all of them, and its candidates let go, in place; → this build's months by
    key, to keep.

    In place, although Article is frozen: the articles are this build's own, decoded from the
    cache for it, and nothing has seen them yet; a tagged copy of each cost 1.5 s and 100 MB at
    100,000 articles. The candidates are needed for nothing after tagging, and held ~40 MB at
    100,000 articles through the whole render.
    """
    tags, months = tag_by_month([a.tag_candidates for a in articles], [a.outlet.key for a in articles],
                                [(a.captured.year, a.captured.month) for a in articles], config,
                                month_keys(articles, config), known)
    for article, found in zip(articles, tags, strict=True):
        object.__setattr__(article, "tags", found)
        object.__setattr__(article, "tag_candidates", NO_CANDIDATES)
    return months


def build_archive(articles: Iterable[Article], problems: Iterable[Problem] = (), tags: TagsConfig | None = None,
                  known_months: Mapping[str, MonthTags] | None = None) -> tuple[Archive, dict[str, MonthTags]]:
    """Every enriched article (+ problems met so far, + [tags] config to tag them, + the months an earlier
    build tagged) → the frozen Archive, and its months' tagging by key (to keep for the next build).

    The articles must be the caller's own, seen by no one else yet: tagging sets their tags in place.
    """
    unique, duplicates = merge_duplicates(articles)
    placed, collisions = separate_colliding_paths(unique)
    ordered = tuple(sorted(placed, key=_newest_first))
    months = tag_articles(ordered, tags, known_months) if tags is not None else {}
    archive = Archive(
        articles=ordered,
        months=group_months(ordered),
        outlets=group_outlets(ordered),
        duplicates=tuple(duplicates),
        problems=tuple(problems) + tuple(collisions),
        tags=index_tags(ordered, tags.min_articles) if tags is not None else (),
    )
    return archive, months
