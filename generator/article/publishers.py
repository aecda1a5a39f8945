"""Who published an article, under the name its readers know: its URL + front matter + body → its Outlet, and the
aggregator it came through (docs/design.md §2, "Publishers").

- **The outlet** is the known outlet (generator.article.outlets: the shipped table and the config) whose pattern
  covers the URL best, else the URL's site (its host without www. or m.). Its key, the pattern or the host, is what
  its source folder is made from: a better name never moves a URL.
- **Its name** comes, in this order, from the config, the post's own front matter (its one category, when its tags
  are none or hold it too: `categories: [ 燕京书评 ]`; a category that names a topic does not look like that), the
  shipped table in the site's language, and last the host. A front matter that names an outlet the table knows (by
  any of its names, in either script) identifies it: the article is that outlet's, under the table's name.
- **A platform** that hosts many writers (Medium, Substack, Matters, WordPress.com, Blogger, …) is no publisher: its
  writer is, "hulitw · Medium", named by the subdomain, the URL's @user, else the post's author. A post whose front
  matter names a platform but whose host is another one is on that platform under the writer's own domain.
- **An aggregator** (nei.st) republishes other outlets. The original is found, in this order, in a canonical link
  of the capture, in the aggregator's path rule (nei.st/medium/caixin/… is Caixin's), in the front matter, or in a
  "来源：…" / "Source: …" line at the start or the end of the text, naming a known outlet or a URL. The article is
  that outlet's, via the aggregator; when nothing names one, it is the aggregator's own.
- **A copy is one story with its original** when its capture gives the original's URL: an aggregator's (canonical
  link, Source line), or any page's canonical link to a page of another site (a cross-post). Its story key is then
  the original's, so archive.assemble merges it with a capture of the original, and it appears once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from generator.article.outlets import Directory, Known, name_key, readable_host, site_host
from generator.models import Outlet

UNKNOWN = {"zh-CN": "未知来源", "zh-TW": "未知來源", "en": "Unknown source"}  # the outlet of an article with no URL
SEPARATOR = " · "  # between a writer and the platform: "hulitw · Medium"
# Front-matter categories that name no outlet: Jekyll's defaults and the words archives file everything under.
GENERIC_LABELS = frozenset(name_key(word) for word in (
    "news", "blog", "blogs", "post", "posts", "article", "articles", "uncategorized", "default", "general", "misc",
    "other", "others", "archive", "feed", "rss", "新闻", "文章", "博客", "博文", "未分类", "默认", "其他", "其它",
    "存档", "转载", "翻译", "随笔", "日记"))
# The most a front matter's category may be to name an outlet: names are short, sentences are topics.
LABEL_MAX_CHARACTERS = 40
# A path's first segment that is no writer on a platform ("medium.com/p/ID" is a post by id).
_NOT_WRITERS = frozenset({"p", "s", "m", "tag", "tags", "topic", "topics", "search", "me", "article", "articles"})
# How many lines at the start and at the end of the text a "来源：" / "Source:" line is looked for in: credits of
# charts and pictures inside the text ("Source: Bloomberg") are no attribution.
SOURCE_LINES_AT_START, SOURCE_LINES_AT_END = 3, 5
# A word with its colon ("来源：", "Source:"), or a phrase that needs none ("Originally published at").
_SOURCE_LINE = re.compile(
    r"(?:(?:来源|來源|出处|出處|原文(?:链接|連結|地址)?|原载|原載|转载自|轉載自|转自|轉自|本文(?:来自|來自|原载于|原載於)"
    r"|source)\s*[:：]|(?:originally|first) (?:published|appeared) (?:at|in|on|by))\s*(.{2,100})", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'，。）)]+|(?<![\w.@])(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s<>\"'，。）)]*)?",
                          re.IGNORECASE)
_QUOTES = "《》〈〉「」『』“”\"'‘’()（）[]【】.,。，;；:：!！ "
# A canonical link or OpenGraph URL in a captured page's head: <link rel="canonical" href="…">, <meta
# property="og:url" content="…">, attributes in any order.
_CANONICAL_TAG = re.compile(r"<(?:link|meta)\b[^>]*?(?:\brel\s*=\s*[\"']?canonical\b|\bproperty\s*=\s*[\"']?og:url\b)"
                            r"[^>]*>", re.IGNORECASE)
_TAG_URL = re.compile(r"\b(?:href|content)\s*=\s*[\"']?(https?://[^\"'\s>]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who published an article, as its pages show it."""

    outlet: Outlet  # the publisher: its source page lists the article
    via: Outlet | None  # the aggregator the article was captured from, when it republished it (None otherwise)
    # The URL of the page this is a copy of, when the capture names one on another site (canonical link; an
    # aggregator's Source line too), else '': the article is a capture of that story.
    original_url: str
    author: str  # the byline to show: the post's author, '' when it only repeats the publisher's name


