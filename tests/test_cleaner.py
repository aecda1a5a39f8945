"""Cleaner: snapshots of each seed, the allow-list holds against hostile HTML, and cleaning is idempotent.

Regenerate the snapshots after an intended change with:
    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_cleaner.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.article.cleaner import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, MAX_DEPTH, clean_body
from generator.article.reader import parse_article
from tests.strategies import nested_html

SEEDS = Path(__file__).parent.parent / "seeds"
SNAPSHOTS = Path(__file__).parent / "snapshots" / "clean"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
BASE = "https://news.example.com/world/2024/story.html"


def check_snapshot(path: Path, actual: str) -> None:
    """Compare text with a stored snapshot (or store it when UPDATE_SNAPSHOTS=1)."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1"
    assert actual == path.read_text(encoding="utf-8"), f"{path.name} differs from its snapshot"


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_seed_snapshot(seed: Path) -> None:
    raw = parse_article(seed.name, seed.read_bytes())
    body = clean_body(raw.body_html, raw.url)
    check_snapshot(SNAPSHOTS / f"{seed.stem}.html", body.html + "\n")
    check_snapshot(SNAPSHOTS / f"{seed.stem}.md", body.markdown)
    facts = {
        "summary": body.summary,
        "author": body.author,
        "published": body.published.isoformat() if body.published else None,
        "lead_image": None if body.lead_image is None else {
            "src": body.lead_image.src, "alt": body.lead_image.alt, "caption": body.lead_image.caption},
        "text_chars": len(body.text),
    }
    check_snapshot(SNAPSHOTS / f"{seed.stem}.json", json.dumps(facts, ensure_ascii=False, indent=2) + "\n")


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_seed_cleaning_removes_the_clutter(seed: Path) -> None:
    raw = parse_article(seed.name, seed.read_bytes())
    body = clean_body(raw.body_html, raw.url)
    assert "获取更多RSS" not in body.html and "feedx" not in body.html and "feedx" not in body.markdown
    assert "style=" not in body.html and "target=" not in body.html
    assert body.lead_image is not None and body.lead_image.caption
    assert body.html.startswith("<figure><img")
    assert body.summary and len(body.summary) <= 141


def test_voa_date_line_becomes_published_time() -> None:
    seed = next(SEEDS.glob("000_*.txt"))
    raw = parse_article(seed.name, seed.read_bytes())
    body = clean_body(raw.body_html, raw.url)
    assert body.published is not None and body.published.isoformat() == "2024-06-08T00:33:36+00:00"
    assert "Sat, 08 Jun 2024" not in body.html


def test_nyt_byline_becomes_author() -> None:
    seed = next(SEEDS.glob("003_*.txt"))
    raw = parse_article(seed.name, seed.read_bytes())
    body = clean_body(raw.body_html, raw.url)
    assert body.author == "CHOE SANG-HUN"
    assert "<address" not in body.html and "<time" not in body.html.split("</figure>")[0]


HOSTILE = [
    '<script>alert(1)</script><p>text</p>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example/"><input name=q><button>go</button></form>',
    '<style>body{display:none}</style><p style="background:url(javascript:alert(1))">x</p>',
    '<svg><script>alert(1)</script></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<div onclick="alert(1)" onmouseover=alert(1)>x</div>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<img srcset="x 1x, javascript:alert(1) 2x" src="ok.png">',
    '<base href="javascript:alert(1)//"><a href="/x">x</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    '<template><script>alert(1)</script></template>',
    '<p>ok<!-- <script>alert(1)</script> --></p>',
    '<![CDATA[<script>alert(1)</script>]]>',
    '<textarea><script>alert(1)</script></textarea>',
]


