"""A story's identity (its URL normalized), its feed entry id, and its slug."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from generator.paths import is_windows_reserved
from generator.text import short_hash

SLUG_MAX = 80
# Query parameters that only say where a reader came from; the same story with any of them is
# still the same story.
_TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "spm", "share",
    "from", "source", "src", "ref", "ref_src", "rss", "feed", "cmpid", "ocid", "at_medium",
    "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4", "s_cid", "smid",
}  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_")
# Trailing path segments that name no story: dropped before making a slug.
_GENERIC_SEGMENTS = {"index", "default", "amp", "article", "story", "content", "print", "full"}
_PAGE_EXTENSION = re.compile(r"\.(s?html?|php\d?|aspx?|jsp|cgi)$", re.IGNORECASE)
_NON_SLUG = re.compile(r"[^a-z0-9]+")
# Namespace for feed entry ids; fixed forever so ids never change.
_ENTRY_NAMESPACE = uuid.UUID("6f1c1e4e-2b57-4c2a-9a55-5f3b1c7e0a11")


def is_tracking_param(name: str) -> bool:
    """True for query parameters that track the reader rather than name the story."""
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """URL → the story's identity: https, lowercase host without www., no fragment or tracking."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not is_tracking_param(k))
    path = parts.path or "/"
    return urlunsplit(("https", host, path, urlencode(query), ""))


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_DOUBLE_ESCAPE = re.compile(r"%25([0-9A-Fa-f]{2})")
_MOBILE_HOST = ("m.", "mobile.")
_PATH_SAFE = "/!$&'()*+,;=:@-._~"  # what a path may hold unescaped (RFC 3986 pchar and /)


def undouble(url: str) -> str:
    """A URL whose escapes were percent-encoded again (every `%` written `%25`: `%25E5%2583…`) → the URL
    escaped once (`%E5%83…`); any other URL as it is. Repeated for URLs encoded three times."""
    while "%25" in url and len(_DOUBLE_ESCAPE.findall(url)) == len(_ESCAPE.findall(url)):
        url = _DOUBLE_ESCAPE.sub(r"%\1", url)
    return url


def story_key(url: str) -> str:
    """URL → what every capture of one story shares: its identity (normalize_url) also without a mobile host
    (m., mobile.), a trailing slash, percent-encoding done twice, or a difference in how the path is escaped
    (%e5 / %E5 / the character itself). Duplicates are found by it; feed ids keep using normalize_url."""
    parts = urlsplit(normalize_url(undouble(url)))
    host = parts.netloc
    for prefix in _MOBILE_HOST:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host.removeprefix(prefix)
    path = quote(unquote(parts.path), safe=_PATH_SAFE).rstrip("/") or "/"
    return urlunsplit(("https", host, path, parts.query, ""))


def entry_id(identity: str) -> str:
    """A story identity → a feed entry id (urn:uuid) that never changes across builds."""
    return uuid.uuid5(_ENTRY_NAMESPACE, identity).urn


def slugify(text: str) -> str:
    """Any text → lowercase ASCII words joined by '-' (may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-")


def _cut_words(slug: str, limit: int) -> str:
    """A slug → its leading words that fit in `limit` characters (a word is cut only if it is alone)."""
    if len(slug) <= limit:
        return slug
    head = slug[:limit]
    return head.rsplit("-", 1)[0] if "-" in head else head


def _url_words(url: str, to_words: Callable[[str], str] = slugify) -> tuple[str, str]:
    """An article URL (+ the function making slug words of text) → (words naming the story, trailing story id
    or ''), from its path and query."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if segments:
        segments[-1] = _PAGE_EXTENSION.sub("", segments[-1])
    while len(segments) > 1 and segments[-1].lower() in _GENERIC_SEGMENTS:
        segments.pop()
    words = [w for w in (to_words(s) for s in segments) if w]
    query = "-".join(w for w in (to_words(v) for k, v in parse_qsl(parts.query) if not is_tracking_param(k)) if w)
    last = words[-1] if words else ""
    # A bare number or short code ("7647600") says little alone: it becomes the id, and the
    # segment before it supplies the words.
    if len(words) > 1 and (last.isdigit() or len(last) < 12):
        return words[-2], "-".join(w for w in (last, query) if w)
    return last, query


def article_slug(url: str, title: str, to_words: Callable[[str], str] = slugify) -> str:
    """An article's URL (else its title) (+ the function making slug words of text) → its slug: [a-z0-9-],
    1..80 characters, stable.

    A story id at the end of the URL is kept whole; the words before it are cut at a word
    boundary. When nothing readable is left, or an id alone is too long, a hash stands in.
    A slug Windows reserves for a device ("con", "com1") gets the hash appended.
    """
    seed = normalize_url(url) if url else title
    slug = _plain_slug(url, title, seed, to_words)
    return f"{slug}-{short_hash(seed)}" if is_windows_reserved(slug) else slug


def fallback_slug(url: str, title: str) -> str:
    """An article's URL (else its title) → the slug article_slug gives when nothing readable is left."""
    return "article-" + short_hash(normalize_url(url) if url else title)


def _plain_slug(url: str, title: str, seed: str, to_words: Callable[[str], str]) -> str:
    """article_slug before the check for reserved names."""
    words, story_id = _url_words(url, to_words) if url else (to_words(title), "")
    if story_id and len(story_id) <= SLUG_MAX // 2:
        words = _cut_words(words, SLUG_MAX - len(story_id) - 1)
        return f"{words}-{story_id}" if words else story_id
    slug = "-".join(w for w in (words, story_id) if w)
    if not slug:
        return "article-" + short_hash(seed)
    if len(slug) <= SLUG_MAX:
        return slug
    return f"{_cut_words(slug, SLUG_MAX - 9)}-{short_hash(seed)}"
