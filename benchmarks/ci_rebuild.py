#!/usr/bin/env python3
"""A CI rebuild against an in-place one (docs/deploy.md): does a fresh checkout stay incremental?

    .venv/bin/python benchmarks/ci_rebuild.py INPUT [--work DIR] [--repeats 3]

Builds INPUT once into WORK/run (site and cache), then times, each `--repeats` times:

- in place: a no-change rebuild of WORK/run;
- fresh checkout: INPUT copied anew (every file a new inode and modification time, as a checkout
  gives) into WORK/ci, with the cache folder and the previous site (its link and generations)
  restored from a tar archive of WORK/run, as actions/cache does; then a build there.

Prints Markdown: wall and CPU time of each build, and from its --report the articles taken from the
cache, the pages rendered and the search shards built. Times are of the whole command, measured
with resource usage of the child; the machine may be shared, so run it more than once.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAVED = (".newsarchive-cache", "site", ".site.newsarchive")  # what the recipe restores (examples/github-pages.yml)


def build(folder: Path, archive: Path, newsarchive: str) -> dict[str, object]:
    """Build `archive` into folder/site with folder/.newsarchive-cache → timings and what the report says."""
    report = folder / "report.json"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [
            newsarchive,
            "build",
            "--input",
            str(archive),
            "--output",
            str(folder / "site"),
            "--quiet",
            "--report",
            str(report),
        ],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    data = json.loads(report.read_text(encoding="utf-8"))
    return {
        "wall": wall,
        "cpu": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
        "from_cache": data["from_cache"],
        "articles": data["articles"],
        "rendered": data["pages"]["rendered"],
        "shards": data["search_shards_built"],
    }


def fresh_checkout(source: Path, run: Path, ci: Path) -> None:
    """A CI run's start: the archive copied anew into ci/archive; the cache and the site restored by tar."""
    shutil.rmtree(ci, ignore_errors=True)
    ci.mkdir(parents=True)
    shutil.copytree(source, ci / "archive", copy_function=shutil.copyfile)  # new inodes, mtimes of now
    packed = subprocess.run(["tar", "-cf", "-", *SAVED], cwd=run, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-xf", "-"], cwd=ci, input=packed, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsarchive-ci-rebuild"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--newsarchive", default=str(ROOT / ".venv" / "bin" / "newsarchive"))
    args = parser.parse_args()
    run, ci = args.work / "run", args.work / "ci"
    if not (run / "site").exists():
        run.mkdir(parents=True, exist_ok=True)
        shutil.copytree(args.input, run / "archive", dirs_exist_ok=True)
        print("first build (not timed) …", file=sys.stderr)
        build(run, run / "archive", args.newsarchive)
    rows = []
    for n in range(args.repeats):
        rows.append(("in place", n + 1, build(run, run / "archive", args.newsarchive)))
    for n in range(args.repeats):
        fresh_checkout(args.input, run, ci)
        rows.append(("fresh checkout, cache and site restored", n + 1, build(ci, ci / "archive", args.newsarchive)))
    print("| rebuild | run | wall | CPU | from cache | rendered | shards built |\n|---|---|---|---|---|---|---|")
    for name, n, r in rows:
        print(
            f"| {name} | {n} | {r['wall']:.2f} s | {r['cpu']:.2f} s | {r['from_cache']:,} of {r['articles']:,} "
            f"| {r['rendered']} | {r['shards']} |"
        )


if __name__ == "__main__":
    main()
