"""The seed site in real Chromium: loading, dark mode, keyboard navigation, Chinese search, axe-core.

Only the site's own files are loaded: requests to other hosts (the articles' pictures) are
answered with a grey placeholder picture or refused, so the tests run offline.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from generator.commands.build import BuildResult, build
from generator.config import parse_config
from tests.browser.conftest import serve
from tests.conftest import SEEDS, TEST_CONFIG_TOML

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PLACEHOLDER = ('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="600">'
               '<rect width="900" height="600" fill="#9aa0a6"/></svg>')
NEWEST, MIDDLE, OLDEST = range(3)  # the seed articles, newest first: NYT 2024-06-18, VOA 2024-06-08, VOA 2023-09-14


class PageLog:
    """What went wrong while a page loaded: console errors, script errors, failed own requests."""

    def __init__(self, page: Page, host: str):
        self.problems: list[str] = []
        own = lambda url: urlsplit(url).netloc == host  # noqa: E731
        page.on("console", lambda m: m.type == "error" and own(m.location.get("url", "") or "http://" + host)
                and self.problems.append(f"console: {m.text} ({m.location.get('url')})"))
        page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        # ERR_ABORTED: a request cut short because the page navigated away (keyboard test), not an error.
        page.on("requestfailed", lambda r: own(r.url) and "ERR_ABORTED" not in (r.failure or "")
                and self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: own(r.url) and r.status >= 400
                and self.problems.append(f"HTTP {r.status}: {r.url}"))


def _offline(route: Route) -> None:
    """Requests to other hosts: a placeholder for pictures, refused for anything else."""
    if route.request.resource_type == "image":
        route.fulfill(status=200, content_type="image/svg+xml", body=PLACEHOLDER)
    else:
        route.abort()


@pytest.fixture
def context(browser: Browser, site_url: str) -> Iterator[BrowserContext]:
    """A fresh browser context (light theme, desktop size) that never reaches another host."""
    host = urlsplit(site_url).netloc
    context = browser.new_context(viewport=DESKTOP, color_scheme="light", locale="zh-CN")
    context.route(lambda url: urlsplit(url).netloc != host, _offline)
    yield context
    context.close()


def open_page(context: BrowserContext, url: str) -> tuple[Page, PageLog]:
    """Open a URL in a new tab; → (the page, its problem log), once the page has loaded."""
    page = context.new_page()
    log = PageLog(page, urlsplit(url).netloc)
    page.goto(url, wait_until="load")
    return page, log


def pages_to_check(site_url: str, result: BuildResult) -> dict[str, str]:
    """The pages the tests visit: name → URL."""
    archive = result.archive
    return {
        "front": site_url + "index.html",
        "article": site_url + archive.articles[NEWEST].path + "index.html",
        "tag": site_url + archive.tags[0].path + "index.html",
        "tag index": site_url + "tags/index.html",
        "archive": site_url + "archive/index.html",
        "month": site_url + archive.months[0].path + "index.html",
        "source": site_url + "sources/voachinese.com/index.html",
        "search": site_url + "search/index.html",
    }


def test_pages_load_without_errors(context: BrowserContext, site_url: str,
                                   seed_site: tuple[Path, BuildResult]) -> None:
    _, result = seed_site
    urls = list(pages_to_check(site_url, result).values())
    urls += [site_url + a.path + "index.html" for a in result.archive.articles]
    for url in urls:
        page, log = open_page(context, url)
        page.wait_for_load_state("networkidle")
        assert not log.problems, f"{url}: {log.problems}"
        assert page.locator("main h1").count() >= 1, url
        page.close()


def _luminance(css_color: str) -> float:
    """'rgb(r, g, b)' → relative luminance 0..1."""
    r, g, b = (int(float(x)) / 255 for x in css_color[css_color.index("(") + 1 : css_color.index(")")].split(",")[:3])
    lin = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4  # noqa: E731
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colour_scheme_follows_the_system(context: BrowserContext, site_url: str, scheme: str,
                                          seed_site: tuple[Path, BuildResult]) -> None:
    _, result = seed_site
    page, _ = open_page(context, site_url + result.archive.articles[NEWEST].path + "index.html")
    page.emulate_media(color_scheme=scheme)
    colors = page.evaluate("""() => { const s = getComputedStyle(document.body);
        const a = getComputedStyle(document.querySelector('.article .body a'));
        return [s.backgroundColor, s.color, a.color]; }""")
    background, text, link = (_luminance(c) for c in colors)
    contrast = lambda a, b: (max(a, b) + 0.05) / (min(a, b) + 0.05)  # noqa: E731
    if scheme == "dark":
        assert background < 0.05 and text > 0.6, colors
    else:
        assert background > 0.9 and text < 0.05, colors
    assert contrast(background, text) >= 7 and contrast(background, link) >= 4.5, colors


def test_keyboard_moves_between_articles(context: BrowserContext, site_url: str,
                                         seed_site: tuple[Path, BuildResult]) -> None:
    _, result = seed_site
    articles = result.archive.articles
    url_of = lambda i: site_url + articles[i].path + "index.html"  # noqa: E731
    page, log = open_page(context, url_of(MIDDLE))
    page.keyboard.press("ArrowLeft")  # newer article
    page.wait_for_url(url_of(NEWEST))
    page.keyboard.press("ArrowRight")  # older article
    page.wait_for_url(url_of(MIDDLE))
    page.keyboard.press("Shift+ArrowRight")  # older article from the same source (VOA)
    page.wait_for_url(url_of(OLDEST))
    page.keyboard.press("Shift+ArrowRight")  # none older: stays
    page.keyboard.press("Shift+ArrowLeft")
    page.wait_for_url(url_of(MIDDLE))
    assert articles[MIDDLE].outlet == articles[OLDEST].outlet != articles[NEWEST].outlet
    page.keyboard.press("/")
    page.wait_for_url(site_url + "search/index.html")
    page.wait_for_selector(".pagefind-ui__search-input:focus")
    page.keyboard.press("ArrowLeft")  # typing in the search box never navigates
    assert page.url == site_url + "search/index.html"
    assert not log.problems


def test_skip_link_and_focus_are_visible(context: BrowserContext, site_url: str) -> None:
    page, _ = open_page(context, site_url + "index.html")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        return [e.className, s.outlineStyle, s.outlineWidth, r.left >= 0 && r.top >= 0]; }""")
    assert focused[0] == "skip" and focused[1] != "none" and focused[2] != "0px" and focused[3], focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize(("query", "expected"), [
    ("金正恩", [NEWEST, MIDDLE, OLDEST]),  # in every seed
    ("普京", [NEWEST, MIDDLE, OLDEST]),
    ("绍伊古", [NEWEST]),  # Shoigu: only the NYT article
    ("东方航天发射场", [NEWEST, OLDEST]),  # Vostochny: a phrase, segmented into words
])
def test_chinese_search_finds_the_right_articles(context: BrowserContext, site_url: str, query: str,
                                                  expected: list[int], seed_site: tuple[Path, BuildResult]) -> None:
    _, result = seed_site
    page, log = open_page(context, site_url + "search/index.html")
    page.fill(".pagefind-ui__search-input", query)
    page.wait_for_selector(".pagefind-ui__result-link")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.pagefind-ui__loading')")
    found = sorted(page.eval_on_selector_all(".pagefind-ui__result-link", "links => links.map(a => a.href)"))
    articles = result.archive.articles
    assert found == sorted(site_url + articles[i].path + "index.html" for i in expected), query
    page.click(".pagefind-ui__result-link >> nth=0")
    page.wait_for_load_state("load")
    assert page.locator("article h1").count() == 1
    assert not log.problems


