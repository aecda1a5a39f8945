"""Feeds: valid Atom everywhere (feedparser plus an independent RFC 4287 check), the RFC 5005
archive chain, stable ids across builds, and the feed options."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.commands.build import CACHE_FILE, BuildResult, build, load_archive
from generator.config import Config, parse_config
from generator.site.feeds import KEPT_MONTHS, FeedSpec, KeptEntries, atom_feed

from .conftest import SEEDS, site_snapshot

ATOM = "{http://www.w3.org/2005/Atom}"
HISTORY = "{http://purl.org/syndication/history/1.0}"
BASE = "https://archive.example.org/news/"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def atom_files(site: Path) -> list[Path]:
    """Every Atom document of a built site."""
    return sorted([site / "feed.xml", *site.glob("tags/*/feed.xml"), *site.glob("sources/*/feed.xml"),
                   *site.glob("feeds/*.xml")])


def site_file(site: Path, url: str) -> Path:
    """An absolute URL on the site → the file it names."""
    assert url.startswith(BASE), url
    return site / unquote(url[len(BASE):])


def check_rfc4287(path: Path, site: Path) -> list[str]:
    """An Atom document → the ids of its entries, after asserting RFC 4287's must-haves."""
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{ATOM}feed", path
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, (path, name)
    assert RFC3339.fullmatch(root.findtext(f"{ATOM}updated")), path
    self_links = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_links) == 1 and site_file(site, self_links[0]).resolve() == path.resolve()
    for link in root.iter(f"{ATOM}link"):
        assert link.get("href", "").startswith(("https://", "http://")), (path, link.get("href"))
    entries = root.findall(f"{ATOM}entry")
    feed_has_author = root.find(f"{ATOM}author") is not None
    ids = []
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, (path, name)
        entry_id = entry.findtext(f"{ATOM}id")
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", entry_id)
        ids.append(entry_id)
        assert RFC3339.fullmatch(entry.findtext(f"{ATOM}updated"))
        assert RFC3339.fullmatch(entry.findtext(f"{ATOM}published"))
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        alternates = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
        assert len(alternates) == 1 and site_file(site, alternates[0].get("href")).joinpath("index.html").is_file()
        content = entry.find(f"{ATOM}content")
        if content is not None:
            assert content.get("type") == "html"
            for tag in BeautifulSoup(content.text, "html.parser").find_all(["a", "img"]):
                url = tag.get("href") or tag.get("src")
                assert url is None or url.startswith(("https://", "http://", "mailto:")), (path, url)
    assert len(ids) == len(set(ids)), f"{path}: an id appears twice"
    return ids


