"""Download one feed politely: a User-Agent, a timeout, a size limit, conditional GET, gzip.

Standard library only (urllib). The caller keeps the validators (ETag, Last-Modified) between
runs and passes them back, so an unchanged feed costs one small 304 response.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass

from generator import __version__
from generator.errors import FetchError

# No contact URL: the project has no public home yet, and a made-up one would mislead.
USER_AGENT = f"newsarchive/{__version__} (static news-archive generator)"
DEFAULT_TIMEOUT = 20.0  # seconds, for connecting and for the whole download
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # feeds larger than this are refused (after gunzip too)
_ACCEPT = ("application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
           "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1")
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server said about a feed's version, sent back next time for a conditional GET."""

    etag: str = ""  # the ETag response header, '' when the server sent none
    last_modified: str = ""  # the Last-Modified response header, '' when the server sent none


@dataclass(frozen=True, slots=True)
class Fetched:
    """One download's result."""

    body: bytes | None  # the feed document; None when the server answered 304 Not Modified
    validators: Validators  # validators to remember for the next run
    content_type: str  # the Content-Type header ('' if none), for feedparser's encoding guess
    final_url: str  # the URL after redirects, the base for relative links


def _read_limited(response, max_bytes: int, deadline: float, url: str) -> bytes:
    """An open response → its body, gunzipped if needed; FetchError past max_bytes or the deadline."""
    gzipped = response.headers.get("Content-Encoding", "").lower() in ("gzip", "x-gzip")
    # wbits 47 = gzip or zlib header auto-detected; max_length bounds each step, so a small
    # compressed bomb cannot expand past the limit in memory.
    inflater = zlib.decompressobj(47) if gzipped else None
    parts: list[bytes] = []
    size = 0
    too_big = FetchError(f"{url}: the feed is larger than {max_bytes:,} bytes; it was not imported. "
                         "Fix: check the URL points at a feed, or raise the limit with --max-bytes")
    while chunk := response.read(_CHUNK):
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: the download took too long and was stopped. "
                             "Fix: try again later, or raise --timeout")
        if inflater is not None:
            chunk = inflater.decompress(chunk, max_bytes + 1 - size)
            if inflater.unconsumed_tail:
                raise too_big
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        parts.append(chunk)
    return b"".join(parts)


def fetch(url: str, validators: Validators = Validators(), timeout: float = DEFAULT_TIMEOUT,
          max_bytes: int = DEFAULT_MAX_BYTES) -> Fetched:
    """An http(s) URL + the last run's validators → the feed bytes (or None on 304); FetchError on failure."""
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT, "Accept-Encoding": "gzip"}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{url}: the server announces {int(length):,} bytes, more than the "
                                 f"{max_bytes:,} byte limit; it was not downloaded. "
                                 "Fix: check the URL points at a feed, or raise the limit with --max-bytes")
            body = _read_limited(response, max_bytes, deadline, url)
            return Fetched(body, Validators(response.headers.get("ETag", ""),
                                            response.headers.get("Last-Modified", "")),
                           response.headers.get("Content-Type", ""), response.geturl())
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None, validators, "", url)
        raise FetchError(f"{url}: the server answered HTTP {exc.code} {exc.reason}. "
                         "Fix: check the URL in a browser; try again later if the server is down") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise FetchError(f"{url}: no answer within {timeout:g} seconds. "
                             "Fix: try again later, or raise --timeout") from None
        raise FetchError(f"{url}: cannot connect ({exc.reason}). "
                         "Fix: check the address and the network connection") from None
    except TimeoutError:
        raise FetchError(f"{url}: no answer within {timeout:g} seconds. "
                         "Fix: try again later, or raise --timeout") from None
    except (OSError, http.client.HTTPException, zlib.error, ValueError) as exc:
        raise FetchError(f"{url}: the download failed ({exc}). Fix: try again later") from None
