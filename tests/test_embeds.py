"""Embeds become links, lazy images get their address, noscripts keep what they add (issue #28)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.article.cleaner import clean_body
from generator.article.embeds import provider_link

FIXTURE = Path(__file__).parent / "fixtures" / "embeds" / "wordpress-post.html"
BASE = "https://www.iyouport.org/some-post/"


def links(html: str) -> list[tuple[str, str]]:
    """HTML → (href, text) of every link in it."""
    return [(str(a["href"]), a.get_text()) for a in BeautifulSoup(html, "html.parser").find_all("a")]


def images(html: str) -> list[str]:
    """HTML → the src of every image in it."""
    return [str(img["src"]) for img in BeautifulSoup(html, "html.parser").find_all("img")]


def test_real_wordpress_markup_keeps_every_embed_and_image() -> None:
    body = clean_body(FIXTURE.read_text(encoding="utf-8"), BASE)
    assert links(body.html) == [
        ("https://www.youtube.com/watch?v=J4h5DROz3qM", "▶ YouTube: https://www.youtube.com/watch?v=J4h5DROz3qM"),
        ("https://vimeo.com/400009067", "▶ Vimeo: https://vimeo.com/400009067"),
        ("https://soundcloud.com/chinafile/sinica-episode-1", "▶ SoundCloud: https://soundcloud.com/chinafile/sinica-episode-1"),
        ("https://nei.st/megaphone/kisei-homecoming.html?sharing=false",
         "▶ nei.st: https://nei.st/megaphone/kisei-homecoming.html?sharing=false"),
        ("https://gist.github.com/someone/0123abcd", "gist"),  # the noscript's fallback link
    ]
    # the lazy image's own src was real and stays; the noscript copy of it is not shown twice; the image whose
    # address was only in data-src gets it
    assert images(body.html) == [
        "https://i0.wp.com/www.iyouport.org/wp-content/uploads/2019/12/a.png?resize=1100%2C493&ssl=1",
        "https://a-1257226215.file.myqcloud.com/images/ft/large/ad1c6ab5efd8.png",
    ]
    assert "JavaScript" not in body.text and "请看视频" in body.text
    assert "[▶ YouTube: https://www.youtube.com/watch?v=J4h5DROz3qM](https://www.youtube.com/watch?v=J4h5DROz3qM)" \
        in body.markdown
    assert "![](https://a-1257226215.file.myqcloud.com/images/ft/large/ad1c6ab5efd8.png)" in body.markdown


# embed markup → (href, text) of the link it becomes
EMBEDS = {
    "youtube-nocookie": ('<iframe src="https://www.youtube-nocookie.com/embed/abc123?rel=0" '
                         'title="YouTube video player"></iframe>', ("https://www.youtube.com/watch?v=abc123",
                                       "▶ YouTube: https://www.youtube.com/watch?v=abc123")),
    "youtube-playlist": ('<iframe src="https://www.youtube.com/embed/videoseries?list=PL123"></iframe>',
                         ("https://www.youtube.com/playlist?list=PL123",
                          "▶ YouTube: https://www.youtube.com/playlist?list=PL123")),
    "youtube-object": ('<object data="https://www.youtube.com/v/XYZ"><param name="movie" value="https://www.youtube.com/v/XYZ">'
                       '<embed src="https://www.youtube.com/v/XYZ"></object>',
                       ("https://www.youtube.com/watch?v=XYZ", "▶ YouTube: https://www.youtube.com/watch?v=XYZ")),
    "vimeo-titled": ('<iframe src="https://player.vimeo.com/video/14772678?title=0" title="Psychological warfare">'
                     "</iframe>", ("https://vimeo.com/14772678", "▶ Vimeo: Psychological warfare")),
    "documentcloud": ('<iframe src="https://embed.documentcloud.org/documents/2173342-report/?embed=1"></iframe>',
                      ("https://embed.documentcloud.org/documents/2173342-report/?embed=1",
                       "▶ DocumentCloud: https://embed.documentcloud.org/documents/2173342-report/?embed=1")),
    "datawrapper": ('<iframe title="Cases by province" src="https://datawrapper.dwcdn.net/AbC12/3/"></iframe>',
                    ("https://datawrapper.dwcdn.net/AbC12/", "▶ Datawrapper: Cases by province")),
    "flourish-iframe": ('<iframe src="https://flo.uri.sh/visualisation/1234567/embed"></iframe>',
                        ("https://public.flourish.studio/visualisation/1234567/",
                         "▶ Flourish: https://public.flourish.studio/visualisation/1234567/")),
    "flourish-div": ('<div class="flourish-embed flourish-chart" data-src="visualisation/7654321?123">'
                     '<script src="https://public.flourish.studio/resources/embed.js"></script></div>',
                     ("https://public.flourish.studio/visualisation/7654321/",
                      "▶ Flourish: https://public.flourish.studio/visualisation/7654321/")),
    "infogram": ('<div class="infogram-embed" data-id="a1b2c3" data-type="interactive"></div>',
                 ("https://infogram.com/a1b2c3", "▶ Infogram: https://infogram.com/a1b2c3")),
    "gist": ('<script src="https://gist.github.com/someone/0123abcd.js"></script>',
             ("https://gist.github.com/someone/0123abcd", "▶ GitHub Gist: https://gist.github.com/someone/0123abcd")),
    "twitter": ('<iframe src="https://platform.twitter.com/embed/Tweet.html?id=1234567890"></iframe>',
                ("https://twitter.com/i/status/1234567890", "▶ Twitter: https://twitter.com/i/status/1234567890")),
    "spotify": ('<iframe src="https://open.spotify.com/embed/episode/5xYz?utm_source=generator"></iframe>',
                ("https://open.spotify.com/episode/5xYz", "▶ Spotify: https://open.spotify.com/episode/5xYz")),
    "bilibili": ('<iframe src="//player.bilibili.com/player.html?aid=123&bvid=BV1xx411c7mD&page=1"></iframe>',
                 ("https://www.bilibili.com/video/BV1xx411c7mD", "▶ Bilibili: https://www.bilibili.com/video/BV1xx411c7mD")),
    "generic": ('<IFRAME SRC="https://charts.example.net/c/42"></IFRAME>',
                ("https://charts.example.net/c/42", "▶ charts.example.net: https://charts.example.net/c/42")),
    "lazy-iframe": ('<iframe src="about:blank" data-src="https://www.youtube.com/embed/lazy1"></iframe>',
                    ("https://www.youtube.com/watch?v=lazy1", "▶ YouTube: https://www.youtube.com/watch?v=lazy1")),
    "video": ('<video controls poster="/p.jpg"><source src="/media/talk.mp4" type="video/mp4"></video>',
              ("https://example.org/media/talk.mp4", "▶ Video: https://example.org/media/talk.mp4")),
    "audio": ('<audio src="https://cdn.example.org/ep1.mp3" title="Episode 1"></audio>',
              ("https://cdn.example.org/ep1.mp3", "▶ Audio: Episode 1")),
    "embed": ('<embed src="https://example.org/flash/player.swf">',
              ("https://example.org/flash/player.swf", "▶ example.org: https://example.org/flash/player.swf")),
}


@pytest.mark.parametrize("case", sorted(EMBEDS))
def test_each_embed_kind_becomes_a_link_in_place(case: str) -> None:
    markup, expected = EMBEDS[case]
    body = clean_body(f"<p>before</p>{markup}<p>after</p>", "https://example.org/post/1")
    assert links(body.html) == [expected]
    assert body.text.split("\n") == ["before", expected[1], "after"]  # where the player was
    assert f"[{expected[1]}]({expected[0]})" in body.markdown


def test_links_inside_an_embed_are_kept_after_it() -> None:
    markup = ('<video src="https://v.example.org/a.mp4"><a href="https://v.example.org/a.mp4">download</a>'
              '<a href="https://medium.com/@x/the-story-123">Read it on Medium</a></video>')
    body = clean_body(markup, "https://example.org/post/1")
    assert links(body.html) == [("https://v.example.org/a.mp4", "▶ Video: https://v.example.org/a.mp4"),
                                ("https://medium.com/@x/the-story-123", "Read it on Medium")]


def test_an_embed_inside_a_paragraph_stays_inline() -> None:
    body = clean_body('<p>see <iframe src="https://www.youtube.com/embed/abc"></iframe> here</p>', "")
    assert body.html == ('<p>see <a href="https://www.youtube.com/watch?v=abc" rel="noopener noreferrer">'
                         "▶ YouTube: https://www.youtube.com/watch?v=abc</a> here</p>")


def test_what_a_frame_holds_never_reaches_the_page() -> None:
    hostile = ('<iframe src="javascript:alert(1)"><img src=x onerror=alert(1)><script>alert(2)</script>'
               '</iframe><iframe srcdoc="<script>alert(3)</script>"></iframe><p>text</p>')
    body = clean_body(hostile, "https://example.org/post/1")
    assert body.html == "<p>text</p>"
    assert "alert" not in body.markdown and "onerror" not in body.markdown and body.text == "text"


def test_what_a_noscript_holds_is_sanitized_before_anything_reads_it() -> None:
    hostile = ('<noscript><a href="javascript:alert(1)">x</a><img src=y onerror=alert(2)>'
               '<a href="https://ok.example/">ok</a></noscript><NoScript><a href="https://z.example/">z</a></NoScript>')
    body = clean_body(hostile, "")
    assert links(body.html) == [("https://ok.example/", "ok"), ("https://z.example/", "z")]
    alone = clean_body('<NoScript><a href="javascript:alert(1)">x</a></NoScript><p>t</p>', "")
    assert (alone.html, alone.markdown) == ("<p>t</p>", "t\n")
    assert "javascript" not in body.markdown and "onerror" not in body.markdown


@pytest.mark.parametrize("attribute", ["data-src", "data-original", "data-cfsrc", "data-lazy-src"])
def test_a_lazy_image_gets_its_address(attribute: str) -> None:
    body = clean_body(f'<p>x</p><img {attribute}="/images/photo.jpg" alt="a photo">', "https://example.org/post/1")
    assert images(body.html) == ["https://example.org/images/photo.jpg"]


def test_a_lazy_image_with_a_placeholder_takes_the_largest_of_its_srcset() -> None:
    markup = ('<p>x</p><img src="https://example.org/lazy-placeholder.gif" '
              'data-srcset="https://cdn.example.org/a-300.jpg 300w, https://cdn.example.org/a-1024.jpg 1024w, '
              'https://cdn.example.org/a-768.jpg 768w">')
    assert images(clean_body(markup, "").html) == ["https://cdn.example.org/a-1024.jpg"]
    markup = '<p>x</p><img srcset="https://cdn.example.org/b.jpg 1x, https://cdn.example.org/b@2x.jpg 2x">'
    assert images(clean_body(markup, "").html) == ["https://cdn.example.org/b@2x.jpg"]


def test_a_real_src_is_kept_and_a_lazy_address_never_brings_a_script_url() -> None:
    markup = '<p>x</p><img src="https://cdn.example.org/real.jpg" data-src="https://cdn.example.org/other.jpg">'
    assert images(clean_body(markup, "").html) == ["https://cdn.example.org/real.jpg"]
    markup = '<p>x</p><img data-src="javascript:alert(1)"><img data-original="data:image/png;base64,AAAA">'
    assert images(clean_body(markup, "").html) == []


def test_a_noscript_copy_of_an_image_shown_already_is_dropped() -> None:
    markup = '<p>x</p><img src="https://cdn.example.org/a.jpg"><noscript><img src="https://cdn.example.org/a.jpg"></noscript>'
    assert images(clean_body(markup, "").html) == ["https://cdn.example.org/a.jpg"]


def test_a_noscript_image_that_is_shown_nowhere_else_is_kept() -> None:
    markup = '<p>x</p><img class="lazy"><noscript><img src="https://cdn.example.org/only-here.jpg"></noscript>'
    assert images(clean_body(markup, "").html) == ["https://cdn.example.org/only-here.jpg"]


@pytest.mark.parametrize(("address", "expected"), [
    ("https://youtu.be/abc", ("YouTube", "https://www.youtube.com/watch?v=abc")),
    ("https://www.youtube.com/embed/abc?start=10", ("YouTube", "https://www.youtube.com/watch?v=abc")),
    ("https://w.soundcloud.com/player/?url=https%3A%2F%2Fapi.soundcloud.com%2Ftracks%2F823660696",
     ("SoundCloud", "https://w.soundcloud.com/player/?url=https%3A%2F%2Fapi.soundcloud.com%2Ftracks%2F823660696")),
    ("https://player.vimeo.com/video/76979871", ("Vimeo", "https://vimeo.com/76979871")),
    ("https://e.infogram.com/abc-def?src=embed", ("Infogram", "https://infogram.com/abc-def")),
    ("https://cdn.embedly.com/widgets/media.html?src=https%3A%2F%2Fwww.youtube.com%2Fembed%2FXYZ&url=https%3A%2F%2F"
     "www.youtube.com%2Fwatch%3Fv%3DXYZ&type=text%2Fhtml&schema=youtube", ("YouTube", "https://www.youtube.com/watch?v=XYZ")),
])
def test_provider_links(address: str, expected: tuple[str, str]) -> None:
    assert provider_link(address) == expected


_players = st.sampled_from([
    '<iframe src="https://www.youtube.com/embed/abc"></iframe>', "<iframe></iframe>",
    '<video src="/v.mp4"><a href="/v.mp4">get</a></video>',
    '<object data="https://x.example/o"><embed src="/e"></object>',
    '<embed src="https://x.example/e.swf">', '<audio><source src="https://x.example/a.mp3"></audio>',
    '<noscript><img src="https://x.example/n.jpg"><a href="https://x.example/n">n</a></noscript>',
    '<img data-src="https://x.example/l.jpg">', '<script src="https://gist.github.com/u/1.js"></script>',
    '<div class="flourish-embed" data-src="visualisation/1"></div>', "text", "<p>para</p>",
])
_parents = st.sampled_from(["h1", "h3", "p", "a", "li", "td", "span", "figure", "blockquote", "em", "pre", "ul",
                            "table", "noscript", "object", "video", "iframe", "summary", "caption"])


@st.composite
def _nested(draw: st.DrawFn) -> str:
    html = "".join(draw(st.lists(_players, min_size=1, max_size=3)))
    for parent in draw(st.lists(_parents, max_size=3)):
        attribute = ' href="https://p.example/"' if parent == "a" else ""
        html = f"<{parent}{attribute}>{html}</{parent}>" if draw(st.booleans()) else f"<{parent}{attribute}>{html}"
    return html


@settings(max_examples=300, deadline=None)
@given(_nested())
def test_embeds_anywhere_clean_to_themselves_again(html: str) -> None:
    once = clean_body(html, "https://news.example.com/a/")
    twice = clean_body(once.html, "https://news.example.com/a/")
    assert (twice.html, twice.text) == (once.html, once.text)
    assert not any(tag in once.html for tag in ("<iframe", "<video", "<object", "<embed", "<noscript", "<x-"))
