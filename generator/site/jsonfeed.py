"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) beside an Atom feed, from the same FeedSpec."""

from __future__ import annotations

import json
from typing import Any

from generator.config import Config
from generator.models import Article
from generator.paths import absolute_url, json_feed_file
from generator.site.entries import FeedSpec, full_content, published_time
from generator.site.planning import Html

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _item(article: Article, config: Config, html: Html, full: bool) -> dict[str, Any]:
    """One article (+ whether it carries the whole article) → a JSON Feed item with the same id, dates and
    content as its Atom entry."""
    item: dict[str, Any] = {
        "id": article.entry_id,
        "url": absolute_url(config.base_url, article.path),
        "title": article.title,
    }
    if article.url:
        item["external_url"] = article.url
    if full:
        item["content_html"] = full_content(article, html)
    else:
        item["content_text"] = article.summary or article.title
    if article.summary:
        item["summary"] = article.summary
    if article.lead_image is not None:
        item["image"] = article.lead_image.src
    item["date_published"] = published_time(article).isoformat()
    item["date_modified"] = article.captured.isoformat()
    item["authors"] = [{"name": article.author or article.outlet.name or article.outlet.key}]
    if article.tags:
        item["tags"] = list(article.tags)
    item["language"] = article.lang
    return item


def json_feed(spec: FeedSpec, config: Config, html: Html) -> bytes:
    """A FeedSpec + config + a way to load an article's HTML → JSON Feed 1.1 bytes (UTF-8, keys in a fixed order)."""
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": spec.title,
        "home_page_url": absolute_url(config.base_url, spec.alternate_path),
        "feed_url": absolute_url(config.base_url, json_feed_file(spec.path)),
        "language": config.language,
    }
    if config.description:
        document["description"] = config.description
    if config.feed_hub:
        document["hubs"] = [{"type": "WebSub", "url": config.feed_hub}]
    document["items"] = [_item(article, config, html, spec.full) for article in spec.articles]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
