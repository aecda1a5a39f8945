"""Feeds stage: Archive + Config → Atom feeds (feedgen), RFC 5005 archive feeds, optional JSON Feed.

Every feed is described by a FeedSpec and written by one function, so the main feed, the
tag and source feeds and the monthly archive feeds follow the same rules:

- a feed's `updated` is its newest entry's capture time, never the build time, so an
  unchanged archive gives byte-identical feeds;
- entry ids are urn:uuid values derived from the original URL and never change;
- the monthly documents /feeds/YYYY-MM.xml hold every article of their month, are marked
  archived (RFC 5005 `fh:archive`), and link prev-archive / next-archive / current, so a
  reader can walk from /feed.xml back to the first month and back-fill everything.

The entries of the newest months' articles are kept, as feedgen wrote them, in the cache
between builds (KeptEntries): a rebuild re-renders the current month's archive feed (thousands
of entries with full content) for each new article, and making its entries was most of that.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from generator import __version__
from generator.config import Config
from generator.models import Archive, Article, Month
from generator.output.plan import PlannedFile
from generator.paths import FEED, SOURCES, TAGS, absolute_url, feed_file, json_feed_file, month_feed_file
from generator.site.entries import FeedSpec, full_content, published_time
from generator.site.i18n import month_title
from generator.site.jsonfeed import json_feed
from generator.site.planning import Html, PlanFile

ATOM_TYPE = "application/atom+xml"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
# The updated time of a feed with no entries: fixed, so empty feeds are deterministic too.
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
# How feedgen's pretty-printed Atom starts each entry and ends the document. Only markup has an
# unescaped "<", so these bytes are found at entry boundaries and nowhere else.
ENTRY_START = b"\n  <entry>"
FEED_END = b"\n</feed>\n"
KEPT_MONTHS = 2  # the newest months, whose articles' entries are kept between builds


class _History(BaseExtension):
    """feedgen extension that marks a feed as an RFC 5005 archive document (<fh:archive/>)."""

    def extend_ns(self) -> dict[str, str]:
        """The fh: namespace."""
        return {"fh": HISTORY_NS}

    def extend_atom(self, feed: Any) -> Any:
        """Add <fh:archive/> to the feed element."""
        etree.SubElement(feed, f"{{{HISTORY_NS}}}archive")
        return feed


class _Entry(FeedEntry):
    """A feedgen entry whose links keep their attributes, and whose HTML content is written as CDATA.

    feedgen 1.0.0 (the newest release) builds each <link> and then reads rel/type/title from
    the new element instead of from the link's settings (a shadowed variable), so they are
    lost. This puts them back, in the order the links were added.

    HTML content escaped as text grows by an eighth (every "<" a "&lt;": 12.5% of the real
    sample's article HTML); in a CDATA section it stays as it is and means the same to any XML
    reader. Content that holds "]]>" (which would end the section) or "<entry" (which would blur
    the entry boundaries KeptEntries splices at) stays escaped.
    """

    def atom_entry(self, extensions: bool = True) -> Any:
        """The entry's XML element, with link attributes restored and HTML content as CDATA."""
        element = super().atom_entry(extensions)
        nodes = [child for child in element if str(child.tag).rsplit("}", 1)[-1] == "link"]
        for node, link in zip(nodes, self.link(), strict=True):
            for key in ("rel", "type", "hreflang", "title", "length"):
                if link.get(key):
                    node.set(key, str(link[key]))
        content = element.find("content")  # feedgen makes its elements without a namespace (the feed has it)
        if content is not None and content.get("type") == "html" and content.text:
            text = content.text
            if "]]>" not in text and "<entry" not in text:
                content.text = etree.CDATA(text)
        return element


def _add_entry(feed: FeedGenerator, article: Article, config: Config, html: Html, full: bool) -> None:
    """Append one article to a feed as an Atom entry (+ whether it carries the whole article, else its summary)."""
    entry = feed.add_entry(_Entry(), order="append")
    entry.id(article.entry_id)
    entry.title(article.title)
    entry.link(href=absolute_url(config.base_url, article.path), rel="alternate", type="text/html")
    if article.url:
        entry.link(href=article.url, rel="related", type="text/html", title=article.outlet.name)
    entry.updated(article.captured)
    entry.published(published_time(article))
    entry.author(name=article.author or article.outlet.name or article.outlet.key)
    entry.category(term=article.outlet.key, label=article.outlet.name,
                   scheme=absolute_url(config.base_url, SOURCES))
    for tag in article.tags:
        entry.category(term=tag, label=tag, scheme=absolute_url(config.base_url, TAGS))
    if article.summary:
        entry.summary(article.summary)
    if full:
        entry.content(full_content(article, html), type="html")


class EntryStore(Protocol):
    """Where entries made by earlier builds are kept (generator.cache.store.Cache)."""

    def feed_entries(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Entry keys → {key: the entry's bytes} for those kept."""

    def keep_feed_entries(self, entries: Mapping[str, bytes]) -> None:
        """{entry key: the entry's bytes} → kept."""


@dataclass(frozen=True, slots=True)
class KeptEntries:
    """The articles whose Atom entries are kept between builds, and where."""

    store: EntryStore  # where the entries are kept
    keys: dict[int, str]  # id() of each article of the newest months → the key of its entry


def kept_entries(archive: Archive, marks: dict[int, str], site_fingerprint: str, store: EntryStore) -> KeptEntries:
    """Archive + its articles' marks + the site's fingerprint + a store → the KeptEntries of its newest months.

    A key digests the article's mark (its content and what the archive added: tags, paths) and
    the site's fingerprint (code, libraries, config): whatever changes an entry's bytes changes its key.
    """
    prefix = hashlib.blake2b(f"atom entry\0{site_fingerprint}".encode(), digest_size=16).digest()
    keys = {id(article): hashlib.blake2b(prefix + marks[id(article)].encode(), digest_size=16).hexdigest()
            for month in archive.months[:KEPT_MONTHS] for article in month.articles}
    return KeptEntries(store, keys)


def atom_feed(spec: FeedSpec, config: Config, html: Html, kept: KeptEntries | None = None) -> bytes:
    """A FeedSpec + config + a way to load an article's HTML (+ the entries kept) → Atom XML bytes.

    The kept entries are spliced in as they are; feedgen makes the head and the other entries (the
    new kept ones are kept). The bytes are the same as feedgen's for the whole feed. Only entries with
    the whole article are kept: a summary's entry costs little to make.
    """
    updated = max((a.captured for a in spec.articles), default=EMPTY_FEED_UPDATED)
    keys = [None if kept is None else kept.keys.get(id(article)) for article in spec.articles]
    if kept is None or not spec.full or not any(keys):
        return _feedgen_atom(spec, config, html, updated)
    found = kept.store.feed_entries({key for key in keys if key})
    missing = tuple(article for article, key in zip(spec.articles, keys, strict=True) if key not in found)
    made = _feedgen_atom(replace(spec, articles=missing), config, html, updated)
    head, *entries = made.removesuffix(FEED_END).split(ENTRY_START)
    if not made.endswith(FEED_END) or len(entries) != len(missing):  # not feedgen's layout: no splicing
        return _feedgen_atom(spec, config, html, updated)
    made_entries = [ENTRY_START + entry for entry in entries]
    new = {key: entry for article, entry in zip(missing, made_entries, strict=True)
           if (key := kept.keys.get(id(article)))}
    if new:
        kept.store.keep_feed_entries(new)
    made_in_order = iter(made_entries)
    return b"".join([head, *(found[key] if key in found else next(made_in_order) for key in keys), FEED_END])


def _feedgen_atom(spec: FeedSpec, config: Config, html: Html, updated: datetime) -> bytes:
    """A FeedSpec + config + a way to load an article's HTML + the feed's updated time → Atom XML bytes (feedgen)."""
    feed = FeedGenerator()
    if spec.archived:
        feed.register_extension("history", _History, atom=True, rss=False)
    self_url = absolute_url(config.base_url, spec.path)
    feed.id(self_url)
    feed.title(spec.title)
    if config.description:
        feed.subtitle(config.description)
    feed.link(href=self_url, rel="self", type=ATOM_TYPE)
    feed.link(href=absolute_url(config.base_url, spec.alternate_path), rel="alternate", type="text/html")
    for rel, path in spec.links:
        feed.link(href=absolute_url(config.base_url, path), rel=rel, type=ATOM_TYPE)
    if config.feed_hub:
        feed.link(href=config.feed_hub, rel="hub")
    feed.language(config.language)
    feed.generator("newsarchive", version=__version__)
    feed.updated(updated)
    for article in spec.articles:
        _add_entry(feed, article, config, html, spec.full)
    return feed.atom_str(pretty=True)


def month_feed_path(month: Month) -> str:
    """A month → the site-relative path of its archive feed."""
    return month_feed_file(month.year, month.month)


def newest_archive_month(archive: Archive, in_main_feed: Sequence[Article]) -> Month | None:
    """The month the main feed's prev-archive points to: the newest complete month.

    Months before the newest one are complete. The newest (current) month is skipped while it
    fits in /feed.xml; once it has more articles than /feed.xml holds, the link points to it,
    so no article is ever out of reach of the archive walk.
    """
    shown = {a.entry_id for a in in_main_feed}
    for i, month in enumerate(archive.months):
        if i == 0 and all(a.entry_id in shown for a in month.articles):
            continue
        return month
    return None


def archive_specs(archive: Archive, config: Config) -> Iterator[FeedSpec]:
    """Archive → one complete, archived FeedSpec per month, linked to its neighbours and to /feed.xml."""
    months = archive.months  # newest first
    for i, month in enumerate(months):
        links = [("current", FEED)]
        if i + 1 < len(months):
            links.append(("prev-archive", month_feed_path(months[i + 1])))
        if i > 0:
            links.append(("next-archive", month_feed_path(months[i - 1])))
        title = f"{config.title} · {month_title(month.year, month.month, config.language)}"
        yield FeedSpec(month_feed_path(month), title, month.path, month.articles, archived=True, links=tuple(links),
                       full=config.feed_full_content)


def main_feed_spec(archive: Archive, config: Config) -> FeedSpec:
    """Archive + config → /feed.xml: the latest articles, linked to the newest complete archive month."""
    latest = archive.articles[: config.feed_entries]
    target = newest_archive_month(archive, latest)
    links = (("prev-archive", month_feed_path(target)),) if target else ()
    return FeedSpec(feed_file(""), config.title, "", latest, links=links, json=True, full=config.feed_full_content)


def listing_feed_spec(config: Config, path: str, name: str, articles: Sequence[Article]) -> FeedSpec:
    """Config + a tag's or publisher's folder, name and articles (newest first) → its feed's FeedSpec: the newest
    listing_feed_entries, summaries unless listing_feed_full_content.

    Lean by default: with 50 whole articles each, the tag feeds of a real archive (2,500 tags,
    5,481 articles) were 339 MB, 40% of its site; whole articles stay in /feed.xml and the
    monthly archive feeds, from which a reader can back-fill everything.
    """
    return FeedSpec(feed_file(path), f"{config.title} · {name}", path,
                    tuple(articles[: config.listing_feed_entries]), json=True, full=config.listing_feed_full_content)


def has_feed(config: Config, kind: str, articles: Sequence[Article]) -> bool:
    """Config + a listing's kind ("tag" or "source") and articles → whether it gets a feed: every publisher
    does, a tag from tag_feed_min_articles articles on (a feed is for following a subject, and a
    tag seen twice in years gets few new articles; its page still lists them)."""
    return kind != "tag" or len(articles) >= config.tag_feed_min_articles


def planned_feed(plan: PlanFile, config: Config, html: Html, kept: KeptEntries, spec: FeedSpec,
                 ) -> Iterator[PlannedFile]:
    """A way to plan a file + config + a way to load an article's HTML + the entries kept + a FeedSpec → its
    Atom document (and JSON Feed beside it, when asked for), planned."""
    yield plan("atom", spec.path, {"spec": spec}, functools.partial(atom_feed, spec, config, html, kept))
    if spec.json and config.json_feed:
        path = json_feed_file(spec.path)
        yield plan("json", path, {"spec": spec}, functools.partial(json_feed, spec, config, html))


def render_feeds(archive: Archive, config: Config, plan: PlanFile, html: Html, kept: KeptEntries,
                 archived: bool = False) -> Iterator[PlannedFile]:
    """Archive + config + what planned_feed needs → /feed.xml, or with archived, the monthly archive feeds,
    planned (a tag's or publisher's feed is planned with its listing: SiteRenderer.listing_groups)."""
    for spec in archive_specs(archive, config) if archived else (main_feed_spec(archive, config),):
        yield from planned_feed(plan, config, html, kept, spec)
