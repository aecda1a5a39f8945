"""Readable slugs: the old rules wherever they read, pinyin where they gave residue, digits, one character
or `article-HASH`; and the identity of a story (issue #28)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.article.identity import article_slug, entry_id, normalize_url, story_key, undouble
from generator.article.reader import parse_article
from generator.article.slugs import is_readable, pinyin_words, readable_slug

SEEDS = Path(__file__).parent.parent / "seeds"
GOLDEN_ARTICLES = Path(__file__).parent / "golden" / "site" / "articles"


def test_the_seeds_keep_their_slugs() -> None:
    slugs = {}
    for path in sorted(SEEDS.glob("*.txt")):
        raw = parse_article(path.name, path.read_bytes())
        slugs[path.name] = readable_slug(raw.url, raw.title)
        assert slugs[path.name] == article_slug(raw.url, raw.title)
    golden = {page.parent.name for page in GOLDEN_ARTICLES.rglob("index.html")}
    assert set(slugs.values()) == golden


# (URL, title) → slug: what the old rules made readable stays as it was
KEPT = {
    ("https://www.voachinese.com/a/putin-visit/7647600.html", "普京访问平壤"): "putin-visit-7647600",
    ("https://pao-pao.net/article/709", "极权主义和威权主义的区别"): "article-709",
    ("https://www.iyouport.org/sim%e5%8a%ab%e6%8c%81%ef%bc%9a%e5%a6%82%e4%bd%95/", "SIM劫持"): "sim",
    ("https://www.allnow.com/post/609383361b655f495f2d1d79", "世事洞明何兆武"): "609383361b655f495f2d1d79",
    ("https://hulitw.medium.com/haidiliao-17e33c585350?source=rss-f1fb3e40dc37------2", "海底撈"):
        "haidiliao-17e33c585350",
}


@pytest.mark.parametrize(("url", "title"), sorted(KEPT))
def test_readable_slugs_do_not_change(url: str, title: str) -> None:
    assert readable_slug(url, title) == article_slug(url, title) == KEPT[url, title]


# (URL as written, title) → (the old, unreadable slug, the new one)
CHANGED = {
    # a Chinese WordPress URL: nothing ASCII → article-HASH before; pinyin now
    ("https://www.iyouport.org/%e7%bd%91%e7%bb%9c%e6%b0%b4%e5%86%9b%e7%9a%84%e5%b8%83%e5%b1%80/", "网络水军的布局"):
        ("article-dc8528f7", "wang-luo-shui-jun-de-bu-ju"),
    # the only ASCII in the URL was a number → all digits before
    ("https://www.iyouport.org/%e6%96%b0%e7%94%9f%e6%83%85%e6%8a%a5%e5%b7%a5%e5%85%b7%ef%bc%882%ef%bc%89/",
     "新生情报工具（2）"): ("2", "xin-sheng-qing-bao-gong-ju-2"),
    # one character
    ("https://example.org/%E6%99%AE%E4%BA%AC-a/", "普京"): ("a", "pu-jing-a"),
    # no URL, a Chinese title: from the title (phrases read right: 重庆 chongqing, 银行 yinhang)
    ("", "重庆银行的长江大桥"): ("article-1b625497", "chong-qing-yin-hang-de-chang-jiang-da-qiao"),
}


@pytest.mark.parametrize(("url", "title"), sorted(CHANGED))
def test_unreadable_slugs_become_pinyin(url: str, title: str) -> None:
    old, new = CHANGED[url, title]
    assert article_slug(url, title) == old and not is_readable(old, url, title)
    assert readable_slug(url, title) == new


def test_escape_residue_of_a_twice_encoded_url_becomes_pinyin() -> None:
    written = "https://matters.news/@x/%25E5%2586%25B7%25E6%2588%25B0%25E7%2589%25A9%25E8%25AA%259E-bafyreiabc"
    old = article_slug(written, "冷戰物語")
    assert old.startswith("e5-86-b7-e6-88-b0") and not is_readable(old, written, "冷戰物語")
    assert readable_slug(written, "冷戰物語", undouble(written)) == "leng-zhan-wu-yu-bafyreiabc"


def test_a_slug_stays_a_function_of_the_article_and_fits() -> None:
    url = "https://www.iyouport.org/" + "%e4%bf%a1%e6%81%af" * 40 + "/"
    slug = readable_slug(url, "信息")
    assert slug == readable_slug(url, "信息") and len(slug) <= 80 and slug.startswith("xin-xi-xin-xi")


def test_article_hash_only_when_nothing_reads() -> None:
    assert readable_slug("", "Война и мир 🙂") == article_slug("", "Война и мир 🙂")
    assert readable_slug("", "Война и мир 🙂").startswith("article-")


def test_pinyin_words() -> None:
    assert pinyin_words("普京访问平壤 2024 Putin!") == "pu-jing-fang-wen-ping-rang-2024-putin"
    assert pinyin_words("只有English") == "zhi-you-english"
    assert pinyin_words("plain text") == "plain-text"


def test_undouble_only_touches_urls_escaped_twice() -> None:
    assert undouble("https://x.org/%25E5%2586%25B7") == "https://x.org/%E5%86%B7"
    assert undouble("https://x.org/%2525E5") == "https://x.org/%E5"  # three times
    assert undouble("https://x.org/100%25-sure?q=%E5") == "https://x.org/100%25-sure?q=%E5"  # a real percent sign
    assert undouble("https://x.org/a") == "https://x.org/a"


VARIANTS = [
    "https://www.example.org/news/story/",
    "http://example.org/news/story",
    "https://m.example.org/news/story?utm_source=rss&fbclid=1",
    "https://example.org/news/story/#comments",
    "https://mobile.example.org/news/story",
]


def test_captures_of_one_story_share_its_key() -> None:
    assert {story_key(url) for url in VARIANTS} == {"https://example.org/news/story"}
    chinese = {story_key("https://x.org/%E6%99%AE%E4%BA%AC/"), story_key("https://x.org/%25E6%2599%25AE%25E4%25BA%25AC"),
               story_key("https://x.org/%e6%99%ae%e4%ba%ac"), story_key("https://x.org/普京")}
    assert len(chinese) == 1
    assert story_key("https://m.example.org/a") != story_key("https://example.org/b")
    assert story_key("https://m.co/a") == "https://m.co/a"  # a host that is only m.<tld> keeps its m.


# Feed entry ids that builds before issue #28 gave these URLs (computed with that code): they never change.
ENTRY_IDS = {
    "https://www.voachinese.com/a/putin-visit/7647600.html": "urn:uuid:8b08b9c9-6116-556d-b091-65ccf3735c63",
    "https://cn.nytimes.com/world/20240618/russia-north-korea-putin-kim/?utm_source=rss":
        "urn:uuid:c4b9c9f5-928d-5092-a2b7-f23d8e380be1",
    "http://www.example.org/news/story/#top": "urn:uuid:76ca4ab6-06a4-50e6-bb75-f21ff7b19461",
}


@pytest.mark.parametrize("url", sorted(ENTRY_IDS))
def test_entry_ids_stay_what_they_were(url: str) -> None:
    assert entry_id(normalize_url(url)) == ENTRY_IDS[url]
