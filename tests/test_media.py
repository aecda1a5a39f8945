"""The media store: `newsarchive media` against an image server of our own on 127.0.0.1 (tests/media_server.py),
and builds that show the stored copies without touching the network."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from generator.commands.build import BuildResult, build
from generator.commands.cli import _progress, main
from generator.commands.fetch import USER_AGENT
from generator.commands.media import archive_pages
from generator.config import parse_config
from generator.errors import ConfigError, MediaError, WriteError
from generator.media.run import MediaRun, fetch_media
from generator.media.store import FAILED, GONE, STORED, MediaStore, store_folder
from generator.site.render import site_fingerprint
from tests.media_server import ARTICLE_URL, ImageServer, image_server

FIXTURES = Path(__file__).parent / "fixtures" / "media"
MEDIA_TOML = """base_url = "https://archive.example.org/news/"
[media]
allow_private_hosts = true
timeout = 1
max_bytes = 1000000
max_pixels = 30000000
"""
ALL_FIXTURES = ("100_ordinary.txt", "200_failures.txt", "300_srcset.txt", "400_no_images.txt")


def write_archive(folder: Path, server: ImageServer, names: tuple[str, ...] = ALL_FIXTURES) -> Path:
    """Fixture articles → an archive folder, their MEDIA_SERVER placeholders pointing at the server."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        text = (FIXTURES / name).read_text(encoding="utf-8").replace("MEDIA_SERVER", server.base)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def fetch(archive: Path, toml: str = MEDIA_TOML, clock=None, **options):
    """The archive's images → its store (as `newsarchive media` does) → the report."""
    from generator.commands.build import load_archive, open_cache

    config = parse_config(toml)
    with open_cache(None) as cache:
        loaded, _ = load_archive(archive, config, cache)
        pages = archive_pages(archive, loaded.articles, cache.html)
        return fetch_media(
            pages,
            config,
            archive,
            lambda items, total: items,
            prune=True,
            user_agent=USER_AGENT,
            clock=clock,
            **options,
        )


def ledger(archive: Path) -> sqlite3.Connection:
    """The archive's media ledger, to read."""
    return sqlite3.connect(store_folder(parse_config(MEDIA_TOML), archive) / "ledger.sqlite3")


def fetch_states(archive: Path) -> dict[str, tuple[str, int, str]]:
    """→ URL path → (state, attempts, reason) of every URL the ledger holds."""
    rows = ledger(archive).execute("SELECT url, state, attempts, reason FROM fetches")
    return {
        re.sub(r"^http://127\.0\.0\.1:\d+", "", url): (state, attempts, reason) for url, state, attempts, reason in rows
    }


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site but the search index → {path: bytes}."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and "pagefind" not in p.parts
    }


DAYS = {"story": "2024/06/08", "failures": "2024/06/09", "srcset": "2024/06/10"}  # of the fixture articles


def article_page(site: Path, article: str, name: str = "index.html") -> Path:
    """The page of a fixture article (a key of DAYS)."""
    [folder] = (site / "articles" / DAYS[article]).iterdir()
    return folder / name


@dataclass
class Fetched:
    """The fixture archive after one media run, and its server."""

    archive: Path
    server: ImageServer
    first: object  # the report of the first run
    requests_after_first: list[str]


@pytest.fixture(scope="module")
def fetched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fetched]:
    """The fixture archive, its images fetched once from a running server (shared: the slow image costs 1 s)."""
    root = tmp_path_factory.mktemp("media")
    with image_server() as server:
        archive = write_archive(root / "archive", server)
        report = fetch(archive)
        yield Fetched(archive, server, report, server.paths())


# --- downloading -----------------------------------------------------------------------------------


