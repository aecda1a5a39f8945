"""Publishers named as readers know them (issue #37): config, front matter, the shipped table, then the host;
a platform's writers; an aggregator's originals, listed under their publisher "via" it; source folders made from
stable keys, so a better name moves no URL."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from generator.archive.assemble import build_archive, group_outlets
from generator.article.enrich import process, process_file
from generator.article.outlets import directory, own_label, shipped_rows
from generator.article.publishers import attribute, canonical_url, front_matter_name, source_line
from generator.article.reader import parse_article
from generator.cache.store import ARTICLE_CONFIG_FIELDS
from generator.commands.build import build
from generator.config import Config, parse_config
from generator.errors import ConfigError
from generator.models import Article, Outlet, Processed

from .conftest import TEST_CONFIG_TOML

FIXTURES = Path(__file__).parent / "fixtures" / "publishers"
SOURCES_TOML = """
[sources."configured.example"]
name = "配置的名字"
[sources."reposts.example"]
kind = "aggregator"
name = "Reposts"
"""
CONFIG = parse_config(SOURCES_TOML)


def article_of(name: str, config: Config = CONFIG) -> Article:
    """The per-article work on tests/fixtures/publishers/<name>, which must give an article."""
    outcome, _ = process_file(name, (FIXTURES / name).read_bytes(), "", config)
    assert isinstance(outcome, Processed), outcome
    return outcome.article


# --- each rule, on fixture files ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "key", "shown", "via"), [
    # the shipped table, in the site's language
    ("2020-01-01-table.txt", "economist.com", "经济学人", None),
    # the front matter before the table (allnow.com is 全现在 there); m. is the same site
    ("2020-01-02-front-matter.md", "allnow.com", "燕京书评", None),
    # a front matter naming an outlet the table knows, in either script, identifies it
    ("2020-01-17-front-matter-names-a-known-outlet.md", "caixin.com", "财新", None),
    # a category that is a topic names nothing: the host
    ("2020-01-03-topics.md", "unknown-outlet.example", "unknown-outlet.example", None),
    # the config before the front matter; a domain covers its subdomains
    ("2020-01-04-config.md", "configured.example", "配置的名字", None),
    # a platform's writer: by subdomain, by @handle, by the byline; a writer's own domain
    ("2020-01-05-medium-subdomain.md", "hulitw.medium.com", "hulitw · Medium", None),
    ("2020-01-06-matters-handle.md", "matters.news-@islander", "Islander · Matters", None),
    ("2020-01-07-medium-author.txt", "medium.com-李飛步", "李飛步 · Medium", None),
    ("2020-01-08-custom-domain.md", "verbalflystep.com", "李飛步 · Medium", None),
    # an aggregator's original: by its path rule (before a chart's credit), none (its own), by a 来源 line at the
    # end (in Traditional), none for a credit inside the text, by a canonical link
    ("2020-01-09-aggregator-path.md", "caixin.com", "财新", Outlet("nei.st", "Nei.st")),
    ("2020-01-10-aggregator-own.md", "nei.st", "Nei.st", None),
    ("2020-01-11-aggregator-source-line.txt", "theinitium.com", "端传媒", Outlet("reposts.example", "Reposts")),
    ("2020-01-12-aggregator-credit-inside.txt", "reposts.example", "Reposts", None),
    ("2020-01-13-aggregator-canonical.txt", "wsj.com", "华尔街日报", Outlet("reposts.example", "Reposts")),
])
def test_each_rule_names_the_publisher(name: str, key: str, shown: str, via: Outlet | None) -> None:
    article = article_of(name)
    assert (article.outlet.key, article.outlet.name, article.via) == (key, shown, via)


def test_a_byline_that_only_repeats_the_publisher_or_the_writer_is_not_shown() -> None:
    assert article_of("2020-01-02-front-matter.md").author == ""  # author: 燕京书评
    assert article_of("2020-01-09-aggregator-path.md").author == ""  # author: Nei.st, the aggregator
    assert article_of("2020-01-08-custom-domain.md").author == ""  # the writer the outlet is named after
    assert article_of("2020-01-03-topics.md").author == "Jane Doe"
    assert article_of("2020-01-05-medium-subdomain.md").author == "Huli"


@pytest.mark.parametrize(("language", "economist", "caixin"), [
    ("zh-CN", "经济学人", "财新"), ("zh-TW", "經濟學人", "財新"), ("en", "The Economist", "Caixin")])
def test_the_tables_names_follow_the_sites_language(language: str, economist: str, caixin: str) -> None:
    config = dataclasses.replace(CONFIG, language=language)
    assert article_of("2020-01-01-table.txt", config).outlet == Outlet("economist.com", economist)
    assert article_of("2020-01-09-aggregator-path.md", config).outlet == Outlet("caixin.com", caixin)
    # the front matter's and the config's names are shown as written
    assert article_of("2020-01-02-front-matter.md", config).outlet.name == "燕京书评"
    assert article_of("2020-01-04-config.md", config).outlet.name == "配置的名字"


def test_the_sites_language_is_part_of_the_article_cache_key() -> None:
    raw = parse_article("a.txt", (FIXTURES / "2020-01-01-table.txt").read_bytes())
    assert "language" in ARTICLE_CONFIG_FIELDS
    assert process(raw, CONFIG, "k") != process(raw, dataclasses.replace(CONFIG, language="en"), "k")


def test_a_copy_that_names_its_original_by_url_is_merged_with_the_originals_capture() -> None:
    """Cross-posted: the aggregator's copy (canonical link) and the original's own capture are one story."""
    articles = [article_of("2020-01-13-aggregator-canonical.txt"), article_of("2020-01-14-original-of-canonical.txt")]
    archive, _ = build_archive(articles)
    assert len(archive.articles) == 1 and len(archive.duplicates) == 1
    (article,) = archive.articles
    assert article.outlet.key == "wsj.com" and article.via == Outlet("reposts.example", "Reposts")  # the fuller copy
    assert {index.outlet.key: len(index.articles) for index in archive.outlets} == {"wsj.com": 1,
                                                                                   "reposts.example": 1}


def test_a_post_whose_canonical_link_names_another_sites_page_is_one_story_with_it() -> None:
    """Cross-posted by two outlets: one article (the fuller capture), not one under each."""
    copy, original = article_of("2020-01-15-cross-posted.txt"), article_of("2020-01-16-cross-posted-original.txt")
    assert copy.outlet.key == "hulitw.medium.com" and copy.via is None  # no aggregator: attributed to its host
    assert copy.story == original.story == "https://blog.huli.example/2020/01/cross-posted"
    archive, _ = build_archive([copy, original])
    assert len(archive.articles) == 1 and [d.dropped for d in archive.duplicates] == [original.source_file]


@pytest.mark.parametrize("canonical", ["https://blog.huli.example/", "https://hulitw.medium.com/another-story-1"])
def test_a_canonical_link_to_a_home_page_or_to_the_same_site_merges_nothing(canonical: str) -> None:
    found = attribute("https://hulitw.medium.com/a-story-1", directory({}, "zh-CN"),
                      body_html=f'<link rel="canonical" href="{canonical}"><p>text</p>')
    assert found.original_url == ""


# --- the parts --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("categories", "tags", "name"), [
    (("iYouPort",), ("iYouPort",), "iYouPort"),  # as real archives file posts by outlet
    (("燕京书评",), (), "燕京书评"),
    (("Matters",), ("Matters", "Web3"), "Matters"),
    (("政治",), ("普京", "朝鲜"), ""),  # tags that do not repeat it: a topic
    (("政治", "经济"), (), ""),  # several: topics
    ((), ("iYouPort",), ""),  # tags alone are topics
    (("news",), ("news",), ""),  # generic words file everything
    (("未分类",), (), ""),
    (("一个很长的分类名称" * 5,), (), ""),  # a sentence, not a name
])
def test_the_front_matter_names_an_outlet_by_one_category(categories: tuple[str, ...], tags: tuple[str, ...],
                                                            name: str) -> None:
    assert front_matter_name(categories, tags) == name


def test_a_source_line_counts_only_at_the_start_or_the_end_of_the_text() -> None:
    body = [f"第{n}段。" for n in range(1, 13)]
    assert source_line("\n".join(["来源：端传媒", *body])) == "端传媒"
    assert source_line("\n".join([*body, "Source: The Economist"])) == "The Economist"
    assert source_line("\n".join([*body, "Originally published at example.com on May 5, 2020."])) == (
        "example.com on May 5, 2020.")
    assert source_line("\n".join([*body[:6], "Source: Bloomberg", *body[6:]])) == ""  # a credit inside
    assert source_line("\n".join([*body, "来源于生活"])) == ""  # a sentence that starts with the word


@pytest.mark.parametrize("head", [
    '<link rel="canonical" href="https://www.wsj.com/articles/x-1">',
    "<link href='https://www.wsj.com/articles/x-1' rel=canonical />",
    '<meta content="https://www.wsj.com/articles/x-1" property="og:url">',
])
def test_a_canonical_link_is_read_with_its_attributes_in_any_order(head: str) -> None:
    assert canonical_url(f"{head}<p>text</p>") == "https://www.wsj.com/articles/x-1"
    assert canonical_url('<a href="https://www.wsj.com/">canonical</a>') == ""


def test_outlets_are_found_by_any_of_their_names() -> None:
    known = directory({}, "zh-CN")
    for name in ("WSJ", "wsj", "The Wall Street Journal", "华尔街日报", "華爾街日報", "wall-street-journal"):
        assert known.named(name).pattern == "wsj.com", name
    assert known.named("the-guardian").pattern == "theguardian.com"
    assert known.named("nytimes").pattern == "nytimes.com"  # the domain's own label, the shortest pattern's
    assert known.named("news") is None  # news.cn's label names nothing
    assert known.named("no such outlet") is None
    assert (own_label("bbc.co.uk"), own_label("lifeweek.com.cn"), own_label("news.cn")) == ("bbc", "lifeweek", "")


def test_the_longest_pattern_wins_and_www_and_m_are_the_same_site() -> None:
    known = directory({}, "zh-CN")

    def outlet(url: str) -> Outlet:
        return attribute(url, known).outlet

    assert outlet("https://www.bbc.com/zhongwen/simp/world-1") == Outlet("bbc.com-zhongwen", "BBC 中文")
    assert outlet("https://www.bbc.com/news/world-1") == Outlet("bbc.com", "BBC")
    assert outlet("https://m.cn.nytimes.com/world/1/") == Outlet("cn.nytimes.com", "纽约时报中文网")
    assert outlet("https://weekly.caixin.com/2020-01-01/1.html") == Outlet("caixin.com", "财新")
    assert outlet("https://m.example.org/a") == Outlet("example.org", "example.org")
    assert outlet("") == Outlet("unknown", "未知来源")


def test_the_shipped_table_is_well_formed() -> None:
    rows = shipped_rows()
    assert len(rows) > 150
    assert len({row.pattern for row in rows}) == len(rows)  # one row per pattern
    assert all(row.name or row.zh for row in rows)
    assert all(row.original_path.count("{outlet}") == 1 for row in rows if row.kind == "aggregator")
    # the former built-in table's patterns are there, so its outlets keep their keys (and source folders)
    assert {"voachinese.com", "cn.nytimes.com", "bbc.com-zhongwen", "rfa.org-mandarin", "sbs.com.au-language-chinese"} \
        <= {row.pattern.replace("/", "-") for row in rows}


# --- the config -------------------------------------------------------------------------------------------------


def test_the_config_makes_an_aggregator_with_a_path_rule_and_aliases() -> None:
    config = parse_config("""
