"""Render time: an article's images pointed at their stored copies, when the store has them.

Pure functions of the sanitized body and the article's map of stored images (address → variants,
from generator.media.store.MediaIndex): an <img> whose src the map holds gets the widest variant as
src, every variant in srcset, and the width and height of the picture it shows, so the page does not
jump while it loads; every other <img> keeps its original address.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

from generator.media.addresses import IMG_TAG, tag_attributes

# (file name, width, height), widest first, as the store records them.
Variants = tuple[tuple[str, ...] | tuple[str, int, int], ...]
COLUMN_PX = 736  # the article column's width (46rem at 16 px): what `sizes` tells the browser to expect
ASPECT_TOLERANCE = 0.03  # an article's own width/height are kept when they give the stored image's shape
# What the cleaner percent-encodes in a Markdown image address (cleaner._MD_URL_ESCAPES; a test keeps them equal).
MD_URL_ESCAPES = str.maketrans({ch: f"%{ord(ch):02X}" for ch in ' \t\n\r()<>\\"`'})
_ATTRIBUTE_ORDER = ("src", "srcset", "sizes", "alt", "width", "height")


def _display_size(attributes: dict[str, str], width: int, height: int) -> tuple[int, int]:
    """The article's width/height attributes + the stored image's size → the size to give the <img>.

    The article's own when they keep the picture's shape (a thumbnail stays small); else the image's.
    """
    given_width, given_height = attributes.get("width", ""), attributes.get("height", "")
    if given_width.isdigit() and int(given_width) > 0:
        shown = int(given_width)
        if given_height.isdigit() and int(given_height) > 0:
            if abs(shown / int(given_height) - width / height) <= ASPECT_TOLERANCE * width / height:
                return shown, int(given_height)
            return width, height
        return shown, max(1, round(shown * height / width))
    return width, height


def local_img(attributes: dict[str, str], variants: Variants, link: Callable[[str], str]) -> str:
    """The attributes of one <img> (tag_attributes) + the stored variants of its image + file name → its URL
    from the page → the tag showing the stored copy."""
    name, width, height = variants[0]
    shown_width, shown_height = _display_size(attributes, int(width), int(height))
    new = {"src": link(str(name))}
    if len(variants) > 1:
        new["srcset"] = ", ".join(f"{link(str(n))} {w}w" for n, w, _ in variants)
        new["sizes"] = f"(max-width: {min(shown_width, COLUMN_PX)}px) 100vw, {min(shown_width, COLUMN_PX)}px"
    new["alt"] = attributes.get("alt", "")
    new["width"], new["height"] = str(shown_width), str(shown_height)
    kept = {k: v for k, v in attributes.items() if k not in _ATTRIBUTE_ORDER}  # title, lang, dir, loading
    parts = [f'{key}="{html.escape(value, quote=True)}"' for key, value in (*new.items(), *kept.items())]
    return "<img " + " ".join(parts) + ">"


def rewrite_html(body_html: str, images: Mapping[str, Variants], link: Callable[[str], str]) -> str:
    """Sanitized HTML + its map of stored images + file name → URL → the HTML with those images local."""
    if not images:
        return body_html

    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        attributes = tag_attributes(tag)
        variants = images.get(attributes.get("src", ""))
        return local_img(attributes, variants, link) if variants else tag

    return IMG_TAG.sub(replace, body_html)


def rewrite_markdown(markdown: str, images: Mapping[str, Variants], link: Callable[[str], str]) -> str:
    """The Markdown copy + its map of stored images + file name → URL → the copy with those images local."""
    for address, variants in images.items():
        escaped = address.translate(MD_URL_ESCAPES)
        target = link(str(variants[0][0])).translate(MD_URL_ESCAPES)
        markdown = markdown.replace(f"]({escaped})", f"]({target})").replace(f"]({escaped} ", f"]({target} ")
    return markdown
