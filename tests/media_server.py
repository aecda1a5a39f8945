"""An image server of our own on 127.0.0.1 for the media tests: every case the downloader must handle,
each at its own path, and a log of the requests it was sent.

Paths (ROUTES): an ordinary JPEG; the same bytes under a second path; a PNG served only with the right
Referer; 404; a slow answer; a huge body without Content-Length; HTML served as image/jpeg; an SVG
holding a script; a redirect loop; a redirect to the ordinary image; 503 with Retry-After; a 4000 px
wide image (resized); a decompression bomb (a small PNG of 400 million pixels).
"""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

ARTICLE_URL = "https://news.example.org/2024/06/story.html"  # the Referer the protected image wants
SLOW_SECONDS = 3.0  # the slow path answers after this long (tests set media.timeout = 1)
HUGE_BYTES = 3 * 1024 * 1024  # the huge path sends this much (tests set media.max_bytes = 1 MB)


def image_bytes(width: int, height: int, color: tuple[int, int, int], fmt: str = "JPEG") -> bytes:
    """A plain image of that size and colour, encoded."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, fmt)
    return out.getvalue()


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A tiny PNG whose header says 20000 × 20000 pixels (400 million: what a decompression bomb announces);
    its data would never fill them, but nothing may get as far as decoding it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


ORDINARY = image_bytes(1200, 800, (200, 40, 40))
WIDE = image_bytes(4000, 1000, (40, 120, 200))
PROTECTED = image_bytes(300, 200, (30, 160, 60), "PNG")
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
HTML_PAGE = b"<!doctype html><html><body><h1>Please log in</h1></body></html>"


@dataclass
class ImageServer:
    """The running server: its base URL and the requests it got."""

    base: str  # http://127.0.0.1:PORT
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (path, headers), in order
    flaky_failures: int = 1  # /flaky.jpg answers 503 this many times, then the image

    def url(self, path: str) -> str:
        """A path → its URL on this server."""
        return self.base + path

    def paths(self) -> list[str]:
        """→ the paths requested so far, in order."""
        return [path for path, _ in self.requests]


def _handler(server: ImageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(
            self,
            status: int,
            body: bytes = b"",
            content_type: str = "image/jpeg",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:  # the client gave up first (the slow image): what it should do
                self.close_connection = True

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            server.requests.append((self.path, dict(self.headers.items())))
            if path in ("/ordinary.jpg", "/same-bytes.jpg"):
                self._send(200, ORDINARY)
            elif path == "/wide.jpg":
                self._send(200, WIDE)
            elif path == "/referer.png":
                if self.headers.get("Referer") == ARTICLE_URL:
                    self._send(200, PROTECTED, "image/png")
                else:
                    self._send(403, b"forbidden", "text/plain")
            elif path == "/slow.jpg":
                time.sleep(SLOW_SECONDS)
                self._send(200, ORDINARY)
            elif path == "/huge.jpg":
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Connection", "close")  # no length: the body runs to the end of the connection
                self.end_headers()
                chunk = b"\xff" * 65536
                try:
                    for _ in range(HUGE_BYTES // len(chunk)):
                        self.wfile.write(chunk)
                except OSError:  # the client stopped reading, as it should
                    pass
                self.close_connection = True
            elif path == "/html-as-jpeg.jpg":
                self._send(200, HTML_PAGE, "image/jpeg")
            elif path == "/script.svg":
                self._send(200, SVG_WITH_SCRIPT, "image/svg+xml")
            elif path == "/loop-a":
                self._send(302, headers={"Location": "/loop-b"})
            elif path == "/loop-b":
                self._send(302, headers={"Location": "/loop-a"})
            elif path == "/moved.jpg":
                self._send(301, headers={"Location": "/ordinary.jpg"})
            elif path == "/flaky.jpg":
                if server.flaky_failures > 0:
                    server.flaky_failures -= 1
                    self._send(503, b"busy", "text/plain", {"Retry-After": "120"})
                else:
                    self._send(200, image_bytes(500, 300, (90, 90, 90)))
            elif path == "/bomb.png":
                self._send(200, bomb_png(), "image/png")
            else:
                self._send(404, b"not found", "text/plain")

    return Handler


@contextmanager
def image_server() -> Iterator[ImageServer]:
    """→ a running ImageServer on 127.0.0.1 (a free port), stopped at the end."""
    state = ImageServer(base="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
