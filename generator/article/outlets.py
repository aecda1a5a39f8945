"""The outlets newsarchive knows by name: the shipped table (data/outlets.tsv) with the config's [sources] tables
over it, looked up by a URL's host and path (the longest match wins), or by a name ("wsj", "華爾街日報", "The Wall
Street Journal").

Which outlet an article is attributed to, and under which name, is decided in generator.article.publishers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.article.tags import fold
from generator.config import SourceConfig

TABLE = Path(__file__).parent / "data" / "outlets.tsv"
# Prefixes of a host that name the same site: "www.nei.st" and "m.allnow.com" are nei.st and allnow.com.
_SAME_SITE = ("www.", "m.", "mobile.", "amp.", "wap.")
# Second-level labels under a country code, skipped to find a domain's own label: bbc.co.uk is "bbc".
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"})
# A domain's own label that names no outlet ("news" of news.cn): never a name to look an outlet up by.
_GENERIC_LABELS = frozenset({"news", "blog", "blogs", "www", "cn", "en", "zh", "m", "the"})
_NOT_A_NAME_CHARACTER = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Known:
    """An outlet the shipped table or the config names, as one site shows it."""

    pattern: str  # "domain" or "domain/path": the URLs it covers (a domain covers its subdomains)
    kind: str  # "news": one publisher; "platform": hosts many writers; "aggregator": republishes other outlets
    configured: str  # the name the config gives it ('' for none): it beats every other name
    shipped: str  # the shipped table's name in the site's language ('' for none): after the post's own
    original: re.Pattern[str] | None  # an aggregator's path rule; its group 1 names the original outlet

    @property
    def key(self) -> str:
        """Its stable key, what its source folder is made from: the pattern with / written as -."""
        return self.pattern.replace("/", "-")

    @property
    def domain(self) -> str:
        """The domain of its pattern."""
        return self.pattern.partition("/")[0]

    @property
    def prefix(self) -> str:
        """The path its pattern covers, '' or "/zhongwen"."""
        path = self.pattern.partition("/")[2]
        return "/" + path if path else ""

    def covers(self, path: str) -> bool:
        """A URL path of a host it covers → True when the path is under its pattern's path too."""
        prefix = self.prefix
        return not prefix or path == prefix or path.startswith(prefix + "/")


@dataclass(frozen=True, slots=True)
class _Row:
    """One row of the shipped table, as written."""

    pattern: str  # domain or domain/path
    kind: str  # news, platform or aggregator
    name: str  # the name in the outlet's own (Latin) script ('' for none)
    zh: str  # the Chinese name, Simplified ('' for none)
    aliases: tuple[str, ...]  # other names URLs and Source lines give it
    original_path: str  # an aggregator's path rule ('' for none)


def site_host(host: str) -> str:
    """A URL's host, lower case → the site's host: without www., m. (and the like) while a domain is left."""
    for prefix in _SAME_SITE:
        if host.startswith(prefix) and "." in host[len(prefix):]:
            return host[len(prefix):]
    return host


def readable_host(host: str) -> str:
    """A site's host → as a reader would write it: an internationalised name in its own letters."""
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return host


def name_key(text: str) -> str:
    """A name as written anywhere → the form names are compared in: Simplified, case-folded, only its letters and
    digits ("The Wall-Street Journal" and "the wall street journal" are one name, 華爾街日報 and 华尔街日报 too)."""
    return _NOT_A_NAME_CHARACTER.sub("", fold(text).casefold())


def own_label(domain: str) -> str:
    """A domain → the label that names its owner ("economist" of economist.com, "bbc" of bbc.co.uk), '' for none."""
    labels = domain.split(".")[:-1]  # without the top-level domain
    if len(labels) >= 2 and labels[-1] in _SECOND_LEVEL and len(domain.rsplit(".", 1)[-1]) == 2:
        labels.pop()
    label = labels[-1] if labels else ""
    return "" if label in _GENERIC_LABELS or len(label) < 2 else label


def _path_rule(rule: str) -> re.Pattern[str] | None:
    """An aggregator's path rule ("/medium/{outlet}/") → the expression its URL paths are matched with."""
    if not rule:
        return None
    before, _, after = rule.partition("{outlet}")
    return re.compile(re.escape(before) + r"([^/]+)" + re.escape(after))


@functools.cache
def shipped_rows() -> tuple[_Row, ...]:
    """→ the rows of the shipped table, in its order."""
    rows = []
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = (line.split("\t") + [""] * 6)[:6]
        pattern, kind, name, zh, aliases, original = (cell.strip() for cell in cells)
        if kind not in ("news", "platform", "aggregator"):  # a mistake in the table, not in a user's archive
            raise ValueError(f"{TABLE}:{number}: kind {kind!r} is not news, platform or aggregator")
        rows.append(_Row(pattern.lower(), kind, name, zh, tuple(a for a in aliases.split(",") if a.strip()),
                         original))
    return tuple(rows)


