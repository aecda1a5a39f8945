"""Captures of one story: the fullest body wins, the first capture is the published date, the latest the
updated one, and the report lists every capture (issue #28)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from generator.archive.assemble import merge_duplicates
from generator.article.enrich import process_file
from generator.commands.cli import main
from generator.config import Config
from generator.models import Article, Processed
from generator.site.entries import published_time

CONFIG = Config()
FULL = "".join(f"<p>第{i}段：俄罗斯总统普京将于本周访问朝鲜，与朝鲜领导人金正恩会面。</p>" for i in range(20))


def capture(ms: int, url: str, body: str, title: str = "普京访问平壤") -> bytes:
    """A seed-format capture."""
    return f"<!--{ms}-->\n[{title}]({url})\n------\n\n{body}\n".encode()


# Three captures of one story: the full text first, then a medium one, then a title-only stub, each under
# another form of the story's URL.
CAPTURES = {
    "a-full.txt": capture(1717807142000, "https://www.example.org/news/putin-visit/", FULL),
    "b-medium.txt": capture(1717893542000, "http://example.org/news/putin-visit?utm_source=rss", FULL[:400]),
    "c-stub.txt": capture(1717979942000, "https://m.example.org/news/putin-visit", ""),
}


def articles(files: dict[str, bytes]) -> list[Article]:
    """Captures → their articles."""
    found = []
    for name, data in files.items():
        outcome, _ = process_file(name, data, "", CONFIG)
        assert isinstance(outcome, Processed)
        found.append(outcome.article)
    return found


def test_a_stub_never_replaces_the_full_article() -> None:
    captured = articles(CAPTURES)
    assert len({a.story for a in captured}) == 1 and len({a.identity for a in captured}) == 3
    [merged], dropped = merge_duplicates(captured)
    full, _, stub = captured
    assert merged.source_file == "a-full.txt" and merged.content_key == full.content_key
    assert merged.text_length == full.text_length > 500
    # the first capture's date as published, the latest as the capture (updated) time
    assert merged.published == full.captured and merged.captured == stub.captured
    assert published_time(merged) == full.captured
    # the page address and feed id stay the latest capture's, as when the latest capture won
    assert (merged.path, merged.slug, merged.entry_id) == (stub.path, stub.slug, stub.entry_id)
    assert [(d.dropped, d.kept, d.dropped_length) for d in dropped] == [
        ("b-medium.txt", "a-full.txt", captured[1].text_length), ("c-stub.txt", "a-full.txt", 0)]
    assert all(d.kept_length >= d.dropped_length for d in dropped)


def test_of_equally_full_captures_the_latest_wins_as_before() -> None:
    same = {"x.txt": capture(1717807142000, "https://example.org/a", FULL),
            "y.txt": capture(1717893542000, "https://example.org/a", FULL.replace("第1段", "第①段"))}
    first, latest = articles(same)
    [merged], [dropped] = merge_duplicates([first, latest])
    assert merged.source_file == "y.txt" and dropped.dropped == "x.txt"
    assert merged.captured == latest.captured and merged.published == first.captured


def test_different_stories_are_not_merged() -> None:
    files = {"a.txt": capture(1717807142000, "https://example.org/news/one", FULL),
             "b.txt": capture(1717807142000, "https://example.org/news/two", FULL)}
    kept, dropped = merge_duplicates(articles(files))
    assert len(kept) == 2 and not dropped


def test_the_report_lists_every_capture(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    for name, data in CAPTURES.items():
        (folder / name).write_bytes(data)
    report = tmp_path / "report.json"
    assert main(["build", "--input", str(folder), "--output", str(tmp_path / "site"), "--report", str(report),
                 "--quiet", "--no-cache"]) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["files"] == 3 and data["articles"] == 1 and len(data["duplicates"]) == 2
    assert data["articles"] + len(data["duplicates"]) + len(data["skipped"]) == data["files"]
    [story] = data["captures"]
    assert story["url"] == "https://example.org/news/putin-visit" and story["kept"] == "a-full.txt"
    assert [(c["file"], c["kept"]) for c in story["captures"]] == [
        ("a-full.txt", True), ("b-medium.txt", False), ("c-stub.txt", False)]
    assert story["captures"][0]["captured"] == datetime.fromtimestamp(1717807142, UTC).astimezone(
        CONFIG.zone).isoformat()
    assert story["captures"][0]["characters"] > story["captures"][1]["characters"] > story["captures"][2][
        "characters"] == 0
    page = next((tmp_path / "site" / "articles").rglob("index.html")).read_text(encoding="utf-8")
    assert "第19段" in page  # the full text is on the page
    feed = (tmp_path / "site" / "feed.xml").read_text(encoding="utf-8")
    assert "<published>2024-06-08T08:39:02+08:00</published>" in feed
    assert "<updated>2024-06-10T08:39:02+08:00</updated>" in feed


def test_a_new_capture_that_changes_only_the_dates_renders_the_page_again(tmp_path: Path) -> None:
    folder, site, cache = tmp_path / "archive", tmp_path / "site", tmp_path / "cache"
    folder.mkdir()
    (folder / "a.txt").write_bytes(capture(1717807142000, "https://example.org/news/story", FULL))
    args = ["build", "--input", str(folder), "--output", str(site), "--cache", str(cache), "--quiet"]
    assert main(args) == 0
    [page] = (site / "articles").rglob("index.html")
    assert 'datetime="2024-06-08T08:39:02+08:00"' in page.read_text(encoding="utf-8")
    # a stub captured an hour later the same day: same page address, same body, a new capture time
    (folder / "b.txt").write_bytes(capture(1717810742000, "https://example.org/news/story/", ""))
    assert main(args) == 0
    [again] = (site / "articles").rglob("index.html")
    assert again.relative_to(site) == page.relative_to(site)
    text = again.read_text(encoding="utf-8")
    assert "第19段" in text and 'datetime="2024-06-08T09:39:02+08:00"' in text
