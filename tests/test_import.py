"""`newsarchive import`: feed files and a local HTTP server → files in the seed format."""

from __future__ import annotations

import gzip
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.article.reader import parse_article, parse_title_line, read_folder
from generator.commands import cli, importer
from generator.commands.build import build
from generator.commands.fetch import USER_AGENT
from generator.config import Config

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RSS = FEEDS / "rss2.xml"
ATOM = FEEDS / "atom.xml"
SEEDS = Path(__file__).parent.parent / "seeds"


def run(folder: Path, *sources: str | Path, timeout: float = 5.0, max_bytes: int = 1_000_000) -> list:
    """Import sources into folder the way the CLI does (state loaded and saved) → the SourceResults."""
    state, _ = importer.load_state(folder)
    results = [importer.import_source(str(s), folder, state, timeout, max_bytes) for s in sources]
    importer.save_state(folder, state)
    return results


def articles(folder: Path) -> dict[str, object]:
    """Every article file in folder, read back by the reader, keyed by URL (or title when no URL)."""
    read = read_folder(folder)
    assert read.problems == ()
    return {a.url or a.title: a for a in read.articles}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in folder (hidden ones included) → its bytes."""
    return {p.name: p.read_bytes() for p in folder.iterdir()}


# --- files -------------------------------------------------------------------------------------

def test_rss2_file_items_become_seed_files(tmp_path: Path) -> None:
    [result] = run(tmp_path, RSS)
    assert (result.added, result.skipped, result.failed, result.error) == (3, 0, 0, "")
    found = articles(tmp_path)
    voa = found["https://www.voachinese.com/a/putin-pyongyang-20240607/7647600.html?utm_source=rss"]
    assert voa.title == "普京或很快访平壤，美国警告朝鲜不要为俄提供平台"
    assert voa.captured_ms == 1717806816000  # pubDate, Sat, 08 Jun 2024 00:33:36 GMT
    assert "第二段" in voa.body_html and "摘要" not in voa.body_html  # content:encoded beats description
    assert voa.body_html.startswith("<div><i>Sat, 08 Jun 2024 00:33:36 GMT</i></div><address>VOA 记者</address>")
    odd = found["https://www.voachinese.com/a/odd%20(title)/7647601.html"]
    assert odd.title == "A title with [brackets] (https://example.com/x) and a line break"
    assert odd.body_html.endswith("<p>Only a description, no full content.</p>")
    undated = found["https://www.voachinese.com/a/no-date/7647602.html"]
    assert undated.captured_ms == 1717826400000  # the channel's lastBuildDate
    assert not undated.body_html.startswith("<div><i>")  # no invented publication date


def test_atom_file_items_become_seed_files(tmp_path: Path) -> None:
    [result] = run(tmp_path, ATOM)
    assert (result.added, result.error) == (3, "")
    found = articles(tmp_path)
    kim = found["https://cn.nytimes.com/world/20240609/kim-russia/"]
    assert kim.title == "金正恩会见俄罗斯代表团"  # type="html" title loses its tags
    assert kim.captured_ms == 1717873200000  # published (03:00+08:00), not updated
    assert "<address>崔相勋</address>" in kim.body_html and "平壤" in kim.body_html
    assert "简短摘要" not in kim.body_html
    updated_only = found["https://cn.nytimes.com/world/20240608/updated-only/"]
    assert updated_only.captured_ms == 1717840800000
    assert "<em>North Korea</em>" in updated_only.body_html
    no_link = found["No link, only an id"]
    assert no_link.url == ""
    assert "<p>Second paragraph &lt;not a tag&gt;.</p>" in no_link.body_html  # plain text escaped


def test_file_names_are_capture_time_and_identity_hash(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    run(first, RSS, ATOM)
    names = sorted(p.name for p in first.glob("*.txt"))
    assert len(names) == 6
    assert all(n.split("_")[0].isdigit() and len(n.split("_")[1]) == len("0123456789abcdef.txt") for n in names)
    run(second, RSS, ATOM)
    assert snapshot(second) == snapshot(first)  # same feeds → byte-identical files and state


def test_reimport_imports_nothing_and_changes_nothing(tmp_path: Path) -> None:
    run(tmp_path, RSS, ATOM)
    before = snapshot(tmp_path)
    results = run(tmp_path, RSS, ATOM)
    assert [(r.added, r.skipped) for r in results] == [(0, 3), (0, 3)]
    assert snapshot(tmp_path) == before


def test_reimport_without_state_file_still_imports_nothing(tmp_path: Path) -> None:
    run(tmp_path, RSS, ATOM)
    (tmp_path / importer.STATE_FILE).unlink()
    results = run(tmp_path, RSS, ATOM)
    assert sum(r.added for r in results) == 0


def test_story_already_captured_under_another_url_form_is_skipped(tmp_path: Path) -> None:
    # The seed has https://www.voachinese.com/a/us-warns-…/7647600.html; the feed links it with
    # http, no www, and a tracking query: the same story by normalize_url.
    seed = SEEDS / "000_4b66f2138700fef5.txt"
    (tmp_path / seed.name).write_bytes(seed.read_bytes())
    url = parse_article(seed.name, seed.read_bytes()).url.replace("https://www.", "http://")
    feed = tmp_path.parent / "one.xml"
    feed.write_text(f"""<rss version="2.0"><channel><title>t</title><item><title>Same story</title>
        <link>{url}?utm_medium=rss</link><pubDate>Mon, 10 Jun 2024 00:00:00 GMT</pubDate></item>
        </channel></rss>""", encoding="utf-8")
    [result] = run(tmp_path, feed)
    assert (result.added, result.skipped) == (0, 1)
    assert [p.name for p in tmp_path.glob("*.txt")] == [seed.name]
    assert (tmp_path / seed.name).read_bytes() == seed.read_bytes()


def test_same_guid_with_a_new_link_is_skipped(tmp_path: Path) -> None:
    run(tmp_path, ATOM)
    moved = tmp_path.parent / "moved.xml"
    moved.write_text(ATOM.read_text(encoding="utf-8").replace("/kim-russia/", "/kim-russia-updated/"),
                     encoding="utf-8")
    [result] = run(tmp_path, moved)
    assert (result.added, result.skipped) == (0, 3)
    state = json.loads((tmp_path / importer.STATE_FILE).read_text(encoding="utf-8"))
    assert "tag:cn.nytimes.com,2024:20240609-kim" in state["guids"]


def test_item_without_link_guid_or_date_is_remembered_by_content(tmp_path: Path) -> None:
    feed = tmp_path.parent / "bare.xml"
    feed.write_text("""<rss version="2.0"><channel><title>t</title>
        <item><title>只有标题</title><description>只有描述。</description></item></channel></rss>""",
                    encoding="utf-8")
    [first] = run(tmp_path, feed)
    assert first.added == 1
    os.utime(feed, (1_800_000_000, 1_800_000_000))  # the fallback capture time moves…
    [again] = run(tmp_path, feed)
    assert (again.added, again.skipped) == (0, 1)  # …but the item is known by its content
    assert len(list(tmp_path.glob("*.txt"))) == 1


def test_existing_file_of_the_same_name_is_never_replaced(tmp_path: Path) -> None:
    scratch = tmp_path.parent / f"{tmp_path.name}-scratch"
    scratch.mkdir()
    run(scratch, ATOM)
    taken = next(p.name for p in scratch.glob("*.txt") if b"No link, only an id" in p.read_bytes())
    (tmp_path / taken).write_bytes(b"somebody else's file")
    [result] = run(tmp_path, ATOM)
    assert (result.added, result.skipped) == (2, 1)
    assert (tmp_path / taken).read_bytes() == b"somebody else's file"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []  # no temporary files left


def test_imported_items_build_into_a_site(tmp_path: Path) -> None:
    archive_dir, site = tmp_path / "seeds", tmp_path / "site"
    archive_dir.mkdir()
    run(archive_dir, RSS, ATOM)
    result = build(archive_dir, site, Config())
    assert result.errors == ()
    assert len(result.archive.articles) == 6
    kim = next(a for a in result.archive.articles if a.title == "金正恩会见俄罗斯代表团")
    assert kim.author == "崔相勋" and kim.published is not None  # the opening lines were understood
    assert (site / kim.path / "index.html").read_text(encoding="utf-8").count("金正恩会见俄罗斯代表团") >= 1


def test_items_imported_into_a_jekyll_site_go_into_its_posts(tmp_path: Path) -> None:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_config.yml").write_text("title: x\n", encoding="utf-8")
    [result] = run(tmp_path, RSS)
    assert result.added == 3 and len(list((tmp_path / "_posts").glob("*.txt"))) == 3
    assert not list(tmp_path.glob("*.txt"))  # a build of the site would not read them there
    assert len(articles(tmp_path)) == 3


def test_not_a_feed_and_missing_file_fail_but_others_import(tmp_path: Path) -> None:
    page = tmp_path.parent / "page.html"
    page.write_text("<html><body><p>not a feed</p></body></html>", encoding="utf-8")
    bad, missing, good = run(tmp_path, page, tmp_path.parent / "missing.xml", RSS)
    assert "not an RSS or Atom feed" in bad.error
    assert "cannot read the file" in missing.error
    assert (good.added, good.error) == (3, "")


def test_cli_prints_counts_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", "--input", str(tmp_path), str(RSS), str(ATOM)]) == 0
    assert "imported 6 new, 0 skipped, 0 failed" in capsys.readouterr().out
    assert cli.main(["import", "--input", str(tmp_path), str(RSS), "ftp://example.invalid/feed"]) == 1
    out, err = capsys.readouterr()
    assert "imported 0 new, 3 skipped, 0 failed; 1 of 2 sources could not be imported" in out
    assert "ftp://example.invalid/feed: only feed files and http(s) URLs" in err
    with pytest.raises(SystemExit) as usage:
        cli.main(["import", "--input", str(tmp_path)])
    assert usage.value.code == 2


# --- the title line round trip ------------------------------------------------------------------

_pieces = st.sampled_from([*"ab []()\n\r\t\x00\x85\u2028-=<>!", "](", "](http://", "普京", "https://"])
_tricky = st.lists(_pieces, max_size=30).map("".join)
_urls = st.one_of(st.text(), st.builds(lambda scheme, rest: scheme + rest,
                                        st.sampled_from(["http://", "https://", "HTTPS://"]), _tricky))


@given(title=st.one_of(st.text(), _tricky), url=_urls)
def test_title_line_round_trips_through_the_reader(title: str, url: str) -> None:
    line = importer.format_title_line(title, url)
    assert "\n" not in line and "\r" not in line
    assert parse_title_line(line) == (importer.clean_title(title), importer.clean_url(url))
    assert importer.clean_title(importer.clean_title(title)) == importer.clean_title(title)


@given(title=_tricky, url=_urls, body=st.text(), ms=st.integers(788_918_400_000, 4_102_444_799_999))
def test_written_file_reads_back_as_the_same_article(title: str, url: str, body: str, ms: int) -> None:
    item = importer.Item(importer.clean_title(title), importer.clean_url(url), "", "x", ms, body)
    raw = parse_article(item.file_name, importer.format_article(item))
    expected_body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    assert (raw.captured_ms, raw.title, raw.url, raw.body_html) == (ms, item.title, item.url, expected_body)


def test_ordinary_titles_and_urls_are_kept_as_they_are() -> None:
    title = "普京或很快访平壤，美国警告…[视频] (更新)"
    url = "https://zh.wikipedia.org/wiki/普京_(消歧义)"
    assert importer.format_title_line(title, url) == f"[{title}]({url})"


# --- HTTP ----------------------------------------------------------------------------------------

class FeedServer(http.server.ThreadingHTTPServer):
    """A test server on 127.0.0.1 that records what it was asked."""

    daemon_threads = True
    requests: list[dict[str, str]]
    release: threading.Event  # set at teardown so a deliberately slow answer ends at once


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes: /feed.xml (ETag + 304), /error, /slow, /huge, /announced-huge, /gzip, /bomb, /page."""

    server: FeedServer

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""

    def send(self, status: int, body: bytes, **headers: str) -> None:
        """One complete response."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        if "Content_Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Answer according to the path."""
        self.server.requests.append({"path": self.path, **dict(self.headers.items())})
        feed = RSS.read_bytes()
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send(304, b"", ETag='"v1"')
            else:
                self.send(200, feed, ETag='"v1"', Last_Modified="Sat, 08 Jun 2024 06:00:00 GMT",
                          Content_Type="application/rss+xml")
        elif self.path == "/error":
            self.send(500, b"oops")
        elif self.path == "/slow":
            self.server.release.wait(10)
            self.send(200, feed)
        elif self.path == "/huge":  # no Content-Length: the limit must hold while reading
            self.send_response(200)
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"<!-- padding -->" * 1024)
        elif self.path == "/announced-huge":
            self.send(200, b"", Content_Length="999999999")
        elif self.path == "/gzip":
            self.send(200, gzip.compress(feed), Content_Encoding="gzip")
        elif self.path == "/bomb":
            self.send(200, gzip.compress(b" " * 5_000_000), Content_Encoding="gzip")
        else:
            self.send(200, b"<html><body>a web page</body></html>", Content_Type="text/html")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, FeedServer]]:
    """A running FeedServer → (its base URL, the server); stopped after the test."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    httpd = FeedServer(("127.0.0.1", 0), Handler)
    httpd.requests, httpd.release = [], threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_url_import_then_304_with_etag(tmp_path: Path, server: tuple[str, FeedServer]) -> None:
    base, httpd = server
    [first] = run(tmp_path, f"{base}/feed.xml")
    assert (first.added, first.error) == (3, "")
    assert httpd.requests[0]["User-Agent"] == USER_AGENT and USER_AGENT.startswith("newsarchive/")
    assert "If-None-Match" not in httpd.requests[0]
    state = json.loads((tmp_path / importer.STATE_FILE).read_text(encoding="utf-8"))
    assert state["feeds"][f"{base}/feed.xml"] == {"etag": '"v1"', "last_modified": "Sat, 08 Jun 2024 06:00:00 GMT"}
    [second] = run(tmp_path, f"{base}/feed.xml")
    assert httpd.requests[1]["If-None-Match"] == '"v1"'
    assert httpd.requests[1]["If-Modified-Since"] == "Sat, 08 Jun 2024 06:00:00 GMT"
    assert second.not_modified and second.added == 0 and second.error == ""


def test_server_error_is_reported_and_other_sources_import(
        tmp_path: Path, server: tuple[str, FeedServer], capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = server
    assert cli.main(["import", "--input", str(tmp_path), f"{base}/error", str(ATOM)]) == 1
    out, err = capsys.readouterr()
    assert f"{base}/error: the server answered HTTP 500" in err
    assert "imported 3 new" in out and "1 of 2 sources could not be imported" in out
    state = json.loads((tmp_path / importer.STATE_FILE).read_text(encoding="utf-8"))
    assert f"{base}/error" not in state["feeds"]


def test_slow_server_times_out(tmp_path: Path, server: tuple[str, FeedServer]) -> None:
    base, _ = server
    [result] = run(tmp_path, f"{base}/slow", timeout=0.2)
    assert "no answer within 0.2 seconds" in result.error
    assert list(tmp_path.glob("*.txt")) == []


@pytest.mark.parametrize("path", ["/huge", "/announced-huge", "/bomb"])
def test_huge_response_is_refused(tmp_path: Path, server: tuple[str, FeedServer], path: str) -> None:
    base, _ = server
    [result] = run(tmp_path, base + path, max_bytes=100_000)
    assert "100,000 byte" in result.error
    assert list(tmp_path.glob("*.txt")) == []


def test_gzip_feed_is_unpacked(tmp_path: Path, server: tuple[str, FeedServer]) -> None:
    base, httpd = server
    [result] = run(tmp_path, f"{base}/gzip")
    assert httpd.requests[0]["Accept-Encoding"] == "gzip"
    assert (result.added, result.error) == (3, "")


def test_web_page_is_not_a_feed(tmp_path: Path, server: tuple[str, FeedServer]) -> None:
    base, _ = server
    [result] = run(tmp_path, f"{base}/page")
    assert "not an RSS or Atom feed" in result.error
