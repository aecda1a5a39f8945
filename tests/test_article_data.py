"""The per-article data: the cache codec (generator.cache.codec) and packed tag candidates give back exactly
what went in; the language of a text is told by counting its scripts."""

from __future__ import annotations

import marshal
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from generator.article import enrich
from generator.article.enrich import detect_language, process
from generator.article.reader import parse_article
from generator.cache import codec
from generator.config import Config
from generator.models import Content, Problem, Processed, Skipped, TagCandidates
from generator.sourcecode import imported_modules
from tests.conftest import SEEDS


def seed_outcomes() -> list[Processed]:
    """→ the seed articles, processed with the default config."""
    outcomes = []
    for path in sorted(SEEDS.glob("*.txt")):
        article, _, warnings = process(parse_article(path.name, path.read_bytes()), Config(), "key")
        outcomes.append(Processed(article, warnings))
    return outcomes


def test_seed_outcomes_come_back_equal() -> None:
    for outcome in seed_outcomes():
        back = codec.loads(codec.dumps(outcome))
        assert back == outcome
        assert back.article.captured.tzinfo is outcome.article.captured.tzinfo  # the same ZoneInfo, not an offset
        assert len(back.article.tag_candidates) > 0


def test_skipped_comes_back_equal() -> None:
    skipped = Skipped(Problem("a.txt", 3, "the title is empty", "write one", "error"))
    assert codec.loads(codec.dumps(skipped)) == skipped


def test_publishers_are_shared_between_loads() -> None:
    first, second = (codec.dumps(o) for o in seed_outcomes()[:2])
    shared: dict = {}
    a, b = codec.loads(first, shared), codec.loads(second, shared)
    if a.article.outlet == b.article.outlet:
        assert a.article.outlet is b.article.outlet
    assert len(shared) == len({a.article.outlet, b.article.outlet})


# Text as articles hold it, and what pickle stored before: empty fields, astral characters, a lone surrogate.
_field_texts = st.text(alphabet=st.characters(codec=None, categories=None), max_size=300)


@given(html=_field_texts, markdown=_field_texts, search_text=_field_texts)
@example(html="\ud800", markdown="", search_text="\U0001d11e")
def test_content_comes_back_whole_or_as_the_fields_a_reader_asks_for(html: str, markdown: str,
                                                                      search_text: str) -> None:
    stored = codec.pack_content(Content(html, markdown, search_text))
    assert codec.unpack_content(stored) == Content(html, markdown, search_text)
    assert codec.unpack_content(stored, search_text=False) == Content(html, markdown, "")
    assert codec.unpack_html(stored) == html


def test_a_feed_entry_decompresses_the_html_and_no_further() -> None:
    html, rest = "<p>普京</p>" * 200, "朝鲜" * 50_000
    stored = codec.pack_content(Content(html, rest, rest))
    inflated: list[int] = []
    real = codec.zlib.decompressobj

    class Counting:
        def __init__(self) -> None:
            self.inner = real()

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self.inner.decompress(data, max_length)
            inflated.append(len(out))
            return out

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codec.zlib, "decompressobj", Counting)
        assert codec.unpack_html(stored) == html
    assert inflated == [len(html.encode())]


def test_a_datetime_in_a_fold_keeps_its_fold() -> None:
    # 01:30 happens twice in New York on 2024-11-03; the second one is fold=1.
    zone = ZoneInfo("America/New_York")
    moment = datetime(2024, 11, 3, 1, 30, 15, 123456, tzinfo=zone, fold=1)
    back = codec.loads(codec.dumps((moment,)))[0]
    assert back == moment and back.utcoffset() == moment.utcoffset() and back.tzinfo is zone


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot store a set"):
        codec.dumps(({"a"},))


def test_only_plain_values_are_stored() -> None:
    """marshal stores no objects, only plain values: that is what makes loading fast."""
    data = codec.dumps(seed_outcomes()[0])
    assert marshal.loads(data)[0] == codec.TYPES.index(Processed) + 2


def test_a_field_not_holding_its_declared_plain_type_is_refused() -> None:
    """Loading decodes only the fields declared with a non-plain type, so storing anything else in a
    plain field would come back as a raw tuple: refused when storing instead."""
    odd = Problem("a.txt", 3, ("not", "a", "string"), "hint")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Problem\.message holds a tuple"):
        codec.dumps(Skipped(odd))


candidate = st.tuples(st.text(min_size=1, max_size=12), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))


