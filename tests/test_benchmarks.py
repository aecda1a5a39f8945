"""benchmarks/: the peers' inputs say the same as the corpus file, and memory is measured over the process tree.

Neither Hugo nor Pelican is installed or run here."""

from __future__ import annotations

import html
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks import convert
from benchmarks.measure import run_measured
from generator.article.reader import parse_article

ARTICLE_ID = "000042_0123456789abcdef"
TITLE = '普京 "访问" <平壤> & [更多]'
BODY = '<div><i>Sat, 08 Jun 2024 00:33:36 GMT</i></div><p>金正恩 &amp; 普京<br /><br />第二段</p>'


def _parse_article(path: str) -> dict:
    """common.parse_article, by the project's own reader."""
    raw = parse_article(Path(path).name, Path(path).read_bytes())
    return {"id": Path(path).stem, "epoch_ms": raw.captured_ms, "title": raw.title, "url": raw.url,
            "body": raw.body_html}


@pytest.fixture(scope="module")
def common() -> SimpleNamespace:
    """A stand-in for ../shared/bench/common.py, which a checkout of the project does not have."""
    return SimpleNamespace(
        parse_article=_parse_article,
        article_datetime=lambda ms: datetime.fromtimestamp(ms / 1000, tz=timezone(timedelta(hours=8))),
        tags_for=lambda article_id: ["普京", "金正恩", f"标签-{article_id[:6]}"],
    )


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / f"{ARTICLE_ID}.txt"
    # 2024-06-08 00:33:36 UTC = 08:33:36 in +08:00
    path.write_text(f"<!--1717806816000-->\n[{TITLE}](https://www.voachinese.com/a/x/1.html)\n------\n\n{BODY}\n",
                    encoding="utf-8")
    return path


def test_hugo_content_file(tmp_path: Path, corpus_file: Path, common):
    site = tmp_path / "hugo"
    convert.hugo_scaffold(site)
    written = convert.convert_file("hugo", corpus_file, site, common)
    assert written == site / "content" / "posts" / f"{ARTICLE_ID}.html"
    text = written.read_text(encoding="utf-8")
    front, end = json.JSONDecoder().raw_decode(text)  # JSON front matter, then the content
    assert front == {"title": TITLE, "date": "2024-06-08T08:33:36+08:00", "slug": ARTICLE_ID,
                     "tags": common.tags_for(ARTICLE_ID)}
    assert len(front["tags"]) == 3
    assert text[end:] == f"\n{BODY}\n"  # the HTML body, unchanged
    assert 'tag = "tags"' in (site / "hugo.toml").read_text()
    assert {"page.html", "term.html", "taxonomy.html"} <= {p.name for p in (site / "layouts").iterdir()}


def test_pelican_content_file(tmp_path: Path, corpus_file: Path, common):
    site = tmp_path / "pelican"
    convert.pelican_scaffold(site, tmp_path / "cache")
    written = convert.convert_file("pelican", corpus_file, site, common)
    assert written == site / "content" / f"{ARTICLE_ID}.html"
    text = written.read_text(encoding="utf-8")
    assert f"<title>{html.escape(TITLE)}</title>" in text
    assert '<meta name="date" content="2024-06-08T08:33:36+08:00">' in text
    assert f'<meta name="slug" content="{ARTICLE_ID}">' in text
    assert f'<meta name="tags" content="{html.escape(", ".join(common.tags_for(ARTICLE_ID)))}">' in text
    assert f"<body>\n{BODY}\n</body>" in text
    settings: dict = {}
    exec((site / "pelicanconf.py").read_text(), settings)  # the settings file is valid Python
    assert settings["CACHE_PATH"] == str(tmp_path / "cache")
    assert settings["ARTICLE_SAVE_AS"] == "posts/{slug}/index.html"


def test_memory_is_summed_over_the_process_tree(tmp_path: Path):
    # A parent and a child each hold ~250 MB at the same time: the tree holds ~500 MB while the largest
    # single process (what /usr/bin/time reports) holds ~250 MB. Large, so the test process's own size
    # (a forked child counts its parent's pages until it execs) cannot blur the difference.
    hold = "b = bytearray(250 * 10**6); import time; time.sleep(1.5)"
    parent = (f"import subprocess, sys; b = bytearray(250 * 10**6); p = subprocess.Popen([sys.executable, '-c', "
              f"{hold!r}]); p.wait()")
    m = run_measured([sys.executable, "-c", parent], tmp_path / "log", interval=0.02)
    assert m.exit_code == 0
    assert m.max_processes == 2
    assert m.max_rss_bytes < 400 * 10**6
    assert m.tree_pss_bytes > 480 * 10**6
    assert m.peak_bytes == max(m.tree_pss_bytes, m.max_rss_bytes)
