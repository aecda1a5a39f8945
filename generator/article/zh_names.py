"""Chinese names in segmented text (part of tags, docs/design.md §4): which dictionary proper nouns are names,
and names the dictionary does not know, joined from the pieces it cuts them into. Pure functions.

rjieba's dictionary (jieba's) cuts a transliterated name it does not know into pieces it tags as names
(魏茨曼 → 魏茨 + 曼, 埃尔斯伯格 → 埃尔斯 + 伯格) and tags many common words as names (许可 nr, 日志 ns,
建议您 nr); its HMM guesses new words it tags as names too (开大图 nz, 太多太少 nrt). So:

- adjacent pieces made only of the characters transliterations use (and a name joined by ·) are one name;
- a dictionary word that CC-CEDICT reads only as a common word (data/zh_common_nouns.txt) is no name, nor a
  word with a pronoun, a demonstrative or an adverb's ending in it (建议您, 这两项, 明智地);
- a word the dictionary does not have is a name only when it is made of transliteration characters, or
  looks like a Chinese person's name (a common surname and one or two characters, tagged nr);
- an administrative or ethnic suffix (武汉市, 湖北省, 维吾尔族) or a generic head (中国政府) is left off
  a place: the place is the tag.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
# rjieba part-of-speech tags of proper nouns, and the kind of name each says (x: a name of unknown kind).
NAME_KINDS = {"nr": "p", "nrt": "p", "nrfg": "p", "ns": "l", "nt": "o", "nz": "x"}
# Characters of transliterated foreign names (Xinhua's transliteration tables, the common ones).
TRANSLIT = frozenset(
    "阿埃艾爱安昂敖奥巴拜班邦包保鲍贝本比彼毕宾波伯勃博布查达戴丹道德登迪蒂丁东杜敦顿多厄恩尔法范菲费芬丰"
    "弗福夫盖甘冈高戈哥格根古瓜圭哈海汉豪赫亨洪胡华怀惠霍基吉加贾杰捷金居卡凯坎康考柯科克肯库夸奎昆拉莱"
    "赖兰朗劳勒雷蕾里利莉连列林琳卢鲁陆路伦罗洛马玛迈麦曼芒梅蒙米密明摩莫默姆穆纳娜奈南内妮尼涅宁牛纽努"
    "诺欧帕潘庞佩彭皮珀普奇齐恰乔切钦丘热若瑞萨塞赛桑瑟森沙莎山尚绍舍什施史斯松苏索塔泰坦汤唐特滕提"
    "廷图托瓦万旺威韦维魏温沃乌伍武西希锡席夏肖谢辛休徐雅亚延扬耶伊因英尤于约扎泽詹兹佐茨"
)
# Parts of speech of a one-character piece that is grammar, not part of a name: prepositions, conjunctions,
# particles, adverbs, numerals, measure words, directions, pronouns, interjections, onomatopoeia.
_GRAMMAR = frozenset(
    {"p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "d", "m", "q", "f", "r", "y", "e", "o", "x", "zg", "df", "mq"}
)
# Words with these in them are phrases the dictionary mislabels, not names (建议您, 这两项, 明智地, 远远不够).
_PHRASE = re.compile(r"[您你我们这]|[地着过]$|不[够能会是要行]|没有")
# A degree adverb opening a two-character "name" (太晚, 很多), and qualifiers that open a three-character one
# made of a common word (高水平, 新时代, 大数据): phrases, not names (太原 and 高晓松 are left: a place, no word).
_DEGREE = re.compile(r"^[太很更最挺较].$")
_QUALIFIERS = frozenset("高低大小新老全多超反非")
# Common Chinese surnames: a word the dictionary does not have is a person's name if it starts with one.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "温艾黎庞甘柳滕祝欧阳"
)
# Suffixes left off a place: administrative and ethnic ones, and generic heads ("the X government").
_SUFFIXES = ("特别行政区", "自治区", "政府", "当局", "地区", "官方", "境内", "人民", "公司", "企业",
             "市", "省", "县", "族", "人")  # fmt: skip
SEPARATORS = "·•‧・"  # what joins the parts of a transliterated full name (马丁·路德·金)


def _read_words(name: str) -> frozenset[str]:
    """A word list in data/ (words split by space or line, # comments) → the words."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


COMMON_NOUNS = _read_words("zh_common_nouns.txt")


def transliterated(word: str) -> bool:
    """A word → whether every character of it is one transliterated names use."""
    return all(ch in TRANSLIT for ch in word)


def is_piece(word: str, flag: str) -> bool:
    """A token and its part of speech → whether it can be part of a transliterated name: a name the dictionary
    tags as transliterated (nrt), a name made of transliteration characters, or one such character that is not
    grammar (斯诺 + 登)."""
    if len(word) == 1:  # 曼 in 魏茨 + 曼; 朱 (nr) in 朱 + 尔斯
        return (word in TRANSLIT and flag not in _GRAMMAR) or flag in ("nr", "nrt")
    return flag == "nrt" or (flag in NAME_KINDS and transliterated(word))


def is_name(word: str, flag: str, known: bool) -> bool:
    """A token tagged as a proper noun + whether the dictionary has it → whether it is a name."""
    if len(word) < 2 or word in COMMON_NOUNS or _PHRASE.search(word):
        return False
    if flag not in ("ns", "nt") and (
        _DEGREE.match(word) or (len(word) == 3 and word[0] in _QUALIFIERS and common_word(word[1:]))
    ):
        return False  # 太晚, 高水平: a degree or a quality and a common word, which the dictionary calls a name
    if (
        flag in ("nr", "nrfg", "nz")
        and len(word) == 3
        and word[0] not in _SURNAMES
        and not transliterated(word)
        and common_word(word[1:])
    ):
        return False  # 换衣服, 互联网: a word and a word, not a surname and a given name
    if known:
        return True
    return transliterated(word) or (flag == "nr" and len(word) <= 3 and word[0] in _SURNAMES)


# Ends of organisations' names: a name ending so is an organisation whatever the dictionary tags it.
_ORGANISATION_ENDS = (
    "大学",
    "学院",
    "公司",
    "集团",
    "银行",
    "组织",
    "委员会",
    "协会",
    "基金会",
    "研究所",
    "研究院",
    "政府",
    "法院",
    "电视台",
    "通讯社",
    "日报",
    "时报",
    "邮报",
    "党",
    "部",
    "局",
    "署",
    "社",
)


def name_kind(word: str, flag: str) -> str:
    """A name + the part of speech the dictionary gives it → its kind letter, where that is safe to say: p for a
    Chinese person's name (a common surname and one or two characters) or a full name joined by ·, l for a
    place (ns), o for an organisation (nt, or a name ending as theirs do); x otherwise (jieba's nr and nrt
    also tag brands, diseases and places: 星巴克, 埃博拉)."""
    if word.endswith(_ORGANISATION_ENDS) and len(word) > 2:
        return "o"
    if "·" in word:
        return "p"
    if flag in ("nr", "nrfg") and len(word) <= 3 and word[0] in _SURNAMES and not transliterated(word):
        return "p"
    return {"ns": "l", "nt": "o"}.get(flag, "x")


@lru_cache(maxsize=65_536)
def common_word(word: str) -> bool:
    """A word → whether the dictionary has it whole as a common word (noun, verb, adjective: not a name)."""
    import rjieba

    parts = rjieba.tag(word, False)
    return len(parts) == 1 and parts[0][1] not in NAME_KINDS and parts[0][1] not in ("x", "eng", "m")


@lru_cache(maxsize=65_536)
def place_without_suffix(word: str, is_place: object) -> str:
    """A name + a test of whether a word is a place → the place without its suffixes (武汉市 → 武汉, 湖南省政府 →
    湖南), else ''."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            rest = word[: -len(suffix)]
            if is_place(rest):  # type: ignore[operator]
                return place_without_suffix(rest, is_place) or rest
    return ""
