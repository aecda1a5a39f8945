"""A story's identity (generator.article.identity): its URL normalized, its feed entry id, and its slug."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.article.identity import SLUG_MAX, article_slug, entry_id, normalize_url

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


