"""Check a real archive folder the way issue #28 asks, and time its per-article work.

    .venv/bin/python benchmarks/realdata_check.py ../shared/realdata/_posts [--timezone Asia/Shanghai]

Runs the per-article work (read, clean, enrich) in this process, file by file, then the archive stage's
duplicate merge, and prints:

- every file accounted for: articles + duplicates + skipped = files;
- files skipped because of their date (must be 0), and where each article's date came from;
- each post whose capture time is `<!--NaN-->` dated on its file-name day (± the time zone);
- no article kept with less text than a capture of itself that was dropped;
- embeds (iframe, video, audio, object, embed, gist script) in the input with an address, and the
  `▶` links the articles have for them: 0 lost without a link; lazy images (an address only in data-src & co.)
  and how many of them have their image in the article;
- the slugs: readable, or article-HASH, all digits, one character, percent-escape residue;
- the CPU time of the per-article work, per file (median and mean).

Exit status 1 when a check fails. Standard library plus the project itself; reads the folder, writes nothing.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.archive.assemble import merge_duplicates
from generator.article.embeds import ARROW
from generator.article.enrich import process_file
from generator.article.reader import scan_folder
from generator.config import Config
from generator.models import Article, Content, Processed, Skipped

_NAN = re.compile(rb"^\s*<!--\s*NaN\s*-->", re.MULTILINE)
_FILE_DAY = re.compile(r"(?:^|/)(\d{4}-\d\d-\d\d)-")
_LAZY = ("data-src", "data-original", "data-cfsrc", "data-lazy-src")
_DATE_WORDS = ("capture time", "no other date", "date")
_ZONE_SLACK = timedelta(hours=14)  # the largest UTC offset there is
_RESIDUE = re.compile(r"(?:^|-)[c-f][0-9a-f](?:-[89ab][0-9a-f])+(?:-|$)")


def embeds_in(body: str) -> tuple[int, int, list[str]]:
    """A raw body → (embeds with an address, embeds without one, the lazy-only image addresses)."""
    if not body.strip():
        return 0, 0, []
    try:
        root = lxml.html.fromstring(f"<div>{body}</div>")
    except (ValueError, lxml.etree.ParserError):
        return 0, 0, []
    addressed = unaddressed = 0
    for element in root.iter("iframe", "video", "audio", "object", "embed", "script"):
        if element.tag == "script":
            if "gist.github.com" in (element.get("src") or ""):
                addressed += 1
            continue
        if any(parent.tag in ("object", "video", "audio") for parent in element.iterancestors()):
            continue  # the <embed> of an <object>: one player
        sources = [element.get(name) for name in ("src", "data", "data-src", "data-lazy-src")]
        sources += [child.get("src") or child.get("value") for child in element.iter("source", "param", "embed")]
        if any(s and not s.startswith(("about:", "javascript:", "data:")) for s in sources):
            addressed += 1
        else:
            unaddressed += 1
    lazy = []
    for img in root.iter("img"):
        src = img.get("src") or ""
        if (not src or src.startswith("data:")) and (found := next((img.get(n) for n in _LAZY if img.get(n)), None)):
            lazy.append(found)
    return addressed, unaddressed, lazy


def slug_kind(slug: str) -> str:
    """A slug → "readable", or what makes it unreadable."""
    if re.fullmatch(r"article-[0-9a-f]{8}", slug):
        return "article-HASH"
    if slug.isdigit():
        return "all digits"
    if len(slug) < 2:
        return "one character"
    return "escape residue" if _RESIDUE.search(slug) else "readable"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--timezone", default="Asia/Shanghai")
    args = parser.parse_args()
    config = Config(timezone=args.timezone)
    files = scan_folder(args.folder)
    articles: list[Article] = []
    contents: dict[str, Content] = {}
    skipped: list[Skipped] = []
    nan_files: dict[str, bytes] = {}
    cpu: list[float] = []
    embeds_with_address = embeds_without = links_out = lost = 0
    lazy_in = lazy_shown = 0
    lost_in: list[str] = []
    for name, path, _ in files:
        data = Path(path).read_bytes()
        if _NAN.search(data):
            nan_files[name] = data
        modified = datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)  # as a build passes it
        started = time.process_time()
        outcome, content = process_file(name, data, "", config, modified)
        cpu.append(time.process_time() - started)
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
            continue
        assert isinstance(outcome, Processed) and content is not None
        articles.append(outcome.article)
        contents[name] = content
        body = data.decode("utf-8", "replace")
        addressed, unaddressed, lazy = embeds_in(body)
        arrows = content.html.count(f">{ARROW} ")
        embeds_with_address += addressed
        embeds_without += unaddressed
        links_out += arrows
        if arrows < addressed:
            lost += addressed - arrows
            lost_in.append(name)
        lazy_in += len(lazy)
        lazy_shown += sum(1 for address in lazy if address.split("?")[0].split("/")[-1] in content.html)
    kept, duplicates = merge_duplicates(articles)
    by_file = {article.source_file: article for article in kept}
    shorter = [d for d in duplicates if d.kept_length < d.dropped_length]
    for_date = [s for s in skipped if any(word in s.problem.message for word in _DATE_WORDS)]
    nan_off = []
    for name in nan_files:
        article = by_file.get(name) or next((by_file[d.kept] for d in duplicates if d.dropped == name), None)
        day = _FILE_DAY.search(name)
        if article is None or day is None:
            nan_off.append(f"{name}: {'skipped' if article is None else 'no date in its name'}")
            continue
        # On the file-name day, ± the time zone: within that UTC day widened by the largest offset, 14 hours.
        day_start = datetime.fromisoformat(day.group(1)).replace(tzinfo=UTC)
        if not day_start - _ZONE_SLACK <= article.captured < day_start + timedelta(days=1) + _ZONE_SLACK:
            nan_off.append(f"{name}: dated {article.captured:%Y-%m-%d %H:%M %z}")
    accounted = len(kept) + len(duplicates) + len(skipped)
    sources = Counter(article.date_source for article in kept)

    print(f"folder: {args.folder}")
    print(f"files {len(files)} = articles {len(kept)} + duplicates {len(duplicates)} + skipped {len(skipped)}"
          f"  [{'ok' if accounted == len(files) else 'MISMATCH'}]")
    for problem in (s.problem for s in skipped):
        print(f"  skipped: {problem}")
    print(f"skipped for their date: {len(for_date)}  [{'ok' if not for_date else 'FAIL'}]")
    print("date sources: " + ", ".join(f"{source} {count}" for source, count in sources.most_common()))
    print(f"NaN capture times: {len(nan_files)}, dated off their file-name day: {len(nan_off)}"
          f"  [{'ok' if not nan_off else 'FAIL'}]")
    for line in nan_off:
        print(f"  {line}")
    print(f"duplicates kept with less text than a dropped capture: {len(shorter)}  [{'ok' if not shorter else 'FAIL'}]")
    for duplicate in duplicates:
        print(f"  {duplicate}")
    print(f"embeds with an address: {embeds_with_address}, ▶ links out: {links_out}, lost without a link: {lost}"
          f"  [{'ok' if not lost else 'FAIL'}]; embeds with no address at all: {embeds_without}")
    for name in lost_in:
        print(f"  lost in {name}")
    print(f"lazy images (address only in data-src & co.): {lazy_in}, shown: {lazy_shown}")
    slugs = Counter(slug_kind(article.slug) for article in kept)
    print("slugs: " + ", ".join(f"{kind} {count}" for kind, count in slugs.most_common()))
    if cpu:
        median, mean = statistics.median(cpu) * 1000, statistics.mean(cpu) * 1000
        print(f"per-article CPU: median {median:.1f} ms, mean {mean:.1f} ms (first file {cpu[0] * 1000:.0f} ms, "
              "imports included)")
    failed = accounted != len(files) or for_date or nan_off or shorter or lost
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
