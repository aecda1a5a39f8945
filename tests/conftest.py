"""Shared fixtures: the seed archive, a config for tests, a built seed site, a built XSS corpus.

Hypothesis profiles: the default one runs in CI; `HYPOTHESIS_PROFILE=long` runs fuzz campaigns
outside CI (20,000 examples per property that sets no count of its own; see tests/test_fuzz.py).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from generator.commands.build import BuildResult, build
from generator.config import Config, parse_config

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"
# A sub-path base URL, so tests show the site works away from the host's root. The seeds' tags have 2–3 articles:
# below tag_feed_min_articles' default (5) they would get no feed for the tests to check.
# Images as published: a media store someone made beside seeds/ with `newsarchive media` is not read.
TEST_CONFIG_TOML = ('base_url = "https://archive.example.org/news/"\ntitle = "测试存档"\ntag_feed_min_articles = 2\n'
                    'media.publish = "original"\n')

settings.register_profile("long", max_examples=20_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# The XSS corpus (tests/fixtures/xss/, one file per payload family): every payload, if it ever
# ran, would call XSS_MARKER_JS — a dialog, a console message and a global flag the tests look for.
XSS_FIXTURES = Path(__file__).parent / "fixtures" / "xss"
XSS_MARKER_JS = "window.__xss=1;console.log('XSS-MARKER');alert(1)"
# Payloads in every config string that reaches a page too: site title, description, a source
# name, fixed tags (tags found in text can only hold letters, so markup in tag names comes from here).
XSS_CONFIG_TOML = f"""
base_url = "https://archive.example.org/news/"
tag_feed_min_articles = 1
title = "XSS <script>{XSS_MARKER_JS}</script> \\" onmouseover=\\"{XSS_MARKER_JS}"
description = "</title><script>{XSS_MARKER_JS}</script>"
json_feed = true
[sources]
"xss.example" = "<img src=x onerror=\\"{XSS_MARKER_JS}\\"> Source'"
[tags]
per_article = 12
fixed = {{ "xss.example" = ["<script>{XSS_MARKER_JS}</script>", "\\" onmouseover=\\"{XSS_MARKER_JS}",
                          "javascript:{XSS_MARKER_JS}", "</script><script>{XSS_MARKER_JS}</script>",
                          "{{{{ 7*7 }}}}", "&lt;b&gt; &amp;amp;"] }}
"""


@pytest.fixture
def config() -> Config:
    """The config the site tests build with."""
    return parse_config(TEST_CONFIG_TOML)


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds/."""
    target = tmp_path / "archive"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """The seed archive built once for the whole session: (site folder, build result)."""
    out = tmp_path_factory.mktemp("seed-site") / "site"
    return out, build(SEEDS, out, parse_config(TEST_CONFIG_TOML))


@pytest.fixture(scope="session")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """The XSS corpus built once for the whole session: (site folder, build result).

    The folder is named like base_url's path (/news/), so root-relative links (404.html) work
    when the tests serve its parent folder.
    """
    out = tmp_path_factory.mktemp("xss-site") / "news"
    return out, build(XSS_FIXTURES, out, parse_config(XSS_CONFIG_TOML))


def site_snapshot(site: Path) -> dict[str, bytes]:
    """A built site (its output link) → {relative path: bytes} of every file of its live generation."""
    root = site.resolve()
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}



def month_copy_articles(text: str) -> list[tuple[dict[str, object], str, str]]:
    """A month's Markdown copy → (metadata, title line, body) of each article in it, in order.

    An article starts with its title line, a blank line and a ```yaml block (its metadata, each value JSON,
    which YAML reads the same). Body code blocks are fenced without an info string, so "```yaml" outside
    them starts the next article; the body's fences are followed as CommonMark does (a run of 3 or more
    ` or ~, no ` after a ` run; closed by a run as long of the same character), so that code is never
    taken for an article's start.
    """
    lines = text.split("\n")
    starts: list[tuple[int, int]] = []  # (title line, the line closing the metadata block) of each article
    fence, n = "", 0
    while n < len(lines):
        line = lines[n]
        stripped = line.lstrip(" ") if len(line) - len(line.lstrip(" ")) <= 3 else ""
        run = len(stripped) - len(stripped.lstrip(stripped[:1])) if stripped[:1] in ("`", "~") else 0
        if fence:
            if run >= len(fence) and stripped[0] == fence[0] and not stripped[run:].strip():
                fence = ""
        elif line == "```yaml" and n >= 2 and lines[n - 2].startswith("# ") and not lines[n - 1]:
            end = lines.index("```", n + 1)
            starts.append((n - 2, end))
            n = end
        elif run >= 3 and not (stripped[0] == "`" and "`" in stripped[run:]):
            fence = stripped[:run]
        n += 1
    articles = []
    for (start, end), following in zip(starts, [*(s for s, _ in starts[1:]), len(lines)], strict=True):
        values: dict[str, object] = {}
        for line in lines[start + 3 : end]:
            key, _, value = line.partition(": ")
            values[key] = json.loads(value) if value.startswith(('"', "[")) else value
        articles.append((values, lines[start], "\n".join(lines[end + 1 : following])))
    return articles
