"""Clean stage: untrusted article HTML → sanitized HTML, plain text, summary and Markdown.

nh3 (the Rust ammonia sanitizer) is the gate on both sides: the raw HTML goes through it
before anything else looks at it, and the final HTML goes through it again, so whatever the
structural clean-up in between does, only allow-listed markup reaches a page. The clean-up
itself works on one BeautifulSoup tree (built by generator.article.soup), which also feeds markdownify.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import nh3
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag
from markdownify import MarkdownConverter, chomp

from generator.article import embeds
from generator.article.soup import parse as parse_html
from generator.models import CleanBody, Image
from generator.text import strip_illegal

# A body that is only a URL or looks like a file name is still HTML to clean, not a mistake.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

ALLOWED_TAGS = {
    "a", "abbr", "address", "b", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "s", "section", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "footer", "header", "aside",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
}
# Removed together with everything inside them (the others keep their text).
DROPPED_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
    "textarea", "select", "button", "applet", "frameset", "frame", "noembed", "title", "head",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
# Text that marks a feed service's promotional footer ("get more RSS"), in both scripts.
PROMO_MARKERS = ("获取更多RSS", "獲取更多RSS")
BLOCK_TAGS = {
    "address", "blockquote", "div", "dl", "dd", "dt", "figure", "figcaption", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table",
    "tr", "ul", "aside", "details", "summary", "caption",
}  # fmt: skip
SUMMARY_CHARS = 140
MAX_DEPTH = 48  # deeper elements are unwrapped (their text stays)
_SENTENCE_END = re.compile(r"[。！？!?.…]")
_WHITESPACE_RUN = re.compile(r"[ \t\n\r\f]{2,}")


class _Tag(Tag):
    """A Tag whose find_parent by one tag name walks up the parents itself. markdownify asks it
    of every tag (is this inside a <pre>?), and Beautiful Soup's general matching made that half
    of the conversion to Markdown."""

    def find_parent(self, name: Any = None, attrs: Any = None, **kwargs: Any) -> Any:
        """As Tag.find_parent; for a plain tag name, without building a matcher."""
        if isinstance(name, str) and not attrs and not kwargs:
            return _parent_named(self, (name,))
        return super().find_parent(name, attrs, **kwargs)


def _parent_named(node: Tag | NavigableString, names: tuple[str, ...]) -> Tag | None:
    """A node + tag names → its closest ancestor with one of the names, None when there is none."""
    parent = node.parent
    while parent is not None:
        if parent.name in names:
            return parent
        parent = parent.parent
    return None


def _tags_named(root: Tag, name: str) -> list[Tag]:
    """A tree + a tag name → its descendants with that name, in document order (as find_all, which
    builds a matcher for every call and made most of the cleaning's tree walks)."""
    return [node for node in root.descendants if isinstance(node, Tag) and node.name == name]


def _texts_matching(root: Tag, pattern: re.Pattern[str]) -> list[NavigableString]:
    """A tree + a pattern → its text nodes in which the pattern is found, in document order."""
    return [node for node in root.descendants if isinstance(node, NavigableString) and pattern.search(node)]


# nh3's first pass over a captured body also lets through what generator.article.embeds turns into links and images.
CAPTURE_TAGS = ALLOWED_TAGS | embeds.EMBED_TAGS
CAPTURE_ATTRIBUTES = {name: ALLOWED_ATTRIBUTES.get(name, set()) | embeds.EMBED_ATTRIBUTES.get(name, set())
                      for name in ALLOWED_ATTRIBUTES.keys() | embeds.EMBED_ATTRIBUTES.keys()}
CAPTURE_DROPPED = DROPPED_WITH_CONTENT - embeds.EMBED_TAGS


def sanitize(html: str, base_url: str = "", capture: bool = False) -> str:
    """Untrusted HTML (+ whether it is a captured body on its way to generator.article.embeds) → allow-listed HTML;
    relative URLs resolved against base_url.

    Relative URLs are dropped when there is no base, or when the base is not a URL nh3 can
    resolve against (a captured URL with a host like `a%20b` or `[v1.x]`).
    """
    if base_url:
        try:
            return _sanitize(html, ("rewrite_with_base", base_url), capture)
        except ValueError:  # nh3: "invalid url_relative base URL"
            pass
    return _sanitize(html, "deny", capture)


def _sanitize(html: str, relative: object, capture: bool = False) -> str:
    """nh3 with this archive's allow-lists (a capture's, when capture is true) and the given url_relative policy."""
    return nh3.clean(
        strip_illegal(html),
        tags=CAPTURE_TAGS if capture else ALLOWED_TAGS,
        clean_content_tags=CAPTURE_DROPPED if capture else DROPPED_WITH_CONTENT,
        attributes=CAPTURE_ATTRIBUTES if capture else ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        url_relative=relative,
        link_rel="noopener noreferrer",
        # One attribute only: nh3 emits added attributes in hash order, which would make
        # output differ between runs if there were two.
        set_tag_attribute_values={"img": {"loading": "lazy"}},
        strip_comments=True,
    )


def _limit_depth(root: Tag) -> None:
    """Replace elements nested deeper than MAX_DEPTH by their plain text.

    Real articles never nest that deep, and the tree walks that follow (bs4's smooth(),
    markdownify, the text walk) recurse, so a hostile body could otherwise crash the build.
    Each too-deep subtree is replaced in one step, which keeps this linear in the body's size.
    """
    too_deep = []
    stack = [(root, 0)]
    while stack:  # iterative on purpose: this is the walk that must not recurse
        tag, depth = stack.pop()
        for child in tag.children:
            if isinstance(child, Tag):
                if depth + 1 >= MAX_DEPTH:
                    too_deep.append(child)
                else:
                    stack.append((child, depth + 1))
    for tag in too_deep:
        tag.replace_with(NavigableString(tag.get_text()))


def _significant_children(root: Tag) -> Iterator[Tag | NavigableString]:
    """Children of root, skipping whitespace-only text."""
    for child in list(root.children):
        if isinstance(child, Tag) or child.strip():
            yield child


def _first_significant(root: Tag) -> Tag | NavigableString | None:
    """The first child of root that is not whitespace."""
    return next(_significant_children(root), None)


def _only_child_tag(tag: Tag, name: str) -> Tag | None:
    """The single element child of tag if it is `name` and there is no text beside it."""
    children = list(_significant_children(tag))
    if len(children) == 1 and isinstance(children[0], Tag) and children[0].name == name:
        return children[0]
    return None


def _parse_date(text: str) -> datetime | None:
    """An RFC 2822 or ISO 8601 date string → datetime (naive when it names no zone), else None."""
    text = text.strip()
    if not text or len(text) > 64:
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _stated_date(tag: Tag) -> datetime | None:
    """A date line (VOA's `<div><i>RFC 2822</i></div>`, NYT's `<time datetime>`) → its date, else None."""
    if tag.name == "time":
        return _parse_date(str(tag.get("datetime", "")))
    italic = _only_child_tag(tag, "i") if tag.name == "div" else None
    return _parse_date(italic.get_text()) if italic is not None else None


def _take_leading_metadata(root: Tag) -> tuple[str, datetime | None]:
    """Remove the byline and date lines that open the body → (author, published)."""
    author, published = "", None
    while (first := _first_significant(root)) is not None and isinstance(first, Tag):
        if date := _stated_date(first):
            published = published or date
        elif first.name == "address":
            author = author or " ".join(first.get_text(" ").split())
        else:
            break
        first.decompose()
    return author, published


def _promo_block(text: NavigableString, root: Tag) -> Tag | NavigableString:
    """The element a promo marker stands in: the innermost block that starts with it, else the text."""
    for parent in text.parents:
        if parent is root:
            break
        if parent.name in BLOCK_TAGS and parent.get_text().strip().startswith(text.strip()[:4]):
            return parent
    return text


def _remove_promo(root: Tag) -> None:
    """Remove the feed service's promo footer and the rule and breaks before it."""
    markers = re.compile("|".join(map(re.escape, PROMO_MARKERS)))
    for text in _texts_matching(root, markers):
        if getattr(text, "parent", None) is None:
            continue  # already removed with an earlier marker's block
        found = markers.search(text)
        if found is not None and text[: found.start()].strip():
            # The marker after other text in one string (what _limit_depth makes of a deeply nested body):
            # only the promo at its end goes, not the article before it.
            text.replace_with(NavigableString(text[: found.start()]))
            continue
        block = _promo_block(text, root)
        previous = block.previous_sibling
        while previous is not None and (
            (isinstance(previous, Tag) and previous.name in ("hr", "br"))
            or (isinstance(previous, NavigableString) and not previous.strip())
        ):
            before = previous.previous_sibling
            previous.extract()
            previous = before
        block.extract()


def _is_tracking_pixel(img: Tag) -> bool:
    """True for invisible 0–2 pixel images, the usual trackers, and images left without a source."""
    if not img.get("src"):
        return True
    sizes = [img.get(dim) for dim in ("width", "height")]
    return any(s is not None and str(s).strip().isdigit() and int(str(s)) <= 2 for s in sizes)


def _remove_pixels(root: Tag) -> None:
    """Drop tracking pixels and images without a source; drop sizes that are not numbers; give every image an alt."""
    for img in _tags_named(root, "img"):
        if _is_tracking_pixel(img):
            img.decompose()
            continue
        for dim in ("width", "height"):
            if dim in img.attrs and not str(img[dim]).strip().isdigit():
                del img[dim]
        # Alt text is carried over; an image without any gets alt="" (its caption, if any, describes
        # it), so screen readers do not read out its URL.
        img.attrs.setdefault("alt", "")


def _make_figures(root: Tag) -> None:
    """Turn VOA's `<img><div><small>caption</small></div>` into `<figure><img><figcaption>`."""
    for img in _tags_named(root, "img"):
        caption_block = img.find_next_sibling()
        between = img.next_sibling
        only_space_between = between is caption_block or (
            isinstance(between, NavigableString) and not between.strip()
            and between.next_sibling is caption_block
        )
        small = _only_child_tag(caption_block, "small") if caption_block is not None else None
        if small is None or not only_space_between or caption_block.name != "div" or (
            img.parent is not None and img.parent.name == "figure"
        ):
            continue
        soup = _owner(root)
        figure, caption = soup.new_tag("figure"), soup.new_tag("figcaption")
        caption.extend(list(small.contents))
        caption_block.decompose()
        img.replace_with(figure)
        figure.append(img)
        figure.append(caption)


def _owner(tag: Tag) -> BeautifulSoup:
    """The BeautifulSoup object a tag belongs to (it makes new tags)."""
    while tag.parent is not None:
        tag = tag.parent
    assert isinstance(tag, BeautifulSoup)
    return tag


def _is_empty(node: Tag | NavigableString) -> bool:
    """True for whitespace, <br>, <hr> and blocks holding nothing visible."""
    if isinstance(node, NavigableString):
        return not node.strip()
    if node.name in ("br", "hr"):
        return True
    if node.name in ("p", "div", "span", "section", "em", "i", "b", "strong", "small"):
        return not node.get_text().strip() and node.find("img") is None
    return False


def _tidy(root: Tag) -> None:
    """Demote h1 (the page has its own), drop empty paragraphs, and trim empty trailing nodes."""
    for heading in _tags_named(root, "h1"):
        heading.name = "h2"
    for paragraph in _tags_named(root, "p"):
        if _is_empty(paragraph):
            paragraph.decompose()
    while (last := next(reversed(list(root.children)), None)) is not None and _is_empty(last):
        last.extract()
    _collapse_spaces(root)


def _collapse_spaces(root: Tag) -> None:
    """Merge neighbouring text nodes and collapse runs of white space outside <pre>.

    Browsers show the runs as one space anyway; collapsing them makes cleaning idempotent,
    because removals can leave two text nodes side by side that the next parse sees as one.
    """
    root.smooth()
    for text in _texts_matching(root, _WHITESPACE_RUN):
        if type(text) is NavigableString and _parent_named(text, ("pre", "code")) is None:
            text.replace_with(NavigableString(_WHITESPACE_RUN.sub(" ", text)))


def _text_parts(node: Tag, skip: frozenset[str]) -> Iterator[str]:
    """Text of node in document order, with newlines at block edges and <br>; skips `skip` tags."""
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not comments, CDATA, doctypes
                yield str(child)
        elif child.name == "br":
            yield "\n"
        elif child.name not in skip:
            block = child.name in BLOCK_TAGS
            if block:
                yield "\n"
            yield from _text_parts(child, skip)
            if block:
                yield "\n"


def _cap_runs(text: str, char: str, most: int) -> str:
    """Text + a character + a length → the text with every longer run of that character cut to that
    length (with str.replace: regular expressions took about five times as long on Chinese text)."""
    longer, kept = char * (most + 1), char * most
    while longer in text:
        text = text.replace(longer, kept)
    return text


def plain_text(root: Tag, skip: frozenset[str] = frozenset()) -> str:
    """A tree → its text, one paragraph per line, spaces collapsed."""
    text = "".join(_text_parts(root, skip))
    # Runs of spaces, tabs, no-break and ideographic spaces become one space: with str.replace, 36 µs
    # an article's text, where a regular expression per line took 170 µs.
    for space in "\t\u00a0\u3000":
        text = text.replace(space, " ")
    text = _cap_runs(text, " ", 1)
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# Elements that have no end tag; the others are written with one even when empty.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


def _html_parts(node: Tag, parts: list[str]) -> None:
    """A tree → the HTML of its children, appended to parts: what an HTML parser reads back as the
    same elements, attributes and text. Not decode_contents, whose formatters and event stream took
    four times as long; the result goes through nh3 again, which writes it out its own way."""
    for child in node.children:
        if isinstance(child, Tag):
            name = child.name
            attributes = "".join(
                f' {key}="{html.escape(value if isinstance(value, str) else " ".join(value))}"'
                # Sorted as Beautiful Soup writes them (nh3 keeps the order); a list is a multi-valued one (rel).
                for key, value in sorted(child.attrs.items()))
            parts.append(f"<{name}{attributes}>")
            if name not in _VOID:
                _html_parts(child, parts)
                parts.append(f"</{name}>")
        elif type(child) is NavigableString:  # not comments, CDATA, doctypes (nh3 drops them anyway)
            parts.append(html.escape(child, quote=False))


def inner_html(root: Tag) -> str:
    """A tree → the HTML of its children (see _html_parts)."""
    parts: list[str] = []
    _html_parts(root, parts)
    return "".join(parts)


def summarize(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Plain text → its opening, cut at a sentence end when one is near the limit."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(cut)]
    if ends and ends[-1] >= limit * 0.5:
        return cut[: ends[-1]]
    return cut.rstrip() + "…"


def _lead_image(root: Tag) -> Image | None:
    """The figure or image that opens the article, if it opens with one."""
    first = _first_significant(root)
    if not isinstance(first, Tag):
        return None
    img = first if first.name == "img" else first.find("img") if first.name == "figure" else None
    if img is None or not img.get("src"):
        return None
    caption = first.find("figcaption") if first.name == "figure" else None
    caption_text = " ".join(caption.get_text(" ").split()) if caption else ""
    return Image(src=str(img["src"]), alt=str(img.get("alt", "")), caption=caption_text)


# The Markdown copy is read by other tools, often with raw HTML allowed and any link scheme
# accepted, so text must not be able to start markup there: brackets (links, images, reference
# definitions) and backticks (a stray one would take a code span's delimiter and leave its code
# outside it) are backslash-escaped, and `<` (raw HTML, autolinks) becomes an entity, which every
# Markdown flavour shows as text. Backslashes are doubled first, so none can cancel those.
# Characters that would end or break a link destination, percent-encoded.
_MD_URL_ESCAPES = str.maketrans({ch: f"%{ord(ch):02X}" for ch in " \t\n\r()<>\\\"`"})
# Characters that would end a link title, as entities.
_MD_TITLE_ESCAPES = str.maketrans({"\\": "&#92;", '"': "&quot;"})
_BACKTICKS = re.compile(r"`+")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_CODE = ("code", "kbd", "samp")  # elements markdownify writes as code spans
# Elements markdownify writes as inline markup around their content (links, emphasis, code, quotes).
_INLINE_MARKUP = frozenset({"a", "b", "strong", "i", "em", "del", "s", "q", "code", "kbd", "samp", "sub", "sup"})


def _escape_markup(text: str) -> str:
    """Text whose backslashes are escaped → brackets and backticks escaped too, `<` as an entity.

    One str.replace per character, not str.translate, which looks every character up in its table:
    with it and the regular expressions of to_markdown, converting took 1.4 ms an article, not 1.14.
    """
    return text.replace("[", "\\[").replace("]", "\\]").replace("`", "\\`").replace("<", "&lt;")


def markdown_text(text: str) -> str:
    """Plain text → Markdown that shows it as text: no link, image, raw HTML or autolink can start in it."""
    return _escape_markup(text.replace("\\", "\\\\"))


class _Markdown(MarkdownConverter):
    """markdownify with the options this archive wants, and no way for text to become markup."""

    def __init__(self) -> None:
        super().__init__(heading_style="ATX", bullets="-", escape_misc=False)

    def escape(self, text: str, parent_tags: set[str]) -> str:
        """Text outside code → escaped (markdownify's `*` and `_`, plus markdown_text's)."""
        return _escape_markup(super().escape(text.replace("\\", "\\\\"), parent_tags))

    @staticmethod
    def _title(el: Tag) -> str:
        """An element's title attribute → ` "title"` for a link or image, or ''."""
        title = " ".join(str(el.get("title") or "").split())
        return f' "{title.translate(_MD_TITLE_ESCAPES)}"' if title else ""

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """A link → [text](url "title"), its URL unable to end early."""
        if "_noformat" in parent_tags:
            return text
        prefix, suffix, text = chomp(text)
        if not text:
            return ""
        href = str(el.get("href") or "").translate(_MD_URL_ESCAPES)
        if not href:
            return text
        if text.replace(r"\_", "_") == href and not el.get("title"):
            return f"{prefix}<{href}>{suffix}"
        return f"{prefix}[{text}]({href}{self._title(el)}){suffix}"

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """An image → ![alt](src "title"), its alt text unable to close the brackets early."""
        alt = markdown_text(" ".join(str(el.get("alt") or "").split()))
        if "_inline" in parent_tags:
            return alt
        src = str(el.get("src") or "").translate(_MD_URL_ESCAPES)
        return f"![{alt}]({src}{self._title(el)})"

    def convert_code(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Inline code → a code span on one line: a line break in it could end the paragraph (a blank
        line, or a line starting an HTML block) and leave the code, unescaped, as Markdown."""
        if "_noformat" in parent_tags:
            return super().convert_code(el, text, parent_tags)
        span = super().convert_code(el, _LINE_BREAK.sub(" ", text), parent_tags)
        # Right after another code span, the two delimiters would make one run of backticks, and the
        # first span would close inside this one's code: a space keeps them apart.
        previous = el.find_previous(string=True)
        return " " + span if span and previous and _parent_named(previous, _CODE) is not None else span

    convert_kbd = convert_samp = convert_code  # markdownify's aliases point at its own convert_code

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Preformatted text → a fenced block whose fence is longer than any run of backticks inside it.

        A fence has to start a line, which it cannot inside a link, emphasis, a heading or a table
        cell; there the text becomes a code span (whose text then stays code, not Markdown).
        """
        if "_inline" in parent_tags or any(parent.name in _INLINE_MARKUP for parent in el.parents):
            return self.convert_code(el, text, parent_tags)
        markdown = super().convert_pre(el, text, parent_tags)
        longest = max((len(run) for run in _BACKTICKS.findall(text or "")), default=0)
        if longest < 3 or not (markdown.startswith("\n\n```") and markdown.endswith("\n```\n\n")):
            return markdown
        fence = "`" * (longest + 1)
        return f"\n\n{fence}{markdown[5:-5]}{fence}\n\n"


# One converter for every article: making one reads its options through dir() and finds its convert_*
# methods afresh (0.03 ms, 7% of converting an article).
_MARKDOWN = _Markdown()


def to_markdown(root: Tag) -> str:
    """A sanitized tree → tidy Markdown: no spaces at line ends, no more than one blank line in a row."""
    markdown = _MARKDOWN.convert_soup(root)
    # Line by line and with str.replace: regular expressions took ten times as long on Chinese text.
    markdown = "\n".join([line.rstrip(" \t") for line in markdown.split("\n")])
    markdown = _cap_runs(markdown, "\n", 2)
    return markdown.strip() + "\n" if markdown.strip() else ""


def clean_body(raw_html: str, base_url: str = "") -> CleanBody:
    """Raw article HTML + the article's URL → CleanBody (safe HTML, text, summary, Markdown, facts)."""
    sanitized = sanitize(embeds.mark_frames(raw_html), base_url, capture=True)
    soup = parse_html(sanitized, _Tag)
    root = soup.body
    if root is None:
        return CleanBody("", "", "", "", None, "", None)
    _limit_depth(root)
    with_embeds, lazy = embeds.has_embeds(sanitized), embeds.has_lazy_images(sanitized)
    if with_embeds or lazy:
        embeds.convert(root, soup, base_url, with_embeds, lazy)
    # Order matters for idempotence: everything that removes nodes runs before the leading
    # byline/date lines are taken, so a second pass finds nothing new at the top.
    _remove_promo(root)
    _remove_pixels(root)
    _tidy(root)
    author, published = _take_leading_metadata(root)
    _make_figures(root)
    _tidy(root)
    text = plain_text(root)
    return CleanBody(
        html=sanitize(inner_html(root)).strip(),
        text=text,
        summary=summarize(plain_text(root, skip=frozenset({"figure"}))),
        markdown=to_markdown(root),
        lead_image=_lead_image(root),
        author=author,
        published=published,
    )
