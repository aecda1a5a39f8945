"""The network part of `newsarchive media`: one image URL → its bytes, politely and within limits.

httpx, one client shared by a pool of threads: connections are kept alive and reused (a news site's
images come from a handful of hosts, and urllib opens a new connection, with a new TLS handshake, for
every request), and a response is read as a stream, so a download stops as soon as it passes the
size cap or the deadline. Politeness as `import` has it for feeds (generator.commands.fetch): the same User-Agent, a
timeout for the whole download, a size cap; plus at most `per_host` requests at once to one host,
the article's URL as Referer (or the one configured for the host), redirects followed by hand (at
most MAX_REDIRECTS, a loop stopped at once). Addresses on loopback, private or link-local networks
are refused unless allowed: an article's markup must not make the archive's machine send requests
into its own network.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from generator.errors import FetchError

MAX_REDIRECTS = 5
ACCEPT = "image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8,*/*;q=0.1"
_CHUNK = 64 * 1024
# Answers that say the image will not come however often it is asked for (a wrong Referer is fixed
# in the config, and `newsarchive media --retry-failed` asks again).
PERMANENT_STATUS = frozenset({400, 401, 403, 404, 405, 406, 410, 414, 451, 501})


class FetchFailed(FetchError):
    """A URL that gave no image; the message says why and what to try (caught by the run, kept in the ledger)."""

    def __init__(self, reason: str, permanent: bool, retry_after: float = 0.0):
        super().__init__(reason)
        self.reason = reason  # for people: what happened, and the fix
        self.permanent = permanent  # True: asking again would not help (404, not an image, too big)
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), 0 if it did not say


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How images are downloaded (from the [media] config)."""

    user_agent: str  # the User-Agent sent (the one `import` sends for feeds)
    timeout: float = 20.0  # seconds to wait for a server, and for a whole download
    max_bytes: int = 20 * 1024 * 1024  # a larger download is stopped and refused
    per_host: int = 2  # requests at once to one host
    allow_private_hosts: bool = False  # fetch from loopback and private networks too (tests, intranets)
    referers: dict[str, str] = field(default_factory=dict)  # host → Referer ('' sends none); else the article's


def _retry_after(value: str) -> float:
    """A Retry-After header (seconds or an HTTP date) → seconds to wait, 0 when absent or unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return 0.0


def check_public(host: str, port: int) -> None:
    """A host → nothing when every address it resolves to is public; FetchFailed otherwise."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchFailed(
            f"the host {host} cannot be found (DNS). Fix: nothing, if it is gone; it is tried again later",
            permanent=False,
        ) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise FetchFailed(
                f"the host {host} is on a private or local network ({address}); such addresses "
                "are not fetched. Fix: set media.allow_private_hosts = true if you mean it",
                permanent=True,
            )


