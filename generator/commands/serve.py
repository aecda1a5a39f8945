"""`newsarchive serve`: build, serve the site on 127.0.0.1, rebuild on change, reload open pages.

- Watching is mtime polling of the archive folder, the templates and the config file: no extra
  dependency, and cheap enough for a preview (one stat per file per poll).
- A rebuild renders every page in memory before writing any, so a rebuild that fails (a template
  error, a bad config) leaves the last good site on disk and in the browser; the error is printed.
- Per-article work is cached by the article's content, so a rebuild after one file changed
  re-cleans only that file.
- Open pages reload themselves: HTML *responses* (never the built files) get a small script that
  polls RELOAD_PATH and reloads when the build number changes.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from generator.commands.build import build, default_cache_dir
from generator.config import Config, load_config
from generator.errors import ConfigError, NewsarchiveError, WriteError
from generator.media.store import LEDGER, store_folder
from generator.models import Problem
from generator.site.render import TEMPLATES_DIR

HOST = "127.0.0.1"  # never another interface: this is a preview, not a web server
DEFAULT_CONFIG = Path("newsarchive.toml")
RELOAD_PATH = "/__newsarchive/build"
_RELOAD_SCRIPT = (
    '<script>/* added by newsarchive serve, not part of the site */(function(){{var b="{build}";'
    'function poll(){{fetch("{path}",{{cache:"no-store"}}).then(function(r){{return r.text()}})'
    '.then(function(t){{if(t!==b){{location.reload()}}else{{setTimeout(poll,1000)}}}},'
    'function(){{setTimeout(poll,2000)}})}}setTimeout(poll,1000)}})();</script>'
)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
Snapshot = dict[str, tuple[int, int]]


def inject_reload(page: bytes, build: int) -> bytes:
    """An HTML page + the current build number → the page with the reload script before </body>."""
    script = _RELOAD_SCRIPT.format(build=build, path=RELOAD_PATH).encode()
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + script
    cut = ends[-1].start()
    return page[:cut] + script + page[cut:]


def snapshot(paths: list[Path], skip: Path | None = None) -> Snapshot:
    """Files and folders → {file: (mtime_ns, size)} for every non-hidden file, skipping `skip`."""
    found: Snapshot = {}
    for root in paths:
        root = root.resolve()
        files = [root] if root.is_file() else _visible_files(root)
        for file in files:
            if skip is not None and skip in file.parents:
                continue
            try:
                stat = file.stat()
            except OSError:
                continue  # deleted while we looked; the next poll sees it gone
            found[str(file)] = (stat.st_mtime_ns, stat.st_size)
    return found


def _visible_files(folder: Path) -> list[Path]:
    """A folder → every file below it that is not hidden (editors' swap files and import state are)."""
    if not folder.is_dir():
        return []
    return [p for p in folder.rglob("*")
            if not any(part.startswith(".") for part in p.relative_to(folder).parts) and p.is_file()]


class _Server(http.server.ThreadingHTTPServer):
    """The HTTP server, holding the preview it serves."""

    daemon_threads = True
    preview: Preview


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder; HTML responses get the reload script; misses get the site's 404.html."""

    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the terminal is for build messages."""

    def end_headers(self) -> None:
        """Every response must be revalidated, so a reload shows the rebuilt files."""
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        """One complete response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_page(self, status: int, file: Path) -> bool:
        """An HTML file → sent with the reload script; False if it vanished meanwhile."""
        try:
            page = file.read_bytes()
        except OSError:
            return False
        self._send(status, inject_reload(page, self.server.preview.build_number), "text/html; charset=utf-8")
        return True

    def _html_file(self) -> Path | None:
        """The HTML file this request names, or None (not HTML, missing, or a folder needing a redirect)."""
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return None  # SimpleHTTPRequestHandler redirects to the slash form
            target = target / "index.html"
        return target if target.suffix in (".html", ".htm") and target.is_file() else None

    def do_GET(self) -> None:
        """The build number, an HTML page with the reload script, or any other file as it is."""
        if urlsplit(self.path).path == RELOAD_PATH:
            self._send(200, str(self.server.preview.build_number).encode(), "text/plain")
            return
        page = self._html_file()
        if page is None or not self._send_page(200, page):
            super().do_GET()

    def do_HEAD(self) -> None:
        """Like GET without the body (HTML pages are measured with their script)."""
        page = self._html_file()
        if page is None or not self._send_page(200, page):
            super().do_HEAD()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A 404 shows the site's own 404.html; other errors the standard page."""
        not_found = Path(self.directory) / "404.html"
        if code == 404 and not_found.is_file() and self._send_page(404, not_found):
            return
        super().send_error(code, message, explain)


class Preview:
    """A built site served on 127.0.0.1 and rebuilt whenever its inputs change."""

    def __init__(self, input_dir: Path, output_dir: Path, config_path: Path | None = None, port: int = 8000,
                 templates_dir: Path = TEMPLATES_DIR, interval: float = 0.5,
                 log: Callable[[str], None] | None = None):
        self.input_dir = input_dir  # the archive folder
        self.output_dir = output_dir  # the site folder, served as it is
        self.config_path = config_path  # the config given with --config; None = newsarchive.toml if present
        self.port = port  # 0 picks a free port (tests)
        self.templates_dir = templates_dir  # templates watched and rendered with
        self.interval = interval  # seconds between polls
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.build_number = 0  # builds that changed the site; open pages reload when it changes
        # The article cache beside the site, as for `newsarchive build`: rebuilds clean only what changed.
        self.cache_dir = default_cache_dir(output_dir)
        self._warned: set[Problem] = set()  # warnings already printed (errors print every time)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        """The address the site is served at."""
        port = self._server.server_address[1] if self._server else self.port
        return f"http://{HOST}:{port}/"

    def _config(self) -> Config:
        """The config as it is now on disk."""
        if self.config_path is not None:
            return load_config(self.config_path)
        return load_config(DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)

    def _watched(self) -> list[Path]:
        """Everything whose change means a rebuild: the archive, the templates, the config, and the media
        store's ledger (a `newsarchive media` run writes its journal first), not its thousands of files."""
        watched = [self.input_dir, self.templates_dir, self.config_path or DEFAULT_CONFIG]
        try:
            store = store_folder(self._config(), self.input_dir)
        except ConfigError:
            return watched  # the rebuild reports it
        return [*watched, store / LEDGER, store / f"{LEDGER}-wal"]

    def _build(self) -> None:
        """Read, render and write the site, then print its problems and a summary; raises on failure."""
        started = time.monotonic()
        config = self._config()
        result = build(self.input_dir, self.output_dir, config, self.templates_dir, cache_dir=self.cache_dir)
        archive, files_seen, written = result.archive, result.files_seen, result.written
        assert written is not None
        for problem in archive.problems:
            if problem.severity == "error" or problem not in self._warned:
                self.log(str(problem))
        self._warned = {p for p in archive.problems if p.severity == "warning"}
        if written.written or written.removed or self.build_number == 0:
            self.build_number += 1  # open pages reload only when the site really changed
        errors = sum(1 for p in archive.problems if p.severity == "error")
        self.log(f"[{time.strftime('%H:%M:%S')}] built {len(archive.articles)} articles from {files_seen} "
                 f"files ({errors} skipped): {written.written} pages written, {written.removed} removed "
                 f"in {time.monotonic() - started:.1f} s")

    def rebuild(self) -> bool:
        """Build → True; on any failure print it and keep the last good site → False."""
        try:
            self._build()
        except NewsarchiveError as exc:
            self.log(f"error: {exc}\nThe last good site is still served; fix this and save to rebuild.")
            return False
        except Exception:
            self.log(f"{traceback.format_exc()}error: the rebuild failed (above); the last good site is "
                     "still served. Fix the template or file named in the traceback and save to rebuild.")
            return False
        return True

    def _snapshot(self) -> Snapshot:
        """The watched files' state now (the output folder left out, in case it sits inside the input)."""
        return snapshot(self._watched(), skip=Path(os.path.abspath(self.output_dir)))

    def _watch(self, last: Snapshot) -> None:
        """Poll the inputs until stopped, starting from `last`; rebuild after every change."""
        while not self._stop.wait(self.interval):
            try:
                current = self._snapshot()
            except OSError as exc:  # e.g. a folder renamed mid-walk: look again next time
                self.log(f"warning: cannot look for changes ({exc}); trying again")
                continue
            if current != last:
                last = self._settled(current)
                self.rebuild()

    def _settled(self, current: Snapshot) -> Snapshot:
        """A changed snapshot → the snapshot once two polls in a row agree, so a file caught half-saved
        (an editor truncates, then writes) is not built."""
        while not self._stop.wait(self.interval):
            try:
                again = self._snapshot()
            except OSError:
                continue
            if again == current:
                break
            current = again
        return current

    def start(self) -> str:
        """Listen, build once, then serve and watch in background threads → the site's URL.

        Raises OSError when the port is taken, ConfigError / WriteError when the config or the
        output folder is unusable; any other build failure is printed and the watch goes on.
        """
        # Not resolved: the output is a link that each build points at the new site.
        handler = functools.partial(_Handler, directory=os.path.abspath(self.output_dir))
        self._server = _Server((HOST, self.port), handler)
        self._server.preview = self
        before = self._snapshot()  # taken first, so a change made during the build is not missed
        try:
            self._build()
        except (ConfigError, WriteError):  # nothing can be built into that folder with that config
            self._server.server_close()
            raise
        except NewsarchiveError as exc:
            self.log(f"error: {exc}\nThe first build failed. Fix it and save; the site is rebuilt on every change.")
            self.output_dir.mkdir(parents=True, exist_ok=True)
        except Exception:
            self.log(f"{traceback.format_exc()}error: the first build failed (above). Fix it and save; "
                     "the site is rebuilt on every change.")
            self.output_dir.mkdir(parents=True, exist_ok=True)
        self._threads = [threading.Thread(target=self._server.serve_forever, name="serve", daemon=True),
                         threading.Thread(target=self._watch, args=(before,), name="watch", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self.url

    def stop(self) -> None:
        """Stop watching and serving; returns when both threads have ended."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `serve` subcommand's arguments."""
    parser.add_argument("--input", type=Path, default=Path("seeds"), help="archive folder (default: seeds)")
    parser.add_argument("--output", type=Path, default=Path("site"), help="site folder (default: site)")
    parser.add_argument("--config", type=Path, default=None,
                        help="config file (default: newsarchive.toml if it exists)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between checks for changes")


def run_serve(args: argparse.Namespace) -> int:
    """`newsarchive serve`: run until Ctrl+C → 0; 2 when the config, output folder or port is unusable."""
    preview = Preview(args.input, args.output, args.config, args.port, interval=args.interval)
    try:
        url = preview.start()
    except OSError as exc:
        print(f"error: cannot listen on {HOST}:{args.port} ({exc.strerror}). Fix: pass another --port",
              file=sys.stderr)
        return 2
    print(f"Serving {args.output}/ at {url} — watching {args.input}/, templates and config. "
          "Ctrl+C stops.", file=sys.stderr)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        preview.stop()
    return 0