def assert_allow_listed(html: str) -> None:
    """Every element and attribute in html is on the allow-list and no URL is scripted."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name in ALLOWED_TAGS, tag.name
        allowed = ALLOWED_ATTRIBUTES.get("*", set()) | ALLOWED_ATTRIBUTES.get(tag.name, set()) | {"rel", "loading"}
        for name, value in tag.attrs.items():
            assert name in allowed, (tag.name, name)
            if name in ("href", "src"):
                assert str(value).startswith(("https://", "http://", "mailto:")), value
    lowered = html.lower()
    for needle in ("<script", "javascript:", "vbscript:", "data:", "onerror", "onclick", "<iframe", "<style"):
        assert needle not in lowered


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_html_is_neutralized(payload: str) -> None:
    body = clean_body(payload, BASE)
    assert_allow_listed(body.html)
    assert "alert(1)" not in body.markdown.replace("alert(1)</", "") or "javascript:" not in body.markdown


def test_relative_links_and_images_are_resolved_against_the_article() -> None:
    html = '<p><a href="../more.html">more</a> <img src="/img/a.jpg"> <a href="//cdn.example.com/x">x</a></p>'
    body = clean_body(html, BASE)
    assert 'href="https://news.example.com/world/more.html"' in body.html
    assert 'src="https://news.example.com/img/a.jpg"' in body.html
    assert 'href="https://cdn.example.com/x"' in body.html


def test_relative_links_are_dropped_without_a_base() -> None:
    body = clean_body('<p><a href="/x">x</a><img src="a.jpg"><img src="https://ok.example/b.jpg"></p>', "")
    assert "href" not in body.html
    assert 'src="https://ok.example/b.jpg"' in body.html and "a.jpg" not in body.html


def test_images_are_lazy_and_links_are_safe() -> None:
    html = '<p><img src="https://i.example/a.jpg" alt="A"><a href="https://e.example/" target="_blank">e</a></p>'
    body = clean_body(html, BASE)
    assert 'loading="lazy"' in body.html and 'alt="A"' in body.html
    assert 'rel="noopener noreferrer"' in body.html and "target" not in body.html


def test_tracking_pixels_are_removed() -> None:
    html = '<p>x<img src="https://t.example/p.gif" width="1" height="1"><img src="https://i.example/a.jpg" width="600">'
    body = clean_body(html, BASE)
    assert "t.example" not in body.html and "i.example" in body.html


def test_promo_footer_is_removed_with_its_rule() -> None:
    promo = '<br><hr><div>获取更多RSS：<br><a href="https://feedx.net">https://feedx.net</a></div>'
    body = clean_body("<p>正文</p>" + promo, BASE)
    assert body.html == "<p>正文</p>"


def test_image_with_small_caption_becomes_a_figure() -> None:
    html = '<img src="https://i.example/a.jpg"><div><small style="color:#999">图片说明</small></div><p>正文</p>'
    body = clean_body(html, BASE)
    figure = ('<figure><img alt="" src="https://i.example/a.jpg" loading="lazy">'
              '<figcaption>图片说明</figcaption></figure>')
    assert body.html.startswith(figure)
    assert body.lead_image is not None and body.lead_image.caption == "图片说明"
    assert body.summary == "正文"


def test_headings_are_demoted_below_the_page_title() -> None:
    assert "<h1" not in clean_body("<h1>标题</h1><p>x</p>", BASE).html


def test_control_characters_are_removed() -> None:
    body = clean_body("<p>a\x00b\x08c\x1fd\ufffe</p>", BASE)
    assert body.html == "<p>abcd</p>" and body.text == "abcd"


def test_summary_cuts_at_a_sentence_end() -> None:
    text = "第一句话" * 20 + "。" + "第二句话" * 30 + "。"
    body = clean_body(f"<p>{text}</p>", BASE)
    assert body.summary == "第一句话" * 20 + "。"
    unbroken = clean_body("<p>" + "字" * 300 + "</p>", BASE)
    assert unbroken.summary == "字" * 140 + "…"


def test_empty_body() -> None:
    body = clean_body("", BASE)
    assert (body.html, body.text, body.summary, body.markdown, body.lead_image) == ("", "", "", "", None)


# HTML fragments built from pieces real captures and hostile inputs use.
_tags = st.sampled_from(["p", "div", "span", "a", "img", "br", "hr", "em", "small", "figure", "figcaption",
                         "script", "style", "iframe", "table", "tr", "td", "i", "address", "time", "h1", "svg",
                         "pre", "code"])
_attrs = st.sampled_from(['', ' href="https://x.example/a"', ' href="javascript:alert(1)"', ' src="/rel.jpg"',
                          ' src="https://i.example/a.jpg"', ' width="1" height="1"', ' onclick="x()"',
                          ' datetime="2024-06-18 12:44:20"', ' style="color:red"', ' width="100%"',
                          ' title="&quot;q&quot; &amp; &lt;b&gt; \'s"'])
_texts = st.sampled_from(["", "普京", " ", "获取更多RSS", "Sat, 08 Jun 2024 00:33:36 GMT", "&amp;", "<", "\u00a0", "x"])


def html_fragments() -> st.SearchStrategy[str]:
    """Random nested HTML made of realistic and hostile pieces (possibly unbalanced)."""
    return nested_html(_tags, _attrs, _texts, most_parts=4, most_depth=3,
                       closings=lambda tag: [f"</{tag}>", f"</{tag}>", ""])


@settings(max_examples=300, deadline=None)
@given(html_fragments())
def test_cleaning_is_idempotent(html: str) -> None:
    once = clean_body(html, BASE)
    twice = clean_body(once.html, BASE)
    assert twice.html == once.html
    assert twice.text == once.text


@settings(max_examples=300, deadline=None)
@given(html_fragments())
def test_cleaned_html_is_always_allow_listed(html: str) -> None:
    assert_allow_listed(clean_body(html, BASE).html)


@settings(max_examples=300, deadline=None)
@given(html_fragments())
def test_the_cleaners_own_html_writer_gives_what_beautiful_soups_gives(html: str) -> None:
    from bs4.element import Tag

    from generator.article.cleaner import _Tag, inner_html, sanitize

    root = BeautifulSoup(sanitize(html, BASE), "lxml", element_classes={Tag: _Tag}).body
    if root is not None:
        assert sanitize(inner_html(root)) == sanitize(root.decode_contents())


@settings(max_examples=200, deadline=None)
@given(html_fragments())
def test_the_cleaners_own_parent_lookup_finds_what_beautiful_soup_finds(html: str) -> None:
    from bs4.element import PageElement, Tag

    from generator.article.cleaner import _parent_named, _Tag

    soup = BeautifulSoup(html, "lxml", element_classes={Tag: _Tag})
    for node in soup.descendants:
        for names in (["pre"], ["code"], ["p"], ["body"], ["missing"], ["pre", "code"]):
            expected = PageElement.find_parent(node, names)
            assert _parent_named(node, tuple(names)) is expected
            if isinstance(node, Tag) and len(names) == 1:
                assert type(node) is _Tag and node.find_parent(names[0]) is expected


def test_alt_text_is_carried_over_and_missing_alt_becomes_empty() -> None:
    html = '<p><img src="https://i.example/a.jpg" alt="普京与金正恩"><img src="https://i.example/b.jpg"></p>'
    body = clean_body(html, BASE)
    assert 'alt="普京与金正恩"' in body.html and body.html.count('alt=""') == 1
    assert clean_body(body.html, BASE).html == body.html


@pytest.mark.parametrize("html", [
    "<div>" * 5000 + "深" + "</div>" * 5000,
    "<b>" * 20000 + "深",
    "<table><tr><td>" * 2000 + "深",
    '<div><span><a href="/x">' * 3000 + "深",
    "<div>段" * 3000 + "深",
], ids=["divs", "unclosed-b", "tables", "mixed", "text-at-every-level"])
def test_deeply_nested_html_is_flattened_not_fatal(html: str) -> None:
    body = clean_body(html, BASE)
    assert body.text.endswith("深")
    assert clean_body(body.html, BASE).html == body.html
    depth, deepest = 0, 0
    for token in re.finditer(r"<(/?)([a-z0-9]+)[^>]*>", body.html):
        if token.group(2) in ("br", "img", "hr"):
            continue
        depth += -1 if token.group(1) else 1
        deepest = max(deepest, depth)
    assert deepest <= MAX_DEPTH


def test_ten_megabyte_body_is_cleaned() -> None:
    body = clean_body("<p>" + "普京访问平壤。" * 1_500_000 + "</p>", BASE)
    assert len(body.text) == 7 * 1_500_000 and body.summary.endswith("。")


@pytest.mark.parametrize("base", ["https://a%20b/x", "https://[v1.x]/", "https://x%00y/", "https://ex<am>ple/"])
def test_a_base_url_nh3_cannot_use_drops_relative_links_instead_of_failing(base: str) -> None:
    """Regression (XSS corpus): nh3 raised ValueError for a captured URL with a host it cannot parse."""
    body = clean_body('<p><a href="/rel">r</a> <a href="https://ok.example/">a</a></p>', base)
    assert body.html == ('<p><a rel="noopener noreferrer">r</a> '
                         '<a href="https://ok.example/" rel="noopener noreferrer">a</a></p>')
