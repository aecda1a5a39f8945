"""The XSS corpus (tests/fixtures/xss/) built and opened in Chromium: no payload runs on any page.

Every payload in the corpus, and in the config it is built with, would call
`window.__xss=1;console.log('XSS-MARKER');alert(1)` if it ever ran. Every page of the built
site (articles, tags, sources, listings, months, archive, front page, search, 404, and the
feeds, which Chromium shows as XML) is opened with a dialog handler and a console listener;
events are fired at every element (so inline handlers would run), and the DOM the browser
built is audited for anything that could run script later.

What counts as a request caused by a payload:
- allowed: the site's own files on 127.0.0.1; pictures (resource type "image") requested by
  the page itself from the articles' own host (xss.example), because the cleaner keeps
  http(s) images and resolves relative ones against the article's URL — by design;
- caught: any other request that leaves 127.0.0.1 (a script, style sheet, font, fetch,
  frame or navigation, or any request at all to another host such as evil.example), any
  request from a frame other than the page's own, any navigation away from the page, and
  any request for the site's own files that fails (a payload URL resolved into the site).
External requests never reach the network: pictures get a grey placeholder, the rest are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Request, Route

from generator.commands.build import BuildResult

from ..conftest import XSS_MARKER_JS

MARKER = "XSS-MARKER"
ARTICLE_HOST = "xss.example"  # where the corpus articles say they come from; their pictures are allowed
PLACEHOLDER = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
# Fires, at every element, each event an inline handler or an SVG animation could listen for.
FIRE_EVENTS = """() => {
  const types = ['mouseover', 'mouseenter', 'mousemove', 'pointerover', 'pointerenter', 'focus', 'focusin',
                 'blur', 'mousedown', 'mouseup', 'animationstart', 'animationend', 'transitionend', 'toggle',
                 'load', 'error', 'begin', 'end', 'scroll', 'wheel', 'copy', 'input', 'change'];
  for (const element of document.querySelectorAll('body *'))
    for (const type of types) element.dispatchEvent(new Event(type));
}"""
# The DOM as the browser built it → everything in it that could run script or load a document.
# The search page's own UI (Pagefind, inside #search) may hold a form (action="javascript:void(0);"),
# inputs and buttons; so may the tag index's filter box (#tag-filter, a form with one input).
DOM_AUDIT = """() => {
  const problems = [];
  const forbidden = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'form', 'style',
    'template', 'noscript', 'math', 'portal', 'input', 'button', 'textarea', 'select', 'isindex', 'xmp', 'listing',
    'noembed', 'noframes', 'marquee', 'video', 'audio', 'source', 'picture', 'use', 'foreignobject', 'animate',
    'set', 'image', 'link']);
  const ownUi = new Set(['form', 'input', 'button', 'noscript', 'style']);
  const urlAttributes = new Set(['href', 'src', 'action', 'formaction', 'poster', 'data', 'background', 'srcset',
    'cite', 'longdesc', 'codebase', 'srcdoc', 'ping', 'lowsrc', 'dynsrc', 'usemap', 'manifest', 'to', 'values',
    'from', 'by', 'xlink:href']);
  const own = (url) => { const u = new URL(url, location.href);
    return u.host === location.host && /\\/(static|pagefind)\\/([\\w.-]+\\/)*[\\w.-]+\\.js$/.test(u.pathname); };
  const check = (root) => {
    for (const element of root.querySelectorAll('*')) {
      const name = element.localName.toLowerCase();
      const inSearchUi = Boolean(element.closest('#search, #tag-filter'));
      const inHead = Boolean(element.closest('head'));
      if (forbidden.has(name) && !(inSearchUi && ownUi.has(name)) && !(inHead && name === 'link'))
        problems.push('<' + name + '> element');
      if (name === 'script' && !(element.type === 'application/ld+json' || (element.src && own(element.src))))
        problems.push('<script src="' + element.getAttribute('src') + '">' + element.textContent.slice(0, 60));
      if (name === 'meta' && element.httpEquiv) problems.push('<meta http-equiv="' + element.httpEquiv + '">');
      for (const attribute of element.attributes) {
        const key = attribute.name.toLowerCase();
        const value = attribute.value.replace(/[\\u0000-\\u0020\\u007f]/g, '').toLowerCase();
        if (key.startsWith('on')) problems.push('<' + name + ' ' + key + '>');
        else if ((urlAttributes.has(key) || key.endsWith(':href')) && /^[a-z][a-z0-9+.-]*:/.test(value)
                 && !/^(https?|mailto):/.test(value)
                 && !(inSearchUi && name === 'form' && attribute.value === 'javascript:void(0);'))  // Pagefind's
          problems.push('<' + name + ' ' + key + '="' + attribute.value.slice(0, 60) + '">');
      }
      if (element.shadowRoot) check(element.shadowRoot);
    }
  };
  check(document);
  return problems;
}"""


@dataclass
class Watch:
    """Everything suspicious seen while pages were open, as readable lines."""

    host: str  # host:port of the site's server
    url: str = ""  # the page being opened or looked at
    problems: list[str] = field(default_factory=list)
    external_images: list[str] = field(default_factory=list)  # allowed requests that left 127.0.0.1

    def route(self, route: Route) -> None:
        """A request for another host: note whether a payload could have caused it, then answer it offline."""
        request = route.request
        allowed = (request.resource_type == "image" and urlsplit(request.url).hostname == ARTICLE_HOST
                   and not self._from_subframe(request) and not request.is_navigation_request())
        if allowed:
            self.external_images.append(request.url)
            route.fulfill(status=200, content_type="image/svg+xml", body=PLACEHOLDER)
        else:
            self.problems.append(f"request left 127.0.0.1: {request.resource_type} {request.url[:120]}")
            route.abort()

    @staticmethod
    def _from_subframe(request: Request) -> bool:
        try:
            return request.frame.parent_frame is not None
        except Exception:  # a request with no frame (a worker's) is not the page's own either
            return True

    def attach(self, page: Page) -> None:
        """Listen on a page for dialogs, markers, errors, frames and navigations away from self.url."""
        own = lambda u: urlsplit(u).netloc == self.host  # noqa: E731

        def dialog(d: object) -> None:
            self.problems.append(f"{self.where}: {d.type} dialog: {d.message!r}")  # type: ignore[attr-defined]
            d.dismiss()  # type: ignore[attr-defined]

        page.on("dialog", dialog)
        page.on("console", lambda m: MARKER in m.text and self.problems.append(f"{self.where}: console: {m.text!r}"))
        page.on("pageerror", lambda e: self.problems.append(f"{self.where}: script error: {e}"))
        page.on("frameattached", lambda f: self.problems.append(f"{self.where}: a frame was attached: {f.url}"))
        page.on("request", lambda r: r.is_navigation_request() and r.url != self.url
                and self.problems.append(f"{self.where}: navigation to {r.url[:120]}"))
        page.on("response", lambda r: own(r.url) and r.status >= 400
                and self.problems.append(f"{self.where}: HTTP {r.status} for {r.url}"))

    @property
    def where(self) -> str:
        """The page being looked at, for messages."""
        return urlsplit(self.url).path

    def check(self, page: Page) -> None:
        """After a page settled: no flag set, still on the same document, nothing dangerous in its DOM."""
        if page.evaluate("() => window.__xss") is not None:
            self.problems.append(f"{self.where}: window.__xss was set")
        if page.url != self.url:
            self.problems.append(f"{self.where}: the page moved to {page.url}")
        if len(page.frames) != 1:
            self.problems.append(f"{self.where}: {len(page.frames)} frames")
        if page.evaluate("() => document.contentType") == "text/html":
            self.problems += [f"{self.where}: {p}" for p in page.evaluate(DOM_AUDIT)]


def _tab(browser: Browser, watch: Watch) -> tuple[BrowserContext, Page]:
    """A browser context that never reaches another host, and one tab in it that the watch listens on."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.route(lambda url: urlsplit(url).netloc != watch.host, watch.route)
    page = context.new_page()
    watch.attach(page)
    return context, page