def test_every_case_of_the_server_ends_as_it_should(fetched: Fetched) -> None:
    states = fetch_states(fetched.archive)
    assert states["/ordinary.jpg"][0] == STORED
    assert states["/same-bytes.jpg"][0] == STORED
    assert states["/wide.jpg"][0] == STORED
    assert states["/referer.png"][0] == STORED  # the article's URL was sent as Referer
    assert states["/missing.jpg"][:2] == (GONE, 1) and "HTTP 404" in states["/missing.jpg"][2]
    assert states["/slow.jpg"][:2] == (FAILED, 1) and "no answer within 1 seconds" in states["/slow.jpg"][2]
    assert states["/huge.jpg"][0] == GONE and "media.max_bytes" in states["/huge.jpg"][2]
    assert states["/html-as-jpeg.jpg"][0] == GONE and "HTML or XML page, not an image" in states["/html-as-jpeg.jpg"][2]
    assert states["/script.svg"][0] == GONE and "SVG" in states["/script.svg"][2]
    assert states["/loop-a"][0] == GONE and "redirects in a loop" in states["/loop-a"][2]
    assert states["/bomb.png"][0] == GONE and "max_pixels" in states["/bomb.png"][2]
    # The page's address is gone; the srcset's larger one redirects to an image that is kept.
    assert states["/gone-small.jpg"][0] == GONE and states["/moved.jpg"][0] == STORED


def test_the_referer_is_the_articles_url(fetched: Fetched) -> None:
    [headers] = [h for path, h in fetched.server.requests if path == "/referer.png"]
    assert headers["Referer"] == ARTICLE_URL
    assert headers["User-Agent"].startswith("newsarchive/")


def test_the_same_bytes_under_three_urls_are_stored_once(fetched: Fetched) -> None:
    db = ledger(fetched.archive)
    images = {
        url.rsplit("/", 1)[1]: image for url, image in db.execute("SELECT url, image FROM fetches WHERE image != ''")
    }
    assert images["ordinary.jpg"] == images["same-bytes.jpg"] == images["moved.jpg"]
    # ordinary (1200 px: two variants), wide, referer (300 px: one): three images, five files
    assert db.execute("SELECT count(*) FROM images").fetchone()[0] == 3
    files = list((store_folder(parse_config(MEDIA_TOML), fetched.archive) / "files").rglob("*.*"))
    assert len(files) == 5


def test_images_are_resized_re_encoded_and_keep_their_size(fetched: Fetched) -> None:
    db = ledger(fetched.archive)
    rows = {
        (width, height): json.loads(variants)
        for width, height, variants in db.execute("SELECT width, height, variants FROM images")
    }
    assert [(w, h) for _, w, h in rows[(4000, 1000)]] == [(1600, 400), (640, 160)]
    assert [(w, h) for _, w, h in rows[(1200, 800)]] == [(1200, 800), (640, 427)]
    assert [(w, h) for _, w, h in rows[(300, 200)]] == [(300, 200)]  # no wider than the small size: one variant
    store = store_folder(parse_config(MEDIA_TOML), fetched.archive)
    for variants in rows.values():
        for name, width, height in variants:
            with Image.open(store / "files" / name[:2] / name) as stored:
                assert (stored.format, stored.size) == ("WEBP", (width, height))


def test_a_second_run_makes_no_request(fetched: Fetched) -> None:
    before = len(fetched.server.requests)
    report = fetch(fetched.archive)
    assert len(fetched.server.requests) == before
    assert report.requests == 0
    assert (report.local, report.failed, report.waiting) == (fetched.first.local, fetched.first.failed, 1)


def test_the_first_run_counts_what_it_did(fetched: Fetched) -> None:
    report = fetched.first
    # ordinary, referer, same-bytes, wide, gone-small (via moved.jpg) stored; slow waits; six given up
    assert (report.articles, report.images, report.local, report.failed, report.waiting) == (4, 12, 5, 6, 1)
    assert report.stored_now == 5
    # every URL asked for once: 12 addresses, plus moved.jpg, its redirect to ordinary.jpg and the second loop hop
    assert report.requests == len(fetched.requests_after_first) == 15