class Fetcher:
    """Downloads image URLs: thread-safe, one instance for a whole run."""

    def __init__(self, settings: FetchSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": settings.user_agent, "Accept": ACCEPT},
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=32),
        )
        self._hosts: dict[str, threading.Semaphore] = {}
        self._lock = threading.Lock()
        self.requests = 0  # requests sent so far

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    @contextlib.contextmanager
    def _host_slot(self, host: str) -> Iterator[None]:
        """Wait for one of the host's `per_host` slots, and hold it."""
        with self._lock:
            slot = self._hosts.setdefault(host, threading.Semaphore(self.settings.per_host))
        with slot:
            yield

    def referer_for(self, url: str, article_url: str) -> str:
        """A URL about to be fetched + the article's URL → the Referer to send ('' for none)."""
        host = (urlsplit(url).hostname or "").lower()
        referers = self.settings.referers
        for candidate in (host, host.removeprefix("www.")):
            if candidate in referers:
                return referers[candidate]
        return article_url

    def get(self, url: str, article_url: str = "") -> bytes:
        """An image URL + the URL of the article showing it → the response body; FetchFailed on failure."""
        seen = {url}
        for _ in range(MAX_REDIRECTS + 1):
            body, location = self._request(url, self.referer_for(url, article_url))
            if not location:
                return body
            url = location
            if url in seen:
                raise FetchFailed(
                    "the server redirects in a loop. Fix: nothing; the image is lost at this address", permanent=True
                )
            seen.add(url)
        raise FetchFailed(
            f"more than {MAX_REDIRECTS} redirects. Fix: nothing; the image is lost at this address", permanent=True
        )

    def _request(self, url: str, referer: str) -> tuple[bytes, str]:
        """One request → (the body, '') or (b'', the address a redirect points to); FetchFailed on failure."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchFailed(f"not an http(s) address: {url[:200]}", permanent=True)
        host = parts.hostname.lower()
        if not self.settings.allow_private_hosts:
            check_public(host, parts.port or (443 if parts.scheme == "https" else 80))
        headers = {"Referer": referer} if referer else {}
        timeout = self.settings.timeout
        try:
            with self._host_slot(host):
                with self._lock:
                    self.requests += 1
                # The whole download within the timeout, counted from when it may start (not while it waits).
                return self._read(url, headers, time.monotonic() + timeout)
        except httpx.TimeoutException:
            raise FetchFailed(
                f"no answer within {timeout:g} seconds. Fix: it is tried again later; or raise media.timeout",
                permanent=False,
            ) from None
        except httpx.TransportError as exc:
            raise FetchFailed(
                f"cannot connect ({type(exc).__name__}: {exc}). Fix: it is tried again later", permanent=False
            ) from None
        except httpx.HTTPError as exc:  # a broken answer (bad chunked encoding, bad gzip): try later
            raise FetchFailed(
                f"the download failed ({type(exc).__name__}: {exc}). Fix: it is tried again later", permanent=False
            ) from None

    def _read(self, url: str, headers: dict[str, str], deadline: float) -> tuple[bytes, str]:
        """One request sent → (the body, '') or (b'', where a redirect points); FetchFailed for an answer that
        gives no image."""
        timeout = self.settings.timeout
        with self.client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location", "")
                if not location:
                    raise FetchFailed(f"HTTP {status} without a Location", permanent=True)
                return b"", urljoin(url, location)
            if status != 200:
                self._fail_status(status, response.headers.get("Retry-After", ""))
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > self.settings.max_bytes:
                raise FetchFailed(self._too_big(f"the server announces {int(length):,} bytes"), permanent=True)
            parts_read, size = [], 0
            for chunk in response.iter_bytes(_CHUNK):
                size += len(chunk)
                if size > self.settings.max_bytes:
                    raise FetchFailed(self._too_big("the download passed"), permanent=True)
                if time.monotonic() > deadline:
                    raise FetchFailed(
                        f"the download took longer than {timeout:g} seconds and was stopped. "
                        "Fix: it is tried again later; or raise media.timeout",
                        permanent=False,
                    )
                parts_read.append(chunk)
            return b"".join(parts_read), ""

    def _too_big(self, what: str) -> str:
        """Why a download was refused for its size, with the fix."""
        return (
            f"{what} more than media.max_bytes ({self.settings.max_bytes:,} bytes). Fix: raise "
            "media.max_bytes if such images are wanted, then run `newsarchive media --retry-failed`"
        )

    @staticmethod
    def _fail_status(status: int, retry_after: str) -> None:
        """An HTTP status other than 200 or a redirect → FetchFailed, permanent or not."""
        if status in (401, 403):
            raise FetchFailed(
                f"HTTP {status}: the server refuses it (often it wants another Referer). Fix: set "
                "media.referers for the host, then run `newsarchive media --retry-failed`",
                permanent=True,
            )
        if status in PERMANENT_STATUS or (400 <= status < 500 and status not in (408, 425, 429)):
            raise FetchFailed(f"HTTP {status}: the image is not at this address", permanent=True)
        raise FetchFailed(
            f"HTTP {status}: the server cannot answer now; it is tried again later",
            permanent=False,
            retry_after=_retry_after(retry_after),
        )