def test_search_excerpts_show_chinese_as_written(context: BrowserContext, site_url: str) -> None:
    """The index holds Chinese split into words by spaces, and the written spaces as a word of their own
    (generator/words.py); search.js shows the text as written again, around the highlighted match too."""
    page, log = open_page(context, site_url + "search/index.html?q=" + "东方航天发射场")
    page.wait_for_selector(".pagefind-ui__result-excerpt mark")
    excerpts = page.eval_on_selector_all(".pagefind-ui__result-excerpt", "els => els.map(e => e.textContent)")
    assert any("东方航天发射场" in e for e in excerpts), excerpts
    # No space between two Chinese characters (the seeds have none written), and no marker left.
    assert all(not re.search(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]|\u2060", e) for e in excerpts), excerpts
    marked = page.eval_on_selector_all(".pagefind-ui__result-excerpt mark", "els => els.map(e => e.textContent)")
    assert {"东方", "航天", "发射"} <= set(marked), marked
    # VOA's dateline: written "华盛顿 — " before the first paragraph; the spaces beside the Chinese stay.
    page.fill(".pagefind-ui__search-input", "华盛顿")
    page.wait_for_function("() => [...document.querySelectorAll('.pagefind-ui__result-excerpt')]"
                           ".some(e => e.textContent.includes('华盛顿 — 拜登'))")
    assert not log.problems


@pytest.fixture(scope="module")
def english_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeds built as an English-language site, served over HTTP → its URL."""
    out = tmp_path_factory.mktemp("english") / "site"
    build(SEEDS, out, parse_config(TEST_CONFIG_TOML + 'language = "en"\n'))
    yield from serve(out)


def test_a_chinese_query_finds_chinese_articles_on_an_english_site(browser: Browser, english_site_url: str) -> None:
    """Pagefind splits a query into words only on a Chinese (Japanese, Thai) page; search.js splits a
    Chinese query on an English page, so it matches the words the index holds."""
    host = urlsplit(english_site_url).netloc
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.route(lambda url: urlsplit(url).netloc != host, _offline)
    page, log = open_page(context, english_site_url + "search/index.html?q=" + "东方航天发射场")
    page.wait_for_selector(".pagefind-ui__result-link")
    page.wait_for_function("() => !document.querySelector('.pagefind-ui__loading')")
    assert page.locator("html").get_attribute("lang") == "en"
    links = page.eval_on_selector_all(".pagefind-ui__result-link", "links => links.map(a => a.textContent)")
    assert any("普京" in link for link in links), links
    marked = page.eval_on_selector_all(".pagefind-ui__result-excerpt mark", "els => els.map(e => e.textContent)")
    assert {"东方", "航天", "发射"} <= set(marked), marked
    assert not log.problems
    context.close()


def test_search_query_in_the_address(context: BrowserContext, site_url: str) -> None:
    page, log = open_page(context, site_url + "search/index.html?q=" + "绍伊古")
    page.wait_for_selector(".pagefind-ui__result-link")
    assert page.locator(".pagefind-ui__result-link").count() == 1
    assert not log.problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["front", "article", "tag", "tag index", "search"])
def test_axe_finds_no_serious_violation(context: BrowserContext, site_url: str, axe_source: str, name: str,
                                        scheme: str, seed_site: tuple[Path, BuildResult]) -> None:
    _, result = seed_site
    page, _ = open_page(context, pages_to_check(site_url, result)[name])
    page.emulate_media(color_scheme=scheme)
    if name == "search":  # check the page with results showing
        page.fill(".pagefind-ui__search-input", "普京")
        page.wait_for_selector(".pagefind-ui__result-link")
    page.add_script_tag(content=axe_source)
    report: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
               for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name} ({scheme}): {serious}"


def test_screenshots(browser: Browser, site_url: str, seed_site: tuple[Path, BuildResult],
                     tmp_path: Path) -> None:
    """Front page and an article, light and dark, phone and desktop; into docs/screenshots/ with
    UPDATE_SCREENSHOTS=1 (the README shows them), else into a temporary folder."""
    _, result = seed_site
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    host = urlsplit(site_url).netloc
    pages = {"front": site_url + "index.html",
             "article": site_url + result.archive.articles[NEWEST].path + "index.html"}
    for scheme in ("light", "dark"):
        for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            context = browser.new_context(viewport=viewport, color_scheme=scheme, locale="zh-CN",
                                          device_scale_factor=2 if device == "phone" else 1)
            context.route(lambda url: urlsplit(url).netloc != host, _offline)
            for name, url in pages.items():
                page = context.new_page()
                page.goto(url, wait_until="networkidle")
                target = folder / f"{name}-{scheme}-{device}.png"
                page.screenshot(path=str(target))
                assert target.stat().st_size > 10_000
            context.close()


def test_tag_index_filter_narrows_by_name_or_pinyin(context: BrowserContext, site_url: str) -> None:
    page, log = open_page(context, site_url + "tags/index.html")
    box = page.locator("#tag-filter input")
    assert box.is_visible()  # the script shows the box; without script it stays hidden (test_tags)
    visible = "() => Array.from(document.querySelectorAll('.tag-group li')).filter(li => !li.hidden).map(li => li.querySelector('a').textContent)"  # noqa: E501
    everything = page.evaluate(visible)
    assert {"普京", "金正恩", "朝鲜", "俄罗斯"} <= set(everything)
    box.fill("pj")  # the initials of pu jing
    assert page.evaluate(visible) == ["普京"]
    assert page.locator("section#l").is_hidden() and page.locator("section#p h3:text('J')").is_hidden()
    box.fill("朝")
    assert page.evaluate(visible) == ["朝鲜"]
    box.fill("")
    assert page.evaluate(visible) == everything
    assert not log.problems