@given(st.lists(candidate, max_size=30, unique_by=lambda c: c[0]))
def test_packed_candidates_iterate_as_sorted_triples(items: list[tuple[str, int, int]]) -> None:
    packed = TagCandidates.pack(items)
    kept = sorted(c for c in items if TagCandidates.SEPARATOR not in c[0])
    assert list(packed) == kept
    assert len(packed) == len(kept)
    assert codec.loads(codec.dumps((packed,)))[0] == packed


def test_the_article_cache_key_covers_the_article_work_and_not_the_rest() -> None:
    from generator.cache.store import ARTICLE_MODULES

    modules = imported_modules(ARTICLE_MODULES)
    assert {"article.reader", "article.cleaner", "article.enrich", "article.tags", "cache.codec", "models",
            "config"} <= modules
    assert not modules & {"site.render", "output.writer", "search.shards", "cache.gather", "cache.store",
                          "commands.build", "site.feeds", "archive.assemble", "archive.tagging"}


def test_page_fingerprints_cover_the_page_making_code_and_not_the_pipeline() -> None:
    """A change to how files are gathered, cached or written cannot change a page's bytes (those follow
    from the values, which are fingerprinted), so it must not re-render 200,000 pages either."""
    from generator.site.render import PAGE_MODULES

    modules = imported_modules(PAGE_MODULES, leave_out=("output.writer",))
    assert {"site.render", "site.feeds", "site.jsonfeed", "site.taxonomy", "search.shards", "archive.tagging",
            "site.i18n"} <= modules
    assert not modules & {"output.writer", "cache.gather", "cache.store", "commands.build", "archive.assemble",
                          "commands.cli", "cache.codec", "article.reader", "article.enrich"}


def test_every_form_of_import_of_a_package_module_counts(tmp_path, monkeypatch) -> None:
    """Lazy imports inside functions, names listed over several lines, `import generator.x`: a module
    missed here would leave its code out of the fingerprints, and pages stale after it changes."""
    from generator import sourcecode

    sources = {
        "root": "import os\nfrom generator.plain import thing\n\ndef late():\n    from generator import (\n"
                "        listed,  # a comment\n        other,\n    )\n    import generator.dotted as d\n",
        "plain": "from generator import __version__, single  # not_a_module\n",
        "listed": "", "other": "", "dotted": "", "single": "", "not_a_module": "", "unused": "",
    }
    for name, text in sources.items():
        (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    monkeypatch.setattr(sourcecode, "PACKAGE", tmp_path)
    assert imported_modules(["root"]) == {"root", "plain", "listed", "other", "dotted", "single"}
    assert imported_modules(["root"], leave_out=["plain"]) == {"root", "listed", "other", "dotted"}


def test_imports_in_subpackages_count_dotted_relative_and_their_packages(tmp_path, monkeypatch) -> None:
    """Modules in subpackages: `from generator.a.b import`, `from . import`, `from ..c import`, `import generator.a.b`
    and a listed submodule all count, with the packages they are in (their __init__.py runs on import).
    Each module's file, and only the modules reached, are in the code fingerprint."""
    from generator import sourcecode

    files = {
        "__init__.py": "__version__ = '1'\n",
        "top.py": "from generator.site.render import page\nfrom generator import __version__\n",
        "site/__init__.py": "",
        "site/render.py": "from . import feeds\nfrom .taxonomy import listing\nfrom ..article import reader\n",
        "site/feeds.py": "import generator.article.words as words  # import generator.unused\n",
        "site/taxonomy.py": "from generator.article import (\n    cleaner,\n    helper_name,\n)\n",
        "article/__init__.py": "",
        "article/reader.py": "", "article/words.py": "", "article/cleaner.py": "",
        "article/unrelated.py": "", "unused.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(sourcecode, "PACKAGE", tmp_path)
    assert imported_modules(["top"]) == {
        "top", "", "site", "site.render", "site.feeds", "site.taxonomy", "article", "article.reader",
        "article.words", "article.cleaner"}
    assert sourcecode.module_name(tmp_path / "site" / "__init__.py") == "site"
    assert sourcecode.module_name(tmp_path / "article" / "reader.py") == "article.reader"
    assert sourcecode.module_file("site") == tmp_path / "site" / "__init__.py"

    def digest() -> str:
        sourcecode.code_fingerprint.cache_clear()
        return sourcecode.code_fingerprint(("top",), ())

    before = digest()
    (tmp_path / "article" / "unrelated.py").write_text("x = 1\n", encoding="utf-8")
    assert digest() == before  # a module nothing imports is left out
    (tmp_path / "article" / "words.py").write_text("x = 1\n", encoding="utf-8")
    assert digest() != before  # a module two packages away, imported with a dotted `import`, counts
    sourcecode.code_fingerprint.cache_clear()


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
