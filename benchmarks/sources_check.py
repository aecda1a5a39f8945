"""List the publishers of a real archive as its sources pages name them (issue #37), and how many are shown as a
raw hostname.

    .venv/bin/python benchmarks/sources_check.py ../shared/realdata/_posts [--language zh-CN] [--config FILE]
        [--save after.json] [--before before.json]

Runs the per-article work (read, clean, enrich) in this process, file by file, then the archive stage's duplicate
merge and grouping by publisher, and prints every source page: its folder (the stable key), its name, its articles
(of them, republished from other publishers: an aggregator's), and `raw` where the name is only the host. Then the
share of articles listed under a raw hostname. `--save` writes that list as JSON; `--before` reads such a file (made
by an earlier version) and prints it first, so the two can be compared.

Standard library plus the project itself; reads the folder, writes nothing but --save.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.archive.assemble import group_outlets, merge_duplicates, newest_first
from generator.article.enrich import process_file
from generator.article.reader import scan_folder
from generator.config import load_config
from generator.models import Article, Processed
from generator.site.taxonomy import source_paths


def is_raw_host(name: str, key: str) -> bool:
    """A source's name + its key → True when the name is the key's host as written in a URL (lower case, a dot)."""
    host = key.split("-@")[0]
    return "." in name and name == name.lower() and (name == host or host.endswith("." + name)
                                                       or name.endswith("." + host) or name.endswith(host))


def source_list(folder: Path, config_file: Path | None, language: str) -> list[dict]:
    """An archive folder + config → one entry per source page: folder, name, articles, republished, raw."""
    overrides = {"language": language} if language else None
    config = load_config(config_file, overrides)
    articles: list[Article] = []
    for name, path, _ in scan_folder(folder):
        outcome, _ = process_file(name, Path(path).read_bytes(), "", config)
        if isinstance(outcome, Processed):
            articles.append(outcome.article)
    kept, _ = merge_duplicates(articles)
    indexes = group_outlets(tuple(newest_first(kept)))

    class _Archive:  # what source_paths reads
        outlets = indexes

    paths = source_paths(_Archive)  # type: ignore[arg-type]
    rows = []
    for index in indexes:
        own = sum(1 for a in index.articles if a.outlet.key == index.outlet.key)
        rows.append({"folder": paths[index.outlet.key], "name": index.outlet.name, "articles": len(index.articles),
                     "republished": len(index.articles) - own, "raw": is_raw_host(index.outlet.name, index.outlet.key)})
    return rows


def print_list(title: str, rows: list[dict]) -> None:
    """A source list → printed, with the share of articles (own, not republished) under a raw hostname."""
    own = sum(row["articles"] - row.get("republished", 0) for row in rows)
    raw = sum(row["articles"] - row.get("republished", 0) for row in rows if row["raw"])
    print(f"{title}: {len(rows)} sources, {own} articles; under a raw hostname: {raw} ({raw / max(own, 1):.0%}) "
          f"in {sum(1 for row in rows if row['raw'])} sources")
    for row in rows:
        republished = f" (republished {row['republished']})" if row.get("republished") else ""
        print(f"  {row['articles']:5d}{republished}  {row['name']}  [{row['folder']}]{'  raw' if row['raw'] else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--config", type=Path, default=None, help="a newsarchive.toml ([sources] tables)")
    parser.add_argument("--language", default="", help="the site's language (zh-CN, zh-TW, en); default: config's")
    parser.add_argument("--save", type=Path, default=None, help="write the list as JSON")
    parser.add_argument("--before", type=Path, default=None, help="a list saved earlier, printed first")
    args = parser.parse_args()
    rows = source_list(args.folder, args.config, args.language)
    if args.before is not None:
        print_list("before", json.loads(args.before.read_text(encoding="utf-8")))
    print_list("after" if args.before is not None else "sources", rows)
    if args.save is not None:
        args.save.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
