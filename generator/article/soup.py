"""Soup (part of the clean stage): sanitized HTML → the BeautifulSoup tree that `BeautifulSoup(html, "lxml")`
makes, in a little over half the time (0.32 ms, not 0.58, for a typical body).

Beautiful Soup's lxml builder gets the tree from libxml2 as a stream of Python calls, one per start
tag, end tag and text, each with its own bookkeeping: 0.58 ms for a typical article's body, which
lxml parses into its own tree in 0.03 ms. Here lxml builds its tree in C and one walk over it makes
Beautiful Soup's objects: each element a copy of a prototype Tag that Beautiful Soup itself parsed
for that name (so every field its constructor sets is there), linked to its neighbours the way
BeautifulSoup.object_was_parsed links them. Markup this walk does not reproduce (comments,
processing instructions, doctypes, CDATA, script-like elements whose strings have their own class)
goes to Beautiful Soup itself; nh3's output holds none of it. tests/test_soup.py checks that both
give the same tree, field for field.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from lxml import etree

# Fields of a Tag that link it into a tree, or are its own: set for every element, not copied.
_OWN_FIELDS = frozenset({"attrs", "contents", "parent", "previous_element", "next_element",
                         "previous_sibling", "next_sibling"})
# Markup that makes nodes other than elements and text, or that libxml2 reads as declarations; and the
# end of the document element, after which a tree keeps nothing while Beautiful Soup goes on.
_NOT_ELEMENTS_OR_TEXT = re.compile(r"<[!?]|</html", re.IGNORECASE)
ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"  # what Beautiful Soup collapses to one space or newline
CHUNK = 512  # characters per feed, as Beautiful Soup's lxml builder (its CHUNK_SIZE)
# libxml2 building a tree (not calling a target, as for Beautiful Soup) silently drops elements
# nested 256 deep and cuts text at 10 MB: deeper or longer bodies go to Beautiful Soup.
MOST_DEPTH = 250
MOST_CHARACTERS = 1_000_000  # 4 MB of UTF-8 at most


@functools.cache
def _prototype(tag_class: type[Tag], name: str) -> dict[str, Any] | None:
    """A Tag class + a tag name → the fields Beautiful Soup gives a parsed Tag of that name (except its
    links), from its own parse of that one element; None when it would give the element's strings a
    class of their own (script, style, template, rt, rp)."""
    soup = BeautifulSoup(f"<{name}></{name}>", "lxml", element_classes={Tag: tag_class})
    tag = soup.find(name)
    if tag is None or name in soup.builder.string_containers:
        return None
    return {key: value for key, value in vars(tag).items() if key not in _OWN_FIELDS}


def _fallback(html: str, element_classes: dict[type, type]) -> BeautifulSoup:
    """What the fast walk does not reproduce → Beautiful Soup's own parse."""
    return BeautifulSoup(html, "lxml", element_classes=element_classes)


def _append(node: Any, siblings: list[Any], order: list[Any]) -> None:
    """A new node + its parent's children so far + every node so far → the node last in both, linked
    to its previous sibling both ways."""
    if siblings:
        node.previous_sibling, siblings[-1].next_sibling = siblings[-1], node
    else:
        node.previous_sibling = None
    siblings.append(node)
    order.append(node)


def parse(html: str, tag_class: type[Tag] = Tag) -> BeautifulSoup:
    """HTML (+ the Tag subclass to build with) → the same tree as BeautifulSoup(html, "lxml",
    element_classes={Tag: tag_class})."""
    element_classes: dict[type, type] = {Tag: tag_class}
    if not html.strip() or len(html) > MOST_CHARACTERS or _NOT_ELEMENTS_OR_TEXT.search(html):
        return _fallback(html, element_classes)
    try:
        # Fed as Beautiful Soup feeds it, in chunks, to a parser with its options (strip_cdata aside,
        # which does nothing in HTML): libxml2 reads pushed input its own way.
        parser = etree.HTMLParser(recover=True)
        for start in range(0, len(html), CHUNK):
            parser.feed(html[start:start + CHUNK])
        root = parser.close()
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return _fallback(html, element_classes)
    if root is None:
        return _fallback(html, element_classes)
    soup = BeautifulSoup("", "lxml", element_classes=element_classes)
    builder = soup.builder
    list_attributes = builder.cdata_list_attributes or {}
    every_tag_lists = list_attributes.get("*", set())
    value_list = builder.attribute_value_list_class
    attribute_dict = builder.attribute_dict_class
    preserve_names = builder.preserve_whitespace_tags or set()

    order: list[Any] = []  # every node made, in document order
    open_tags: list[Tag] = [soup]
    parent: Tag = soup
    siblings: list[Any] = soup.contents  # the children of parent so far
    preserving = 0  # open elements inside which white space is kept as it is
    for event, element in etree.iterwalk(root, events=("start", "end")):
        name = element.tag
        if event == "start":
            fields = _prototype(tag_class, name) if isinstance(name, str) else None
            if fields is None:
                return _fallback(html, element_classes)
            attributes = attribute_dict()
            if element.attrib:
                if any(key.startswith("{") for key in element.attrib):
                    return _fallback(html, element_classes)  # a namespaced attribute
                lists = every_tag_lists | list_attributes.get(name, set())
                for key, value in element.attrib.items():
                    attributes[key] = value_list(value.split()) if key in lists else value
            node: Any = object.__new__(tag_class)
            own = node.__dict__
            own.update(fields)
            own["attrs"], own["contents"], own["parent"], own["next_sibling"] = attributes, [], parent, None
            _append(node, siblings, order)
            open_tags.append(node)
            if len(open_tags) > MOST_DEPTH:
                return _fallback(html, element_classes)
            parent, siblings = node, node.contents
            if name in preserve_names:
                preserving += 1
            text = element.text
        else:
            if name in preserve_names:
                preserving -= 1
            open_tags.pop()
            parent = open_tags[-1]
            siblings = parent.contents
            text = element.tail
        if text:
            if not preserving and not text.strip(ASCII_SPACES):
                text = "\n" if "\n" in text else " "  # as Beautiful Soup's endData
            node = str.__new__(NavigableString, text)  # what NavigableString(text) makes, and its links
            node.__dict__ = {"hidden": False, "parent": parent, "next_sibling": None}
            _append(node, siblings, order)
    # Each node's neighbours in document order (the first has none before it, as in Beautiful Soup).
    for before, node in zip([None, *order[:-1]], order, strict=True):
        node.previous_element = before
    for node, after in zip(order, [*order[1:], None], strict=True):
        node.next_element = after
    soup._most_recent_element = order[-1] if order else None  # as Beautiful Soup leaves it
    return soup