[sources."wire.example"]
name = "Wire"
aliases = ["wirecode"]
[sources."reposter.example"]
kind = "aggregator"
original_path = "/from/{outlet}/"
[sources."nei.st"]
name = "内容集"
""")
    known = directory(config.sources, "zh-CN")
    found = attribute("https://www.reposter.example/from/wirecode/story-1", known)
    assert (found.outlet, found.via) == (Outlet("wire.example", "Wire"), Outlet("reposter.example",
                                                                                  "reposter.example"))
    found = attribute("https://reposter.example/from/WSJ/story-2", known)
    assert found.outlet == Outlet("wsj.com", "华尔街日报")
    # a config table over the shipped row of its domain: the name changes, the row's path rule stays
    found = attribute("https://nei.st/medium/economist/1", known)
    assert (found.outlet.key, found.via) == ("economist.com", Outlet("nei.st", "内容集"))


def test_the_config_can_say_a_shipped_aggregator_is_a_plain_outlet() -> None:
    known = directory(parse_config('[sources."nei.st"]\nkind = "news"\n').sources, "zh-CN")
    found = attribute("https://nei.st/medium/caixin/cw1", known)
    assert (found.outlet, found.via) == (Outlet("nei.st", "Nei.st"), None)


@pytest.mark.parametrize(("toml", "says"), [
    ('[sources."a.example"]\nkind = "blog"\n', "kind must be"),
    ('[sources."a.example"]\nkind = "news"\noriginal_path = "/x/{outlet}/"\n', "for an aggregator only"),
    ('[sources."a.example"]\noriginal_path = "/x/outlet/"\n', "hold {outlet} once"),
    ('[sources."a.example"]\noriginal_path = "x/{outlet}/"\n', "must start with /"),
    ('[sources."a.example"]\naggregator = true\n', "unknown key sources.a.example.aggregator"),
])
def test_a_wrong_sources_table_is_a_config_error_that_says_the_fix(toml: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says.replace("{", r"\{").replace("}", r"\}")):
        parse_config(toml)


def test_a_publisher_is_named_as_most_of_its_articles_name_it() -> None:
    base = article_of("2020-01-02-front-matter.md")
    names = ["燕京书评", "全现在", "燕京书评", "全现在"]  # newest first: of equally many, the newest's
    articles = [dataclasses.replace(base, outlet=Outlet("allnow.com", name), path=f"articles/{n}/")
                for n, name in enumerate(names)]
    assert group_outlets(tuple(articles))[0].outlet == Outlet("allnow.com", "燕京书评")
    assert group_outlets(tuple(articles[1:]))[0].outlet == Outlet("allnow.com", "全现在")


# --- the site ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def publishers_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixtures built into a site with the sources config."""
    out = tmp_path_factory.mktemp("publishers") / "site"
    build(FIXTURES, out, parse_config(TEST_CONFIG_TOML + SOURCES_TOML))
    return out


