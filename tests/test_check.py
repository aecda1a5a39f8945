"""`newsarchive check`: every problem listed with file and line, duplicates included; exit 1 on errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.commands import cli

SEEDS = Path(__file__).parent.parent / "seeds"
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
GOOD = "<!--1717807142000-->\n[标题](https://example.com/a/1.html)\n------\n\n<p>正文</p>\n"

# file name → (content, the "file:line: severity: message" start check must print for it)
BROKEN = {
    "no_title.txt": (b"<!--1717807142000-->\n\njust text\n------\n",
                     "no_title.txt:3: error: expected the title line"),
    "no_underline.txt": (b"<!--1717807142000-->\n[t](https://example.com/x)\n<p>body</p>\n",
                         "no_underline.txt:3: error: expected an underline"),
    "empty.txt": (b"", "empty.txt: error: the file is empty"),
    "sub/binary.txt": (b"\x00\xff\xfe\x00" * 20, "sub/binary.txt: error: this is not a text file"),
}


def check(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run `newsarchive check --input folder` → (exit code, stdout, stderr)."""
    code = cli.main(["check", "--input", str(folder)])
    out, err = capsys.readouterr()
    return code, out, err


def archive_with_problems(folder: Path) -> None:
    """The seeds, a later capture of one of them, and one file per kind of broken file."""
    shutil.copytree(SEEDS, folder)
    seed = sorted(folder.glob("*.txt"))[0]
    (folder / "zz_later_capture.txt").write_bytes(seed.read_bytes().replace(b"<!--17", b"<!--18", 1))
    for name, (content, _) in BROKEN.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(content)


def test_every_problem_is_listed_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "seeds"
    archive_with_problems(folder)
    code, out, err = check(folder, capsys)
    assert code == 1
    lines = err.splitlines()
    for name, (_, expected) in BROKEN.items():
        assert any(line.startswith(expected) for line in lines), f"{name}: {expected!r} not in {lines}"
        assert any(line.startswith(expected) and "Fix: " in line for line in lines)  # and says how to fix it
    dropped = sorted(p.name for p in SEEDS.glob("*.txt"))[0]
    assert any(line.startswith(f"{dropped}: warning: duplicate of zz_later_capture.txt") for line in lines)
    assert "3 articles from 8 files (4 skipped, 1 duplicates)" in out


# file name → (content, the warning check prints for it): a capture time missing or broken, and no other date
# in the file, is no skip: the file's modification time dates it (issue #28)
UNDATED = {
    "no_time.txt": (b"[t](https://example.com/x)\n------\n\n<p>x</p>\n",
                    "no_time.txt:1: warning: the file has no capture time <!--EPOCH_MILLISECONDS--> before its "
                    "title line, and no other date was found; the article is dated 2021-05-11 08:00 from the "
                    "file's modification time"),
    "nan.txt": (b"<!--NaN-->\n[t](https://example.com/y)\n------\n\n<p>x</p>\n",
                "nan.txt:1: warning: the capture time 'NaN' is not a number, and no other date was found; the "
                "article is dated 2021-05-11 08:00 from the file's modification time"),
}


def test_a_file_with_no_date_but_its_own_time_is_an_article_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, (content, _) in UNDATED.items():
        (tmp_path / name).write_bytes(content)
        os.utime(tmp_path / name, (1620691200, 1620691200))  # 2021-05-11 00:00 UTC
    code, out, err = check(tmp_path, capsys)
    assert code == 0 and "2 articles from 2 files (0 skipped, 0 duplicates)" in out
    for name, (_, expected) in UNDATED.items():
        assert any(line.startswith(expected) and "Fix: " in line for line in err.splitlines()), (name, err)


def test_check_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "seeds"
    archive_with_problems(folder)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    check(folder, capsys)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_clean_archive_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "one.txt").write_text(GOOD, encoding="utf-8")
    code, out, err = check(folder, capsys)
    assert (code, err) == (0, "")
    assert "1 articles from 1 files (0 skipped, 0 duplicates)" in out


def test_duplicates_and_warnings_are_listed_but_not_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_text(GOOD.replace("1717807142000", "1717807143000")
                                  .replace("/1.html", "/1.html?utm_source=rss"), encoding="utf-8")
    (folder / "c.txt").write_text(GOOD.replace("/1.html", "/2.html").replace("<p>正文</p>", ""), encoding="utf-8")
    code, _, err = check(folder, capsys)
    assert code == 0
    assert "a.txt: warning: duplicate of b.txt" in err
    assert "c.txt:4: warning: the article body is empty" in err


def test_missing_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(tmp_path / "nowhere", capsys)
    assert code == 2 and "does not exist" in err


def test_imported_files_pass_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", "--input", str(tmp_path), str(FEEDS / "rss2.xml"), str(FEEDS / "atom.xml")]) == 0
    capsys.readouterr()
    code, out, err = check(tmp_path, capsys)
    assert (code, err) == (0, "")
    assert "6 articles from 6 files" in out