def front_matter_name(categories: tuple[str, ...], tags: tuple[str, ...]) -> str:
    """A post's front-matter categories and tags → the outlet's name they give, '' for none.

    Archives that file posts by outlet give each post one category, the outlet, and the same tag or none
    (`categories: [ 燕京书评 ]`). Topics come several at a time, as tags, or as a generic word; those name nothing.
    """
    if len(categories) != 1:
        return ""
    label = " ".join(categories[0].split())
    if tags and label not in tags:
        return ""
    if len(label) > LABEL_MAX_CHARACTERS or not name_key(label) or name_key(label) in GENERIC_LABELS:
        return ""
    return label


def canonical_url(body_html: str) -> str:
    """A raw captured body → the URL its canonical link (or OpenGraph URL) gives, '' for none."""
    if "canonical" not in body_html and "og:url" not in body_html:
        return ""
    for tag in _CANONICAL_TAG.findall(body_html):
        if found := _TAG_URL.search(tag):
            return found.group(1)
    return ""


def source_line(text: str) -> str:
    """An article's plain text → what a "来源：" / "Source:" line at its start or end names, '' for none."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    ends = lines if len(lines) <= SOURCE_LINES_AT_START + SOURCE_LINES_AT_END else (
        lines[:SOURCE_LINES_AT_START] + lines[-SOURCE_LINES_AT_END:])
    for line in ends:
        if found := _SOURCE_LINE.fullmatch(line):
            return found.group(1).strip()
    return ""


def _known_outlet(known: Known, label: str = "") -> Outlet:
    """A known outlet found by name (the front matter's, an aggregator's path or Source line) → its Outlet."""
    return Outlet(known.key, known.configured or known.shipped or label or readable_host(known.domain))


def _platform_name(platform: Known) -> str:
    """A platform → its name: "Medium"."""
    return platform.configured or platform.shipped or readable_host(platform.domain)


def _writer(platform: Known, host: str, path: str, author: str) -> tuple[str, str]:
    """A platform + a URL's site host and path on it + the post's author → (the writer's name, the key of the
    writer's source), or ('', '') when nothing names a writer."""
    domain = platform.domain
    if host != domain and host.endswith("." + domain):
        return host[: -len(domain) - 1], host  # hulitw.medium.com: its key is the host, as for any site
    rest = path[len(platform.prefix):]
    first = unquote(rest.split("/")[1]) if rest.count("/") >= 2 else ""  # a segment followed by more
    if first.startswith("@") and len(first) > 1:
        return first[1:], f"{platform.pattern}/@{first[1:].lower()}"
    if author:
        return author, f"{platform.pattern}/{author.lower()}"
    return "", ""


def _publisher(known: Known | None, host: str, path: str, label: str, labelled: Known | None,
               author: str) -> Outlet:
    """The known outlet a URL falls under (None: none) + its site host and path + the front matter's outlet name
    and the known outlet it names + the post's author → the publisher's Outlet (never an aggregator's original)."""
    if labelled is not None and labelled is not known and labelled.kind == "news" and (
            known is None or known.kind != "aggregator"):
        return _known_outlet(labelled, label)  # the front matter names a known outlet: the article is its
    own_label = label if labelled is None else ""  # a name the table does not know is shown as written
    if known is None:
        if labelled is not None and labelled.kind == "platform":  # a writer's own domain on a platform
            return Outlet(host, f"{author or readable_host(host)}{SEPARATOR}{_platform_name(labelled)}")
        return Outlet(host, own_label or readable_host(host))
    if known.kind != "platform":
        site = known.domain if known.prefix else host
        return Outlet(known.key, known.configured or own_label or known.shipped or readable_host(site))
    writer, key = _writer(known, host, path, author)
    writer = own_label or writer  # the front matter names the writer (or the publication) on the platform
    if not key:
        return Outlet(known.key, f"{writer}{SEPARATOR}{_platform_name(known)}" if writer else _platform_name(known))
    return Outlet(key.replace("/", "-"), f"{writer}{SEPARATOR}{_platform_name(known)}")


def _original(aggregator: Known, path: str, labelled: Known | None, body_html: str, text: str,
              directory: Directory) -> tuple[Outlet | None, str]:
    """An aggregator + the URL path of its copy + the known outlet the front matter names + the raw body and its
    text + the site's outlets → (the original publisher, its URL when the capture gives it), (None, '') when
    nothing names one."""
    if (url := canonical_url(body_html)) and (outlet := _original_by_url(url, aggregator, directory)) is not None:
        return outlet, url
    if aggregator.original is not None and (found := aggregator.original.match(path[len(aggregator.prefix):])):
        named = directory.named(unquote(found.group(1)))
        if named is not None and named is not aggregator and named.kind == "news":
            return _known_outlet(named), ""
    if labelled is not None and labelled is not aggregator and labelled.kind == "news":
        return _known_outlet(labelled), ""
    if said := source_line(text):
        if (address := _URL_IN_TEXT.search(said)) is not None:
            url = address.group(0) if "://" in address.group(0) else "https://" + address.group(0)
            return _original_by_url(url, aggregator, directory), url
        named = directory.named(said.strip(_QUOTES))
        if named is not None and named is not aggregator and named.kind == "news":
            return _known_outlet(named), ""
    return None, ""


def _original_by_url(url: str, aggregator: Known, directory: Directory) -> Outlet | None:
    """An original's URL named by an aggregator's copy → its publisher, None when it is the aggregator's own."""
    parts = urlsplit(url)
    host = site_host((parts.hostname or "").lower())
    known = directory.match(host, parts.path)
    if not host or known is aggregator or (known is not None and known.kind == "aggregator"):
        return None
    return _publisher(known, host, parts.path, "", None, "")


def _same_name(author: str, *outlets: Outlet | None, label: str = "") -> bool:
    """A byline + the article's outlets (+ the front matter's outlet name) → True when it names one of them, or the
    writer a platform's outlet is named after."""
    key = name_key(author)
    names = [label, *(name for outlet in outlets if outlet is not None for name in outlet.name.split(SEPARATOR))]
    return bool(key) and any(key == name_key(name) for name in names if name)


def attribute(url: str, directory: Directory, language: str = "zh-CN", categories: tuple[str, ...] = (),
              tags: tuple[str, ...] = (), author: str = "", body_html: str = "", text: str = "") -> Attribution:
    """An article's URL + the site's outlets and language (+ its front matter's categories and tags, its author,
    its raw body and plain text) → who published it, and through which aggregator."""
    parts = urlsplit(url)
    if not parts.hostname:
        return Attribution(Outlet("unknown", UNKNOWN.get(language, UNKNOWN["zh-CN"])), None, "", author)
    host = site_host(parts.hostname.lower())
    label = front_matter_name(categories, tags)
    labelled = directory.named(label)
    known = directory.match(host, parts.path)
    outlet = _publisher(known, host, parts.path, label, labelled, author)
    if known is not None and known.kind == "aggregator":
        original, original_url = _original(known, parts.path, labelled, body_html, text, directory)
        if original is not None:
            byline = "" if _same_name(author, outlet, original, label=label) else author
            return Attribution(original, outlet, _story_url(original_url), byline)
    # A page that says it is a copy of another site's (its canonical link) is a capture of that story.
    copied = canonical_url(body_html)
    copied_host = site_host((urlsplit(copied).hostname or "").lower())
    copied = copied if copied_host and copied_host != host else ""
    return Attribution(outlet, None, _story_url(copied), "" if _same_name(author, outlet, label=label) else author)


def _story_url(url: str) -> str:
    """An original's URL a capture names → itself, or '' for a site's home page (which is no story: a template
    that gives every page the home page's canonical link must not make one story of them all)."""
    return url if url and urlsplit(url).path.strip("/") else ""
