"""Embeds (part of the clean stage): what an article shows from elsewhere → what a static page can keep.

- A frame, video, audio, object or embed becomes, in its place, a link to what it showed: the provider's
  name and the title or address (`▶ YouTube: https://www.youtube.com/watch?v=…`), the player's address
  turned into the page a reader would open (YouTube embed/ → watch, Vimeo's player → vimeo.com/ID, …).
  Links inside it (a video's "download" fallback) are kept after it. A GitHub gist (a script) and the
  Flourish and Infogram charts (a script and a marked div) become such links too.
- A lazy image gets a real `src` from data-src, data-original, data-cfsrc, data-lazy-src (or their srcset,
  the largest candidate) when its own is missing or a placeholder.
- A noscript keeps the images and links a reader would not see otherwise (the copies of lazy images
  already shown are dropped), and nothing else.

It works on the tree the cleaner already parses, so there is no second parse: nh3's first pass lets these
elements and attributes through (EMBED_TAGS, EMBED_ATTRIBUTES), with URL schemes already checked, and the
cleaner's last nh3 pass, with the strict allow-lists, is still the gate for the page. `<iframe>` and
`<noscript>` need a word before nh3 (mark_frames): their content is raw text to nh3's HTML parser, which
it would hand on unescaped and unsanitized (and lxml then read as markup), so they are renamed to
ordinary elements whose content nh3 sanitizes like any other.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from generator.article.identity import undouble

FRAME = "x-iframe"  # what mark_frames renames <iframe> to
MEDIA = ("video", "audio")
# The void elements (embed, source, param) are renamed too, and closed at once: libxml2 reads them as
# containers of what follows, which the next parse would not (cleaning must give the same HTML twice).
EMBED, SOURCE, PARAM = "x-embed", "x-source", "x-param"
EMBEDS = frozenset({FRAME, "video", "audio", "object", EMBED})
# What nh3's first pass lets through besides the article allow-list; everything is converted or dropped here.
NOSCRIPT = "x-noscript"  # what mark_frames renames <noscript> to
EMBED_TAGS = frozenset({*EMBEDS, SOURCE, PARAM, NOSCRIPT})
_LAZY_SOURCES = ("data-src", "data-original", "data-cfsrc", "data-lazy-src")
# Not data-lazy-srcset: it comes with a data-lazy-src, and its long lists made nh3's first pass 5% slower.
_LAZY_SETS = ("data-srcset", "srcset")
EMBED_ATTRIBUTES = {
    FRAME: {"src", "title", "data-src", "data-lazy-src"},
    "video": {"src", "title", "data-src"},
    "audio": {"src", "title", "data-src"},
    SOURCE: {"src", "data-src"},
    "object": {"data", "title"},
    PARAM: {"name", "value"},
    EMBED: {"src", "title"},
    "img": {*_LAZY_SOURCES, *_LAZY_SETS},
}
LAZY_MARKERS = ("data-src", "data-original", "data-cfsrc", "data-lazy-src", "srcset")
ARROW = "▶"
_FORBIDDEN_IN_HOST = frozenset("\x00\t\n\r #/<>?@[\\]^|%")  # the URL standard's forbidden host code points
_WANTED = EMBED_TAGS | {"img"}  # what convert looks at

# One pass renames them all: <iframe and <noscript (start and end tags), and the void <embed …>, <source …>,
# <param …> (attribute values may hold ">"), closed at once; their stray end tags go. 50 µs on a real
# article, where a search of the text for each before its own expression took 130.
_MARKED = re.compile(r"""<(/?)(iframe|noscript)(?=[\s/>])|<(embed|source|param)\b((?:[^>"']|"[^"]*"|'[^']*')*)>"""
                     r"""|</(?:embed|source|param)\s*>""", re.IGNORECASE)
_GIST_SCRIPT = re.compile(r"""<script\b[^>]*?\bsrc\s*=\s*["']?((?:https?:)?//gist\.github\.com/[^"'\s>]+)[^>]*>""",
                          re.IGNORECASE)
_CHART_DIV = re.compile(r"""<div\b[^>]*?\bclass\s*=\s*["'][^"']*\b(flourish|infogram)-embed\b[^>]*>""", re.IGNORECASE)
_DATA_ATTRIBUTE = re.compile(r"""\bdata-(src|id)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"(?:^data:|lazy|placeholder|blank\.|spacer|transparent|loading|1x1|pixel\.)",
                          re.IGNORECASE)
_IMAGE_TAG = re.compile(r"<img\b[^>]*>")
_SRCSET_ITEM = re.compile(r"\s*(\S+)(?:\s+(\d+(?:\.\d+)?)([wx]))?\s*(?:,|$)")
_GENERIC_TITLE = re.compile(r"player|embed|iframe|^(?:video|audio|youtube|vimeo|soundcloud|chart)$", re.IGNORECASE)


def mark_frames(html: str) -> str:
    """Raw HTML → the same with <iframe>, <noscript> and the void embed, source and param renamed, and the gist
    scripts and chart divs followed by a frame of theirs, so that nh3 keeps what they show for convert (see
    the module docstring)."""
    html = _MARKED.sub(_marked, html)
    if "gist.github.com" in html:
        html = _GIST_SCRIPT.sub(lambda m: f'<{FRAME} src="{m.group(1)}"></{FRAME}>{m.group(0)}', html)
    if "-embed" in html:  # flourish-embed, infogram-embed
        html = _CHART_DIV.sub(_chart_frame, html)
    return html


def _marked(match: re.Match[str]) -> str:
    """A tag _MARKED found → its new name (a void one closed at once); a stray end tag of a void one → ''."""
    if match.group(2):
        return f"<{match.group(1)}x-{match.group(2).lower()}"
    if match.group(3) is None:
        return ""
    name = f"x-{match.group(3).lower()}"
    return f"<{name}{match.group(4).rstrip('/')}></{name}>"


def _chart_frame(match: re.Match[str]) -> str:
    """A Flourish or Infogram chart's div → the div, with a frame of the chart's address in it."""
    kind = match.group(1).lower()
    value = dict((name.lower(), value) for name, value in _DATA_ATTRIBUTE.findall(match.group(0)))
    if kind == "flourish" and "src" in value:
        address = f"https://public.flourish.studio/{value['src'].split('?')[0].strip('/')}/"
    elif kind == "infogram" and "id" in value:
        address = f"https://infogram.com/{value['id']}"
    else:
        return match.group(0)
    return f'{match.group(0)}<{FRAME} src="{address}"></{FRAME}>'


def has_embeds(sanitized: str) -> bool:
    """nh3's first output → whether it holds an element for convert to turn into a link."""
    return "<x-" in sanitized or "<video" in sanitized or "<audio" in sanitized or "<object" in sanitized


def has_lazy_images(sanitized: str) -> bool:
    """nh3's first output → whether an image in it lacks a real address and may have one in a lazy-loading
    attribute (most WordPress images have a srcset beside a good src: those need no walk of the tree)."""
    if not any(marker in sanitized for marker in LAZY_MARKERS):
        return False
    for image in _IMAGE_TAG.findall(sanitized):  # nh3 quotes every attribute with "
        start = image.find(' src="')
        if start < 0 or _PLACEHOLDER.search(image, start + 6, image.find('"', start + 6)):
            return True
    return False


def _absolute(value: str, base_url: str) -> str:
    """An address as written (+ the article's URL) → an absolute http(s) URL, or '' when it cannot be one."""
    value = value.strip()
    if not value or value.startswith("data:"):
        return ""
    if not value.lower().startswith(("http://", "https://")):
        if not base_url:
            return ""
        try:
            value = urljoin(base_url, value)
        except ValueError:
            return ""
    return value if value.lower().startswith(("http://", "https://")) and _usable_host(value) else ""


def _usable_host(url: str) -> bool:
    """An absolute URL → whether its host is one a browser (and nh3, which would drop the attribute) accepts:
    not empty, and without a forbidden character, also when percent-encoded (`a%20b`)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return bool(host) and not any(ch in _FORBIDDEN_IN_HOST for ch in unquote(host))


def _largest(srcset: str) -> str:
    """A srcset → its largest candidate's address ('' when it has none)."""
    best, best_size = "", -1.0
    for match in _SRCSET_ITEM.finditer(srcset):
        address, size = match.group(1), float(match.group(2) or 1)
        if address and size > best_size and not address.startswith("data:"):
            best, best_size = address, size
    return best


def lazy_source(img: Tag, base_url: str) -> str:
    """An image → the address a lazy-loading script would give it ('' when it has none)."""
    for name in _LAZY_SOURCES:
        if address := _absolute(str(img.get(name) or ""), base_url):
            return address
    for name in _LAZY_SETS:
        if address := _absolute(_largest(str(img.get(name) or "")), base_url):
            return address
    return ""


def fix_lazy_image(img: Tag, base_url: str) -> None:
    """An image whose address is missing or a placeholder → its real address from a lazy-loading attribute;
    the lazy-loading attributes are removed either way."""
    src = str(img.get("src") or "")
    if (not src or _PLACEHOLDER.search(urlsplit(src).path or src)) and (real := lazy_source(img, base_url)):
        img["src"] = real
    for name in (*_LAZY_SOURCES, *_LAZY_SETS):
        img.attrs.pop(name, None)


def _youtube(parts: tuple[str, str, str], query: dict[str, list[str]]) -> str:
    """A YouTube player's host, path and query → the page to watch it on ('' when it names no video)."""
    host, path, _ = parts
    if host.endswith("youtu.be"):
        return f"https://www.youtube.com/watch?v={path.strip('/')}" if path.strip("/") else ""
    segments = [s for s in path.split("/") if s]
    if len(segments) >= 2 and segments[0] in ("embed", "v", "shorts", "live"):
        if segments[1] == "videoseries" and query.get("list"):
            return f"https://www.youtube.com/playlist?list={query['list'][0]}"
        return f"https://www.youtube.com/watch?v={segments[1]}"
    if path == "/watch" and query.get("v"):
        return f"https://www.youtube.com/watch?v={query['v'][0]}"
    return ""


def provider_link(address: str) -> tuple[str, str]:
    """An embedded player's or file's absolute address → (the provider's name, the page a reader would open)."""
    address = undouble(address)
    try:
        parts = urlsplit(address)
    except ValueError:
        return "", address
    host = (parts.hostname or "").lower().removeprefix("www.")
    path, query = parts.path, parse_qs(parts.query)
    segments = [s for s in path.split("/") if s]
    if host.endswith("embedly.com") and (shown := (query.get("url") or query.get("src") or [""])[0]):
        return provider_link(shown)  # Medium's players: embedly's frame around the page it shows
    if host.endswith(("youtube.com", "youtube-nocookie.com", "youtu.be")):
        return "YouTube", _youtube((host, path, parts.query), query) or address
    if host.endswith("vimeo.com"):
        video = next((s for s in reversed(segments) if s.isdigit()), "")
        return "Vimeo", f"https://vimeo.com/{video}" if video else address
    if host.endswith("soundcloud.com"):
        track = unquote(unquote(query.get("url", [""])[0]))
        return "SoundCloud", track if track.startswith("https://soundcloud.com/") else address
    if host.endswith("documentcloud.org"):
        return "DocumentCloud", address
    if host.endswith(("datawrapper.dwcdn.net", "datawrapper.de")):
        return "Datawrapper", f"https://datawrapper.dwcdn.net/{segments[0]}/" if segments else address
    if host.endswith(("flourish.studio", "flo.uri.sh")):
        found = "/".join(segments[:2]) if len(segments) >= 2 and segments[0] in ("visualisation", "story") else ""
        return "Flourish", f"https://public.flourish.studio/{found}/" if found else address
    if host.endswith("infogram.com"):
        return "Infogram", f"https://infogram.com/{segments[0]}" if segments else address
    if host == "gist.github.com":
        return "GitHub Gist", re.sub(r"\.js(?:on)?$", "", address.split("?")[0])
    if host.endswith(("twitter.com", "x.com")):
        tweet = query.get("id", [""])[0]
        return "Twitter", f"https://twitter.com/i/status/{tweet}" if tweet.isdigit() else address
    if host.endswith("spotify.com"):
        found = "/".join(segments[1:3]) if segments[:1] == ["embed"] and len(segments) >= 3 else ""
        return "Spotify", f"https://open.spotify.com/{found}" if found else address
    if host.endswith("bilibili.com"):
        if bvid := query.get("bvid", [""])[0]:
            return "Bilibili", f"https://www.bilibili.com/video/{bvid}"
        aid = query.get("aid", [""])[0]
        return "Bilibili", f"https://www.bilibili.com/video/av{aid}" if aid.isdigit() else address
    return host, address


def _embed_address(tag: Tag, base_url: str) -> str:
    """An embed element → the absolute address of what it shows ('' when it names none)."""
    names = {"object": ("data",), EMBED: ("src",)}.get(tag.name, ("src", "data-src", "data-lazy-src"))
    for name in names:
        if address := _absolute(str(tag.get(name) or ""), base_url):
            return address
    for child in _named(tag, (SOURCE, PARAM, EMBED)):
        value = child.get("src") or child.get("data-src") or (
            child.get("value") if str(child.get("name") or "").lower() in ("movie", "src", "url") else "")
        if address := _absolute(str(value or ""), base_url):
            return address
    return ""


def _label(tag: Tag, provider: str, page: str) -> str:
    """An embed element + its provider and page → the link's text: ▶ Provider: title (else the page's address)."""
    title = " ".join(str(tag.get("title") or "").split())
    shown = title if title and not _GENERIC_TITLE.search(title) else page
    if tag.name in MEDIA and provider == (urlsplit(page).hostname or "").lower().removeprefix("www."):
        provider = "Video" if tag.name == "video" else "Audio"
    return f"{ARROW} {provider}: {shown}" if provider else f"{ARROW} {shown}"


# Where a paragraph may stand (else the link stands alone, inline): a <p> anywhere else is moved out of its
# parent by the next parse (an <h2>, another <p>), and cleaning must give the same HTML twice.
_BLOCK_PARENTS = frozenset({"body", "div", "section", "article", "figure", "blockquote", "li", "td", "th", "dd",
                            "header", "footer", "aside", "details", "main", "nav"})


def _named(root: Tag, names: tuple[str, ...]) -> list[Tag]:
    """A tree + tag names → its descendants with one of the names, in document order (Beautiful Soup's find_all
    builds a matcher for every call: it was a third of this module's time)."""
    return [node for node in root.descendants if isinstance(node, Tag) and node.name in names]


def _inside_link(node: Tag) -> bool:
    """A node → whether a link holds it."""
    parent = node.parent
    while parent is not None:
        if parent.name == "a":
            return True
        parent = parent.parent
    return False


def _plain_link(soup: BeautifulSoup, href: str, text: str) -> Tag:
    """An address + text → a new link holding only that text (a kept link's own markup may hold blocks, which
    would not stay where it is put)."""
    link = soup.new_tag("a", attrs={"href": href})
    link.string = text
    return link


def _replace_embed(tag: Tag, soup: BeautifulSoup, base_url: str) -> bool:
    """An embed element → replaced by the link to what it showed and the links it held; → whether it named
    anything to link to (False: it is dropped, having no address and no link)."""
    address = _embed_address(tag, base_url)
    made: list[Tag | str] = []
    hrefs: set[str] = set()
    if address:
        provider, page = provider_link(address)
        made.append(_plain_link(soup, page, _label(tag, provider, page)))
        hrefs.add(page)
    for fallback in _named(tag, ("a",)):
        href = str(fallback.get("href") or "")
        if href and href not in hrefs:
            hrefs.add(href)
            made += [" ", _plain_link(soup, href, " ".join(fallback.get_text(" ").split()) or href)]
    if not made:
        tag.decompose()
        return False
    outer_link = None
    for parent in tag.parents:
        if parent.name == "a":
            outer_link = parent  # a link may not hold one: the new links go after the outermost
    inline = outer_link is not None or tag.parent is None or tag.parent.name not in _BLOCK_PARENTS
    holder: Tag = soup.new_tag("span" if inline else "p")
    holder.extend(made[1:] if made[0] == " " else made)
    if outer_link is not None:
        tag.decompose()
        outer_link.insert_after(holder)
    else:
        tag.replace_with(holder)
    if holder.name == "span":
        holder.unwrap()
    return bool(address)


def _keep_from_noscript(noscript: Tag, soup: BeautifulSoup, shown: set[str]) -> None:
    """A noscript + the image addresses shown outside noscripts → replaced by its links (their text only) and its
    images that are not shown already; the rest of it (a "turn on JavaScript" note) goes."""
    for node in _named(noscript, ("img", "a")):
        if _inside_link(node):  # it goes with the link
            continue
        if node.name == "a" and node.get("href"):
            text = " ".join(node.get_text(" ").split()) or str(node["href"])
            noscript.insert_before(_plain_link(soup, str(node["href"]), text))
        elif node.name == "img" and node.get("src") and str(node["src"]) not in shown:
            noscript.insert_before(node.extract())
    noscript.decompose()


def convert(root: Tag, soup: BeautifulSoup, base_url: str, embeds: bool, lazy: bool) -> int:
    """A parsed body (+ its soup, the article's URL, and whether it holds embeds / lazy images) → the same with
    embeds as links, lazy images with their address, noscripts reduced to what they add; → how many embeds
    named something to link to. Every element of EMBED_TAGS is gone afterwards."""
    found = [node for node in root.descendants if isinstance(node, Tag) and node.name in _WANTED]
    noscripts = [node for node in found if node.name == NOSCRIPT]
    in_noscript = {id(img) for noscript in noscripts for img in _named(noscript, ("img",))}
    shown: set[str] = set()
    for img in (node for node in found if node.name == "img"):
        if lazy:
            fix_lazy_image(img, base_url)
        if id(img) not in in_noscript and img.get("src"):
            shown.add(str(img["src"]))
    linked = 0
    if embeds:
        # Innermost first: a player inside another becomes a link that the outer one then keeps.
        for tag in reversed(found):
            if tag.name in EMBEDS and not tag.decomposed and tag.parent is not None:
                linked += _replace_embed(tag, soup, base_url)
        for noscript in reversed(noscripts):
            if not noscript.decomposed and noscript.parent is not None:
                _keep_from_noscript(noscript, soup, shown)
        for leftover in found:
            if leftover.name in EMBED_TAGS and not leftover.decomposed:
                leftover.decompose()  # a <source> or <param> outside any player: nothing to show
    return linked
