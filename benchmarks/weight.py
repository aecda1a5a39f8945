#!/usr/bin/env python3
"""A built site's weight against its input: bytes and files in all and per article, by part (docs/deploy.md).

    .venv/bin/python benchmarks/weight.py INPUT SITE

INPUT is the archive folder the site was built from, SITE the output folder. Prints Markdown: the input's
bytes, the site's bytes and files, both per article (articles: the article pages), the ratio to the
input, the parts `check --site` shows, and the share of Pagefind's runtime (its scripts, styles and
WebAssembly, today copied into each search shard).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from generator.output.budget import size_text, weigh_site
from generator.paths import SEARCH_BUNDLE

RUNTIME_SUFFIXES = (".js", ".css")  # Pagefind's runtime files, with its wasm.* files


def folder_bytes(folder: Path) -> tuple[int, int]:
    """A folder → (bytes, files) of every file below it."""
    total = count = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            total += os.lstat(os.path.join(parent, name)).st_size
            count += 1
    return total, count


def runtime_share(site: Path) -> tuple[int, int]:
    """A site → (bytes, files) of the Pagefind runtime files in its search folder."""
    total = count = 0
    for parent, _, files in os.walk(site.resolve() / SEARCH_BUNDLE):
        for name in files:
            if name.endswith(RUNTIME_SUFFIXES) or name.startswith("wasm."):
                total += os.lstat(os.path.join(parent, name)).st_size
                count += 1
    return total, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("site", type=Path)
    args = parser.parse_args()
    input_bytes, input_files = folder_bytes(args.input)
    weight = weigh_site(args.site)
    articles = sum(1 for _ in (args.site.resolve() / "articles").rglob("index.html"))
    runtime_bytes, runtime_files = runtime_share(args.site)
    per = max(articles, 1)
    print("| | bytes | files | per article |\n|---|---|---|---|")
    print(f"| input | {size_text(input_bytes)} | {input_files:,} | {size_text(input_bytes // per)} |")
    print(
        f"| site | {size_text(weight.bytes)} ({weight.bytes / input_bytes:.2f}× the input) | {weight.files:,} "
        f"| {size_text(weight.bytes // per)}, {weight.files / per:.2f} files |"
    )
    for part in weight.parts:
        print(f"| {part.name} | {size_text(part.bytes)} | {part.files:,} | {size_text(part.bytes // per)} |")
    print(f"| of search: Pagefind's runtime | {size_text(runtime_bytes)} | {runtime_files:,} | |")
    without = weight.bytes - runtime_bytes
    print(
        f"\n{articles:,} articles. Without the runtime copies: {size_text(without)} "
        f"({without / input_bytes:.2f}× the input), {(weight.files - runtime_files) / per:.2f} files an article."
    )


if __name__ == "__main__":
    main()
