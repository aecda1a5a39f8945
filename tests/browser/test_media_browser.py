"""Stored images in real Chromium: a page whose images are all in the media store asks no other host for
anything, and shows every picture; the same page built with publish = "original" does ask the image host
(so the request log would see it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from generator.commands.build import build
from generator.config import parse_config
from tests.browser.conftest import serve
from tests.media_server import ImageServer, image_server
from tests.test_media import MEDIA_TOML, fetch, write_archive


@pytest.fixture(scope="module")
def media_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ImageServer, Path, Path]]:
    """The article with ordinary images, fetched into a store and built twice: (the running image server,
    the site showing the stored copies, the site keeping the original addresses)."""
    root = tmp_path_factory.mktemp("media-browser")
    with image_server() as server:
        archive = write_archive(root / "archive", server, ("100_ordinary.txt",))
        fetch(archive)
        build(archive, root / "local" / "site", parse_config(MEDIA_TOML))
        original = MEDIA_TOML.replace("[media]", '[media]\npublish = "original"')
        build(archive, root / "original" / "site", parse_config(original))
        yield server, root / "local" / "site", root / "original" / "site"


def _load(browser: Browser, site: Path) -> tuple[list[str], list[int], str]:
    """The site's article page opened in Chromium → (every URL the page asked for, the natural width of each
    of its images, the site's host)."""
    [page_file] = (site / "articles").rglob("index.html")
    served = serve(site)
    url = next(served)
    requested: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(url + page_file.relative_to(site).as_posix(), wait_until="load")
        page.evaluate(
            "() => Promise.allSettled([...document.images].map(i => { i.loading = 'eager'; return i.decode(); }))"
        )
        page.wait_for_load_state("networkidle")
        widths = page.evaluate("() => [...document.querySelectorAll('.article .body img')].map(i => i.naturalWidth)")
    finally:
        context.close()
        next(served, None)  # runs the rest of serve(): the server stops
    return requested, widths, urlsplit(url).netloc


def test_a_page_with_all_its_images_stored_asks_no_other_host(browser: Browser, media_sites) -> None:
    server, local, _ = media_sites
    before = len(server.requests)
    requested, widths, host = _load(browser, local)
    assert [url for url in requested if urlsplit(url).netloc != host] == []
    assert len(server.requests) == before
    assert len(widths) == 4 and all(width > 0 for width in widths)  # every picture shows, from the site


def test_the_same_page_keeping_original_addresses_asks_the_image_host(browser: Browser, media_sites) -> None:
    server, _, original = media_sites
    requested, widths, host = _load(browser, original)
    image_host = urlsplit(server.base).netloc
    assert {urlsplit(url).netloc for url in requested} >= {host, image_host}
    assert len(widths) == 4
