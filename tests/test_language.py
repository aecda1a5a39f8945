"""The language of an article (generator.article.enrich.detect_language): told by counting scripts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.article import enrich
from generator.article.enrich import detect_language


@pytest.mark.parametrize(("text", "lang"), [
    ("Kim Jong Un met Vladimir Putin in Pyongyang on Wednesday.", "en"),
    ("金正恩与普京周三在平壤会晤，朝鲜与俄罗斯签署协议。", "zh-Hans"),
    ("金正恩與普京週三在平壤會晤，這個協議對於兩國關係來說很重要。", "zh-Hant"),
    ("普京 (Vladimir Putin) 说：俄罗斯与朝鲜的合作是正常的。", "zh-Hans"),
    ("", "zh-Hans"),
])
def test_language_is_told_by_counting_scripts(text: str, lang: str) -> None:
    assert detect_language(text) == lang


# With the edges of the Han block (U+4DFF, U+4E00, U+9FFF, U+A000), characters beyond the BMP, and a
# lone surrogate (which no decoded file holds, but which must not break the counting).
@given(st.text(alphabet=st.sampled_from("abcXYZ 中国们这个来说為們這個來說éß١\n\u4dff\u4e00\u9fff\ua000"
                                        "\U00020000\U0001f600\ud800Ａｚ"), max_size=80))
def test_language_counts_are_those_of_a_plain_loop(text: str) -> None:
    """The counting in C counts exactly what a loop over the characters counts."""
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    traditional = sum(ch in enrich._TRADITIONAL for ch in text)
    simplified = sum(ch in enrich._SIMPLIFIED for ch in text)
    assert enrich.script_counts(text) == (han, latin, traditional, simplified)
    expected = "en" if han * 4 < latin else "zh-Hant" if traditional > simplified else "zh-Hans"
    assert detect_language(text) == expected
