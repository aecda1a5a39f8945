"""Tags an editor would keep (issue 31): no fragments of longer names, no generic words or interface text, English
names that are names, one tag per entity across scripts, languages and forms, the tag index by kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.archive.assemble import build_archive
from generator.archive.tagging import assign_tags
from generator.article.enrich import process
from generator.article.entities import display_name, entities, entity_of, read_table
from generator.article.reader import parse_article
from generator.article.tags import extract_candidates
from generator.config import Config, parse_config
from generator.models import Article

REALISTIC = Path(__file__).parent / "fixtures" / "tags" / "realistic"
JUNE = (2024, 6)


def terms(text: str, lang: str = "zh-Hans", title: str = "") -> set[str]:
    """An article's text → the terms it offers as tags (its candidates)."""
    return {term for term, _, _ in extract_candidates(title, text, lang, Config().tags)}


# --- fragments: the longest name written is the tag ------------------------------------------------------------

FRAGMENTS = [
    ("魏茨曼说，吹哨人总是孤独的。魏茨曼认为权力过大。", "魏茨曼", {"魏茨"}),
    ("帕里奥特指出。帕里奥特法案扩大了监控。", "帕里奥特", {"帕里", "奥特"}),
    ("斯诺登在香港。斯诺登后来去了莫斯科。", "斯诺登", {"斯诺"}),
    ("埃博拉疫情期间，埃博拉病毒的消息被压制。", "埃博拉", {"博拉"}),
    ("陀思妥耶夫斯基写道。陀思妥耶夫斯基认为。", "陀思妥耶夫斯基", {"夫斯基", "耶夫斯基"}),
    ("汉密尔顿说。汉密尔顿认为。", "汉密尔顿", {"尔顿"}),
    ("美国国土安全部称。国土安全部表示。", "国土安全部", {"安全部"}),
    ("普世价值是什么？普世价值很重要。", "普世价值", {"普世"}),
    ("马丁·路德·金说。马丁·路德·金认为，马丁相信。", "马丁·路德·金", {"马丁", "路德", "马丁·路德"}),
]


@pytest.mark.parametrize(("text", "name", "fragments"), FRAGMENTS)
def test_a_name_is_not_cut_into_fragments(text: str, name: str, fragments: set[str]) -> None:
    found = terms(text)
    assert name in found and not found & fragments, found


def test_two_names_ending_alike_stay_two_names() -> None:
    found = terms("埃尔斯伯格泄露了五角大楼文件。埃尔斯伯格说。扎克伯格说。扎克伯格的脸书。")
    assert {"埃尔斯伯格", "扎克伯格"} <= found and "伯格" not in found


# --- generic words, phrases, pronouns and interface text are no tags --------------------------------------------

GENERIC = ["建议您", "明智地", "太多", "太少", "太晚", "太多太少", "远远不够", "这两项", "许可", "高水平", "安全性"]


def test_generic_words_the_dictionary_calls_names_are_no_tags() -> None:
    text = "我们建议您使用加密。建议您明智地选择，太多太少太晚都远远不够。这两项许可的高水平安全性。" * 3
    found = terms(text)
    assert not found & set(GENERIC), found
    assert found == {"加密"}  # a topic of the entity table, mentioned thrice


def test_interface_text_and_category_labels_are_no_tags() -> None:
    assert not terms("点击开大图。开大图。关于高堡奇人。高堡奇人。高堡。高堡。")


def test_a_bit_is_not_bitcoin() -> None:
    assert terms("比特币价格上涨。比特币。一个比特是信息单位，八个比特。") == {"比特币"}


# --- English: names, not capitalised sentence starts; apostrophes kept ------------------------------------------


def test_english_contractions_and_sentence_openers_are_no_names() -> None:
    text = (
        "I’m sure. I’ve seen it. I’m told. I’ve heard. Although Beijing denied it, Beijing agreed. "
        "Unless China acts, China will."
    )
    found = terms(text, "en")
    assert found == {"北京", "中国"}, found


def test_english_possessive_of_a_common_noun_keeps_its_apostrophe() -> None:
    text = (
        "The Workers’ Party of Korea met. Later the Workers' Party of Korea said so. China’s Zoom Bomb hit Zoom users."
    )
    found = terms(text, "en")
    assert "Workers' Party of Korea" in found and "Workers Party of Korea" not in found
    assert "People Republic of China" not in terms(
        "The People’s Republic of China said. The People's Republic of China agreed.", "en"
    )


