"""What a feed is made of, shared by the Atom and the JSON Feed writers: the FeedSpec of a document, and
each entry's full content and publication time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from generator.models import Article
from generator.site.planning import Html


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed document to write."""

    path: str  # site-relative path of the Atom document, e.g. "tags/普京/feed.xml"
    title: str  # feed title
    alternate_path: str  # site-relative page showing the same articles
    articles: tuple[Article, ...]  # its entries, newest first
    archived: bool = False  # an RFC 5005 archive document (one month, complete)
    links: tuple[tuple[str, str], ...] = ()  # extra (rel, site-relative path): prev-archive, next-archive, current
    json: bool = False  # also write a JSON Feed beside it (when json_feed is on)
    full: bool = True  # entries carry the whole article; False: the summary only


def full_content(article: Article, html: Html) -> str:
    """An article + a way to load its HTML → what a feed entry carries as its full content (the summary
    or the title when the body is empty)."""
    return html(article.content_key) or article.summary or article.title


def published_time(article: Article) -> datetime:
    """An article → when it was published: the time its body states, if not after the capture."""
    published = article.published
    return published if published is not None and published <= article.captured else article.captured