def _visit(page: Page, watch: Watch, url: str) -> None:
    """Open url, let timers and animations run, fire every event at every element, then check the page."""
    watch.url = url
    page.goto(url, wait_until="load")
    page.wait_for_timeout(100)
    if page.evaluate("() => document.contentType") == "text/html":
        page.evaluate(FIRE_EVENTS)
        page.keyboard.press("Tab")
        page.wait_for_timeout(50)
    watch.check(page)


def test_no_payload_runs_on_any_page(browser: Browser, xss_site_url: str,
                                     xss_site: tuple[Path, BuildResult]) -> None:
    site, result = xss_site
    watch = Watch(urlsplit(xss_site_url).netloc)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.suffix in (".html", ".xml")
                   and "pagefind" not in p.parts)
    articles = {a.path + "index.html" for a in result.archive.articles}
    assert articles <= set(pages) and "404.html" in pages and "search/index.html" in pages
    assert {t.path + "index.html" for t in result.archive.tags} <= set(pages)
    assert sum(p.endswith(".xml") for p in pages) >= 10
    context, page = _tab(browser, watch)
    for path in pages:
        _visit(page, watch, xss_site_url + quote(path))
    context.close()
    assert watch.problems == []
    # The watch sees requests: the corpus's own pictures were requested (and answered offline).
    assert any("/ok.png" in url or "/a.svg" in url for url in watch.external_images)


def test_search_results_run_no_payload(browser: Browser, xss_site_url: str) -> None:
    """Pagefind shows titles and excerpts of the indexed pages: payload words searched, and a payload as the
    query in the address (search.js passes ?q= to Pagefind, which echoes it)."""
    watch = Watch(urlsplit(xss_site_url).netloc)
    context, page = _tab(browser, watch)
    search = xss_site_url + "search/index.html"
    _visit(page, watch, search)
    found = 0
    for query in ["script", "javascript", "onerror", "Script Alert", "svg", "XSS-MARKER", "img src", "7*7", "iframe"]:
        page.fill(".pagefind-ui__search-input", query)
        page.wait_for_function("() => document.querySelector('.pagefind-ui__message') "
                               "&& !document.querySelector('.pagefind-ui__loading')")
        page.wait_for_load_state("networkidle")
        found += page.locator(".pagefind-ui__result-link").count()
        page.evaluate(FIRE_EVENTS)
        watch.check(page)
    assert found >= 10  # the queries did show results, payload text among them
    payload = f'<img src=x onerror="{XSS_MARKER_JS}"><script>{XSS_MARKER_JS}</script>'
    _visit(page, watch, f"{search}?q={quote(payload)}")
    page.wait_for_selector(".pagefind-ui__message")
    page.wait_for_timeout(200)
    watch.check(page)
    assert "onerror" in page.inner_text(".pagefind-ui__message")  # shown, as text
    context.close()
    assert watch.problems == []
