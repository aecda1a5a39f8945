"""Site configuration: a typed, frozen schema read from `newsarchive.toml`; unknown keys are errors."""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.errors import ConfigError
from generator.text import strip_illegal

DEFAULT_BASE_URL = "http://localhost:8000/"
# Where the articles' Markdown copies go: one file per month (or part of a month) beside the month's page,
# one index.md beside each article's page, or none.
MARKDOWN_COPIES = ("month", "article", "none")


@dataclass(frozen=True, slots=True)
class TagsConfig:
    """The `[tags]` table: how tags are found and shown."""

    aliases: dict[str, str] = field(default_factory=dict)  # variant → tag, e.g. 北韩 = "朝鲜"
    stop: tuple[str, ...] = ()  # words that never become tags
    fixed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # outlet key or term → tags always added
    per_article: int = 5  # how many tags an article gets at most
    min_articles: int = 2  # a tag needs this many articles to get its own page


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One publisher's `[sources."domain"]` table: how its articles are named and cleaned. The key is a domain
    or `domain/path` (a domain covers its subdomains; `www.` is ignored; the longest match wins). A plain
    string, `"voachinese.com" = "美国之音"`, is short for `{ name = "美国之音" }`."""

    name: str = ""  # display name ('' keeps the name the post's front matter or the shipped table gives, else the host)
    # How its articles are attributed (docs/configuration.md#sources); '' and () keep what the shipped table says.
    kind: str = ""  # "news": one publisher; "platform": hosts many writers; "aggregator": republishes other outlets
    original_path: str = ""  # an aggregator's URL path that names the original outlet, e.g. "/medium/{outlet}/"
    aliases: tuple[str, ...] = ()  # other names its URLs and "Source:" lines give it, e.g. ["wsj"] (for aggregators)


@dataclass(frozen=True, slots=True)
class MediaConfig:
    """The `[media]` table: where the articles' images are kept (`newsarchive media`) and how pages show them.

    Fields with repr=False change what is downloaded or how, not how a page is made from the store,
    so changing them re-renders no page (the site's fingerprint holds the config's repr).
    """

    publish: str = "local"  # "local": pages show the stored copy of each image they can; "original": never
    media_base_url: str = ""  # '' copies images into the site; else the URL the store's files/ folder is served at
    store: str = field(default="", repr=False)  # the store folder; '' is "media" beside the archive folder
    max_width: int = field(default=1600, repr=False)  # widest variant kept of an image, in pixels
    small_width: int = field(default=640, repr=False)  # the smaller variant offered in srcset (0: none)
    format: str = field(default="webp", repr=False)  # "webp" or "jpeg": what stored images are encoded as
    quality: int = field(default=80, repr=False)  # encoder quality, 1..100
    # host → the Referer sent to it ('' sends none); other hosts get the article's URL
    referers: dict[str, str] = field(default_factory=dict, repr=False)
    concurrency: int = field(default=8, repr=False)  # downloads at once, in all
    per_host: int = field(default=2, repr=False)  # downloads at once from one host
    timeout: int = field(default=20, repr=False)  # seconds to wait for a server, and for a whole download
    max_bytes: int = field(default=20 * 1024 * 1024, repr=False)  # a larger download is stopped and refused
    max_pixels: int = field(default=50_000_000, repr=False)  # width × height × frames above this is refused (bombs)
    max_attempts: int = field(default=5, repr=False)  # tries of an address that keeps failing before it is given up
    allow_private_hosts: bool = field(default=False, repr=False)  # fetch from loopback and private networks too


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a build needs to know besides the input files."""

    title: str = "新闻存档"  # site title, shown in every page header and the feed
    description: str = ""  # one sentence about the archive, for the front page and feed subtitle
    base_url: str = DEFAULT_BASE_URL  # absolute URL the site is published at; used only where one is required
    language: str = "zh-CN"  # language of the site chrome: zh-CN, zh-TW or en
    timezone: str = "Asia/Shanghai"  # IANA zone that dates are shown and grouped in
    feed_entries: int = 50  # entries in /feed.xml
    feed_full_content: bool = True  # full article HTML in /feed.xml and the monthly archive feeds; false: summaries
    listing_feed_entries: int = 10  # entries in each tag's and publisher's feed
    listing_feed_full_content: bool = False  # full article HTML in tag and publisher feeds; false: summaries
    tag_feed_min_articles: int = 5  # a tag needs this many articles for a feed of its own (its page: tags.min_articles)
    markdown_copies: str = "month"  # Markdown copies of the articles: "month" (a file per month), "article", "none"
    feed_hub: str = ""  # WebSub hub URL announced in every feed ('' for none)
    json_feed: bool = False  # also write a JSON Feed 1.1 (feed.json) beside each Atom feed
    front_page_articles: int = 60  # articles on the front page before it points to the month archive
    sources: dict[str, SourceConfig] = field(default_factory=dict)  # domain → its publisher's [sources] table
    tags: TagsConfig = field(default_factory=TagsConfig)  # the [tags] table
    media: MediaConfig = field(default_factory=MediaConfig)  # the [media] table

    @property
    def zone(self) -> ZoneInfo:
        """The configured timezone as a tzinfo."""
        return ZoneInfo(self.timezone)


