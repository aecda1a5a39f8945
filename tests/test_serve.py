"""`newsarchive serve`: a real server on 127.0.0.1, rebuilt after file changes, stopped cleanly."""

from __future__ import annotations

import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator.article import enrich
from generator.commands import cli, serve
from generator.commands.importer import Item, format_article
from generator.site.render import TEMPLATES_DIR

SEEDS = Path(__file__).parent.parent / "seeds"


def wait_for(condition: Callable[[], object], what: str, limit: float = 30.0) -> None:
    """Poll condition until it is true; fail naming `what` if it never becomes true."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def get(url: str) -> tuple[int, bytes]:
    """GET url (no proxy) → (status, body), error statuses included."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def new_article(folder: Path, title: str, url: str) -> Path:
    """Write one well-formed article file into folder → its path."""
    item = Item(title, url, "", url, 1718000000000, f"<p>{title} 的正文。</p>")
    path = folder / item.file_name
    path.write_bytes(format_article(item))
    return path


class Running:
    """A started Preview in a temporary project: archive, templates, config, output, log lines."""

    def __init__(self, root: Path):
        self.seeds, self.site, self.templates = root / "seeds", root / "site", root / "templates"
        self.config = root / "newsarchive.toml"
        shutil.copytree(SEEDS, self.seeds)
        shutil.copytree(TEMPLATES_DIR, self.templates)
        self.config.write_text('title = "测试存档"\n', encoding="utf-8")
        self.lines: list[str] = []
        self.preview = serve.Preview(self.seeds, self.site, self.config, port=0, templates_dir=self.templates,
                                     interval=0.02, log=self.lines.append)
        self.url = self.preview.start()

    def page(self, path: str = "") -> tuple[int, str]:
        """GET a site path → (status, text)."""
        status, body = get(self.url + path)
        return status, body.decode("utf-8")

    def logged(self, text: str) -> bool:
        """True once a log line contains text."""
        return any(text in line for line in self.lines)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    """A running preview, stopped (and checked stopped) after the test."""
    project = Running(tmp_path)
    yield project
    project.preview.stop()
    assert not any(t.is_alive() for t in project.preview._threads)


def test_serves_on_localhost_with_reload_script_only_in_responses(running: Running) -> None:
    assert running.url.startswith("http://127.0.0.1:")
    status, index = running.page()
    assert status == 200 and "测试存档" in index
    assert serve.RELOAD_PATH in index and index.rstrip().endswith("</html>")
    on_disk = (running.site / "index.html").read_text(encoding="utf-8")
    assert serve.RELOAD_PATH not in on_disk  # the built site never carries the script
    assert get(running.url + "feed.xml")[1] == (running.site / "feed.xml").read_bytes()
    assert running.page(serve.RELOAD_PATH.lstrip("/")) == (200, "1")
    status, missing = running.page("no/such/page/")
    assert status == 404 and missing.startswith((running.site / "404.html").read_text(encoding="utf-8")[:40])


def test_new_article_is_built_and_served(running: Running) -> None:
    new_article(running.seeds, "新加的文章", "https://example.com/news/new-article-123456.html")
    wait_for(lambda: running.preview.build_number == 2, "the rebuild after a new file")
    status, index = running.page()
    assert status == 200 and "新加的文章" in index
    assert running.page(serve.RELOAD_PATH.lstrip("/"))[1] == "2"  # open pages see a new build and reload


def test_broken_article_is_printed_and_the_server_keeps_running(running: Running) -> None:
    (running.seeds / "broken.txt").write_text("no capture time here\n", encoding="utf-8")
    wait_for(lambda: running.logged("broken.txt:1: error: expected the capture time"), "the error message")
    status, index = running.page()
    assert status == 200 and "普京或很快访平壤" in index  # the good articles are still there
    new_article(running.seeds, "之后的文章", "https://example.com/news/after-broken-654321.html")
    wait_for(lambda: "之后的文章" in running.page()[1], "the next rebuild")


def test_failed_rebuild_keeps_the_last_good_site(running: Running) -> None:
    before = running.page()[1]
    failures = lambda: sum("last good site is still served" in line for line in running.lines)  # noqa: E731
    # robots.txt renders after the front page: a rebuild that wrote as it rendered would
    # already have replaced index.html with the new title when the template fails.
    robots = (running.templates / "robots.txt").read_text(encoding="utf-8")
    (running.templates / "robots.txt").write_text(robots + "{% if %}", encoding="utf-8")
    wait_for(lambda: failures() == 1, "the rebuild failure")
    # A message naming the template and its line, not a traceback.
    assert running.logged("error: template robots.txt, line ") and not running.logged("Traceback")
    running.config.write_text('title = "不该出现的标题"\n', encoding="utf-8")
    wait_for(lambda: failures() == 2, "the second rebuild failure")
    assert running.preview.build_number == 1
    assert running.page() == (200, before)
    assert "不该出现的标题" not in (running.site / "index.html").read_text(encoding="utf-8")
    (running.templates / "robots.txt").write_text(robots, encoding="utf-8")
    wait_for(lambda: "不该出现的标题" in running.page()[1], "the rebuild after the template was fixed")


def test_config_change_rebuilds_and_bad_config_is_reported(running: Running) -> None:
    running.config.write_text('title = "新的标题"\n', encoding="utf-8")
    wait_for(lambda: "新的标题" in running.page()[1], "the rebuild after a config change")
    running.config.write_text('titel = "typo"\n', encoding="utf-8")
    wait_for(lambda: running.logged("titel"), "the config error")
    assert "新的标题" in running.page()[1]


def test_rebuild_processes_only_the_changed_article(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    processed: list[str] = []
    real = enrich.process

    def counting(raw, config, key):
        processed.append(raw.source_file)
        return real(raw, config, key)

    monkeypatch.setattr(enrich, "process", counting)
    path = new_article(running.seeds, "只处理这一篇", "https://example.com/news/only-this-one-777.html")
    wait_for(lambda: running.preview.build_number == 2, "the rebuild after a new file")
    assert processed == [path.name]


def test_reload_script_goes_before_the_last_body_end() -> None:
    page = serve.inject_reload(b"<html><body><p></body> in text</p></BODY></html>", 7)
    assert page.endswith(b'setTimeout(poll,1000)})();</script></BODY></html>')
    assert b'var b="7"' in page and page.startswith(b"<html><body><p></body> in text</p><script>")
    assert serve.inject_reload(b"<p>fragment</p>", 1).startswith(b"<p>fragment</p><script>")


def test_port_in_use_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = cli.main(["serve", "--input", str(SEEDS), "--output", str(tmp_path / "site"), "--port", str(port)])
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()  # nothing was built for a server that could not start


def test_a_media_run_rebuilds_the_pages_whose_images_arrived(running: Running) -> None:
    from tests.media_server import image_server
    from tests.test_media import fetch, write_archive

    with image_server() as server:
        write_archive(running.seeds, server, ("300_srcset.txt",))
        wait_for(lambda: running.preview.build_number == 2, "the rebuild after a new file")
        fetch(running.seeds)  # the media store beside the archive: its ledger is watched
        wait_for(lambda: running.preview.build_number == 3, "the rebuild after the media run")
    [page] = (running.site / "articles" / "2024" / "06" / "10").glob("*/index.html")
    assert server.base not in page.read_text(encoding="utf-8") and list(page.parent.glob("*.webp"))