@functools.cache
def _to_traditional() -> object:
    """→ OpenCC's Simplified → Traditional (Taiwan) converter, made on first use."""
    import opencc

    return opencc.OpenCC("s2tw")


def shown_name(name: str, zh: str, language: str) -> str:
    """A table row's name and Chinese name + the site's language → the one to show."""
    if language == "en":
        return name or zh
    if not zh:
        return name
    return zh if language == "zh-CN" else _to_traditional().convert(zh)  # type: ignore[attr-defined]


def configured_pattern(domain: str) -> str:
    """A [sources] key → the pattern it stands for: lower case, without www. or m."""
    host, slash, path = domain.strip().lower().partition("/")
    return site_host(host) + slash + path


class Directory:
    """The outlets one site knows: looked up by a URL's host and path, or by a name."""

    def __init__(self, known: Iterable[Known], names: Mapping[str, Known]) -> None:
        self._by_domain: dict[str, list[Known]] = {}
        for entry in known:
            self._by_domain.setdefault(entry.domain, []).append(entry)
        self._names = dict(names)

    def match(self, host: str, path: str) -> Known | None:
        """A site's host + a URL path → the known outlet whose pattern covers them best (the longest), or None."""
        best: Known | None = None
        labels = host.split(".")
        for start in range(len(labels)):
            for entry in self._by_domain.get(".".join(labels[start:]), ()):
                if entry.covers(path) and (best is None or (len(entry.pattern), entry.pattern)
                                           > (len(best.pattern), best.pattern)):
                    best = entry
        return best

    def named(self, text: str) -> Known | None:
        """A name as written ("WSJ", "the-guardian", "端傳媒") → the known outlet of that name or alias, or None."""
        return self._names.get(name_key(text)) if text else None


def _entries(sources: tuple[tuple[str, SourceConfig], ...], language: str,
             ) -> tuple[list[Known], list[tuple[Known, tuple[str, ...]]]]:
    """The config's [sources] tables + the site's language → every known outlet (a config table over the table's
    row of the same pattern), and the names each is known by: the config's outlets first, then the table's rows."""
    configured = {configured_pattern(domain): source for domain, source in sources}
    known: list[Known] = []
    from_config: list[tuple[Known, tuple[str, ...]]] = []
    from_table: list[tuple[Known, tuple[str, ...]]] = []
    for row in shipped_rows():
        source = configured.pop(row.pattern, SourceConfig())
        entry = Known(row.pattern, source.kind or row.kind, source.name, shown_name(row.name, row.zh, language),
                      _path_rule(source.original_path or row.original_path))
        known.append(entry)
        (from_config if source.name or source.aliases else from_table).append(
            (entry, (source.name, *source.aliases, row.name, row.zh, *row.aliases)))
    for pattern, source in configured.items():  # the config's outlets the table does not have
        entry = Known(pattern, source.kind or ("aggregator" if source.original_path else "news"), source.name, "",
                      _path_rule(source.original_path))
        known.append(entry)
        from_config.append((entry, (source.name, *source.aliases)))
    return known, from_config + from_table


@functools.lru_cache(maxsize=8)
def _directory(sources: tuple[tuple[str, SourceConfig], ...], language: str) -> Directory:
    """The config's [sources] tables (their naming fields only), sorted + the site's language → its Directory, made
    once per process."""
    known, named = _entries(sources, language)
    names: dict[str, Known] = {}
    for entry, given in named:  # names given first: the config's, then the table's, in its order
        for key in filter(None, map(name_key, given)):
            names.setdefault(key, entry)
    # Then each domain's own label, shortest pattern first: "nytimes" is nytimes.com's, not cn.nytimes.com's.
    for entry in sorted(known, key=lambda e: (len(e.pattern), e.pattern)):
        label = own_label(entry.domain)
        if label and not entry.prefix:
            names.setdefault(name_key(label), entry)
    return Directory(known, names)


def directory(sources: Mapping[str, SourceConfig], language: str) -> Directory:
    """The config's [sources] tables + the site's language → the outlets the site knows."""
    # Only the fields read here are the cache's key: other fields of a [sources] table (how to clean its
    # articles) neither change the outlets nor need to be hashable.
    naming = tuple(sorted((domain, SourceConfig(name=source.name, kind=source.kind, original_path=source.original_path,
                                                aliases=tuple(source.aliases)))
                          for domain, source in sources.items()))
    return _directory(naming, language)