def test_a_word_the_text_also_writes_in_lower_case_is_no_name() -> None:
    text = "We use the Internet daily. The internet is slow. On the Internet nobody knows. Internet access."
    assert "Internet" not in terms(text, "en")


# --- one tag per entity ------------------------------------------------------------------------------------------

MERGES = [
    (
        "中国",
        [
            ("中国今天宣布。中国政府说。", "zh-Hans"),
            ("China said. Beijing and China agree; Chinese officials said.", "en"),
            ("中國今天宣布。中國政府說。", "zh-Hant"),
        ],
    ),
    ("习近平", [("习近平说。习近平认为。", "zh-Hans"), ("Xi Jinping said that. Later, Xi spoke again.", "en")]),
    ("特朗普", [("特朗普说。川普认为。", "zh-Hans"), ("Donald Trump said that. Later, Trump spoke again.", "en")]),
    ("美国", [("美国政府说。美国人认为。", "zh-Hans"), ("The United States said so, and the US agreed.", "en")]),
    ("香港", [("香港特区政府说。香港认为。", "zh-Hans"), ("Hong Kong said so. In Hong Kong, people agreed.", "en")]),
    ("台湾", [("台湾说。臺灣认为。", "zh-Hans"), ("Taiwan said so. In Taiwan, people agreed.", "en")]),
    (
        "维吾尔族",
        [
            ("维吾尔人说。维吾尔族认为。维吾尔。", "zh-Hans"),
            ("The Uyghurs said so. Uyghur groups agreed; Uyghurs left.", "en"),
        ],
    ),
    ("新疆", [("新疆维吾尔自治区说。新疆认为。", "zh-Hans"), ("In Xinjiang, they said. Xinjiang agreed.", "en")]),
    ("武汉", [("武汉市政府说。武汉认为。", "zh-Hans"), ("In Wuhan, they said. Wuhan agreed.", "en")]),
]


@pytest.mark.parametrize(("entity", "texts"), MERGES)
def test_every_form_of_an_entity_is_one_tag(entity: str, texts: list[tuple[str, str]]) -> None:
    for text, lang in texts:
        config = Config().tags
        candidates = extract_candidates("", text, lang, config)
        assert entity in {term for term, _, _ in candidates}, (text, list(candidates))
        [tags] = assign_tags([candidates], ["example.com"], [JUNE], config)
        assert tags[0] == entity, (text, tags)


def test_administrative_and_ethnic_suffixes_merge_into_the_place() -> None:
    found = terms("湖南省政府说。湖南认为。长沙市说，长沙同意。")
    assert {"湖南", "长沙"} <= found and not found & {"湖南省", "长沙市", "湖南省政府"}


def test_an_english_surname_merges_into_the_full_name_in_the_article() -> None:
    assert terms("Daniel Ellsberg leaked the papers. Later, Ellsberg said so.", "en") == {"Daniel Ellsberg"}


def test_config_aliases_win_over_the_table() -> None:
    config = parse_config('[tags]\naliases = { "China" = "中华人民共和国", "中国" = "中华人民共和国" }\n').tags
    found = {t for t, _, _ in extract_candidates("", "China said. Later, China agreed. 中国说。", "en", config)}
    assert found == {"中华人民共和国"}


def test_the_table_reads_and_names_its_entities_in_the_sites_language() -> None:
    assert len(entities()) > 200 and len({e.name for e in entities()}) == len(entities())
    assert entity_of("Chinese").name == entity_of("中國").name == entity_of("PRC").name == "中国"
    assert display_name("习近平", "zh-CN") == "习近平"
    assert display_name("习近平", "zh-TW") == "習近平"
    assert display_name("习近平", "en") == "Xi Jinping"
    assert display_name("莫乃光", "en") == "莫乃光"  # not in the table: as written
    with pytest.raises(ValueError, match="line 2"):
        read_table("# a comment\nperson\n")


# --- the outlet and the front matter ----------------------------------------------------------------------------


def test_the_outlet_is_no_tag_of_its_own_articles() -> None:
    text = "美国之音报道，普京访问朝鲜。美国之音记者说，普京和金正恩会谈。"
    config = Config().tags
    assert "美国之音" in terms(text)
    found = {t for t, _, _ in extract_candidates("", text, "zh-Hans", config, outlet=("美国之音", "voachinese.com"))}
    assert "美国之音" not in found and "普京" in found


