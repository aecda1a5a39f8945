"""Image addresses: which images a page shows (from its sanitized HTML), every address the raw article
gives for the same picture (src, srcset, lazy data-* attributes, <picture> sources), and the original
behind an image proxy (images.weserv.nl/?url=…, i0.wp.com/…). Pure functions, no network.
"""

from __future__ import annotations

import binascii
import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit, urlunsplit

# An <img> tag as nh3 writes it: every attribute value double-quoted, with " < > & as entities, so no
# value holds a ">" and a regular expression reads it exactly.
IMG_TAG = re.compile(r"<img\b[^>]*>")
ATTRIBUTE = re.compile(r'\s([^\s="/>]+)(?:="([^"]*)")?')
# Attributes of <img> and <source> that hold one address of the image (lazy loaders keep the real one
# in a data-* attribute and a placeholder in src).
ADDRESS_ATTRIBUTES = (
    "src",
    "data-src",
    "data-lazy-src",
    "data-original",
    "data-actualsrc",
    "data-orig-file",
    "data-large-file",
    "data-hi-res-src",
    "data-full-src",
    "data-url",
)
SRCSET_ATTRIBUTES = ("srcset", "data-srcset", "data-lazy-srcset")
MAX_CANDIDATES = 6  # addresses tried for one image at most, so a lost image costs a bounded number of requests
PHOTON_HOSTS = frozenset({"i0.wp.com", "i1.wp.com", "i2.wp.com", "i3.wp.com"})  # WordPress.com's image CDN
WESERV_HOSTS = frozenset({"images.weserv.nl", "wsrv.nl"})
# Proxies that take the original's address as a query parameter: host → (parameter, path it must start with).
QUERY_PROXIES = {
    "external-content.duckduckgo.com": ("u", "/iu"),
    "proxy.duckduckgo.com": ("u", "/iu"),
    "i.embed.ly": ("url", "/1/"),
}
_GADGETS_PROXY = re.compile(r"images\d*-focus-opensocial\.googleusercontent\.com")
# Cloudinary's fetch URLs (res.cloudinary.com, Substack's cdn.substack.com and substackcdn.com, custom
# domains): /…/image/fetch/TRANSFORMATIONS/ORIGINAL, the original percent-encoded or not.
_CLOUDINARY_FETCH = re.compile(r"/image/fetch/(?:[^/]*/)*?(https?(?::|%3A).*)$", re.IGNORECASE)
UNWRAP_DEPTH = 3  # proxies in front of proxies (i0.wp.com in front of Substack's) unwrapped this deep


def page_images(body_html: str) -> list[str]:
    """Sanitized article HTML → the addresses its <img> elements show, in order, each once."""
    seen: dict[str, None] = {}
    for tag in IMG_TAG.findall(body_html):
        src = tag_attributes(tag).get("src", "")
        if src.startswith(("http://", "https://")):
            seen.setdefault(src, None)
    return list(seen)


def tag_attributes(tag: str) -> dict[str, str]:
    """One start tag as nh3 writes it → {attribute name: unescaped value}."""
    return {name.lower(): html.unescape(value or "") for name, value in ATTRIBUTE.findall(tag[4:-1])}


def parse_srcset(value: str) -> list[tuple[str, float]]:
    """A srcset value → (address, width or density) pairs; a candidate without a descriptor counts as 1 (1x).

    As browsers read it (the HTML standard's algorithm, without its error cases): an address runs to
    white space, so it may hold commas (i0.wp.com's ?resize=300,200), and loses the commas it ends with;
    its descriptors run to the next comma.
    """
    candidates = []
    position, end = 0, len(value)
    while position < end:
        while position < end and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < end and not value[position].isspace():
            position += 1
        address = value[start:position]
        descriptors = ""
        if address.endswith(","):
            address = address.rstrip(",")
        else:
            start = position
            while position < end and value[position] != ",":
                position += 1
            descriptors = value[start:position].strip().lower()
        if not address:
            continue
        size = 1.0
        if descriptors[-1:] in ("w", "x"):
            try:
                size = float(descriptors[:-1])
            except ValueError:
                size = 1.0
        candidates.append((address, size))
    return candidates


class _ImageElements(HTMLParser):
    """Collects, per <img> (with the <source>s of the <picture> around it), every address it names."""

    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.groups: list[list[str]] = []
        self.sources: list[str] = []  # addresses of the <source>s of the <picture> being read
        self.in_picture = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "picture":
            self.in_picture, self.sources = True, []
        elif tag in ("img", "source"):
            addresses = self._addresses(dict((k.lower(), v or "") for k, v in attrs))
            if tag == "source":
                if self.in_picture:
                    self.sources += addresses
            else:
                self.groups.append(addresses + (self.sources if self.in_picture else []))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "picture":
            self.in_picture, self.sources = False, []

    def _addresses(self, attrs: dict[str, str]) -> list[str]:
        """An element's attributes → its absolute http(s) addresses: single ones first, then srcset
        candidates, largest first."""
        found = [attrs[name] for name in ADDRESS_ATTRIBUTES if attrs.get(name)]
        sets = [pair for name in SRCSET_ATTRIBUTES if attrs.get(name) for pair in parse_srcset(attrs[name])]
        found += [address for address, _ in sorted(sets, key=lambda pair: -pair[1])]
        absolute = []
        for address in found:
            try:
                address = urljoin(self.base_url, address.strip())
            except ValueError:
                continue
            if address.startswith(("http://", "https://")):
                absolute.append(address)
        return absolute


