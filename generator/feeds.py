"""Feeds stage: Archive + Config → Atom feeds (feedgen) as (path, bytes).

Feeds never carry the build time: a feed's `updated` is its newest entry's, so an
unchanged archive gives a byte-identical feed and readers see nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from generator import __version__
from generator.config import Config
from generator.models import Archive, Article
from generator.urls import absolute_url

ATOM_TYPE = "application/atom+xml"
# The updated time of a feed with no entries: fixed, so empty feeds are deterministic too.
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)


class _Entry(FeedEntry):
    """A feedgen entry whose links keep their attributes.

    feedgen 1.0.0 (the newest release) builds each <link> and then reads rel/type/title from
    the new element instead of from the link's settings (a shadowed variable), so they are
    lost. This puts them back, in the order the links were added.
    """

    def atom_entry(self, extensions: bool = True) -> Any:
        """The entry's XML element, with link attributes restored."""
        element = super().atom_entry(extensions)
        nodes = [child for child in element if str(child.tag).rsplit("}", 1)[-1] == "link"]
        for node, link in zip(nodes, self.link(), strict=True):
            for key in ("rel", "type", "hreflang", "title", "length"):
                if link.get(key):
                    node.set(key, str(link[key]))
        return element


def _add_entry(feed: FeedGenerator, article: Article, config: Config) -> None:
    """Append one article to a feed as an Atom entry with full content."""
    entry = feed.add_entry(_Entry(), order="append")
    entry.id(article.entry_id)
    entry.title(article.title)
    entry.link(href=absolute_url(config.base_url, article.path), rel="alternate", type="text/html")
    if article.url:
        entry.link(href=article.url, rel="related", type="text/html", title=article.outlet.name)
    entry.updated(article.captured)
    published = article.published if article.published and article.published <= article.captured else None
    entry.published(published or article.captured)
    entry.author(name=article.author or article.outlet.name)
    entry.category(term=article.outlet.key, label=article.outlet.name,
                   scheme=absolute_url(config.base_url, "sources/"))
    for tag in article.tags:
        entry.category(term=tag, label=tag, scheme=absolute_url(config.base_url, "tags/"))
    if article.body.summary:
        entry.summary(article.body.summary)
    entry.content(article.body.html or article.body.summary or article.title, type="html")


def atom_feed(articles: Sequence[Article], config: Config, *, path: str, title: str,
              alternate_path: str) -> bytes:
    """Articles (newest first) + where the feed lives → Atom XML bytes."""
    feed = FeedGenerator()
    self_url = absolute_url(config.base_url, path)
    feed.id(self_url)
    feed.title(title)
    if config.description:
        feed.subtitle(config.description)
    feed.link(href=self_url, rel="self", type=ATOM_TYPE)
    feed.link(href=absolute_url(config.base_url, alternate_path), rel="alternate", type="text/html")
    feed.language(config.language)
    feed.generator("newsarchive", version=__version__)
    feed.updated(max((a.captured for a in articles), default=EMPTY_FEED_UPDATED))
    for article in articles:
        _add_entry(feed, article, config)
    return feed.atom_str(pretty=True)


def render_feeds(archive: Archive, config: Config) -> Iterator[tuple[str, bytes]]:
    """Archive + config → the site's feeds as (site-relative path, bytes)."""
    latest = archive.articles[: config.feed_entries]
    yield "feed.xml", atom_feed(latest, config, path="feed.xml", title=config.title, alternate_path="")
    yield from tag_feeds(archive, config)


def tag_feeds(archive: Archive, config: Config) -> Iterator[tuple[str, bytes]]:
    """Archive + config → one feed per tag page at tags/TAG/feed.xml, same rules as /feed.xml."""
    for tag in archive.tags:
        yield tag.path + "feed.xml", atom_feed(tag.articles[: config.feed_entries], config,
                                               path=tag.path + "feed.xml", alternate_path=tag.path,
                                               title=f"{config.title} · {tag.name}")
