"""Browser test setup: Debian's Chromium, axe-core from npm, and the seed site on a local HTTP server.

A fresh machine has neither Chromium nor axe-core, so the session installs them: Chromium (and
CJK fonts, for screenshots that show Chinese) with apt-get when /usr/bin/chromium is missing,
axe-core with npm into .cache/npm (ignored by git). Playwright drives that Chromium; its own
browser downloads (`playwright install`) are never used. A failed install fails the tests with
the command to run; the browser tests are never skipped.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.commands.build import BuildResult

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
NPM_PREFIX = ROOT / ".cache" / "npm"
AXE = NPM_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4"  # major version of axe-core to install
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
APT_PACKAGES = ["chromium", "fonts-noto-cjk"]


def _run(command: list[str], what: str) -> None:
    """Run an install command; fail the session with its output and the command to run by hand."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"could not {what}: {' '.join(command)}: {error}", pytrace=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-3000:]
        pytest.fail(f"could not {what} (exit {done.returncode}): {' '.join(command)}\n{output}", pytrace=False)


def _has_cjk_font() -> bool:
    """True when fontconfig knows a font for Chinese."""
    if not shutil.which("fc-list"):
        return False
    done = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(done.stdout.strip())


@pytest.fixture(scope="session")
def chromium() -> Path:
    """→ /usr/bin/chromium, installed with apt-get (with CJK fonts) when it is missing."""
    missing = [p for p, ok in (("chromium", CHROMIUM.exists()), ("fonts-noto-cjk", _has_cjk_font())) if not ok]
    if missing:
        if not shutil.which("apt-get"):
            pytest.fail(f"{', '.join(missing)} missing and there is no apt-get: install Debian's chromium "
                        f"at {CHROMIUM} and a CJK font", pytrace=False)
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        _run([*sudo, "apt-get", "update"], "update apt's package lists")
        _run([*sudo, "apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES],
             f"install {' '.join(APT_PACKAGES)} with apt-get")
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get installed chromium but {CHROMIUM} is still missing", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_source() -> str:
    """→ the text of axe.min.js, installed with npm into .cache/npm when it is missing."""
    if not AXE.exists():
        if not shutil.which("npm"):
            pytest.fail("axe-core is needed and npm is missing: install Node.js and npm", pytrace=False)
        NPM_PREFIX.mkdir(parents=True, exist_ok=True)
        _run(["npm", "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", "--no-save",
              "--loglevel=error", f"axe-core@{AXE_VERSION}"], "install axe-core with npm")
    if not AXE.exists():
        pytest.fail(f"npm finished but {AXE} is missing", pytrace=False)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[object]:
    """→ a Playwright Browser running Debian's Chromium, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    """A static file handler that does not log every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(site: Path) -> Iterator[str]:
    """A built site folder served over HTTP on 127.0.0.1 → its URL, at a sub-path named like the folder."""
    handler = functools.partial(_QuietHandler, directory=str(site.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{site.name}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def site_url(seed_site: tuple[Path, BuildResult]) -> Iterator[str]:
    """The built seed site (with its search index) served over HTTP → its URL, at a sub-path (/site/)."""
    yield from serve(seed_site[0])


@pytest.fixture(scope="session")
def xss_site_url(xss_site: tuple[Path, BuildResult]) -> Iterator[str]:
    """The built XSS corpus (tests/fixtures/xss/) served over HTTP → its URL, at /news/ like its base_url."""
    yield from serve(xss_site[0])
