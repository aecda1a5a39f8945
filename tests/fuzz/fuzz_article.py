"""libFuzzer (atheris) harness for the per-article code; outside CI, and not collected by pytest.

    .venv/bin/pip install atheris
    mkdir -p /tmp/fuzz-corpus && cp seeds/*.txt tests/fixtures/*/*.txt /tmp/fuzz-corpus/
    .venv/bin/python tests/fuzz/fuzz_article.py /tmp/fuzz-corpus -max_total_time=300 -rss_limit_mb=4096

    (add -artifact_prefix=/tmp/fuzz- to keep crash files out of the working tree)

Input: the bytes of an article file. The reader must give a RawArticle or raise ArticleError,
and a RawArticle must then go through the rest of the per-article work (clean + enrich, with
tags) without an exception. Anything else is a crash: libFuzzer writes the input to a
crash-<hash> file; keep it as an @example in tests/test_fuzz.py, which CI runs.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["generator"]):
    from generator.article.enrich import process
    from generator.article.reader import parse_article
    from generator.config import Config
    from generator.errors import ArticleError

CONFIG = Config()


def test_one_input(data: bytes) -> None:
    """One input file: an article that processes, or the project's own error."""
    try:
        raw = parse_article("fuzz.txt", data)
    except ArticleError:
        return
    process(raw, CONFIG)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
