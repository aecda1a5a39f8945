"""The media store's pure parts: image addresses and proxies, image verification and encoding, the page
rewrite, the Internet Archive link, and which fingerprints the media code is part of."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from generator.article.cleaner import _MD_URL_ESCAPES, clean_body
from generator.media.addresses import (
    MAX_CANDIDATES,
    candidates,
    page_images,
    parse_srcset,
    raw_image_groups,
    unwrap_proxy,
)
from generator.media.images import ImageRefused, encode_image
from generator.media.rewrite import MD_URL_ESCAPES, rewrite_html, rewrite_markdown
from generator.paths import wayback_url
from generator.sourcecode import imported_modules
from tests.media_server import HTML_PAGE, SVG_WITH_SCRIPT, bomb_png, image_bytes

# --- addresses ---------------------------------------------------------------------------------------


def test_page_images_are_the_img_sources_of_the_sanitized_body_in_order_once() -> None:
    body = clean_body(
        '<p>a</p><img src="https://x.org/a.jpg?w=1&amp;h=2" alt="a>b"><p>b</p>'
        '<img src="//cdn.x.org/b.png"><img src="https://x.org/a.jpg?w=1&amp;h=2">'
        '<img src="data:image/gif;base64,R0lGOD">',
        "https://x.org/story",
    ).html
    assert page_images(body) == ["https://x.org/a.jpg?w=1&h=2", "https://cdn.x.org/b.png"]


@pytest.mark.parametrize(
    ("srcset", "parsed"),
    [
        ("a.jpg 300w, b.jpg 1400w", [("a.jpg", 300), ("b.jpg", 1400)]),
        (
            "https://i1.wp.com/x.jpg?resize=300,200&ssl=1 300w,https://i1.wp.com/x.jpg?w=1400 1400w",
            [("https://i1.wp.com/x.jpg?resize=300,200&ssl=1", 300), ("https://i1.wp.com/x.jpg?w=1400", 1400)],
        ),
        ("a.jpg, b.jpg 2x", [("a.jpg", 1), ("b.jpg", 2)]),
        ("  ", []),
        ("a.jpg 3q", [("a.jpg", 1)]),
    ],
)
def test_srcset_is_read_as_browsers_read_it(srcset: str, parsed: list[tuple[str, float]]) -> None:
    assert parse_srcset(srcset) == parsed


def test_raw_groups_hold_every_address_an_element_gives() -> None:
    raw = (
        '<picture><source type="image/webp" srcset="/p/x.webp 1080w"><img src="/p/x.jpg"></picture>'
        '<img class="lazyload" src="data:image/gif;base64,R0lGOD" data-lazy-src="//cdn.example.org/y.jpg"'
        ' data-lazy-srcset="//cdn.example.org/y-300.jpg 300w, //cdn.example.org/y-1200.jpg 1200w">'
        '<img data-src="z.png"><img src="javascript:alert(1)">'
    )
    assert raw_image_groups(raw, "https://news.example.org/a/story.html") == [
        ("https://news.example.org/p/x.jpg", "https://news.example.org/p/x.webp"),
        ("https://cdn.example.org/y.jpg", "https://cdn.example.org/y-1200.jpg", "https://cdn.example.org/y-300.jpg"),
        ("https://news.example.org/a/z.png",),
    ]


@pytest.mark.parametrize(
    ("proxied", "original"),
    [
        ("https://images.weserv.nl?url=gdb.voanews.com/0aff_w900.jpg", "http://gdb.voanews.com/0aff_w900.jpg"),
        ("https://images.weserv.nl/?url=ssl:static01.nyt.com/images/a.jpg", "https://static01.nyt.com/images/a.jpg"),
        ("https://wsrv.nl/?url=https%3A%2F%2Fexample.org%2Fa.png&w=300", "https://example.org/a.png"),
        (
            "https://i1.wp.com/www.iyouport.org/wp-content/uploads/2019/08/2-16.jpeg?resize=1100%2C734&ssl=1",
            "https://www.iyouport.org/wp-content/uploads/2019/08/2-16.jpeg",
        ),
        ("https://i0.wp.com/example.org/a.jpg?w=600", "http://example.org/a.jpg"),
        (
            "https://cdn.substack.com/image/fetch/w_1100,c_limit,f_auto/https%3A%2F%2Fbucket.s3.amazonaws.com%2Fa.jpeg",
            "https://bucket.s3.amazonaws.com/a.jpeg",
        ),
        (
            "https://camo.githubusercontent.com/0123abcd/" + b"https://example.org/c.png".hex(),
            "https://example.org/c.png",
        ),
        (
            "https://external-content.duckduckgo.com/iu/?u=https%3A%2F%2Fexample.org%2Fd.jpg&f=1",
            "https://example.org/d.jpg",
        ),
    ],
)
def test_proxies_are_unwrapped_to_the_original(proxied: str, original: str) -> None:
    assert unwrap_proxy(proxied) == original


@pytest.mark.parametrize(
    "address",
    [
        "https://cdn-images-1.medium.com/max/2600/1*f2aUjvRRVFeqjC5ZblsTIQ.png",
        "https://cdn.jsdelivr.net/gh/0nd1jyU39XQ/_/img/1/e52bf525ly1g58ith3ni3j21kw0w0tl8.jpg",
        "https://images.weserv.nl/?url=javascript:alert(1)",
        "https://i0.wp.com/",
        "https://example.org/image/fetch/not-a-url",
    ],
)
def test_other_addresses_are_not_proxies(address: str) -> None:
    assert unwrap_proxy(address) is None


def test_candidates_try_the_original_first_then_the_page_then_the_elements_others() -> None:
    photon = "https://i1.wp.com/cdn.substack.com/image/fetch/w_1100/https%3A%2F%2Fb.s3.amazonaws.com%2Fa.jpeg?ssl=1"
    groups = raw_image_groups(
        f'<img src="{photon}" data-orig-file="https://b.example.org/full.jpeg"'
        ' srcset="https://b.example.org/a-300.jpeg 300w">'
    )
    assert candidates(photon, groups) == (
        "https://b.s3.amazonaws.com/a.jpeg",  # behind Photon and Substack's Cloudinary
        "https://cdn.substack.com/image/fetch/w_1100/https%3A%2F%2Fb.s3.amazonaws.com%2Fa.jpeg",
        photon,
        "https://b.example.org/full.jpeg",
        "https://b.example.org/a-300.jpeg",
    )
    many = raw_image_groups(
        '<img src="https://x.org/0.jpg" srcset="'
        + ", ".join(f"https://x.org/{n}.jpg {n}w" for n in range(1, 20))
        + '">'
    )
    assert len(candidates("https://x.org/0.jpg", many)) == MAX_CANDIDATES
    assert candidates("https://x.org/alone.jpg", many) == ("https://x.org/alone.jpg",)


# --- images ------------------------------------------------------------------------------------------


def test_an_upright_copy_without_metadata_is_stored() -> None:
    image = Image.new("RGB", (400, 200), (250, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° to show
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    [variant] = encode_image(out.getvalue(), max_width=1600, small_width=640).variants
    assert (variant.width, variant.height) == (200, 400)
    with Image.open(io.BytesIO(variant.data)) as stored:
        assert stored.format == "WEBP" and not stored.getexif()


def test_jpeg_output_and_transparency_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (2000, 1000), (0, 0, 0, 0)).save(out, "PNG")
    encoded = encode_image(out.getvalue(), max_width=1000, small_width=500, fmt="jpeg")
    assert [(v.width, v.height, v.extension) for v in encoded.variants] == [(1000, 500, "jpg"), (500, 250, "jpg")]
    with Image.open(io.BytesIO(encoded.variants[0].data)) as stored:
        assert stored.format == "JPEG" and stored.getpixel((10, 10)) == (255, 255, 255)


def test_an_animation_stays_animated() -> None:
    frames = [Image.new("RGB", (100, 80), (i * 60, 0, 0)) for i in range(4)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=70, loop=0)
    [variant] = encode_image(out.getvalue()).variants
    with Image.open(io.BytesIO(variant.data)) as stored:
        assert stored.format == "WEBP" and stored.n_frames == 4


def test_the_same_bytes_make_the_same_files() -> None:
    data = image_bytes(2000, 1000, (10, 20, 30))
    assert [v.name for v in encode_image(data).variants] == [v.name for v in encode_image(data).variants]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (SVG_WITH_SCRIPT, "an SVG image"),
        (b"\xef\xbb\xbf  <svg onload='alert(1)'/>", "an SVG image"),
        (HTML_PAGE, "an HTML or XML page"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image"),  # never handed to Ghostscript
        (b"GIF89a" + b"\0" * 40, "not an image"),
        (image_bytes(800, 600, (1, 2, 3))[:700], "damaged"),
        (bomb_png(), "more pixels than media.max_pixels"),
        (bomb_png(8000, 7000), "8000×7000 pixels × 1 frame(s) is more than media.max_pixels (50,000,000)"),
    ],
)
def test_what_is_not_a_raster_image_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRefused, match=re.escape(reason)):
        encode_image(data)


# --- the page rewrite -------------------------------------------------------------------------------

VARIANTS = (("aaaa.webp", 1600, 900), ("bbbb.webp", 640, 360))


def test_a_stored_image_gets_its_copy_its_variants_and_its_size() -> None:
    body = (
        '<p>x</p><img src="https://x.org/a.jpg?w=1&amp;h=2" alt="a &quot;b&quot;" loading="lazy">'
        '<img src="https://x.org/other.jpg" loading="lazy">'
    )
    rewritten = rewrite_html(body, {"https://x.org/a.jpg?w=1&h=2": VARIANTS}, str)
    assert rewritten == (
        '<p>x</p><img src="aaaa.webp" srcset="aaaa.webp 1600w, bbbb.webp 640w" '
        'sizes="(max-width: 736px) 100vw, 736px" alt="a &quot;b&quot;" width="1600" height="900" '
        'loading="lazy"><img src="https://x.org/other.jpg" loading="lazy">'
    )


@pytest.mark.parametrize(
    ("attributes", "size"),
    [
        ('width="320" height="180"', 'width="320" height="180"'),  # the article's size, the same shape: kept
        ('width="320" height="320"', 'width="1600" height="900"'),  # another shape: the image's own
        ('width="320"', 'width="320" height="180"'),
    ],
)
def test_the_articles_own_size_is_kept_when_it_has_the_images_shape(attributes: str, size: str) -> None:
    body = f'<img src="https://x.org/a.jpg" {attributes}>'
    assert size in rewrite_html(body, {"https://x.org/a.jpg": VARIANTS}, str)


def test_the_markdown_copy_links_the_stored_copy() -> None:
    markdown = '![图](https://x.org/a%20b.jpg) ![t](https://x.org/a%20b.jpg "title") ![o](https://x.org/o.jpg)'
    assert rewrite_markdown(markdown, {"https://x.org/a b.jpg": VARIANTS}, str) == (
        '![图](aaaa.webp) ![t](aaaa.webp "title") ![o](https://x.org/o.jpg)'
    )


def test_the_markdown_escapes_are_the_cleaners() -> None:
    assert MD_URL_ESCAPES == _MD_URL_ESCAPES


# --- the way back -----------------------------------------------------------------------------------


def test_the_internet_archive_link_uses_the_capture_time_in_utc() -> None:
    captured = datetime(2024, 6, 8, 8, 39, 2, tzinfo=timezone(timedelta(hours=8)))
    assert (
        wayback_url("https://www.voachinese.com/a/7647600.html", captured)
        == "https://web.archive.org/web/20240608003902/https://www.voachinese.com/a/7647600.html"
    )
    assert wayback_url("", captured) == ""


def test_an_article_without_url_has_no_internet_archive_link(tmp_path: Path) -> None:
    from generator.commands.build import build
    from generator.config import parse_config

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "<!--1717807142000-->\n[无网址]()\n------\n\n<p>正文</p>\n", encoding="utf-8"
    )
    build(tmp_path / "in", tmp_path / "site", parse_config(""))
    [page] = (tmp_path / "site" / "articles").rglob("index.html")
    assert "web.archive.org" not in page.read_text(encoding="utf-8")


# --- fingerprints ---------------------------------------------------------------


def test_page_code_covers_the_media_rewrite_and_article_code_does_not() -> None:
    from generator.cache.store import ARTICLE_MODULES
    from generator.site.render import PAGE_MODULES

    page_code = imported_modules(PAGE_MODULES, leave_out=("output.writer",))
    assert {"media", "media.rewrite", "media.store", "media.addresses", "paths"} <= page_code
    assert not page_code & {"media.run", "media.fetcher", "media.images"}  # downloading changes no page
    assert not {m for m in imported_modules(ARTICLE_MODULES) if m.startswith("media")}
