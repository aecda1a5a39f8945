"""Slugs (part of the enrich stage): an article's URL and title → a readable slug, in pinyin for Chinese.

Slugs are permanent addresses, so the rules of urls.article_slug stay as they were wherever they give a
readable slug (every VOA, NYT or Medium-style URL); only what they made unreadable is made again:

- `article-HASH` (nothing ASCII in the URL or the title, e.g. a Chinese WordPress URL),
- an all-digit or one-character slug (`2`, from `/信息分析-2/`),
- percent-escape residue (`e7-92-b0-…`, from a URL whose escapes were escaped again).

Those are made from the same URL (else the title) with each Chinese character written in pinyin
(pypinyin, with its phrase dictionary so that 重庆 is chongqing and 银行 yinhang: 0.17 ms a title, and
0.16 s and ~55 MB to load, in the worker processes that meet such an article; without phrases it was
11 MB and wrong readings, which would be permanent). `article-HASH` is left only when that gives nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from generator.article.identity import article_slug, fallback_slug, slugify

# A UTF-8 lead byte followed by continuation bytes, written as slug words: e7-92-b0.
_ESCAPE_RESIDUE = re.compile(r"(?:^|-)[c-f][0-9a-f](?:-[89ab][0-9a-f])+(?:-|$)")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def is_readable(slug: str, url: str, title: str) -> bool:
    """A slug made by urls.article_slug (+ the URL and title it was made from) → whether it reads as words."""
    return not (len(slug) < 2 or slug.isdigit() or slug == fallback_slug(url, title) or _ESCAPE_RESIDUE.search(slug))


@functools.cache
def _pinyin() -> Callable[..., list[str]]:
    """→ pypinyin's lazy_pinyin, imported on first use (most articles never need it)."""
    from pypinyin import lazy_pinyin

    return lazy_pinyin


def pinyin_words(text: str) -> str:
    """Text → slug words, each Chinese character as its pinyin syllable (without tones): 普京访问 → pu-jing-fang-wen."""
    if not _HAN.search(text):
        return slugify(text)
    return slugify("-".join(_pinyin()(text)))


def readable_slug(written_url: str, title: str, url: str = "") -> str:
    """An article's URL as written and its title (+ the URL with double escapes undone, when it differs) → its
    slug: what urls.article_slug made of them where that is readable, else the same rules with Chinese in
    pinyin, from the URL and then from the title; `article-HASH` only when nothing reads."""
    slug = article_slug(written_url, title)
    if is_readable(slug, written_url, title):
        return slug
    for from_url in (url or written_url, ""):
        if from_url == "" and not title:
            break
        candidate = article_slug(from_url, title, pinyin_words)
        if is_readable(candidate, from_url, title):
            return candidate
    return slug
