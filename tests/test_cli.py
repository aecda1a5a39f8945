"""Command line and config: exit codes, messages, --strict, --report, unknown config keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.commands.build import BuildResult
from generator.commands.cli import main
from generator.config import parse_config
from generator.errors import ConfigError

from .conftest import ROOT, SEEDS


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator ARGS` in cwd."""
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_python_dash_m_builds_the_seeds(tmp_path: Path) -> None:
    result = run("build", "--input", str(SEEDS), "--output", str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 articles from 3 files (0 skipped, 0 duplicates)" in result.stdout
    assert "base_url is not set" in result.stderr  # the default base_url is pointed out
    assert (tmp_path / "site" / "index.html").is_file()
    # The command exits without tearing the interpreter down: its output and exit code still arrive.
    missing = run("build", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "site"), cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_broken_file_warns_and_strict_fails(seed_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (seed_copy / "bad.txt").write_text("hello\n", encoding="utf-8")
    args = ["build", "--input", str(seed_copy), "--output", str(tmp_path / "site"), "--base-url", "https://x.org/"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "bad.txt:1: error: expected the capture time" in err and "Fix: " in err
    assert main([*args, "--strict"]) == 1
    assert "1 file(s) skipped and --strict is set" in capsys.readouterr().err


def test_report_json(seed_copy: Path, tmp_path: Path) -> None:
    (seed_copy / "bad.txt").write_text("", encoding="utf-8")
    dup = next(seed_copy.glob("002_*.txt")).read_text(encoding="utf-8").replace("1694651945000", "1694651946000")
    (seed_copy / "dup.txt").write_text(dup, encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(["build", "--input", str(seed_copy), "--output", str(tmp_path / "site"), "--report", str(report),
                 "--quiet"])
    assert code == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["files"] == 5 and data["articles"] == 3
    assert data["skipped"] == [{"file": "bad.txt", "line": 0, "reason": "the file is empty",
                                "fix": "delete it, or capture the article again"}]
    assert [d["file"] for d in data["duplicates"]] == [next(seed_copy.glob("002_*.txt")).name]
    assert data["articles"] + len(data["skipped"]) + len(data["duplicates"]) == data["files"]
    assert data["pages"]["written"] > 10 and data["pages"]["removed"] == 0
    # what the console says is in the report: the unset base_url, where each article's date came from
    assert {"file": "", "line": 0, "message": "base_url is not set; feeds and the sitemap use http://localhost:8000/",
            "fix": "set base_url in newsarchive.toml or pass --base-url"} in data["warnings"]
    assert data["dates"]["sources"] == {"capture time": 3}
    assert sorted(a["file"] for a in data["dates"]["articles"]) == sorted(
        p.name for p in seed_copy.glob("*.txt") if p.name not in ("bad.txt", data["duplicates"][0]["file"]))
    assert [c["file"] for c in data["captures"][0]["captures"]] == [data["duplicates"][0]["file"], "dup.txt"]


def test_missing_input_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["build", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "site")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unknown_config_key_names_the_closest(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "newsarchive.toml"
    config.write_text('titel = "x"\n[tags]\nper_articel = 3\n', encoding="utf-8")
    code = main(["build", "--input", str(SEEDS), "--output", str(tmp_path / "site"), "--config", str(config)])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown key titel (did you mean title?)" in err
    assert not (tmp_path / "site").exists()


def test_config_errors_explain_themselves() -> None:
    with pytest.raises(ConfigError, match=r"unknown key tags.per_articel \(did you mean tags.per_article\?\)"):
        parse_config("[tags]\nper_articel = 3\n")
    with pytest.raises(ConfigError, match="feed_entries must be a whole number"):
        parse_config('feed_entries = "many"')
    with pytest.raises(ConfigError, match="not an IANA zone name"):
        parse_config('timezone = "Beijing"')
    with pytest.raises(ConfigError, match="base_url must start with http"):
        parse_config('base_url = "example.org"')
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("title = ")


def test_config_values_are_used() -> None:
    config = parse_config('base_url = "https://x.org/a"\ntimezone = "UTC"\n[sources]\n"voachinese.com" = "VOA"\n'
                          '[tags]\naliases = { "北韩" = "朝鲜" }\nstop = ["表示"]\n')
    assert config.base_url == "https://x.org/a/"
    assert config.sources == {"voachinese.com": "VOA"}
    assert config.tags.aliases == {"北韩": "朝鲜"} and config.tags.stop == ("表示",)


def test_configured_source_name_and_timezone_reach_the_page(tmp_path: Path) -> None:
    config = tmp_path / "newsarchive.toml"
    config.write_text('timezone = "UTC"\nlanguage = "en"\n[sources]\n"voachinese.com" = "Voice of America"\n',
                      encoding="utf-8")
    assert main(["build", "--input", str(SEEDS), "--output", str(tmp_path / "site"), "--config", str(config),
                 "--quiet"]) == 0
    page = next((tmp_path / "site" / "articles/2024/06/08").glob("*/index.html")).read_text(encoding="utf-8")
    assert "Voice of America" in page
    assert 'datetime="2024-06-08T00:39:02+00:00"' in page  # capture time in UTC now
    assert "Read the original" in page


def test_config_strings_lose_characters_html_and_xml_cannot_carry() -> None:
    config = parse_config('title = "存档\\u0001"\n[sources]\n"x\\u0008.org" = "名\\u001f"\n'
                          '[tags]\nstop = ["停\\u000b"]\n')
    assert config.title == "存档"
    assert config.sources == {"x.org": "名"}
    assert config.tags.stop == ("停",)


def test_main_keeps_what_the_build_made_for_a_caller_about_to_exit(tmp_path: Path) -> None:
    kept: list[object] = []
    assert main(["build", "--input", str(SEEDS), "--output", str(tmp_path / "site"), "--quiet"], keep=kept) == 0
    [result] = kept
    assert isinstance(result, BuildResult) and len(result.archive.articles) == 3