def test_every_feed_is_valid_atom(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    files = atom_files(site)
    assert len(files) >= 1 + len(result.archive.tags) + len(result.archive.outlets) + len(result.archive.months)
    for path in files:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        ids = check_rfc4287(path, site)
        assert [e.id for e in parsed.entries] == ids


def test_listing_pages_advertise_their_feeds(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    for page in [*site.glob("tags/*/index.html"), *site.glob("sources/*/index.html")]:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        hrefs = [link["href"] for link in soup.find_all("link", rel="alternate", type="application/atom+xml")]
        assert "feed.xml" in hrefs, page  # its own feed, beside it


def write_article(folder: Path, number: int, captured: datetime, body: str = "<p>俄罗斯总统普京访问朝鲜。</p>") -> None:
    """Write one article file numbered `number`, captured at `captured`."""
    ms = int(captured.timestamp() * 1000)
    text = f"<!--{ms}-->\n[第 {number} 篇：普京与金正恩](https://news.example.com/story/{number:05d}.html)\n------\n\n{body}\n"
    (folder / f"{number:05d}.txt").write_text(text, encoding="utf-8")


@pytest.fixture
def many_months(tmp_path: Path) -> Path:
    """An archive of 60 articles: 10 in each of January to April 2024, none in May, 20 in June."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(40):
        write_article(folder, n, datetime(2024, 1 + n // 10, 1 + n % 10, 4, tzinfo=UTC))
    for n in range(40, 60):
        write_article(folder, n, datetime(2024, 6, 1, tzinfo=UTC) + timedelta(hours=5 * (n - 40)))
    return folder


def walk_archive(site: Path) -> tuple[list[str], list[list[str]]]:
    """Follow prev-archive from /feed.xml → (ids in feed.xml, ids of each archive document in walk order)."""
    def links(root: etree._Element) -> dict[str, str]:
        return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}

    root = etree.parse(str(site / "feed.xml")).getroot()
    main_ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    documents, seen = [], set()
    url = links(root).get("prev-archive")
    while url:
        assert url not in seen, "the archive chain loops"
        seen.add(url)
        doc = etree.parse(str(site_file(site, url))).getroot()
        assert doc.find(f"{HISTORY}archive") is not None, f"{url} is not marked fh:archive"
        assert links(doc)["current"] == BASE + "feed.xml"
        documents.append([e.findtext(f"{ATOM}id") for e in doc.findall(f"{ATOM}entry")])
        previous = links(doc).get("prev-archive")
        if previous:
            older = etree.parse(str(site_file(site, previous))).getroot()
            assert links(older)["next-archive"] == url  # the chain is linked both ways
        url = previous
    return main_ids, documents


def test_archive_walk_yields_every_article_exactly_once(many_months: Path, tmp_path: Path, config: Config) -> None:
    config = dataclasses.replace(config, feed_entries=10)
    result = build(many_months, tmp_path / "site", config)
    main_ids, documents = walk_archive(tmp_path / "site")
    assert len(main_ids) == 10
    # June has 20 articles, more than feed.xml holds, so the walk starts at June itself.
    assert [len(d) for d in documents] == [20, 10, 10, 10, 10]
    walked = [i for document in documents for i in document]
    assert len(walked) == len(set(walked)) == 60  # each article in exactly one archive document
    assert set(walked) == {a.entry_id for a in result.archive.articles}
    assert set(main_ids) <= set(walked)


def test_main_feed_points_to_the_newest_complete_month(many_months: Path, tmp_path: Path, config: Config) -> None:
    result = build(many_months, tmp_path / "site", config)  # feed_entries 50 > June's 20 articles
    root = etree.parse(str(tmp_path / "site" / "feed.xml")).getroot()
    prev = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "prev-archive"]
    assert prev == [BASE + "feeds/2024-04.xml"]
    main_ids, documents = walk_archive(tmp_path / "site")
    assert set(main_ids) | {i for d in documents for i in d} == {a.entry_id for a in result.archive.articles}


def feed_ids(site: Path) -> dict[str, list[str]]:
    """Every Atom document of a site → its entry ids."""
    return {p.relative_to(site).as_posix(): [e.findtext(f"{ATOM}id") for e in etree.parse(str(p)).getroot()
                                             .findall(f"{ATOM}entry")] for p in atom_files(site)}


def test_ids_are_stable_when_an_article_is_added(many_months: Path, tmp_path: Path, config: Config) -> None:
    before = build(many_months, tmp_path / "site", config)
    ids_before = feed_ids(tmp_path / "site")
    month_docs_before = {p.name: p.read_bytes() for p in (tmp_path / "site" / "feeds").iterdir()}
    write_article(many_months, 99, datetime(2024, 6, 30, tzinfo=UTC))
    after = build(many_months, tmp_path / "site", config)
    ids_after = feed_ids(tmp_path / "site")
    new_id = next(a.entry_id for a in after.archive.articles if "00099" in a.url)
    assert ids_after["feed.xml"][0] == new_id
    assert ids_after["feed.xml"][1:] == ids_before["feed.xml"][: len(ids_after["feed.xml"]) - 1]
    old = {a.source_file: a.entry_id for a in before.archive.articles}
    assert all(old[a.source_file] == a.entry_id for a in after.archive.articles if a.source_file in old)
    # Only June's archive document changed; older months are byte-identical.
    month_docs_after = {p.name: p.read_bytes() for p in (tmp_path / "site" / "feeds").iterdir()}
    changed = sorted(name for name in month_docs_after if month_docs_after[name] != month_docs_before.get(name))
    assert changed == ["2024-06.xml"]
    updated = etree.parse(str(tmp_path / "site" / "feed.xml")).getroot().findtext(f"{ATOM}updated")
    assert updated == "2024-06-30T08:00:00+08:00"  # the newest entry, never the build time


def test_summary_only_feeds(tmp_path: Path, config: Config) -> None:
    build(SEEDS, tmp_path / "site", dataclasses.replace(config, feed_full_content=False))
    parsed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert all("content" not in entry and entry.summary for entry in parsed.entries)


def test_websub_hub_is_announced_in_every_feed(tmp_path: Path, config: Config) -> None:
    hub = "https://pubsubhubbub.example.com/"
    build(SEEDS, tmp_path / "site", dataclasses.replace(config, feed_hub=hub))
    for path in atom_files(tmp_path / "site"):
        links = etree.parse(str(path)).getroot().findall(f"{ATOM}link")
        assert [link.get("href") for link in links if link.get("rel") == "hub"] == [hub], path


def test_json_feed_beside_each_atom_feed(tmp_path: Path) -> None:
    config = parse_config(f'base_url = "{BASE}"\njson_feed = true\ntag_feed_min_articles = 2\n')
    result = build(SEEDS, tmp_path / "site", config)
    site = tmp_path / "site"
    document = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == BASE + "feed.json"
    assert [item["id"] for item in document["items"]] == [a.entry_id for a in result.archive.articles]
    assert all(item["content_html"] and item["url"].startswith(BASE) for item in document["items"])
    # feedparser 6 does not read JSON Feed, so check the 1.1 spec's requirements directly.
    assert isinstance(document["title"], str) and document["title"]
    for item in document["items"]:
        assert isinstance(item["id"], str) and ("content_html" in item or "content_text" in item)
        assert datetime.fromisoformat(item["date_published"]) <= datetime.fromisoformat(item["date_modified"])
        assert all(isinstance(author["name"], str) and author["name"] for author in item["authors"])
    for tag in result.archive.tags:
        assert (site / tag.path / "feed.json").is_file()
    assert not list(site.glob("feeds/*.json"))  # archive documents are Atom only
    index = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert index.find("link", rel="alternate", type="application/feed+json")["href"] == "feed.json"


def test_xml_illegal_characters_never_reach_a_feed(tmp_path: Path) -> None:
    config = parse_config(f'base_url = "{BASE}"\ntitle = "存档\\u0001\\u001f"\ndescription = "说明\\u0008"\n'
                          '[sources]\n"voachinese.com" = "美国之音\\u000b"\n')
    build(SEEDS, tmp_path / "site", config)
    for path in atom_files(tmp_path / "site"):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
    assert feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes()).feed.title == "存档"


def test_feed_options_are_checked() -> None:
    with pytest.raises(Exception, match="feed_hub must be an http"):
        parse_config('feed_hub = "ftp://x"')
    with pytest.raises(Exception, match="json_feed must be true or false"):
        parse_config('json_feed = "yes"')


class DictStore:
    """An EntryStore in a dict, counting what it is asked for."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def feed_entries(self, keys: Iterable[str]) -> dict[str, bytes]:
        return {key: self.entries[key] for key in keys if key in self.entries}

    def keep_feed_entries(self, entries: Mapping[str, bytes]) -> None:
        self.entries.update(entries)


# Text that XML may hold, with what could be mistaken for the boundaries the splicing looks for.
FEED_TEXT = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t"), max_size=8)
                     | st.sampled_from(["\n  <entry>", "\n</feed>\n", "</entry>", "<![CDATA[", "]]>", "&amp;", "<p>"]),
                     max_size=5).map("".join)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.tuples(FEED_TEXT, FEED_TEXT, FEED_TEXT), min_size=3, max_size=3),
       kept=st.lists(st.booleans(), min_size=3, max_size=3), archived=st.booleans())
