"""The media store measured offline: real posts' image addresses served by a loopback mirror of our own.

The machine cannot reach the image hosts, so a server on 127.0.0.1 answers every URL the posts reference
with a plausible picture made by Pillow: its size read from the URL where the URL says it (`?resize=W,H`,
`?w=W`, `/max/W/`, `_WxH.`, `_wW.`, `/w/W`), else drawn from a seeded range (600–2400 px wide, 4:3 to
16:9); JPEG (quality 85) or PNG as the URL's extension says; a photograph-like texture (gradients and
noise), so the files have realistic sizes. One address in 25 answers 404, as lost images do. The
downloader's transport sends every request to the mirror (the original host in the path), so the
ledger, the store and the pages are exactly what a run against the real hosts would make.

It reports, for the seeds and for N real posts (converted to the seed format): images per article,
requests, the store's size per article before resizing (bytes downloaded) and after (the stored
variants), the time of the media run, and the build time with and without the store (warm article
cache, fresh output, several runs, medians).

    .venv/bin/python benchmarks/media_mirror.py --posts 300 --repeats 3
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing
import random
import re
import shutil
import statistics
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.commands.build import build, load_archive, open_cache  # noqa: E402
from generator.commands.fetch import USER_AGENT  # noqa: E402
from generator.commands.media import archive_pages  # noqa: E402
from generator.config import parse_config  # noqa: E402
from generator.media.run import MediaRun  # noqa: E402
from generator.media.store import MediaStore  # noqa: E402

POSTS = ROOT.parent / "shared" / "realdata" / "_posts"
CONFIG = """base_url = "https://archive.example.org/"
[media]
allow_private_hosts = true
"""
_SIZE_HINTS = [
    (re.compile(r"[?&]resize=(\d+)(?:%2C|,)(\d+)", re.I), "wh"),
    (re.compile(r"_(\d{3,4})x(\d{3,4})\.", re.I), "wh"),
    (re.compile(r"[?&]w=(\d+)", re.I), "w"),
    (re.compile(r"/max/(\d+)/", re.I), "w"),
    (re.compile(r"/w/(\d+)", re.I), "w"),
    (re.compile(r"_w(\d{3,4})\.", re.I), "w"),
    (re.compile(r"master(\d{3,4})\.", re.I), "w"),
]


def picture(url: str) -> tuple[bytes, str] | None:
    """A URL → (the mirror's image for it, its content type), or None for the one in 25 that is lost."""
    seed = int(hashlib.sha256(url.encode()).hexdigest()[:12], 16)
    rng = random.Random(seed)
    if rng.randrange(25) == 0:
        return None
    width = height = 0
    for pattern, kind in _SIZE_HINTS:
        if match := pattern.search(url):
            width = int(match.group(1))
            height = int(match.group(2)) if kind == "wh" else 0
            break
    width = min(max(width or rng.randrange(600, 2400), 120), 4000)
    height = min(max(height or round(width / rng.choice((4 / 3, 3 / 2, 16 / 9))), 80), 4000)
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    noise = Image.effect_noise((width, height), 40).convert("RGB").filter(ImageFilter.GaussianBlur(1.2))
    image = Image.blend(Image.blend(base, tint, 0.5), noise, 0.35)
    out = io.BytesIO()
    path = urlsplit(url).path.lower()
    if path.endswith(".png"):
        image.quantize(64).save(out, "PNG")  # screenshots and charts: few colours
        return out.getvalue(), "image/png"
    image.save(out, "JPEG", quality=85)
    return out.getvalue(), "image/jpeg"


def _serve(port_out, counter) -> None:
    """The mirror's process: serve until killed, each picture made once."""
    made: dict[str, tuple[bytes, str] | None] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with counter.get_lock():
                counter.value += 1
            url = "https:/" + self.path
            if url not in made:
                made[url] = picture(url)
            body, kind = made[url] or (b"not found", "text/plain")
            self.send_response(200 if made[url] else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever()


class Mirror:
    """The loopback image server, in a process of its own (its Pillow work is not the downloader's):
    /HOST/PATH?QUERY → the picture for https://HOST/PATH?QUERY."""

    def __init__(self) -> None:
        receiver, sender = multiprocessing.Pipe(duplex=False)
        self.counter = multiprocessing.Value("l", 0)
        self.process = multiprocessing.Process(target=_serve, args=(sender, self.counter), daemon=True)
        self.process.start()
        self.port = receiver.recv()

    @property
    def requests(self) -> int:
        """Requests served so far."""
        return self.counter.value

    def transport(self) -> httpx.BaseTransport:
        """→ an httpx transport that sends every request to the mirror, the original host in the path."""
        inner = httpx.HTTPTransport()
        port = self.port

        class ToMirror(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                url = request.url
                request.url = httpx.URL(f"http://127.0.0.1:{port}/{url.host}{url.raw_path.decode('ascii')}")
                request.headers["Host"] = f"127.0.0.1:{port}"
                return inner.handle_request(request)

            def close(self) -> None:
                inner.close()

        return ToMirror()

    def stop(self) -> None:
        """Stop serving."""
        self.process.terminate()
        self.process.join()


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """A Jekyll post → (its front matter's plain fields, its body)."""
    match = re.match(r"---\n(.*?)\n---\n?(.*)", text, re.S)
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            value = value.strip()
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1].replace('\\"', '"')
            fields[key.strip()] = value
    return fields, match.group(2)


def convert_posts(posts: list[Path], folder: Path) -> int:
    """Jekyll posts → seed-format files in folder → how many were written."""
    from datetime import datetime

    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for number, post in enumerate(posts):
        fields, body = _front_matter(post.read_text(encoding="utf-8"))
        if not re.match(r"\s*<!--\d+-->", body):
            try:
                moment = datetime.fromisoformat(fields.get("date", "").replace("Z", "+00:00"))
            except ValueError:
                continue
            url = quote(unquote(fields.get("from", "")), safe=":/?&=%#@+,;~")
            title = fields.get("title", post.stem).replace("](", "] (")
            body = f"<!--{int(moment.timestamp() * 1000)}-->\n[{title}]({url})\n------\n\n{body}"
        (folder / f"{number:04d}.txt").write_text(body.lstrip(), encoding="utf-8")
        written += 1
    return written


def media_run(archive: Path, mirror: Mirror, store_dir: Path) -> tuple[object, float]:
    """The archive's images fetched from the mirror into a store → (the report, seconds)."""
    config = parse_config(CONFIG)
    with open_cache(archive.parent / "cache") as cache:
        loaded, _ = load_archive(archive, config, cache, jobs=2)
        pages = archive_pages(archive, loaded.articles, cache.html)
        store = MediaStore(store_dir)
        run = MediaRun(store, config.media, USER_AGENT, transport=mirror.transport())
        started = time.perf_counter()
        report = run.run(pages, prune=True)
        seconds = time.perf_counter() - started
        run.close()
        store.close()
    return report, seconds


def build_time(archive: Path, toml: str, name: str) -> float:
    """A build of the archive into a fresh output folder (warm article cache) → its time in seconds."""
    out = archive.parent / name
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(archive.parent / f".{name}.newsarchive", ignore_errors=True)
    started = time.perf_counter()
    build(archive, out, parse_config(toml), cache_dir=archive.parent / "cache", jobs=2)
    return time.perf_counter() - started


def build_times(archive: Path, repeats: int) -> tuple[list[float], list[float], float]:
    """Builds without and with the store, one after the other in turn after a warm-up, and a rebuild with
    nothing changed → (times without, times with, the rebuild's time)."""
    original = CONFIG.replace("[media]", '[media]\npublish = "original"')
    build_time(archive, CONFIG, "warm-up")
    without, with_media = [], []
    for run in range(repeats):
        without.append(build_time(archive, original, f"site-original-{run}"))
        with_media.append(build_time(archive, CONFIG, f"site-{run}"))
    started = time.perf_counter()
    build(archive, archive.parent / "site-0", parse_config(CONFIG), cache_dir=archive.parent / "cache", jobs=2)
    return without, with_media, time.perf_counter() - started


def measure(name: str, archive: Path, mirror: Mirror, repeats: int) -> dict:
    """One archive: its media run and its builds → the figures."""
    media_run(archive, mirror, archive.parent / "warm-up-media")  # the mirror makes its pictures once
    requests_before = mirror.requests
    report, seconds = media_run(archive, mirror, archive.parent / "media")
    requests = mirror.requests - requests_before
    again, _ = media_run(archive, mirror, archive.parent / "media")
    store = MediaStore(archive.parent / "media")
    count, downloaded, stored = store.sizes()
    store.close()
    without, with_media, rebuild = build_times(archive, repeats)
    site = archive.parent / "site-0"
    copied = sum(p.stat().st_size for p in site.rglob("*") if p.suffix in (".webp", ".jpg"))
    articles = report.articles
    return {
        "archive": name,
        "articles": articles,
        "images": report.images,
        "stored": report.local,
        "given_up": report.failed,
        "requests": requests,
        "second_run_requests": again.requests,
        "media_run_s": round(seconds, 2),
        "images_stored": count,
        "downloaded_mb": round(downloaded / 1e6, 1),
        "stored_mb": round(stored / 1e6, 1),
        "downloaded_kb_per_article": round(downloaded / 1e3 / articles),
        "stored_kb_per_article": round(stored / 1e3 / articles),
        "copied_into_site_mb": round(copied / 1e6, 1),
        "build_without_media_s": [round(t, 2) for t in without],
        "build_with_media_s": [round(t, 2) for t in with_media],
        "median_without_s": round(statistics.median(without), 2),
        "median_with_s": round(statistics.median(with_media), 2),
        "rebuild_nothing_changed_s": round(rebuild, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300, help="real posts to take (every k-th of the sample)")
    parser.add_argument("--repeats", type=int, default=3, help="builds timed of each kind")
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsarchive-media-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    mirror = Mirror()
    try:
        results = []
        seeds = args.work / "seeds" / "archive"
        shutil.copytree(ROOT / "seeds", seeds)
        results.append(measure("seeds", seeds, mirror, args.repeats))
        posts = sorted(POSTS.glob("*.md"))
        step = max(1, len(posts) // args.posts)
        real = args.work / "real" / "archive"
        convert_posts(posts[::step][: args.posts], real)
        results.append(measure(f"{args.posts} real posts", real, mirror, args.repeats))
    finally:
        mirror.stop()
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