def test_front_matter_tags_count_unless_they_only_name_the_outlet() -> None:
    config = Config().tags
    candidates = extract_candidates(
        "", "一篇短文。", "zh-Hans", config, listed=["Matters", "言论自由", "China"], outlet=("matters.news", "Matters")
    )
    assert candidates.listed_tags() == ["言论自由", "中国"]  # the outlet's name left out, China as its entity
    [tags] = assign_tags([candidates], ["matters.news"], [JUNE], config)
    assert tags == ("言论自由", "中国")


# --- a fixed set of real-looking articles -----------------------------------------------------------------------

BAD = {
    "魏茨",
    "帕里",
    "斯诺",
    "伯格",
    "博拉",
    "安全部",
    "普世",
    "建议您",
    "明智地",
    "太多",
    "太少",
    "远远不够",
    "这两项",
    "许可",
    "高水平",
    "安全性",
    "开大图",
    "高堡",
    "高堡奇人",
    "I'm",
    "I’m",
    "I've",
    "I’ve",
    "Although Beijing",
    "Unless China",
    "People Republic of China",
    "China",
    "Chinese",
    "Xi",
    "Xi Jinping",
    "Trump",
    "Donald Trump",
    "武汉市",
    "湖北省",
    "维吾尔",
    "维吾尔人",
    "Uyghur",
    "Uyghurs",
    "Beijing",
    "iYouPort",
    "Nei.st",
    "Matters",
    "ChinaFile",
    "中国政府",
    "美国政府",
    "比特",
}


def realistic_articles(config: Config) -> list[Article]:
    """The real-looking posts of tests/fixtures/tags/realistic, read and enriched."""
    return [process(parse_article(path.name, path.read_bytes()), config)[0] for path in sorted(REALISTIC.iterdir())]


def test_real_looking_articles_get_the_tags_an_editor_would_keep() -> None:
    config = Config()
    articles = realistic_articles(config)
    archive, _ = build_archive(articles, (), config.tags)
    tags = {article.source_file: article.tags for article in archive.articles}
    for file, found in tags.items():
        assert found and not set(found) & BAD, (file, found)
    assert {"斯诺登", "埃尔斯伯格", "魏茨曼", "扎克伯格"} <= set(tags["2019-06-14-斯诺登与魏茨曼.md"])
    assert {"武汉", "习近平", "封城"} <= set(tags["2020-02-03-武汉封城之后.md"])
    assert {"维吾尔族", "新疆", "特朗普"} <= set(tags["2020-05-20-维吾尔人在海外.md"])
    english = tags["2021-03-01-xinjiang-uyghurs.md"]
    assert english[0] == "新疆"  # the post's own tag first; its outlet's name (ChinaFile) left out
    assert {"维吾尔族", "习近平", "特朗普", "中国"} <= set(english)
    # One tag each across the Simplified, Traditional and English articles: shared, so they get pages.
    shared = {index.name: len(index.articles) for index in archive.tags}
    assert shared["维吾尔族"] == shared["新疆"] == shared["特朗普"] == 2 and shared["习近平"] == 2
    kinds = {index.name: index.kind for index in archive.tags}
    assert kinds["特朗普"] == "p" and kinds["新疆"] == "l" and kinds["维吾尔族"] == "t"


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("zh-TW", {"維吾爾族", "新疆", "特朗普", "習近平"}),
        ("en", {"Uyghurs", "Xinjiang", "Donald Trump", "Xi Jinping"}),
    ],
)
def test_tag_names_follow_the_sites_language(language: str, names: set[str]) -> None:
    config = Config()
    archive, _ = build_archive(realistic_articles(config), (), config.tags, language=language)
    assert names <= {index.name for index in archive.tags}
    assert not {"维吾尔族", "习近平"} & {tag for article in archive.articles for tag in article.tags}
    # The tags' folders stay those of their keys: a site in another language moves no tag page.
    simplified, _ = build_archive(realistic_articles(config), (), config.tags)
    assert sorted(index.segment for index in archive.tags) == sorted(index.segment for index in simplified.tags)
    assert "习近平" in {index.segment for index in archive.tags}