def test_kept_entries_are_spliced_in_byte_for_byte_and_not_made_again(
        texts: list[tuple[str, str, str]], kept: list[bool], archived: bool) -> None:
    config = parse_config(f'base_url = "{BASE}"\n')
    seeds = load_archive(SEEDS, config)[0].articles
    articles = tuple(dataclasses.replace(article, title=title or "t", summary=summary, content_key=str(i))
                     for i, (article, (title, summary, _)) in enumerate(zip(seeds, texts, strict=True)))
    bodies = {str(i): body for i, (_, _, body) in enumerate(texts)}
    loads: list[str] = []

    def html(key: str) -> str:
        loads.append(key)
        return bodies[key]

    spec = FeedSpec("feeds/2024-06.xml", "存档", "archive/2024/06/", articles, archived=archived,
                    links=(("current", "feed.xml"),))
    store = DictStore()
    entries = KeptEntries(store, {id(a): f"key{i}" for i, a in enumerate(articles) if kept[i]})
    whole = atom_feed(spec, config, html)
    assert atom_feed(spec, config, html, entries) == whole  # nothing kept yet: made, and the kept ones kept
    assert sorted(store.entries) == [f"key{i}" for i in range(3) if kept[i]]
    loads.clear()
    assert atom_feed(spec, config, html, entries) == whole  # spliced in
    assert loads == [str(i) for i in range(3) if not kept[i]]  # only the entries not kept are made again
    assert len(feedparser.parse(whole).entries) == 3


