"""`newsarchive media`: the images the archive's pages show → the media store (generator.media.run), and what
`import --media` runs for the files it wrote."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.commands.fetch import USER_AGENT
from generator.config import Config
from generator.errors import ArticleError
from generator.media.addresses import page_images, raw_image_groups
from generator.media.run import MediaReport, PageImages, Progress, fetch_media
from generator.models import Article


def archive_pages(input_dir: Path, articles: Iterable[Article], html: Callable[[str], str]) -> list[PageImages]:
    """The archive folder + its articles + their sanitized HTML by content key → the articles as the media
    pass reads them (the HTML and the raw file read only for articles the ledger has not seen as they are)."""
    from generator.article.reader import parse_article

    def raw_groups(file: str, url: str) -> list[tuple[str, ...]]:
        try:
            raw = parse_article(file, (input_dir / file).read_bytes())
        except (OSError, ArticleError):  # a file changed or gone since: the page's own address is tried
            return []
        return raw_image_groups(raw.body_html, raw.url or url)

    return [
        PageImages(
            article.source_file,
            article.content_key,
            article.url,
            functools.partial(_addresses_of, html, article.content_key),
            functools.partial(raw_groups, article.source_file, article.url),
        )
        for article in articles
    ]


def _addresses_of(html: Callable[[str], str], key: str) -> list[str]:
    """The content store's HTML by key + a content key → the addresses of the images its page shows."""
    return page_images(html(key))


def files_pages(input_dir: Path, names: Iterable[str], config: Config) -> list[PageImages]:
    """Files of the archive folder (those `import` just wrote) → their articles as the media pass reads them."""
    from generator.article.enrich import process_file
    from generator.article.reader import parse_article
    from generator.cache.store import article_code, article_key, content_digest, key_prefix
    from generator.models import Processed

    prefix = key_prefix(config, article_code())
    pages = []
    for name in names:
        try:
            data = (input_dir / name).read_bytes()
        except OSError:
            continue
        outcome, content = process_file(name, data, article_key(prefix, name, content_digest(data)), config)
        if not isinstance(outcome, Processed) or content is None:
            continue
        article, body = outcome.article, content.html
        raw = parse_article(name, data)
        pages.append(
            PageImages(
                name,
                article.content_key,
                article.url,
                lambda body=body: page_images(body),
                lambda raw=raw: raw_image_groups(raw.body_html, raw.url),
            )
        )
    return pages


def describe(report: MediaReport) -> str:
    """A report → one line for the terminal."""
    return (
        f"media: {report.images} images in {report.articles} articles: {report.local} stored "
        f"({report.stored_now} new), {report.failed} given up, {report.waiting} waiting; "
        f"{report.requests} requests"
    )


def report_json(report: MediaReport) -> dict:
    """A report → the --report document."""
    return {
        "articles": report.articles,
        "images": report.images,
        "local": report.local,
        "failed": report.failed,
        "waiting": report.waiting,
        "stored_now": report.stored_now,
        "requests": report.requests,
        "failures": [{"url": url, "reason": reason} for url, reason in report.failures],
    }


def print_failures(report: MediaReport, limit: int = 20) -> None:
    """This run's failures, one line each (the first `limit`), on stderr."""
    for url, reason in report.failures[:limit]:
        print(f"{url}: {reason}", file=sys.stderr)
    if len(report.failures) > limit:
        print(f"… and {len(report.failures) - limit} more (all of them in --report FILE)", file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser, default_jobs: int) -> None:
    """The `media` subcommand's own arguments (--input and --config are added by the CLI)."""
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="the build's cache folder, to read cleaned articles from (default: as build's)",
    )
    parser.add_argument("--jobs", type=int, default=default_jobs, help="worker processes for cleaning articles")
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="ask again for every image given up or waiting (after fixing media.referers, say)",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="check that every stored file is there; fetch again the images whose files are lost",
    )
    parser.add_argument("--report", type=Path, default=None, help="write a JSON report of the run here")
    parser.add_argument("--quiet", action="store_true", help="print only problems")


def run_media(args: argparse.Namespace, config: Config, progress: Callable[[str], Progress], cache_dir: Path) -> int:
    """`newsarchive media`: every article's images into the store → exit 0 (failures are reported, not errors)."""
    from generator.commands.build import load_archive, open_cache

    with open_cache(cache_dir) as cache:
        archive, _ = load_archive(args.input, config, cache, args.jobs, progress("Reading articles"))
        pages = archive_pages(args.input, archive.articles, cache.html)
        report = fetch_media(
            pages,
            config,
            args.input,
            progress("Fetching images"),
            prune=True,
            user_agent=USER_AGENT,
            retry_failed=args.retry_failed,
            verify=args.verify,
        )
    print_failures(report)
    if args.report:
        args.report.write_text(json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if not args.quiet:
        print(describe(report))
    return 0


def fetch_new_files(folder: Path, names: list[str], config_path: Path | None) -> None:
    """`import --media`: the images of the files just written → the media store; a line saying how it went."""
    from generator.config import load_config

    if config_path is None and Path("newsarchive.toml").is_file():
        config_path = Path("newsarchive.toml")
    config = load_config(config_path)
    pages = files_pages(folder, names, config)
    report = fetch_media(pages, config, folder, lambda items, total: items, prune=False, user_agent=USER_AGENT)
    print_failures(report)
    print(describe(report))
