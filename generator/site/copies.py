"""Where the articles' Markdown copies go (config `markdown_copies`): pure functions, Archive → paths.

- "month" (the default): one file per month beside the month's page (archive/YYYY/MM/index.md)
  holding the Markdown copy of each of its articles, newest first; a month past PART_ARTICLES
  articles is cut into parts of whole days, filled from the month's first day (index-DD.md for
  the parts after the first), so no file grows past a few megabytes and a new article
  rewrites only the last part.
- "article": one index.md beside each article's page.
- "none": no Markdown copies.

A file per article was a third of a site's files (page, Markdown copy and search fragment make
three files an article before any listing or feed), and hosts count files: Cloudflare Pages
takes 20,000 a site on its free plan. A month's copy keeps every article's text, front matter
included, in a tenth of a percent of the files.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from generator.models import Archive, Article, Month
from generator.paths import markdown_file, month_markdown_file
from generator.search.shards import capture_day

PART_ARTICLES = 300  # articles in one file of a month's Markdown copy at most (a day with more is a part alone)


def month_parts(month: Month) -> list[tuple[str, tuple[Article, ...]]]:
    """A month → (file, its articles newest first) of each part of its Markdown copy, newest part first.

    Parts are runs of whole days of at most PART_ARTICLES articles, filled from the month's first
    day, so the parts before the last stay as they are while days are added.
    """
    days = [tuple(day) for _, day in itertools.groupby(reversed(month.articles), key=capture_day)]  # oldest first
    runs: list[list[Article]] = [[]]
    for day in days:
        if runs[-1] and len(runs[-1]) + len(day) > PART_ARTICLES:
            runs.append([])
        runs[-1].extend(day)
    parts = []
    for number, run in enumerate(runs):
        path = month_markdown_file(month.path, None if number == 0 else capture_day(run[0]))
        if any(path == earlier for earlier, _ in parts):  # a day come back (a clock set back across midnight)
            path = month_markdown_file(month.path, 100 + number)
        parts.append((path, tuple(reversed(run))))
    return parts[::-1]


def archive_parts(archive: Archive, mode: str) -> dict[str, list[tuple[str, tuple[Article, ...]]]]:
    """Archive + the markdown_copies mode → {month folder: month_parts of it} ("month"; else empty)."""
    return {month.path: month_parts(month) for month in archive.months} if mode == "month" else {}


def markdown_paths(archive: Archive, mode: str, parts: dict[str, list[tuple[str, tuple[Article, ...]]]],
                   ) -> dict[int, str]:
    """Archive + the markdown_copies mode + its archive_parts → {id() of each article: the site path of the
    file holding its Markdown copy} (empty for "none")."""
    if mode == "article":
        return {id(article): markdown_file(article.path) for article in archive.articles}
    return {id(article): path for month in parts.values() for path, part in month for article in part}


def paths_of(articles: Sequence[Article], paths: dict[int, str]) -> Iterator[str]:
    """Articles + markdown_paths → the file of each one's Markdown copy ('' when there is none)."""
    return (paths.get(id(article), "") for article in articles)
