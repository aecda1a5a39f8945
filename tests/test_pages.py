"""Reader-facing page features without a browser: sharing metadata, JSON-LD, language, navigation and
alt text (tests/browser/ drives the same pages in Chromium)."""

from __future__ import annotations

import json
from pathlib import Path

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.commands.build import BuildResult, build
from generator.config import Config
from generator.site.i18n import STRINGS
from generator.site.render import script_json


def soup_of(site: Path, path: str) -> BeautifulSoup:
    """A page of the site → its parsed HTML."""
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "lxml")


def json_ld(page: BeautifulSoup) -> dict:
    """A page → its one JSON-LD object."""
    [script] = page.find_all("script", type="application/ld+json")
    return json.loads(script.string)


def meta(page: BeautifulSoup, key: str) -> list[str]:
    """A page → the content of every <meta property=key> or <meta name=key>."""
    return [m["content"] for m in page.find_all("meta") if key in (m.get("property"), m.get("name"))]


def test_every_article_has_sharing_metadata_and_news_article_json_ld(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    for article in result.archive.articles:
        page = soup_of(site, article.path + "index.html")
        canonical = page.find("link", rel="canonical")["href"]
        assert canonical == "https://archive.example.org/news/" + article.path
        data = json_ld(page)
        assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
        assert data["headline"] == article.title
        assert data["datePublished"] == (article.published or article.captured).isoformat()
        assert data["publisher"]["name"] == article.outlet.name
        assert data["author"]["name"] == (article.author or article.outlet.name)
        assert data["isBasedOn"]["url"] == article.url and data["url"] == canonical
        assert data["inLanguage"] == article.lang
        assert meta(page, "og:type") == ["article"] and meta(page, "og:url") == [canonical]
        # No twitter:title, :description or :image: X reads the og: ones when its own are missing.
        assert meta(page, "og:title") == [article.title] and meta(page, "twitter:title") == []
        assert meta(page, "og:description") == [article.summary]
        assert meta(page, "article:tag") == list(article.tags)
        image = article.lead_image
        assert image is not None, "every seed opens with a picture"
        assert data["image"] == [image.src] == meta(page, "og:image") and meta(page, "twitter:image") == []
        assert meta(page, "twitter:card") == ["summary_large_image"]


def test_other_pages_have_basic_opengraph(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    page = soup_of(site, "tags/index.html")
    assert meta(page, "og:type") == ["website"]
    assert meta(page, "og:url") == ["https://archive.example.org/news/tags/"]
    assert not page.find_all("script", type="application/ld+json")


def test_json_ld_cannot_break_out_of_its_script_element(tmp_path: Path, config: Config) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    title = '</script><script>alert(1)</script><!-- & \u2028 "x"'
    (archive / "a.txt").write_text(f"<!--1717807142000-->\n[{title}](https://evil.example/a)\n------\n\n<p>正文</p>\n",
                                   encoding="utf-8")
    result = build(archive, tmp_path / "site", config)
    [article] = result.archive.articles
    raw = (tmp_path / "site" / article.path / "index.html").read_text(encoding="utf-8")
    start = raw.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    body = raw[start : raw.index("</script>", start)]
    assert "<" not in body and ">" not in body and "&" not in body and "\u2028" not in body
    assert json.loads(body)["headline"] == article.title
    page = BeautifulSoup(raw, "lxml")
    assert [s.get("type") for s in page.find_all("script") if not s.get("src")] == ["application/ld+json"]
    assert json.loads(str(script_json({"t": "</script>"}))) == {"t": "</script>"}


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.text(alphabet=st.sampled_from("<>&/\u2028\u2029\"\\普a !-")) | st.integers(),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=4)))
def test_json_in_a_script_element_is_the_same_data_and_cannot_end_it(data: object) -> None:
    text = str(script_json(data))
    assert json.loads(text) == data
    assert not any(character in text for character in "<>&\u2028\u2029")


def test_page_language_and_article_language(seed_site: tuple[Path, BuildResult], tmp_path: Path) -> None:
    site, result = seed_site
    assert soup_of(site, "index.html").html["lang"] == "zh-CN"
    for article in result.archive.articles:
        element = soup_of(site, article.path + "index.html").find("article")
        # zh-Hans is the script of the site's zh-CN: no lang of its own needed.
        assert element.get("lang") == (None if article.lang == "zh-Hans" else article.lang)
    english = tmp_path / "en"
    english.mkdir()
    (english / "a.txt").write_text("<!--1717807142000-->\n[Putin visits Pyongyang](https://example.com/a)\n"
                                   "------\n\n<p>Russian President Vladimir Putin arrived in Pyongyang.</p>\n",
                                   encoding="utf-8")
    built = build(english, tmp_path / "site", Config())
    [article] = built.archive.articles
    assert soup_of(tmp_path / "site", article.path + "index.html").find("article")["lang"] == "en"


def test_chrome_strings_exist_in_every_language() -> None:
    keys = set(STRINGS["zh-CN"])
    for language, strings in STRINGS.items():
        assert set(strings) == keys, language


def test_article_navigation_links_and_shortcuts(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    articles = result.archive.articles
    for i, article in enumerate(articles):
        page = soup_of(site, article.path + "index.html")
        keys = {a["data-key"]: (page.find("article") and a["href"]) for a in page.select("a[data-key]")}
        assert ("newer" in keys) == (i > 0) and ("older" in keys) == (i + 1 < len(articles))
        same = [a for a in articles if a.outlet == article.outlet]
        j = same.index(article)
        assert ("source-newer" in keys) == (j > 0) and ("source-older" in keys) == (j + 1 < len(same))
        if j + 1 < len(same):
            target = (site / article.path / keys["source-older"]).resolve()
            assert target == (site / same[j + 1].path / "index.html").resolve()
        assert "search" in keys
        assert page.select_one("details.shortcuts kbd") is not None
        crumbs = [a.get_text() for a in page.select("nav.breadcrumbs a")]
        assert crumbs[:2] == ["首页", "存档"] and len(crumbs) == 3


def test_landmarks_skip_link_and_alt_text(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    for path in sorted(site.rglob("*.html")):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        body = page.body
        assert body.find("a", class_="skip")["href"] == "#main", path
        assert body.find("main", id="main") and body.find("header") and body.find("footer"), path
        for img in body.find_all("img"):
            assert img.has_attr("alt"), f"{path}: {img}"

