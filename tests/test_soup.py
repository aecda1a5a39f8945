"""The clean stage's parser (generator.article.soup) gives Beautiful Soup's own tree, field for field."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from bs4 import BeautifulSoup, NavigableString, Tag
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.article import soup
from generator.article.cleaner import _Tag, sanitize
from tests.strategies import nested_html

LINKS = ("parent", "previous_element", "next_element", "previous_sibling", "next_sibling")


def assert_same_tree(expected: BeautifulSoup, actual: BeautifulSoup) -> None:
    """Two parses → equal node for node: types, text, every field, and links to the same positions."""
    expected_nodes, actual_nodes = [expected, *expected.descendants], [actual, *actual.descendants]
    assert [type(node) for node in actual_nodes] == [type(node) for node in expected_nodes]
    expected_at = {id(node): at for at, node in enumerate(expected_nodes)}
    actual_at = {id(node): at for at, node in enumerate(actual_nodes)}

    def position(node: Any, where: dict[int, int]) -> int | None:
        return None if node is None else where[id(node)]

    for want, got in zip(expected_nodes[1:], actual_nodes[1:], strict=True):
        if isinstance(want, NavigableString):
            assert str(got) == str(want)
        want_fields, got_fields = vars(want), vars(got)
        assert got_fields.keys() == want_fields.keys()
        for field, value in want_fields.items():
            if field in LINKS:
                assert position(got_fields[field], actual_at) == position(value, expected_at), field
            elif field == "contents":
                assert [actual_at[id(node)] for node in got_fields[field]] == [expected_at[id(node)] for node in value]
            elif field == "attrs":
                assert got_fields[field] == value
                assert type(got_fields[field]) is type(value)
                assert [type(item) for item in got_fields[field].values()] == [type(item) for item in value.values()]
            else:
                assert got_fields[field] == value, field
    assert actual.decode() == expected.decode()


def beautiful_soups(html: str) -> BeautifulSoup:
    """HTML → Beautiful Soup's own parse, as the cleaner made it before generator.article.soup."""
    return BeautifulSoup(html, "lxml", element_classes={Tag: _Tag})


# Pieces that make Beautiful Soup's tree what it is: white space it collapses (not in <pre> or
# <textarea>), multi-valued attributes, void and implied elements, entities, and the markup the fast
# walk leaves to Beautiful Soup (comments, processing instructions, CDATA, <script>).
_tags = st.sampled_from(["p", "div", "span", "a", "img", "br", "pre", "textarea", "code", "table", "tr", "td",
                         "ul", "li", "h1", "figure", "script", "title", "head", "body", "html", "svg"])
_attributes = st.sampled_from(["", ' href="https://x.example/a"', ' rel="noopener  noreferrer"', ' class="a b\tc"',
                               ' src="/a.jpg" alt=""', ' title="&quot;q&quot; &amp; x"', " xml:lang=zh",
                               ' headers=" h1 h2 "', " hidden", ' id="x"'])
_texts = st.sampled_from(["", " ", "\n", "  \n\t ", "\r\n", "\f", "普京", " x ", "\u00a0", "\u3000", "&nbsp;", "&amp;",
                          "&foo;", "<", "<!-- c -->", "<?pi x?>", "<![CDATA[x]]>", "<!DOCTYPE html>"])


def html() -> st.SearchStrategy[str]:
    """Random nested HTML, often unbalanced."""
    return nested_html(_tags, _attributes, _texts, most_parts=5, most_depth=4, closings=lambda tag: [f"</{tag}>", ""])


@settings(max_examples=400, deadline=None)
@given(html())
@example("<html></html> ")  # found by this test: what follows the document element, only Beautiful Soup keeps
@example("<p>a</p></HTML> b")
def test_the_tree_is_beautiful_soups_for_any_html(markup: str) -> None:
    assert_same_tree(beautiful_soups(markup), soup.parse(markup, _Tag))


@settings(max_examples=300, deadline=None)
@given(html())
def test_sanitized_html_is_walked_not_handed_to_beautiful_soup(markup: str) -> None:
    clean = sanitize(markup, "https://news.example.com/a/")
    if not clean.strip():
        return  # nothing to parse: Beautiful Soup's empty tree is the answer
    with mock.patch.object(soup, "_fallback", side_effect=AssertionError(f"fell back to Beautiful Soup on {clean!r}")):
        fast = soup.parse(clean, _Tag)
    assert_same_tree(beautiful_soups(clean), fast)


def test_white_space_between_elements_is_one_newline_or_space_but_kept_in_pre() -> None:
    tree = soup.parse("<p>a</p>  \n\t<p>b</p> \t<pre>\n  x <b>y</b>  \n</pre>", _Tag)
    body = tree.body
    assert body is not None
    assert [str(node) for node in body.contents if isinstance(node, NavigableString)] == ["\n", " "]
    pre = body.pre
    assert pre is not None
    assert [str(node) for node in pre.contents if isinstance(node, NavigableString)] == ["\n  x ", "  \n"]


def test_multi_valued_attributes_are_lists_and_the_others_strings() -> None:
    tree = soup.parse('<a href="https://x.example/a b" rel="noopener  noreferrer" title="a b">x</a>', _Tag)
    link = tree.a
    assert link is not None
    assert link["rel"] == ["noopener", "noreferrer"]
    assert link["href"] == "https://x.example/a b"
    assert link["title"] == "a b"
    assert isinstance(link, _Tag)


@pytest.mark.parametrize("markup", [
    "<div>" * 300 + "深" + "</div>" * 300,
    "<p>" + "x" * 10_500_000 + "</p>",
], ids=["nested-past-libxml2s-tree-depth", "text-past-libxml2s-tree-limit"])
def test_what_libxml2_would_cut_from_a_tree_is_parsed_whole(markup: str) -> None:
    tree = soup.parse(markup, _Tag)
    assert tree.get_text().strip("x") in ("深", "")
    assert len(tree.get_text()) == len(BeautifulSoup(markup, "lxml").get_text())
    assert_same_tree(beautiful_soups(markup), tree)
