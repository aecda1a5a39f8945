"""Every error newsarchive raises on purpose: one base class, a subclass per kind, each with the exit code
the command line gives it. Messages say what is wrong and how to fix it; the CLI prints them as they
are (never a traceback), and `serve` shows them and keeps the last good site."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.models import Problem

EXIT_OK = 0  # success, warnings allowed
EXIT_INPUT_ERRORS = 1  # input files skipped under --strict or `check`, a source that could not be imported, or a
# site over its host's limits (check --host, build --host)
EXIT_USAGE = 2  # usage, config or environment errors: nothing was built


class NewsarchiveError(Exception):
    """Something newsarchive could not do; the message says why and what to do."""

    exit_code = EXIT_USAGE  # what the command line exits with when this ends a command


class ConfigError(NewsarchiveError):
    """The config file is unreadable or does not fit the schema."""


class ArticleError(NewsarchiveError):
    """A file that cannot become an article; carries the Problem that explains why (the file is skipped)."""

    exit_code = EXIT_INPUT_ERRORS

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class TemplateError(NewsarchiveError):
    """A template could not be rendered (a syntax error, an undefined name): the message names its file and line."""


class WriteError(NewsarchiveError):
    """The output folder cannot be written (not a site of ours, locked by another build, no room)."""


class SearchError(NewsarchiveError):
    """The search index could not be built."""


class FetchError(NewsarchiveError):
    """Something could not be downloaded (a feed, an image)."""

    exit_code = EXIT_INPUT_ERRORS


class MediaError(NewsarchiveError):
    """The media store cannot be opened, read or written."""


class HostLimitError(NewsarchiveError):
    """A built site is over a limit of the host it is to be published on (check --host, build --host)."""

    exit_code = EXIT_INPUT_ERRORS