def test_a_build_keeps_the_entries_of_the_newest_months_only(many_months: Path, tmp_path: Path,
                                                              config: Config) -> None:
    def kept_entries() -> int:
        with sqlite3.connect(tmp_path / "cache" / CACHE_FILE) as db:
            return db.execute("SELECT count(*) FROM feed_entries").fetchone()[0]

    build(many_months, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    assert kept_entries() == 10 + 20  # April and June (May has none)
    write_article(many_months, 60, datetime(2024, 7, 2, tzinfo=UTC))
    result = build(many_months, tmp_path / "site", config, cache_dir=tmp_path / "cache")
    assert [len(m.articles) for m in result.archive.months[:KEPT_MONTHS]] == [1, 20]
    assert kept_entries() == 1 + 20  # April's are gone, July's is kept
    assert site_snapshot(tmp_path / "site") == site_snapshot(build_fresh(many_months, tmp_path / "fresh", config))


def build_fresh(folder: Path, site: Path, config: Config) -> Path:
    """An archive folder → a site built from it without a cache."""
    build(folder, site, config)
    return site


# --- lean by default: whole articles in /feed.xml and the monthly archive, summaries in tag and source feeds ---


def entries_of(path: Path) -> list[etree._Element]:
    """An Atom document → its entry elements."""
    return etree.parse(str(path)).getroot().findall(f"{ATOM}entry")


def test_tag_and_source_feeds_carry_the_newest_summaries_and_the_archive_whole_articles(
        many_months: Path, tmp_path: Path, config: Config) -> None:
    site = tmp_path / "site"
    result = build(many_months, site, dataclasses.replace(config, listing_feed_entries=7))
    listing_feeds = [*site.glob("tags/*/feed.xml"), *site.glob("sources/*/feed.xml")]
    assert len(listing_feeds) >= 2 and any(len(t.articles) > 7 for t in result.archive.tags)
    summaries = {a.entry_id: a.summary for a in result.archive.articles}
    newest = [a.entry_id for a in result.archive.articles]
    for path in listing_feeds:
        entries = entries_of(path)
        ids = [e.findtext(f"{ATOM}id") for e in entries]
        assert 1 <= len(entries) <= 7 and ids == [i for i in newest if i in ids][:7], path
        for entry in entries:
            assert entry.find(f"{ATOM}content") is None, path
            assert entry.findtext(f"{ATOM}summary") == summaries[entry.findtext(f"{ATOM}id")], path
    # The back-fill promise: /feed.xml and every month document carry each article whole.
    for path in [site / "feed.xml", *site.glob("feeds/*.xml")]:
        assert all(e.find(f"{ATOM}content") is not None for e in entries_of(path)), path
    assert sum(len(entries_of(p)) for p in site.glob("feeds/*.xml")) == len(result.archive.articles)


def test_tag_and_source_feeds_can_carry_whole_articles(many_months: Path, tmp_path: Path, config: Config) -> None:
    site = tmp_path / "site"
    build(many_months, site, dataclasses.replace(config, listing_feed_full_content=True, listing_feed_entries=50))
    (source,) = site.glob("sources/*/feed.xml")
    entries = entries_of(source)
    assert len(entries) == 50 and all(e.find(f"{ATOM}content") is not None for e in entries)


def test_a_tag_gets_a_feed_from_tag_feed_min_articles_on(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build(SEEDS, site, parse_config(f'base_url = "{BASE}"\n'))  # the defaults: 5 articles
    assert result.archive.tags and all(len(t.articles) < 5 for t in result.archive.tags)
    for tag in result.archive.tags:
        assert (site / tag.path / "index.html").is_file() and not (site / tag.path / "feed.xml").exists()
        page = BeautifulSoup((site / tag.path / "index.html").read_text(encoding="utf-8"), "html.parser")
        assert page.find("link", href="feed.xml") is None and page.find("a", href="feed.xml") is None, tag.name
    assert all((site / path / "feed.xml").is_file() for path in ("sources/voachinese.com/", "sources/cn.nytimes.com/"))
    build(SEEDS, tmp_path / "two", parse_config(f'base_url = "{BASE}"\ntag_feed_min_articles = 2\n'))
    assert all((tmp_path / "two" / tag.path / "feed.xml").is_file() for tag in result.archive.tags)


def test_whole_articles_are_cdata_that_reads_as_the_html(seed_site: tuple[Path, BuildResult]) -> None:
    site, result = seed_site
    raw = (site / "feed.xml").read_text(encoding="utf-8")
    assert raw.count("<content type=\"html\"><![CDATA[") == len(result.archive.articles)
    assert "&lt;p&gt;" not in raw  # not escaped a second time
    parsed = feedparser.parse(raw.encode())
    assert all("<p>" in entry.content[0].value for entry in parsed.entries)


def test_content_that_would_end_a_cdata_section_stays_escaped() -> None:
    config = parse_config(f'base_url = "{BASE}"\n')
    (article, *_) = load_archive(SEEDS, config)[0].articles
    bodies = {"a": '<p title="]]>">x</p>', "b": "<p>not\n  <entry> text</p>", "c": "<p>plain</p>"}
    for key, body in bodies.items():
        spec = FeedSpec("feed.xml", "存档", "", (dataclasses.replace(article, content_key=key),))
        xml = atom_feed(spec, config, bodies.__getitem__)
        assert ("<![CDATA[" in xml.decode()) == (key == "c"), key
        (entry,) = entries_of_bytes(xml)
        assert entry.findtext(f"{ATOM}content") == body, key


def entries_of_bytes(xml: bytes) -> list[etree._Element]:
    """Atom XML bytes → its entry elements."""
    return etree.fromstring(xml).findall(f"{ATOM}entry")