def raw_image_groups(raw_html: str, base_url: str = "") -> list[tuple[str, ...]]:
    """Raw (untrusted) article HTML + its URL → for each image element, every address it gives, absolute.

    Only read, never shown: addresses to fetch the picture a page shows from, should its own fail.
    """
    parser = _ImageElements(base_url)
    try:
        parser.feed(raw_html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser on broken markup: what was read so far still counts
        pass
    return [tuple(dict.fromkeys(group)) for group in parser.groups if group]


def comparable(address: str) -> str:
    """An address → the form two spellings of it share (host lower-cased, non-ASCII and spaces
    percent-encoded, no fragment), to find a page's image among the raw article's elements."""
    try:
        parts = urlsplit(address.strip())
    except ValueError:
        return address
    safe = "/%:@!$&'()*+,;=-._~?"
    return urlunsplit(
        (
            parts.scheme.lower(),
            parts.netloc.lower(),
            quote(parts.path, safe=safe),
            quote(parts.query, safe=safe + "/"),
            "",
        )
    )


def unwrap_proxy(address: str) -> str | None:
    """The address of an image proxy → the original image's address, None when it is not a known proxy.

    i0–i3.wp.com (WordPress Photon: /host/path, ?ssl=1 for https, its own resizing parameters dropped),
    images.weserv.nl and wsrv.nl (?url=, `ssl:` or no scheme as weserv reads them), camo (the original
    hex-encoded in the path), DuckDuckGo, Google's gadget proxy and embed.ly (?u= / ?url=), Cloudinary's
    /image/fetch/ (Substack's image server).
    """
    try:
        parts = urlsplit(address)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    query = parse_qs(parts.query, keep_blank_values=True)
    original = ""
    if host in PHOTON_HOSTS:
        path = parts.path.lstrip("/")
        if "/" in path and "." in path.split("/", 1)[0]:
            scheme = "https" if query.get("ssl", [""])[0] == "1" else "http"
            original = f"{scheme}://{path}"
    elif host in WESERV_HOSTS:
        target = query.get("url", [""])[0].strip()
        if target.startswith("ssl:"):
            target = "https://" + target[4:].lstrip("/")
        elif target.startswith("//"):
            target = "http:" + target
        elif target and not re.match(r"https?://", target, re.IGNORECASE):
            target = "http://" + target
        original = target
    elif host == "camo.githubusercontent.com":
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) == 2:
            try:
                original = binascii.unhexlify(segments[1]).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                original = ""
    elif host in QUERY_PROXIES or _GADGETS_PROXY.fullmatch(host):
        parameter, path = QUERY_PROXIES.get(host, ("url", "/gadgets/proxy"))
        if parts.path.startswith(path):
            original = query.get(parameter, [""])[0].strip()
    elif fetched := _CLOUDINARY_FETCH.search(parts.path):
        original = unquote(fetched.group(1))
    if not original:
        return None
    if "%3A%2F%2F" in original[:16].upper():  # encoded twice
        original = unquote(original)
    return original if _plausible(original) and original != address else None


def _plausible(address: str) -> bool:
    """True for an http(s) address with a host name that has a dot and a readable port."""
    try:
        parts = urlsplit(address)
        _ = parts.port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and "." in (parts.hostname or "")


def originals(address: str) -> list[str]:
    """An address → the addresses behind it, nearest first: [] for no proxy, [original] for one, more when
    a proxy fetches from another proxy."""
    found: list[str] = []
    while len(found) < UNWRAP_DEPTH and (inner := unwrap_proxy(found[-1] if found else address)):
        found.append(inner)
    return found


def candidates(address: str, groups: list[tuple[str, ...]]) -> tuple[str, ...]:
    """A page's image address + the raw article's image elements → the addresses to try, best first.

    The original behind a proxy first (full size, and it outlives the proxy), then the address the page
    shows, then the element's other addresses (lazy data-*, srcset, largest first), each preceded by its
    own original. At most MAX_CANDIDATES.
    """
    wanted = comparable(address)
    group = next((g for g in groups if any(comparable(a) == wanted for a in g)), ())
    ordered: dict[str, None] = {}
    for each in (address, *group):
        for original in reversed(originals(each)):
            ordered.setdefault(original, None)
        ordered.setdefault(each, None)
    return tuple(ordered)[:MAX_CANDIDATES]


def host_of(address: str) -> str:
    """An address → its host, lower-cased ('' when it has none)."""
    try:
        return (urlsplit(address).hostname or "").lower()
    except ValueError:
        return ""
