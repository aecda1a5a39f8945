"""A generated archive of deliberately messy articles builds, and every input file is accounted for.

A longer campaign outside CI: `python -m tests.messy 5000 /tmp/messy && newsarchive build
--input /tmp/messy --output /tmp/messy-site --report /tmp/messy.json`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

from generator.commands.cli import main

from .messy import messy_archive, write_archive


def test_messy_archive_builds_and_every_file_is_accounted_for(tmp_path: Path) -> None:
    files = messy_archive(300, seed=7)
    expected = Counter(f.outcome for f in files)
    assert expected["article"] > 150 and expected["skipped"] > 20 and expected["duplicate"] > 10
    write_archive(files, tmp_path / "archive")
    report_path = tmp_path / "report.json"
    code = main(["build", "--input", str(tmp_path / "archive"), "--output", str(tmp_path / "site"),
                 "--report", str(report_path), "--quiet"])
    assert code == 0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["files"] == len(files)
    assert report["articles"] == expected["article"]
    assert {s["file"] for s in report["skipped"]} == {f.name for f in files if f.outcome == "skipped"}
    assert len(report["duplicates"]) == expected["duplicate"]
    assert report["articles"] + len(report["skipped"]) + len(report["duplicates"]) == report["files"]
    assert all(s["reason"] and s["fix"] for s in report["skipped"])
    pages = list((tmp_path / "site" / "articles").rglob("index.html"))
    assert len(pages) == expected["article"]
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        body = soup.select_one(".body")
        assert body is not None
        assert not body.find_all(["script", "style", "iframe"]), page
        assert not any(a.startswith("on") for tag in body.find_all(True) for a in tag.attrs), page
    # The input is read, never changed.
    assert all((tmp_path / "archive" / f.name).read_bytes() == f.data for f in files)