def _describe(tp: Any) -> str:
    """A type annotation as a person would say it."""
    origin = typing.get_origin(tp)
    if origin is dict:
        return "a table"
    if origin is tuple:
        return "a list of strings"
    return {str: "a string", int: "a whole number", bool: "true or false"}.get(tp, str(tp))


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Check a TOML value against a field type; return it converted to that type."""
    origin = typing.get_origin(tp)
    if origin is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be {_describe(tp)}, not {value!r}")
        return tuple(strip_illegal(v) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be {_describe(tp)}, not {value!r}")
        _, value_type = typing.get_args(tp)
        return {strip_illegal(str(k)): _coerce(v, value_type, f"{key}.{k}") for k, v in sorted(value.items())}
    if tp is SourceConfig:  # a table, or a string naming the publisher
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a publisher's name or a table ([{key}]), not {value!r}")
        return _build(SourceConfig, value, f"{key}.")
    if tp is bool and not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{key} must be a whole number, not {value!r}")
    if tp is str and not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, not {value!r}")
    # TOML escapes can write characters that neither HTML nor XML may carry; drop them once, here.
    return strip_illegal(value) if tp is str else value


def _build(cls: type, table: dict[str, Any], prefix: str) -> Any:
    """Instantiate a config dataclass from a TOML table, rejecting unknown keys."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in table if k not in fields]
    if unknown:
        lines = []
        for key in unknown:
            close = difflib.get_close_matches(key, fields, n=1)
            suggestion = f" (did you mean {prefix}{close[0]}?)" if close else ""
            lines.append(f"unknown key {prefix}{key}{suggestion}")
        valid = ", ".join(prefix + name for name in fields)
        raise ConfigError("; ".join(lines) + f". Valid keys: {valid}")
    values = {}
    for name, value in table.items():
        tp = hints[name]
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                raise ConfigError(f"{prefix}{name} must be a table ([{prefix}{name}])")
            values[name] = _build(tp, value, f"{prefix}{name}.")
        elif isinstance(tp, types.UnionType):
            raise ConfigError(f"{prefix}{name}: unsupported type")  # pragma: no cover - schema guard
        else:
            values[name] = _coerce(value, tp, prefix + name)
    return cls(**values)


