"""Tags on a real archive, as a reader sees them (issue #31): a sample of articles with their tags, the share of
articles with none, how many tags there are, and what finding the candidates costs.

    .venv/bin/python benchmarks/tags_check.py ../shared/realdata/_posts [--sample 30] [--seed 31] [--repo PATH]

Reads every post (read, clean, enrich: the per-article work), tags the archive as a build does
(generator.archive.assemble.build_archive, month by month), and prints:

- N articles drawn at random with a fixed seed: language, publisher, title and tags, to judge by hand;
- the articles with no tag (count and share; the goal is ≤ 2%) and their titles;
- the tags: how many in all, and how many have a page (≥ min_articles articles), the most used;
- the CPU time of candidate extraction alone (article.tags.extract_candidates), per article: median and mean
  over every post, best of --repeat passes (the machine may be shared: the best pass is the least disturbed).

`--repo PATH` runs another checkout's generator (e.g. `/work/main`, for the figures before a change): only
the functions both have are called. Standard library plus the project itself; reads the folder, writes nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path


def main() -> None:
    """Parse the arguments, read and tag the archive, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the archive's posts (e.g. ../shared/realdata/_posts)")
    parser.add_argument("--sample", type=int, default=30, help="articles to show (default 30)")
    parser.add_argument("--seed", type=int, default=31, help="seed of the sample (default 31)")
    parser.add_argument("--repeat", type=int, default=3, help="passes of the timing (default 3)")
    parser.add_argument(
        "--repo",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the checkout whose generator runs (default: this one)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))

    from generator.archive.assemble import build_archive
    from generator.article.cleaner import clean_body
    from generator.article.enrich import process
    from generator.article.posts import render_markdown
    from generator.article.reader import parse_article
    from generator.article.tags import extract_candidates
    from generator.config import Config
    from generator.errors import ArticleError

    config = Config()
    articles, texts = [], []
    for path in sorted(p for p in args.folder.iterdir() if p.is_file()):
        try:
            raw = parse_article(path.name, path.read_bytes())
            article = process(raw, config)[0]
        except ArticleError:
            continue
        html = render_markdown(raw.body_html) if raw.body_format == "markdown" else raw.body_html
        articles.append(article)
        texts.append((article.title, clean_body(html, raw.url).text, article.lang))

    times = []
    extract_candidates(*texts[0], config.tags)  # loads the dictionary and tables once, outside the timing
    for _ in range(args.repeat):
        one_pass = []
        for title, text, lang in texts:
            start = time.process_time()
            extract_candidates(title, text, lang, config.tags)
            one_pass.append(time.process_time() - start)
        times = one_pass if not times or sum(one_pass) < sum(times) else times

    archive, _ = build_archive(articles, (), config.tags)
    tagged = archive.articles
    print(f"# Tags of {len(tagged)} articles ({args.folder})\n")
    print(f"## {min(args.sample, len(tagged))} articles at random (seed {args.seed})\n")
    for article in random.Random(args.seed).sample(list(tagged), min(args.sample, len(tagged))):
        tags = " · ".join(article.tags) or "(none)"
        print(f"- [{article.lang} · {article.outlet.name}] {article.title[:60]}\n  → {tags}")
    untagged = [a for a in tagged if not a.tags]
    print(f"\n## Untagged: {len(untagged)} of {len(tagged)} ({100 * len(untagged) / max(len(tagged), 1):.1f}%)\n")
    for article in untagged:
        print(f"- [{article.lang}] {article.title[:70]} ({article.source_file})")
    used = Counter(tag for a in tagged for tag in a.tags)
    print(f"\n## Tags: {len(used)} in all, {len(archive.tags)} with a page (≥ {config.tags.min_articles} articles)\n")
    print(" · ".join(f"{tag} {n}" for tag, n in used.most_common(60)))
    milliseconds = [1000 * t for t in times]
    print(f"\n## Candidate extraction, CPU per article (best of {args.repeat} passes)\n")
    print(
        f"median {statistics.median(milliseconds):.2f} ms · mean {statistics.fmean(milliseconds):.2f} ms · "
        f"max {max(milliseconds):.1f} ms"
    )


if __name__ == "__main__":
    main()
