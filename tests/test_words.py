"""Search words (generator/words.py): Chinese split into the words Pagefind's own segmentation made."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from generator.words import search_words

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def words(text: str) -> list[str]:
    """Text → the words the index reads from its search text (split at white space)."""
    return search_words(text).split()


def test_chinese_is_split_as_pagefind_split_it() -> None:
    # jieba's dictionary words (no HMM guesses), and a longer word cut again into the dictionary words
    # of two or three characters that start it, else a character: 七国集团 → 七国 集团 (charabia).
    assert words("七国集团俄罗斯远东地区") == ["七国", "集团", "俄罗斯", "远东", "地区"]
    assert words("东方航天发射场") == ["东方", "航天", "发射", "场"]
    assert words("绍伊古") == ["绍", "伊", "古"]  # a name not in the dictionary: its characters
    assert words("2023年9月13日") == ["2023", "年", "9", "月", "13", "日"]


def test_only_chinese_is_split_and_the_rest_stays_as_written() -> None:
    assert search_words("Kim Jong-un met Putin (AP).") == "Kim Jong-un met Putin (AP)."
    assert words("约翰·科比(John Kirby)周三表示，") == ["约翰", "·", "科比", "(John", "Kirby)", "周三", "表示", "，"]
    assert search_words("") == ""


@given(st.text(alphabet=st.sampled_from("朝鲜领导人金正恩与俄罗斯总统普京会面七国集团发射场 ，。“”()-AbZ09\n")))
def test_splitting_only_adds_white_space(text: str) -> None:
    out = search_words(text)
    assert "".join(out.split()) == "".join(text.split())
    # Chinese comes out in words of at most three characters, apart from all else.
    for word in out.split():
        han = HAN.findall(word)
        assert not han or (len(han) == len(word) and len(word) <= 3), (text, out)


@given(st.text())
def test_any_text_keeps_its_characters(text: str) -> None:
    assert "".join(search_words(text).split()) == "".join(text.split())
