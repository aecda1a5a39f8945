"""Search words (generator/words.py): Chinese split into the words Pagefind's own segmentation made."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from generator.article.words import KEPT_SPACE, search_words

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
    assert words("约翰·科比(John Kirby)周三表示，") == [
        "约翰", "·", "科比", "(John", KEPT_SPACE, "Kirby)", "周三", "表示", "，"]
    assert search_words("") == ""


def shown(indexed: str) -> str:
    """A search text → what the search page shows of it: Pagefind's words one space apart, then, with
    Chinese in them, every space taken out and each KEPT_SPACE made one (generator/templates/static/search.js)."""
    excerpt = " ".join(indexed.split())
    if not (HAN.search(excerpt) or KEPT_SPACE in excerpt):
        return excerpt
    return " ".join(excerpt.replace(" ", "").split(KEPT_SPACE)).strip()


def test_excerpts_show_real_spaces_beside_chinese() -> None:
    # Before, every space beside a Chinese character was taken out, the written ones too.
    assert shown(search_words("华盛顿 — 拜登周三表示")) == "华盛顿 — 拜登周三表示"
    written = "苹果公司发布 iPhone 16 Pro，售价 999 美元"
    assert shown(search_words(written)) == written
    # A line break stays a space beside other text, and goes between Chinese (as CSS joins such lines).
    assert shown(search_words("said Trump\n美国之音\n第一段。\n第二段")) == "said Trump 美国之音第一段。第二段"


WIDE = re.compile(r"[\u3000-\u303f\uff01-\uff60\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def as_written(text: str) -> str:
    """Text → how its excerpt should read: runs of white space one space, but a line break between two
    wide characters, which is none."""
    text = text.replace(KEPT_SPACE, "").strip()
    return re.sub(r"\s+", lambda run: "" if "\n" in run.group() and WIDE.fullmatch(text[run.start() - 1])
                  and WIDE.fullmatch(text[run.end()]) else " ", text)


MIXED = "朝鲜领导人金正恩与俄罗斯总统普京会面七国集团发射场卡拉OK ，。“”()-AbZ09\n\t\u3000" + KEPT_SPACE


@given(st.text(alphabet=st.sampled_from(MIXED)))
def test_excerpts_show_the_text_as_written(text: str) -> None:
    assert shown(search_words(text)) == as_written(text)


@given(st.text(alphabet=st.sampled_from("朝鲜领导人金正恩与俄罗斯总统普京会面七国集团发射场 ，。“”()-AbZ09\n")))
def test_splitting_only_adds_white_space(text: str) -> None:
    out = search_words(text)
    assert "".join(out.split()).replace(KEPT_SPACE, "") == "".join(text.split()).replace(KEPT_SPACE, "")
    # Chinese comes out in words of at most three characters, apart from all else.
    for word in out.split():
        han = HAN.findall(word)
        assert not han or (len(han) == len(word) and len(word) <= 3), (text, out)


@given(st.text())
def test_any_text_keeps_its_characters(text: str) -> None:
    assert "".join(search_words(text).split()).replace(KEPT_SPACE, "") == "".join(text.split()).replace(KEPT_SPACE, "")
