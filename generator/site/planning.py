"""What the page makers share: the types by which a page is planned, and by which an article's body is loaded.

A module of its own so that the renderer, the listings (taxonomy) and the feeds depend on these
types, not on each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from generator.models import Content
from generator.output.plan import PlannedFile

Page = PlannedFile
Lazy = Callable[[Callable[[str], str]], Any]  # a page's url() → a value made only when the page renders
Contents = Callable[[str], Content]  # article content key → its HTML and Markdown
Html = Callable[[str], str]  # article content key → its HTML alone (a feed entry's content)


class PlanFile(Protocol):
    """Plans one file that is not a template page (a feed): SiteRenderer.plan."""

    def __call__(self, kind: str, path: str, values: dict[str, Any], make: Callable[[], bytes]) -> PlannedFile:
        """Kind of file + its path + the values it is made from + a function making it → the planned file."""


class PlanPage(Protocol):
    """Plans one page from a template: SiteRenderer.page."""

    def __call__(self, template: str, file: str, canonical_path: str, lazy: dict[str, Lazy] | None = None,
                 **values: Any) -> Page:
        """One template + its file + canonical path + its values (+ values made when rendering) → the planned page."""
