"""The XSS corpus (tests/fixtures/xss/, one file per payload family) through a full build.

Titles, tags, source names and URLs are escaped everywhere: every HTML page (with its JSON-LD),
every Atom feed (lxml and feedparser), every JSON feed, and every Markdown copy, which is
rendered here by a deliberately permissive Markdown renderer (raw HTML on, any link scheme
accepted) and must still give only harmless markup. Escaping is checked for fidelity too: a
title read back from any of those equals the title, so nothing is lost or double-escaped.

The proof that no script runs in a real browser is tests/browser/test_xss_browser.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree
from markdown_it import MarkdownIt

from generator.article.cleaner import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_body
from generator.commands.build import BuildResult, build
from generator.config import parse_config
from generator.models import Article

from .conftest import XSS_CONFIG_TOML, XSS_FIXTURES, XSS_MARKER_JS, month_copy_articles

ATOM = "{http://www.w3.org/2005/Atom}"
CONFIG = parse_config(XSS_CONFIG_TOML)
# Attributes that hold a URL somewhere in HTML or SVG.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "background", "xlink:href", "srcset",
                  "cite", "longdesc", "codebase", "srcdoc", "ping", "lowsrc", "dynsrc", "usemap", "manifest", "to",
                  "values", "from", "by", "content"}
SAFE_URL = re.compile(r"(https?://|mailto:)", re.IGNORECASE)
# A URL without a scheme (relative): nothing before the first "/", "?" or "#" ends in a colon.
RELATIVE_URL = re.compile(r"[^:/?#]*([/?#]|$)")
# Elements that never belong on a page of this site, wherever they are.
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "style",
                      "template", "noscript", "math", "portal", "input", "button", "textarea", "select",
                      "isindex", "xmp", "listing", "noembed", "noframes", "marquee", "video", "audio", "source",
                      "picture", "use", "foreignobject", "animate", "set", "image"}
# The site's own scripts: keyboard shortcuts, search; site-relative, versioned.
OWN_SCRIPT = re.compile(r"(\.\./)*(static/(keys|search|tags)\.js\?v=[0-9a-f]+"
                        r"|pagefind/[0-9]{4}-[0-9]{2}-from-[0-9]{2}/pagefind-ui\.js)")
# Elements a Markdown renderer makes from Markdown syntax (and so may appear in a rendered copy).
MARKDOWN_ELEMENTS = {"p", "a", "img", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre", "blockquote",
                     "ul", "ol", "li", "hr", "br", "html", "body", "div"}


@pytest.fixture(scope="module")
def site(xss_site: tuple[Path, BuildResult]) -> Path:
    return xss_site[0]


@pytest.fixture(scope="module")
def articles(xss_site: tuple[Path, BuildResult]) -> tuple[Article, ...]:
    return xss_site[1].archive.articles


def _compact(url: str) -> str:
    """A URL as a browser reads its scheme: without the white space and controls it ignores."""
    return re.sub(r"[\x00-\x20\x7f]", "", url)


def unsafe_url(value: str) -> bool:
    """True for a URL attribute value that names a scheme other than http(s) or mailto."""
    compact = _compact(value)
    return not (SAFE_URL.match(compact) or RELATIVE_URL.match(compact))


def audit(root: lxml.html.HtmlElement) -> list[str]:
    """A parsed page → everything in it that could run script or load another document."""
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        tag = element.tag.lower().rsplit("}", 1)[-1]
        # The search page says in a <noscript> that it needs script; the tag index's filter box is a form
        # (#tag-filter) with one search input, of its own making.
        own_form = tag in ("form", "input") and next(element.iterancestors("form"), element).get("id") == "tag-filter"
        if tag in FORBIDDEN_ELEMENTS and not (tag == "noscript" and element.getparent().get("id") == "search") \
                and not (own_form and (tag == "form" or element.get("type") == "search")):
            problems.append(f"<{tag}> element")
        if tag == "meta" and element.get("http-equiv"):
            problems.append(f"<meta http-equiv={element.get('http-equiv')!r}>")
        if tag == "script":
            if element.get("type") == "application/ld+json":
                json.loads(element.text or "")  # JSON-LD must stay data: a break-out would not parse
            elif not OWN_SCRIPT.fullmatch(element.get("src") or "") or (element.text or "").strip():
                problems.append(f"<script src={element.get('src')!r}>{(element.text or '')[:60]}")
        for name, value in element.attrib.items():
            name = name.lower().rsplit("}", 1)[-1]
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=…>")
            elif name in URL_ATTRIBUTES and tag != "meta" and unsafe_url(value):
                problems.append(f"<{tag} {name}={value[:60]!r}>")
    return problems


def audit_fragment(html: str | lxml.html.HtmlElement) -> list[str]:
    """Article HTML (a page's body element, a feed entry's content) → whatever in it is not allow-listed."""
    if isinstance(html, str):
        if not html.strip():
            return []
        html = lxml.html.fragment_fromstring(html, create_parent="div")
    problems = audit(html)
    for element in html.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(element.tag, set()) | {"rel", "loading"}
        if element.tag not in ALLOWED_TAGS:
            problems.append(f"<{element.tag}> is not allow-listed")
        problems += [f"<{element.tag} {a}>" for a in element.attrib if a not in allowed]
        problems += [f"<{element.tag} {a}={v!r}>" for a, v in element.attrib.items()
                     if a in ("href", "src") and not SAFE_URL.match(v)]
    return problems


def parse(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(path.read_bytes())


def text_of(element: lxml.html.HtmlElement | None) -> str:
    assert element is not None
    return "".join(element.itertext())


def meta(root: lxml.html.HtmlElement, key: str) -> list[str]:
    """Values of <meta property=key> or <meta name=key>."""
    return [m.get("content") for m in root.iter("meta") if key in (m.get("property"), m.get("name"))]


# --- the corpus ----------------------------------------------------------------------------


def test_every_payload_file_becomes_an_article(xss_site: tuple[Path, BuildResult]) -> None:
    _, result = xss_site
    files = sorted(p.name for p in XSS_FIXTURES.glob("*.txt"))
    assert len(files) >= 20
    assert sorted(a.source_file for a in result.archive.articles) == files
    assert not result.errors and not result.archive.duplicates
    assert all(XSS_MARKER_JS in p.read_text(encoding="utf-8") or "alert(1)" in p.read_text(encoding="utf-8")
               or p.name.startswith("tags-from-text") for p in XSS_FIXTURES.glob("*.txt"))


def test_payload_words_and_config_payloads_become_tags(xss_site: tuple[Path, BuildResult]) -> None:
    """Found in text (letters only: names of capitalised words) and fixed in the config (any characters)."""
    _, result = xss_site
    tags = {t.name for t in result.archive.tags}
    assert {"Script Alert", "Onerror Handler", "O'Brien Javascript", "XSS-MARKER"} <= tags
    assert set(CONFIG.tags.fixed["xss.example"]) <= tags
    # Letters only (in any script: the entity table names Putin 普京 on a Chinese site).
    assert all(c.isalpha() or c in "'’- " for t in tags - set(CONFIG.tags.fixed["xss.example"]) for c in t)


# --- HTML ----------------------------------------------------------------------------------


def test_no_page_holds_anything_that_could_run_script(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 40
    for page in pages:
        assert audit(parse(page)) == [], page.relative_to(site)


def test_article_bodies_are_allow_listed(site: Path, articles: tuple[Article, ...]) -> None:
    for article in articles:
        (body,) = parse(site / article.path / "index.html").xpath('//div[@class="body"]')
        assert audit_fragment(body) == [], article.source_file


def test_titles_tags_and_urls_read_back_exactly_from_article_pages(site: Path, articles: tuple[Article, ...]) -> None:
    for article in articles:
        root = parse(site / article.path / "index.html")
        where = article.source_file
        assert text_of(root.find(".//h1")) == article.title, where
        assert text_of(root.find(".//title")) == f"{article.title} · {CONFIG.title}", where
        assert meta(root, "og:title") == [article.title] and meta(root, "twitter:title") == [], where
        assert meta(root, "article:tag") == list(article.tags), where
        assert meta(root, "article:section") == [article.outlet.name], where
        assert [text_of(li) for li in root.xpath('//ul[@class="tags"]/li')] == list(article.tags), where
        assert [a.get("href") for a in root.xpath('//a[@class="original"]')] == [article.url], where
        (ld,) = root.xpath('//script[@type="application/ld+json"]')
        data = json.loads(ld.text)
        assert data["headline"] == data["isBasedOn"]["headline"] == article.title, where
        assert data["isBasedOn"]["url"] == article.url and data["keywords"] == list(article.tags), where
        assert data["publisher"]["name"] == article.outlet.name, where
        assert "</" not in ld.text and "<!--" not in ld.text, where


def test_titles_read_back_exactly_from_listings(site: Path, xss_site: tuple[Path, BuildResult]) -> None:
    _, result = xss_site
    archive = result.archive
    titles = lambda page: sorted(text_of(a) for a in parse(page).xpath('//a[@class="title"]'))  # noqa: E731
    assert titles(site / "index.html") == sorted(a.title for a in archive.articles)
    for month in archive.months:
        assert titles(site / month.path / "index.html") == sorted(a.title for a in month.articles)
    for tag in archive.tags:
        page = site / tag.path / "index.html"
        assert titles(page) == sorted(a.title for a in tag.articles), tag.name
        assert text_of(parse(page).xpath("//main//h1")[0]).startswith(tag.name + " "), tag.name
    tag_index = parse(site / "tags" / "index.html")
    listed = tag_index.xpath("//main//section[contains(@class, 'tag-group')]//li/a")
    assert sorted(text_of(a) for a in listed) == sorted(t.name for t in archive.tags)
    sources = parse(site / "sources" / "index.html")
    assert [text_of(a) for a in sources.xpath("//main//ol//a")] == [o.outlet.name for o in archive.outlets]
    assert text_of(sources.find(".//title")).endswith(CONFIG.title)
    assert meta(sources, "description") == [CONFIG.description]


def test_template_syntax_in_an_article_stays_text(site: Path, articles: tuple[Article, ...]) -> None:
    (article,) = [a for a in articles if a.source_file == "template-tags.txt"]
    page = (site / article.path / "index.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in page and "{% if true %}jinja{% endif %}" in page and "49" not in page
    assert "{{ 7*7 }}" in text_of(parse(site / "tags" / "index.html").find(".//main"))


# --- feeds ---------------------------------------------------------------------------------


def atom_documents(site: Path) -> Iterator[Path]:
    for path in sorted(site.rglob("*.xml")):
        if not path.name.startswith("sitemap"):
            yield path


def test_atom_feeds_escape_titles_tags_and_urls(site: Path, articles: tuple[Article, ...]) -> None:
    by_id = {a.entry_id: a for a in articles}
    feeds = list(atom_documents(site))
    assert len(feeds) >= 10
    for path in feeds:
        root = etree.parse(str(path)).getroot()  # well-formed XML, or this raises
        assert root.tag == ATOM + "feed", path
        assert root.findtext(ATOM + "title").startswith(CONFIG.title), path
        assert root.findtext(ATOM + "subtitle") == CONFIG.description, path
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        entries = root.findall(ATOM + "entry")
        assert len(entries) == len(parsed.entries) >= 1, path
        for entry, parsed_entry in zip(entries, parsed.entries, strict=True):
            article = by_id[entry.findtext(ATOM + "id")]
            where = (path.relative_to(site), article.source_file)
            assert entry.find(ATOM + "title").get("type") in (None, "text"), where
            assert entry.findtext(ATOM + "title") == parsed_entry.title == article.title, where
            terms = [c.get("term") for c in entry.findall(ATOM + "category")]
            assert terms == [article.outlet.key, *article.tags], where
            assert [t.term for t in parsed_entry.tags] == terms, where
            related = [link.get("href") for link in entry.findall(ATOM + "link") if link.get("rel") == "related"]
            assert related == [article.url], where
            assert entry.findtext(ATOM + "author/" + ATOM + "name") == (article.author or article.outlet.name), where
            content = entry.find(ATOM + "content")
            if content is None:  # a tag's or publisher's feed: the summary alone (listing_feed_full_content)
                assert path.name == "feed.xml" and path.parent.parent.name in ("tags", "sources"), where
                assert entry.findtext(ATOM + "summary") == (article.summary or None), where
                continue
            # Text (escaped, or a CDATA section), never XML children.
            assert content.get("type") == "html" and len(content) == 0, where
            assert audit_fragment(content.text or "") == [], where


def test_json_feeds_escape_titles_tags_and_urls(site: Path, articles: tuple[Article, ...]) -> None:
    by_id = {a.entry_id: a for a in articles}
    feeds = sorted(site.rglob("feed.json"))
    assert len(feeds) >= 3
    for path in feeds:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["title"].startswith(CONFIG.title) and document["description"] == CONFIG.description
        for item in document["items"]:
            article = by_id[item["id"]]
            assert item["title"] == article.title and item["tags"] == list(article.tags), path
            assert item["external_url"] == article.url
            assert item["authors"] == [{"name": article.author or article.outlet.name}], path
            if "content_html" in item:
                assert audit_fragment(item["content_html"]) == [], (path, article.source_file)
            else:  # a tag's or publisher's feed: the summary alone, as text
                assert item["content_text"] == article.summary or article.title, (path, article.source_file)


# --- Markdown copies -----------------------------------------------------------------------


def _permissive_markdown() -> MarkdownIt:
    """A CommonMark renderer as careless as some are: raw HTML passes, every link scheme is accepted."""
    renderer = MarkdownIt("commonmark", {"html": True})
    renderer.validateLink = lambda url: True  # type: ignore[method-assign]
    return renderer


def front_matter(text: str) -> tuple[dict[str, object], str]:
    """A Markdown copy → (its front matter, every value read as JSON, which YAML reads the same), its body."""
    lines = text.split("\n")
    assert lines[0] == "---"
    end = lines.index("---", 1)
    values = {}
    for line in lines[1:end]:
        key, _, value = line.partition(": ")
        assert re.fullmatch(r"[a-z]+", key), line
        values[key] = json.loads(value) if value.startswith(('"', "[")) else value
    return values, "\n".join(lines[end + 1 :])


def test_markdown_copies_escape_titles_tags_and_urls(xss_site: tuple[Path, BuildResult]) -> None:
    site, result = xss_site
    renderer = _permissive_markdown()
    for month in result.archive.months:
        text = (site / month.path / "index.md").read_text(encoding="utf-8")
        # The whole file, every article's metadata included, is text to a renderer that passes raw HTML.
        whole = lxml.html.fragment_fromstring(renderer.render(text), create_parent="div")
        assert audit(whole) == [], month.path
        assert [text_of(h) for h in whole.xpath("./h1")][:1] == [month.articles[0].title], month.path
        copies = month_copy_articles(text)
        assert len(copies) == len(month.articles), month.path
        for (values, title, body), article in zip(copies, month.articles, strict=True):
            where = article.source_file
            assert values["title"] == article.title and values["original"] == article.url, where
            assert values["tags"] == list(article.tags) and values["source"] == article.outlet.name, where
            rendered = lxml.html.fragment_fromstring(renderer.render(title + "\n\n" + body), create_parent="div")
            assert text_of(rendered.find("h1")) == article.title, where  # the heading shows the title, as text
            assert audit(rendered) == [], where
        elements = {e.tag for e in rendered.iterdescendants() if isinstance(e.tag, str)}
        assert elements <= MARKDOWN_ELEMENTS, (where, elements - MARKDOWN_ELEMENTS)
        for element in rendered.iterdescendants("a", "img"):
            url = element.get("href") if element.tag == "a" else element.get("src")
            assert SAFE_URL.match(url or ""), (where, url)


@pytest.mark.parametrize(("html", "text"), [
    ("<p>&lt;img src=x onerror=alert(1)&gt;</p>", "<img src=x onerror=alert(1)>"),
    ("<p>[x](javascript:alert(1))</p>", "[x](javascript:alert(1))"),
    ("<p>\\[x](javascript:alert(1))</p>", "\\[x](javascript:alert(1))"),
    ("<p>[r]</p><p>[r]: javascript:alert(1)</p>", "[r]\n[r]: javascript:alert(1)"),
    ("<p>&lt;javascript:alert(1)&gt;</p>", "<javascript:alert(1)>"),
    ('<p><img src="https://x.example/i.png" alt="x](javascript:alert(1))"></p>', ""),
    ('<p><a href="https://x.example/a)(javascript:alert(1)" title=\'t" x="\'>l</a></p>', "l"),
    ("<pre>```\n&lt;script&gt;alert(1)&lt;/script&gt;\n```</pre>", "```\n<script>alert(1)</script>\n```"),
], ids=["raw-html", "link", "backslash-link", "reference-definition", "autolink", "image-alt", "link-url",
        "fence-break-out"])
def test_markdown_body_text_cannot_become_markup(html: str, text: str) -> None:
    """Regression: markdownify passed text through, so a Markdown renderer made links, images and
    raw HTML out of it (and a run of backticks in <pre> ended the code block early)."""
    markdown = clean_body(html, "https://x.example/").markdown
    rendered = lxml.html.fragment_fromstring(_permissive_markdown().render(markdown), create_parent="div")
    assert audit(rendered) == []
    assert {e.tag for e in rendered.iterdescendants()} <= {"p", "a", "img", "pre", "code"}
    assert all(SAFE_URL.match(e.get("href") or e.get("src") or "") for e in rendered.iterdescendants("a", "img"))
    assert text_of(rendered).strip() == text


def test_markdown_copies_beside_each_article_escape_titles_tags_and_urls(tmp_path: Path) -> None:
    beside = XSS_CONFIG_TOML.replace("json_feed = true\n", 'json_feed = true\nmarkdown_copies = "article"\n')
    config = parse_config(beside)
    result = build(XSS_FIXTURES, tmp_path / "news", config)
    renderer = _permissive_markdown()
    for article in result.archive.articles:
        values, body = front_matter((tmp_path / "news" / article.path / "index.md").read_text(encoding="utf-8"))
        where = article.source_file
        assert values["title"] == article.title and values["original"] == article.url, where
        assert values["tags"] == list(article.tags) and values["source"] == article.outlet.name, where
        rendered = lxml.html.fragment_fromstring(renderer.render(body), create_parent="div")
        assert text_of(rendered.find("h1")) == article.title, where  # the heading shows the title, as text
        assert audit(rendered) == [], where