def _validate(config: Config) -> Config:
    """Check values that have a type but also a range; return the config with base_url normalized."""
    if not config.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"base_url must start with http:// or https://, not {config.base_url!r}")
    try:
        _ = config.zone
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone {config.timezone!r} is not an IANA zone name; use e.g. 'Asia/Shanghai' or 'UTC'"
        ) from None
    if config.language not in ("zh-CN", "zh-TW", "en"):
        raise ConfigError(f"language must be one of zh-CN, zh-TW, en, not {config.language!r}")
    for key in ("feed_entries", "listing_feed_entries", "tag_feed_min_articles", "front_page_articles"):
        if getattr(config, key) < 1:
            raise ConfigError(f"{key} must be at least 1")
    if config.markdown_copies not in MARKDOWN_COPIES:
        raise ConfigError(
            f"markdown_copies must be one of {', '.join(MARKDOWN_COPIES)}, not {config.markdown_copies!r}"
        )
    if config.tags.per_article < 0 or config.tags.min_articles < 1:
        raise ConfigError("tags.per_article must be ≥ 0 and tags.min_articles ≥ 1")
    if config.feed_hub and not config.feed_hub.startswith(("http://", "https://")):
        raise ConfigError(f"feed_hub must be an http:// or https:// URL, not {config.feed_hub!r}")
    for domain, source in config.sources.items():
        _validate_source(domain, source)
    base = config.base_url if config.base_url.endswith("/") else config.base_url + "/"
    return dataclasses.replace(config, base_url=base, media=_validate_media(config.media))


SOURCE_KINDS = ("news", "platform", "aggregator")


def _validate_source(domain: str, source: SourceConfig) -> None:
    """Check one [sources."domain"] table's kind and path rule."""
    where = f'sources."{domain}"'
    if source.kind and source.kind not in SOURCE_KINDS:
        raise ConfigError(f'{where}.kind must be "news", "platform" or "aggregator" (or left out), not {source.kind!r}')
    if source.original_path:
        if source.kind not in ("", "aggregator"):
            raise ConfigError(f'{where}.original_path is read for an aggregator only: set kind = "aggregator" or '
                              "remove original_path")
        if not source.original_path.startswith("/") or source.original_path.count("{outlet}") != 1:
            raise ConfigError(f"{where}.original_path must start with / and hold {{outlet}} once where the URL "
                              f'names the original outlet, e.g. "/medium/{{outlet}}/"; not {source.original_path!r}')


def _validate_media(media: MediaConfig) -> MediaConfig:
    """Check the [media] values that have a range; return them with media_base_url ending in '/'."""
    if media.publish not in ("local", "original"):
        raise ConfigError(f'media.publish must be "local" or "original", not {media.publish!r}')
    if media.media_base_url and not media.media_base_url.startswith(("http://", "https://")):
        raise ConfigError("media.media_base_url must be '' or an http:// or https:// URL, "
                          f"not {media.media_base_url!r}")
    if media.format not in ("webp", "jpeg"):
        raise ConfigError(f'media.format must be "webp" or "jpeg", not {media.format!r}')
    if media.max_width < 16 or not 0 <= media.small_width < media.max_width:
        raise ConfigError("media.max_width must be at least 16, and media.small_width 0 (no smaller variant) "
                          f"or less than max_width; got {media.max_width} and {media.small_width}")
    if not 1 <= media.quality <= 100:
        raise ConfigError(f"media.quality must be 1..100, not {media.quality}")
    for key in ("concurrency", "per_host", "timeout", "max_attempts"):
        if getattr(media, key) < 1:
            raise ConfigError(f"media.{key} must be at least 1")
    if media.max_bytes < 1024 or media.max_pixels < 1024:
        raise ConfigError("media.max_bytes and media.max_pixels must be at least 1024")
    for host, referer in media.referers.items():
        if referer and not referer.startswith(("http://", "https://")):
            raise ConfigError(f"media.referers.{host} must be '' (no Referer) or an http(s) URL, not {referer!r}")
    base = media.media_base_url
    return dataclasses.replace(media, media_base_url=base + "/" if base and not base.endswith("/") else base)


def parse_config(text: str, overrides: dict[str, Any] | None = None) -> Config:
    """TOML text (+ command-line overrides) → validated Config; raises ConfigError."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None
    table.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return _validate(_build(Config, table, ""))


def load_config(path: Path | None, overrides: dict[str, Any] | None = None) -> Config:
    """Read the config file if it exists (a missing default file means defaults) → Config."""
    text = ""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return parse_config(text, overrides)
    except ConfigError as exc:
        where = f"{path}: " if path else ""
        raise ConfigError(f"{where}{exc}") from None
