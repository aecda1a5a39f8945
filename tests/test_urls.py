"""Slugs, story identity, safe path segments and relative links."""

from __future__ import annotations

import posixpath
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from generator.article.identity import SLUG_MAX, article_slug, entry_id, normalize_url
from generator.paths import _relative_path, links_from, relative_url, safe_segment

SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.mark.parametrize(("url", "slug"), [
    ("https://www.voachinese.com/a/us-warns-north-korea-against-providing-putin-platform-for-war-aims-20240607/7647600.html",
     "us-warns-north-korea-against-providing-putin-platform-for-war-aims-7647600"),
    ("https://cn.nytimes.com/world/20240618/russia-north-korea-putin-kim/", "russia-north-korea-putin-kim"),
    ("https://www.bbc.com/zhongwen/simp/world-68123456", "world-68123456"),
    ("https://www.dw.com/zh/%E6%A0%87%E9%A2%98/a-69312345", "zh-a-69312345"),
    ("https://example.com/news/index.html", "news"),
    ("https://example.com/article.php?id=123&utm_source=rss", "article-123"),
])
def test_slug_from_url(url: str, slug: str) -> None:
    assert article_slug(url, "标题") == slug


def test_url_without_words_gets_a_hash_slug() -> None:
    slug = article_slug("https://example.com/", "标题")
    assert re.fullmatch(r"article-[0-9a-f]{8}", slug)
    assert slug != article_slug("https://example.org/", "标题")


def test_slug_ignores_tracking_and_fragment() -> None:
    plain = article_slug("https://example.com/a/story-one.html", "")
    assert article_slug("https://example.com/a/story-one.html?utm_source=rss#top", "") == plain


def test_slug_from_title_when_there_is_no_url() -> None:
    assert article_slug("", "Kim Jong Un meets Putin") == "kim-jong-un-meets-putin"
    chinese = article_slug("", "普京访问平壤")
    assert chinese.startswith("article-") and chinese == article_slug("", "普京访问平壤")
    assert chinese != article_slug("", "金正恩会见普京")


_urls = st.builds(
    lambda host, path, query: f"https://{host}/{path}" + (f"?{query}" if query else ""),
    st.sampled_from(["example.com", "www.voachinese.com", "cn.nytimes.com"]),
    st.text(max_size=200),
    st.text(max_size=40),
)


@given(url=_urls, title=st.text(max_size=200))
def test_slug_is_short_ascii_and_stable(url: str, title: str) -> None:
    for slug in (article_slug(url, title), article_slug("", title)):
        assert 1 <= len(slug) <= SLUG_MAX
        assert SLUG_RE.fullmatch(slug), slug
    assert article_slug(url, title) == article_slug(url, "another title")  # the URL decides, not the title


@given(st.text(max_size=300))
def test_long_titles_keep_distinct_slugs(word: str) -> None:
    a, b = "x" * 200 + word, "x" * 200 + word + "y"
    assert article_slug("", a) != article_slug("", b)


def test_normalize_url_merges_captures_of_one_story() -> None:
    canonical = normalize_url("https://www.voachinese.com/a/story/1.html")
    for variant in [
        "http://voachinese.com/a/story/1.html",
        "https://WWW.VOACHINESE.COM/a/story/1.html#comments",
        "https://www.voachinese.com/a/story/1.html?utm_source=rss&utm_medium=feed",
        "https://www.voachinese.com/a/story/1.html?source=rss",
    ]:
        assert normalize_url(variant) == canonical
    assert normalize_url("https://x.org/a?id=1") != normalize_url("https://x.org/a?id=2")
    assert normalize_url("https://x.org/a?b=2&a=1") == normalize_url("https://x.org/a?a=1&b=2")


def test_entry_id_is_a_stable_urn() -> None:
    identity = normalize_url("https://cn.nytimes.com/world/20240618/russia-north-korea-putin-kim/")
    assert entry_id(identity) == entry_id(identity)
    assert entry_id(identity).startswith("urn:uuid:")
    assert entry_id(identity) != entry_id(identity + "x")


@pytest.mark.parametrize("name", ["..", ".", "../etc", "a/b", "a\\b", "%2e%2e", "nul\x00name", "CON", "con.txt",
                                  "x" * 300, "😀" * 100, "\u202eevil", "  ", ""])
def test_safe_segment_stays_in_its_folder(name: str) -> None:
    segment = safe_segment(name)
    assert segment and segment not in (".", "..") and not segment.startswith(".")
    assert "/" not in segment and "\\" not in segment and "\x00" not in segment and "%" not in segment
    assert len(segment.encode("utf-8")) <= 200
    assert posixpath.normpath(posixpath.join("tags", segment)).startswith("tags/")


def test_safe_segment_keeps_chinese() -> None:
    assert safe_segment("普京") == "普京"
    assert safe_segment("美国之音 VOA") == "美国之音-VOA"


@given(st.text(max_size=400))
def test_safe_segment_property(name: str) -> None:
    segment = safe_segment(name)
    assert segment and not segment.startswith(".")
    assert not set(segment) & set('/\\?#%:*"<>|\x00')
    assert posixpath.normpath(posixpath.join("tags", segment, "index.html")).startswith("tags/")


@pytest.mark.parametrize(("page", "target", "link"), [
    ("index.html", "archive/", "archive/index.html"),
    ("archive/2024/06/index.html", "", "../../../index.html"),
    ("articles/2024/06/08/s/index.html", "articles/2024/06/18/t/", "../../18/t/index.html"),
    ("articles/2024/06/08/s/index.html", "feed.xml", "../../../../../feed.xml"),
    ("tags/普京/index.html", "tags/金正恩/", "../%E9%87%91%E6%AD%A3%E6%81%A9/index.html"),
])
def test_relative_url(page: str, target: str, link: str) -> None:
    assert relative_url(page, target) == link


_SEGMENTS = st.lists(st.sampled_from(["a", "b", "articles", "2024", "06", "tags", "普京", "index.html"]), max_size=5)


@given(_SEGMENTS, _SEGMENTS.filter(bool))
def test_relative_links_agree_with_relpath(folder: list[str], target: list[str]) -> None:
    start, path = "/".join(folder), "/".join(target)
    assume(path != start and not start.startswith(path + "/"))  # a file cannot be a folder of the page
    assert _relative_path(start, path) == posixpath.relpath(path, start or ".")


@given(_SEGMENTS, _SEGMENTS, st.sampled_from(["", "/"]))
def test_a_pages_link_maker_links_as_relative_url_does(folder: list[str], target: list[str], end: str) -> None:

    page, path = "/".join([*folder, "index.html"]), "/".join(target) + end
    assert links_from(page)(path) == relative_url(page, path)
