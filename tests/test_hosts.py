"""Host limits: a built site weighed (size, files, largest file, fullest folder, parts) and checked against the
limits of where it is published (`check --site --host`, `build --host`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from generator.commands.build import BuildResult
from generator.commands.cli import main
from generator.output import budget
from generator.output.budget import HOSTS, Host, Limit, part_of, weigh_site

from .conftest import SEEDS

ROOT = Path(__file__).parent.parent


def test_every_file_of_a_site_belongs_to_one_part() -> None:
    assert [
        part_of(p)
        for p in (
            "articles/2024/06/18/slug/index.html",
            "articles/2024/06/18/slug/index.md",
            "archive/2024/06/index.md",
            "archive/2024/06/index-17.md",
            "index.html",
            "archive/2024/06/index.html",
            "tags/普京/index.html",
            "sources/x/2024/index.html",
            "feed.xml",
            "feed.json",
            "feeds/2024-06.xml",
            "tags/普京/feed.xml",
            "sources/x/feed.json",
            "pagefind/2024-06-from-01/pagefind.js",
            "search/index.html",
            "media/ab/cd.webp",
            "static/style.css",
            "sitemap.xml",
            "404.html",
            "robots.txt",
        )
    ] == [
        "articles",
        "articles",
        "articles",
        "articles",
        "listings",
        "listings",
        "listings",
        "listings",
        "feeds",
        "feeds",
        "feeds",
        "feeds",
        "feeds",
        "search",
        "search",
        "media",
        "other",
        "other",
        "other",
        "other",
    ]


def test_a_site_is_weighed_file_by_file(seed_site: tuple[Path, BuildResult]) -> None:
    site, _ = seed_site
    root = site.resolve()
    sizes = {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()}
    weight = weigh_site(site)
    assert (weight.bytes, weight.files) == (sum(sizes.values()), len(sizes))
    assert weight.largest == max(sizes.items(), key=lambda item: item[1])
    assert sum(p.bytes for p in weight.parts) == weight.bytes and sum(p.files for p in weight.parts) == weight.files
    assert [p.bytes for p in weight.parts] == sorted((p.bytes for p in weight.parts), reverse=True)
    folders = {}
    for folder, subfolders, files in os.walk(root):
        folders[folder] = len(subfolders) + len(files)
    assert weight.fullest[1] == max(folders.values())


def test_check_names_the_limits_of_the_host_and_where_they_are_published(
    seed_site: tuple[Path, BuildResult], capsys: pytest.CaptureFixture
) -> None:
    site, _ = seed_site
    assert main(["check", "--site", str(site), "--host", "github-pages"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\d+ files; largest file \S+ \(", out) and "parts: " in out
    for limit in HOSTS["github-pages"].limits:
        assert limit.label in out and limit.source in out
    assert main(["check", "--site", str(site)]) == 0  # no host: the weight alone
    assert "GitHub Pages" not in capsys.readouterr().out


@pytest.fixture
def tiny_host(monkeypatch: pytest.MonkeyPatch) -> Host:
    """A host whose limits any site is over: 10 KB a site, 50 files, 5 KB a file."""
    host = Host(
        "github-pages",
        "Tiny Pages",
        (
            Limit("bytes", 10_000, "site ≤ 10 KB", "https://tiny.example/limits"),
            Limit("files", 50, "≤ 50 files", "https://tiny.example/limits"),
            Limit("file bytes", 5_000, "each file ≤ 5 KB", "https://tiny.example/limits"),
        ),
    )
    monkeypatch.setitem(budget.HOSTS, "github-pages", host)
    return host


def test_check_fails_over_a_limit_and_names_the_biggest_parts(
    seed_site: tuple[Path, BuildResult], tiny_host: Host, capsys: pytest.CaptureFixture
) -> None:
    site, _ = seed_site
    assert main(["check", "--site", str(site), "--host", "github-pages"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("  OVER  ") == 3
    error = captured.err
    assert error.startswith(f"error: {site} does not fit Tiny Pages: site ≤ 10 KB, but it has ")
    named = error.split("Its biggest parts: ", 1)[1].split(". Fix: ", 1)[0]
    assert [item.split(" ")[0] for item in named.split(", ")] == [p.name for p in weigh_site(site).parts[:3]]
    assert "Fix: " in error and "markdown_copies" in error


def test_build_with_a_host_fails_when_the_site_is_over_its_limits(
    tmp_path: Path, tiny_host: Host, capsys: pytest.CaptureFixture
) -> None:
    args = ["build", "--input", str(SEEDS), "--output", str(tmp_path / "site"), "--cache", str(tmp_path / "cache")]
    assert main([*args, "--host", "github-pages"]) == 1
    assert "does not fit Tiny Pages" in capsys.readouterr().err
    assert (tmp_path / "site" / "index.html").is_file()  # built: `check --site` can look into it
    assert main([*args, "--host", "s3"]) == 0
    assert main([*args, "--host", "none"]) == 0


def test_check_with_a_host_needs_a_site(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--input", str(SEEDS), "--host", "netlify"]) == 2
    assert "pass --site FOLDER" in capsys.readouterr().err
    assert main(["check", "--site", str(tmp_path / "missing"), "--host", "netlify"]) == 2


def test_the_host_table_in_the_docs_is_the_one_the_check_uses() -> None:
    deploy = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for host in HOSTS.values():
        assert f"`{host.name}`" in deploy, host.name
        for limit in host.limits:
            assert limit.source.startswith("https://") and limit.source in deploy, (host.name, limit.label)
            assert limit.amount > 0
