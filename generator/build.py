"""The pipeline: one function that runs the stages in order (DESIGN §3).

read → clean + enrich (per article) → archive → render + feeds → write
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.archive import build_archive
from generator.config import Config
from generator.enrich import process
from generator.feeds import render_feeds
from generator.models import Archive, Article, Problem, RawArticle
from generator.reader import read_folder
from generator.render import TEMPLATES_DIR, render_site
from generator.search import refresh_index
from generator.writer import WriteReport, write_site


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did."""

    archive: Archive  # the archive that was built
    files_seen: int  # article files found in the input folder
    written: WriteReport | None  # what the writer did (None for a check without writing)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems that made a file be skipped."""
        return tuple(p for p in self.archive.problems if p.severity == "error")


def unprocessable(raw: RawArticle, exc: Exception) -> Problem:
    """An article that crashed the per-article work + the exception → the Problem that skips it."""
    return Problem(raw.source_file, raw.body_line,
                   f"the article could not be processed ({type(exc).__name__}: {str(exc)[:200]})",
                   "this is a bug in newsarchive, not in the file: please report it with the file attached; "
                   "the rest of the archive was built")


def load_archive(input_dir: Path, config: Config,
                 process_article: Callable[[RawArticle, Config], tuple[Article, tuple[Problem, ...]]] = process,
                 progress: Callable[[Sequence[RawArticle]], Iterable[RawArticle]] = iter,
                 ) -> tuple[Archive, int]:
    """Archive folder + config → (the complete Archive, number of article files seen).

    `process_article` lets a caller put a cache in front of the per-article work (serve does);
    `progress` wraps the per-article loop (the CLI shows a progress bar with it).
    """
    folder = read_folder(input_dir)
    articles: list[Article] = []
    problems: list[Problem] = list(folder.problems)
    for raw in progress(folder.articles):
        try:
            article, warnings = process_article(raw, config)
        except Exception as exc:  # one article must never stop the build: report it and go on
            problems.append(unprocessable(raw, exc))
            continue
        articles.append(article)
        problems.extend(warnings)
    problems.sort(key=lambda p: (p.file, p.line))
    return build_archive(articles, problems, config.tags), folder.files_seen


def site_files(archive: Archive, config: Config, templates_dir: Path = TEMPLATES_DIR) -> Iterator[tuple[str, bytes]]:
    """Archive + config → every output file: pages, then feeds."""
    return itertools.chain(render_site(archive, config, templates_dir), render_feeds(archive, config))


def build(input_dir: Path, output_dir: Path, config: Config, templates_dir: Path = TEMPLATES_DIR,
          progress: Callable[[Sequence[RawArticle]], Iterable[RawArticle]] = iter) -> BuildResult:
    """Archive folder → site folder; returns what was built, skipped and written."""
    archive, files_seen = load_archive(input_dir, config, progress=progress)
    report = write_site(site_files(archive, config, templates_dir), output_dir)
    refresh_index(output_dir, config.language, bool(report.written or report.removed))  # search, from the pages
    return BuildResult(archive=archive, files_seen=files_seen, written=report)