def test_a_failure_is_retried_with_backoff_then_given_up(tmp_path: Path) -> None:
    with image_server() as server:
        server.flaky_failures = 10
        archive = write_archive(tmp_path / "archive", server, ("500_flaky.txt",))
        now = [1_000_000.0]
        toml = MEDIA_TOML + "max_attempts = 3\n"
        fetch(archive, toml, clock=lambda: now[0])
        assert fetch_states(archive)["/flaky.jpg"][:2] == (FAILED, 1)
        [next_try] = ledger(archive).execute("SELECT next_try FROM fetches").fetchone()
        assert next_try == now[0] + 1800  # the backoff (longer than the server's Retry-After of 120 s)
        fetch(archive, toml, clock=lambda: now[0] + 1799)  # not due yet: not asked
        assert server.paths().count("/flaky.jpg") == 1
        now[0] += 1800
        fetch(archive, toml, clock=lambda: now[0])
        assert fetch_states(archive)["/flaky.jpg"][:2] == (FAILED, 2)
        [next_try] = ledger(archive).execute("SELECT next_try FROM fetches").fetchone()
        assert next_try == now[0] + 4 * 1800  # four times longer
        now[0] += 4 * 1800
        fetch(archive, toml, clock=lambda: now[0])
        assert fetch_states(archive)["/flaky.jpg"][:2] == (GONE, 3)  # max_attempts reached: given up
        now[0] += 10**9
        fetch(archive, toml, clock=lambda: now[0])
        assert server.paths().count("/flaky.jpg") == 3
        # --retry-failed asks again, and this time the server answers
        server.flaky_failures = 0
        report = fetch(archive, toml, clock=lambda: now[0], retry_failed=True)
        assert report.local == 1 and fetch_states(archive)["/flaky.jpg"][0] == STORED


def test_a_configured_referer_replaces_the_articles_url(tmp_path: Path) -> None:
    with image_server() as server:
        archive = write_archive(tmp_path / "archive", server, ("100_ordinary.txt",))
        fetch(archive, MEDIA_TOML + '[media.referers]\n"127.0.0.1" = ""\n')
        [headers] = [h for path, h in server.requests if path == "/referer.png"]
        assert "Referer" not in headers
        assert fetch_states(archive)["/referer.png"][0] == GONE
        assert "media.referers" in fetch_states(archive)["/referer.png"][2]


def test_private_addresses_are_not_fetched_unless_allowed(tmp_path: Path) -> None:
    with image_server() as server:
        archive = write_archive(tmp_path / "archive", server, ("100_ordinary.txt",))
        report = fetch(archive, MEDIA_TOML.replace("allow_private_hosts = true", "allow_private_hosts = false"))
        assert server.requests == [] and report.local == 0
        assert "private or local network" in fetch_states(archive)["/ordinary.jpg"][2]


def test_a_run_in_a_terminal_shows_a_progress_bar_and_elsewhere_nothing(monkeypatch, capsys) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    items = [1, 2, 3]
    assert _progress("Fetching images")(items, 3) is items  # not a terminal (pytest captures stderr)
    monkeypatch.setattr(sys, "stderr", Terminal())
    shown = _progress("Fetching images")(items, 3)
    assert shown is not items and list(shown) == items
    assert "Fetching images" in sys.stderr.getvalue()


