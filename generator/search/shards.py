"""Search stage, planning: the archive → the shards of its search index, and what the build's memory leaves for
indexing them. Pure functions; Pagefind itself is run by generator.search.pagefind.

Pagefind has no incremental mode and costs milliseconds per page, so the index is split
into shards: each month is cut into runs of whole days of at most SHARD_PAGES articles, filled
from the month's first day. New articles land at the end of the newest month, so the runs before
the last one stay as they are, and a month's runs never depend on whether it is the newest. A
rebuild runs Pagefind only for the shards whose articles changed and takes the others from the
live site; the search page merges all shards (Pagefind's mergeIndex).
"""

from __future__ import annotations

import hashlib
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from generator.models import Archive, Article, Content, Month
from generator.paths import SEARCH_BUNDLE, month_articles_folder, search_record_url
from generator.sourcecode import code_fingerprint

BUNDLE = SEARCH_BUNDLE  # folder of the shards inside the site
# Articles per shard at most (a day with more is a shard alone). It bounds what adding one article
# costs (its run is indexed again: 4–7 ms of Pagefind's CPU a record, three quarters of it writing
# the index) and Pagefind's memory (about 0.5 MB a record); fewer, bigger shards would make each
# search fetch less.
SHARD_PAGES = 600
# What a whole build may hold (docs/design.md §7: under 1 GB at 100,000 articles), and what a Pagefind
# service holds per page it indexes (measured at 100k, fresh services: 224 MB for a shard in the median,
# 253 MB at most, for 600 records).
MEMORY_BUDGET = 1 << 30
PAGE_BYTES = 640 << 10
capture_day = operator.attrgetter("captured.day")  # an article → its day of the month, in C (100,000 at 100k)
_key_and_path = operator.attrgetter("content_key", "path")


@dataclass(frozen=True, slots=True)
class Shard:
    """One independently built part of the search index."""

    name: str  # folder under pagefind/: month and first day, e.g. "2024-06-from-01"
    articles: tuple[Article, ...]  # the articles it indexes, newest first
    fingerprint: str  # digest of what its articles show to the index
    folder: str  # site folder of its month's article pages, e.g. "articles/2024/06/"

    @property
    def pages(self) -> int:
        """How many article pages it indexes."""
        return len(self.articles)


def _fill_days(articles: Sequence[Article]) -> list[list[Article]]:
    """One month's articles, newest first → runs of whole days, newest first, each filled from the
    month's first day up to SHARD_PAGES, so the runs before the last stay as they are while days
    are added."""
    days = [list(day) for _, day in itertools.groupby(reversed(articles), key=capture_day)]
    runs: list[list[Article]] = [[]]
    for day in days:
        if runs[-1] and len(runs[-1]) + len(day) > SHARD_PAGES:
            runs.append([])
        runs[-1].extend(day)
    return [run[::-1] for run in reversed(runs)]


def pages_folder(month: Month) -> str:
    """A month → the site folder its article pages are in, e.g. "articles/2024/06/"."""
    return month_articles_folder(month.year, month.month)


def plan_shards(archive: Archive, language: str, site_fingerprint: str) -> tuple[Shard, ...]:
    """Archive + site language + the site-wide fingerprint (code, templates, config) → the shards, newest first.

    A shard's fingerprint covers what Pagefind reads of its articles: each one's content key (its
    file, as processed: title, text, publisher) and address, and the site-wide inputs. Not the
    tags nor the links to neighbouring articles, which change as the archive grows, so a new
    article re-indexes its own run of days only.
    """
    # Pagefind's version and the code that runs it: a change there re-indexes every shard, not re-renders pages.
    version = code_fingerprint(("search.pagefind",), ("pagefind-bin-extended",))
    shards = []
    for month in archive.months:
        folder = pages_folder(month)
        for run in _fill_days(month.articles):
            # Named by its first day, which stays put as days are added.
            name = f"{month.year:04d}-{month.month:02d}-from-{capture_day(run[-1]):02d}"
            digest = hashlib.blake2b(f"{version}\0{language}\0{site_fingerprint}\0{name}".encode(), digest_size=12)
            # One update for the run: the same bytes as one per article, in half the time.
            listed = "\0".join(itertools.chain.from_iterable(map(_key_and_path, run))) + "\0"  # key\0path\0 each
            digest.update(listed.encode("utf-8", "surrogatepass"))
            shards.append(Shard(name, tuple(run), digest.hexdigest(), folder))
    return tuple(shards)


def index_language(language: str) -> str:
    """The site's language → the language Pagefind is told the whole index is in.

    One index for the whole site, so a Chinese query also finds English articles and the other way
    round. Never "zh": Pagefind would split the Chinese into words again, which the per-article
    work has done (it is two thirds of Pagefind's time). "mul" (several languages) has, like "zh",
    no stemming; the browser still splits a Chinese query into words, by the search page's own
    language. An English site keeps English stemming.
    """
    primary = language.split("-")[0]
    return "mul" if primary == "zh" else primary


def shard_records(shard: Shard, content: Callable[[str], Content]) -> Iterator[dict[str, object]]:
    """A shard + a way to load an article's Content → the Pagefind record of each of its articles."""
    for article in shard.articles:
        yield {"url": search_record_url(article.path),
               "content": content(article.content_key).search_text,
               "meta": {"title": article.title}}


def page_budget(build_bytes: int) -> int:
    """The build process's peak size so far → how many pages Pagefind may index at once: what the
    memory budget leaves once the build has grown by half again (rendering the biggest feeds
    does), and at least one full shard's worth."""
    return max(SHARD_PAGES, _room(build_bytes))


def memory_is_tight(build_bytes: int) -> bool:
    """The build process's peak size so far → True when a shard's Pagefind service does not fit beside
    the build grown by half: then the build's biggest allocations must not overlap a service."""
    return _room(build_bytes) < SHARD_PAGES


def _room(build_bytes: int) -> int:
    """The build process's peak size so far → the pages Pagefind can index in what the memory budget
    leaves once the build has grown by half again."""
    return (MEMORY_BUDGET - build_bytes * 3 // 2) // PAGE_BYTES


