"""The per-article data: the cache codec (generator.cache.codec) and packed tag candidates give back exactly
what went in."""

from __future__ import annotations

import marshal
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from generator.article.enrich import process
from generator.article.reader import parse_article
from generator.cache import codec
from generator.config import Config
from generator.models import Content, Problem, Processed, Skipped, TagCandidates
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