def test_the_media_command_prints_a_summary_and_writes_a_report(tmp_path: Path, monkeypatch, capsys) -> None:
    with image_server() as server:
        write_archive(tmp_path / "archive", server, ("100_ordinary.txt", "400_no_images.txt"))
        (tmp_path / "newsarchive.toml").write_text(MEDIA_TOML, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        code = main(["media", "--input", "archive", "--cache", "cache", "--report", "report.json"])
        out = capsys.readouterr()
        assert code == 0
        assert out.out.strip() == "media: 4 images in 2 articles: 4 stored (4 new), 0 given up, 0 waiting; 4 requests"
        assert "\x1b[" not in out.err  # no progress bar when not on a terminal
        report = json.loads((tmp_path / "report.json").read_text())
        assert report["local"] == 4 and report["failures"] == []
        assert (tmp_path / "media" / "ledger.sqlite3").is_file()  # beside the archive folder by default


def test_import_media_fetches_the_new_items_images(tmp_path: Path, monkeypatch, capsys) -> None:
    with image_server() as server:
        feed = tmp_path / "feed.xml"
        feed.write_text(
            f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>新文章</title><link>{ARTICLE_URL}</link><pubDate>Sat, 08 Jun 2024 00:33:36 GMT</pubDate>
<description><![CDATA[<p>正文</p><img src="{server.base}/referer.png" alt="x">]]></description></item>
</channel></rss>""",
            encoding="utf-8",
        )
        (tmp_path / "archive").mkdir()
        (tmp_path / "newsarchive.toml").write_text(MEDIA_TOML, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        assert main(["import", "--input", "archive", "--media", str(feed)]) == 0
        assert "media: 1 images in 1 articles: 1 stored (1 new)" in capsys.readouterr().out
        assert server.paths() == ["/referer.png"]
        assert main(["import", "--input", "archive", "--media", str(feed)]) == 0  # nothing new: no request
        assert server.paths() == ["/referer.png"]


# --- building with the store ----------------------------------------------------------------------


def build_site(archive: Path, out: Path, toml: str = MEDIA_TOML) -> BuildResult:
    """The archive → a site at out (no cache kept)."""
    return build(archive, out, parse_config(toml))


def test_pages_show_stored_copies_and_keep_the_address_of_the_others(fetched: Fetched, tmp_path: Path) -> None:
    result = build_site(fetched.archive, tmp_path / "site")
    site = tmp_path / "site"
    page = article_page(site, "story").read_text(encoding="utf-8")
    imgs = re.findall(r"<img [^>]*>", page)
    assert all(fetched.server.base not in img for img in imgs), imgs
    first = imgs[0]
    src = re.search(r'src="([0-9a-f]{32}\.webp)"', first).group(1)
    assert re.search(rf'srcset="{src} 1200w, [0-9a-f]{{32}}\.webp 640w"', first)
    assert 'width="1200" height="800"' in first and 'alt="普通的图片"' in first
    wide = next(img for img in imgs if 'alt="很宽"' in img)
    assert 'width="400" height="100"' in wide  # the article's own size, the same shape as the image
    # the files are beside the page, the same files as in the store (hard links)
    folder = article_page(site, "story").parent
    store = store_folder(parse_config(MEDIA_TOML), fetched.archive) / "files"
    assert os.path.samefile(folder / src, store / src[:2] / src)
    # the failures keep their original addresses
    failures = article_page(site, "failures").read_text(encoding="utf-8")
    assert f'src="{fetched.server.base}/missing.jpg"' in failures
    assert not list(article_page(site, "failures").parent.glob("*.webp"))
    # the month's Markdown copy too (linking the copy beside the page), and the sharing metadata points at the
    # stored lead image (absolute)
    markdown = (site / "archive" / DAYS["story"][:7] / "index.md").read_text(encoding="utf-8")
    assert f"](../../../articles/{DAYS['story']}/{folder.name}/{src})" in markdown
    assert f"{fetched.server.base}/ordinary.jpg" not in markdown
    absolute = f"https://archive.example.org/news/articles/{DAYS['story']}/{folder.name}/{src}"
    assert f'<meta property="og:image" content="{absolute}">' in page
    assert f'"image":["{absolute}"]' in page  # JSON-LD
    assert result.images is not None
    assert (result.images.local, result.images.remote, result.images.failed) == (5, 1, 6)


def test_only_the_images_pages_use_are_copied_into_the_site(fetched: Fetched, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(fetched.archive, archive)
    shutil.copytree(fetched.archive.parent / "media", tmp_path / "media")
    (archive / "100_ordinary.txt").unlink()  # its images stay in the store, but no page shows them
    build_site(archive, tmp_path / "site")
    copied = sorted(p.name for p in (tmp_path / "site").rglob("*.webp"))
    assert len(copied) == 2  # the srcset article's image, two variants


def test_an_unchanged_store_re_renders_nothing_and_new_images_re_render_their_pages_only(tmp_path: Path) -> None:
    with image_server() as server:
        archive = write_archive(tmp_path / "archive", server, ("100_ordinary.txt", "400_no_images.txt"))
        config = parse_config(MEDIA_TOML)
        site, cache = tmp_path / "site", tmp_path / "cache"
        before = build(archive, site, config, cache_dir=cache)  # no store yet: every image keeps its address
        assert before.images is None
        fetch(archive)
        after = build(archive, site, config, cache_dir=cache)
        # the article with images: its page and Markdown copy, and its five files; nothing else
        assert after.written.rendered == 2
        assert after.written.written == 2 + 5
        again = build(archive, site, config, cache_dir=cache)
        assert (again.written.rendered, again.written.written) == (0, 0)
        # the same site as one built from nothing
        fresh = tmp_path / "fresh"
        build(archive, fresh, config)
        assert site_files(site) == site_files(fresh)


def test_a_build_with_the_server_stopped_gives_the_same_site(tmp_path: Path) -> None:
    with image_server() as server:
        archive = write_archive(tmp_path / "archive", server, ("100_ordinary.txt", "300_srcset.txt"))
        fetch(archive)
        build_site(archive, tmp_path / "running")
        served = len(server.requests)
    build_site(archive, tmp_path / "stopped")  # the server is gone: a build never asks it anything
    assert site_files(tmp_path / "running") == site_files(tmp_path / "stopped")
    assert served == len(server.requests)


def test_publish_original_and_media_base_url(fetched: Fetched, tmp_path: Path) -> None:
    build_site(fetched.archive, tmp_path / "original", MEDIA_TOML.replace("[media]", '[media]\npublish = "original"'))
    page = article_page(tmp_path / "original", "story").read_text(encoding="utf-8")
    assert f'src="{fetched.server.base}/ordinary.jpg"' in page and not list((tmp_path / "original").rglob("*.webp"))
    toml = MEDIA_TOML.replace("[media]", '[media]\nmedia_base_url = "https://img.example.org/store"')
    build_site(fetched.archive, tmp_path / "based", toml)
    page = article_page(tmp_path / "based", "story").read_text(encoding="utf-8")
    assert re.search(r'src="https://img\.example\.org/store/([0-9a-f]{2})/\1[0-9a-f]{30}\.webp"', page)
    assert re.search(r'<meta property="og:image" content="https://img\.example\.org/store/', page)
    assert not list((tmp_path / "based").rglob("*.webp"))  # served from the store's host, not copied


def test_a_lost_store_file_is_an_error_that_says_the_fix(fetched: Fetched, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(fetched.archive, archive)
    shutil.copytree(fetched.archive.parent / "media", tmp_path / "media")
    lost = next((tmp_path / "media" / "files").rglob("*.webp"))
    lost.unlink()
    with pytest.raises(WriteError, match="newsarchive media --verify"):
        build_site(archive, tmp_path / "site")
    fetch(archive, verify=True)  # fetches what was lost again
    assert lost.is_file()
    build_site(archive, tmp_path / "site")


def test_the_site_fingerprint_ignores_settings_that_only_change_downloads() -> None:
    plain = parse_config(MEDIA_TOML)
    tuned = parse_config(
        MEDIA_TOML + "concurrency = 3\nper_host = 1\nquality = 60\nmax_width = 1200\n"
        '[media.referers]\n"example.org" = ""\n'
    )
    assert site_fingerprint(plain) == site_fingerprint(tuned)
    assert site_fingerprint(plain) != site_fingerprint(
        parse_config(MEDIA_TOML.replace("[media]", '[media]\npublish = "original"'))
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[media]\npublsh = 'local'", "unknown key media.publsh (did you mean media.publish?)"),
        ("[media]\npublish = 'cdn'", 'media.publish must be "local" or "original"'),
        ("[media]\nformat = 'avif'", 'media.format must be "webp" or "jpeg"'),
        ("[media]\nsmall_width = 2000", "media.small_width 0 (no smaller variant) or less than max_width"),
        ("[media]\nmedia_base_url = 'img.example.org'", "media.media_base_url must be '' or an http"),
        ("[media]\nconcurrency = 0", "media.concurrency must be at least 1"),
        ("[media.referers]\n'a.org' = 'a.org'", "media.referers.a.org must be '' (no Referer) or an http(s) URL"),
    ],
)
def test_media_config_is_checked(toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(toml)


def test_the_store_is_beside_the_archive_unless_configured(tmp_path: Path) -> None:
    assert store_folder(parse_config(""), tmp_path / "seeds") == tmp_path / "media"
    assert store_folder(parse_config("[media]\nstore = '/srv/images'"), tmp_path / "seeds") == Path("/srv/images")


def test_media_run_records_each_url_once_when_two_addresses_share_it(tmp_path: Path) -> None:
    """Two page addresses whose candidates share a URL: one request, one attempt recorded."""
    with image_server() as server:
        archive = tmp_path / "archive"
        archive.mkdir()
        body = (
            f'<p>一</p><img src="{server.base}/missing.jpg" srcset="{server.base}/missing.jpg 1x, '
            f'{server.base}/also-missing.jpg 2x"><p>二</p><img src="{server.base}/also-missing.jpg">'
        )
        (archive / "a.txt").write_text(
            f"<!--1717807142000-->\n[两个地址](https://news.example.org/a)\n------\n\n{body}\n", encoding="utf-8"
        )
        fetch(archive)
        assert sorted(server.paths()) == ["/also-missing.jpg", "/missing.jpg"]
        assert fetch_states(archive)["/also-missing.jpg"][:2] == (GONE, 1)


def test_media_run_is_importable_without_the_network_libraries() -> None:
    """Every command loads generator.commands.media; httpx and Pillow wait for a run that needs them."""
    import subprocess

    code = (
        "import sys, generator.commands.cli, generator.commands.build; "
        "print([m for m in ('httpx', 'PIL') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert MediaRun.__module__ == "generator.media.run"
    assert MediaStore.__module__ == "generator.media.store"


def test_a_decoders_own_error_refuses_that_image_and_the_run_goes_on(tmp_path: Path, monkeypatch) -> None:
    from generator.media import images
    from tests.media_server import WIDE

    real = images.encode_image

    def fussy(data: bytes, *args, **kwargs):
        if data == WIDE:
            raise ZeroDivisionError("a decoder's bug")
        return real(data, *args, **kwargs)

    monkeypatch.setattr(images, "encode_image", fussy)
    with image_server() as server:
        archive = write_archive(tmp_path / "archive", server, ("100_ordinary.txt",))
        report = fetch(archive)
    states = fetch_states(archive)
    assert states["/wide.jpg"][0] == GONE and "ZeroDivisionError: a decoder's bug" in states["/wide.jpg"][2]
    assert report.local == 3


def test_a_damaged_ledger_stops_the_build_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "a.txt").write_text(
        "<!--1717807142000-->\n[一篇](https://news.example.org/a)\n------\n\n<p>正文</p>\n", encoding="utf-8"
    )
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "ledger.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(MediaError, match='publish = "original" to build without it'):
        build_site(tmp_path / "archive", tmp_path / "site")
    build_site(tmp_path / "archive", tmp_path / "site", MEDIA_TOML.replace("[media]", '[media]\npublish = "original"'))