def test_an_aggregated_article_is_listed_under_its_publisher_and_the_aggregator(publishers_site: Path) -> None:
    caixin = (publishers_site / "sources" / "caixin.com" / "index.html").read_text(encoding="utf-8")
    aggregator = (publishers_site / "sources" / "nei.st" / "index.html").read_text(encoding="utf-8")
    for listing in (caixin, aggregator):
        assert "An aggregator&#39;s path names the original" in listing
        assert '<span class="via">转自 Nei.st</span>' in listing
    assert "An aggregator&#39;s own article" in aggregator and "An aggregator&#39;s own article" not in caixin
    index = (publishers_site / "sources" / "index.html").read_text(encoding="utf-8")
    assert 'href="nei.st/index.html">Nei.st</a> <span class="count">2</span>' in index


def test_an_aggregated_articles_page_says_via_and_links_both_sources(publishers_site: Path) -> None:
    html = (publishers_site / "articles/2020/01/09/caixin-cw868c/index.html").read_text(encoding="utf-8")
    up = "../../../../../"
    assert f'>财新</a> <span class="via">转自 <a href="{up}sources/nei.st/index.html">Nei.st</a></span>' in html
    assert f'href="{up}sources/caixin.com/index.html">财新</a>' in html
    assert "阅读原文 (Nei.st)</a>" in html  # the link goes to the aggregator's copy


def _files(site: Path) -> list[str]:
    """A built site → its files' paths, but the search index's (named by their content)."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*")
                  if p.is_file() and not p.relative_to(site).as_posix().startswith("pagefind/"))


def test_a_changed_display_name_moves_no_url(publishers_site: Path, tmp_path: Path) -> None:
    """Other names from each rule (config, front matter, the table's language) give the same files."""
    archive = tmp_path / "archive"
    shutil.copytree(FIXTURES, archive)
    post = archive / "2020-01-02-front-matter.md"
    post.write_text(post.read_text(encoding="utf-8").replace("燕京书评", "Yanjing Review"), encoding="utf-8")
    renamed = (TEST_CONFIG_TOML + 'language = "en"\n' + SOURCES_TOML.replace("配置的名字", "Another name")
               + '[sources."hulitw.medium.com"]\nname = "胡立"\n')
    out = tmp_path / "site"
    result = build(archive, out, parse_config(renamed))
    names = {index.outlet.key: index.outlet.name for index in result.archive.outlets}
    assert names["allnow.com"] == "Yanjing Review" and names["configured.example"] == "Another name"
    assert names["economist.com"] == "The Economist" and names["hulitw.medium.com"] == "胡立"
    assert _files(out) == _files(publishers_site)
