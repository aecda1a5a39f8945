"""A built site's weight against the limits of where it is published: site folder → SiteWeight, and a table of
hosts and their published limits (docs/deploy.md). Reads the site, writes nothing.

Hosts refuse a deployment that is too big, or take it and fail later, and say little about why;
`check --site DIR --host NAME` and `build --host NAME` say it first, with the parts that weigh most.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from generator.paths import FEED, SEARCH, SEARCH_BUNDLE, json_feed_file

MEDIA = "media"  # a top folder of stored images (the build links them beside each article's page instead)
ARTICLE_FILES = ("index.html", "index.md")  # an article folder's page and Markdown copy; the rest are its images
PARTS = ("articles", "listings", "feeds", "search", "media", "other")  # what a site's weight is split into


@dataclass(frozen=True, slots=True)
class Limit:
    """One published limit of a host."""

    of: str  # what it limits: "bytes" (the whole site), "files", "file bytes" (each file), "folder entries"
    amount: int  # the most allowed (bytes or a count)
    label: str  # the limit as the host states it, e.g. "published site ≤ 1 GB"
    source: str  # where the host publishes it
    measured: bool = True  # False: a limit the site's files cannot show (bandwidth), printed as a note


@dataclass(frozen=True, slots=True)
class Host:
    """Where a site is published, and its limits."""

    name: str  # what --host takes, e.g. "github-pages"
    title: str  # as people call it, e.g. "GitHub Pages"
    limits: tuple[Limit, ...]  # its published limits (none for "none")


GITHUB_LIMITS = "https://docs.github.com/en/pages/getting-started-with-github-pages/github-pages-limits"
GITHUB_LARGE_FILES = (
    "https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github"
)
CLOUDFLARE_LIMITS = "https://developers.cloudflare.com/pages/platform/limits/"
NETLIFY_DEPLOYS = "https://docs.netlify.com/site-deploys/overview/"
S3_OBJECTS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html"

# The limits as each host published them when this table was written (docs/deploy.md has the same table).
HOSTS: dict[str, Host] = {
    host.name: host
    for host in (
        Host(
            "github-pages",
            "GitHub Pages",
            (
                Limit("bytes", 1_000_000_000, "published site ≤ 1 GB", GITHUB_LIMITS),
                Limit(
                    "file bytes",
                    100 * 2**20,
                    "each file ≤ 100 MiB (Git's limit, for a site published from a branch)",
                    GITHUB_LARGE_FILES,
                ),
                Limit(
                    "bandwidth",
                    100_000_000_000,
                    "bandwidth: soft limit of 100 GB a month",
                    GITHUB_LIMITS,
                    measured=False,
                ),
            ),
        ),
        Host(
            "cloudflare-pages",
            "Cloudflare Pages (Free plan)",
            (
                Limit("files", 20_000, "≤ 20,000 files a site (paid plans: 100,000)", CLOUDFLARE_LIMITS),
                Limit("file bytes", 25 * 2**20, "each file ≤ 25 MiB", CLOUDFLARE_LIMITS),
            ),
        ),
        Host(
            "netlify",
            "Netlify",
            (
                Limit(
                    "folder entries",
                    54_000,
                    "≤ 54,000 files in any one folder (no limit on files a deploy)",
                    NETLIFY_DEPLOYS,
                ),
            ),
        ),
        Host(
            "s3",
            "Amazon S3",
            (Limit("file bytes", 5 * 10**12, "each object ≤ 5 TB (no limit on a bucket's size)", S3_OBJECTS),),
        ),
        Host("none", "no host", ()),
    )
}


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a site's weight (PARTS)."""

    name: str  # e.g. "feeds"
    bytes: int  # the size of its files
    files: int  # how many files it has


@dataclass(frozen=True, slots=True)
class SiteWeight:
    """What a host sees of a site: its size, its files, its largest file and fullest folder, its parts."""

    bytes: int  # the size of every file
    files: int  # how many files
    largest: tuple[str, int]  # (site path, bytes) of the largest file; ("", 0) for an empty site
    fullest: tuple[str, int]  # (site folder, entries) of the folder with the most files and folders in it
    parts: tuple[Part, ...]  # every part of PARTS that has files, the heaviest first


def part_of(path: str) -> str:
    """A site-relative file path → the part of the site it belongs to (PARTS)."""
    top, _, rest = path.partition("/")
    name = path.rsplit("/", 1)[-1]
    if top == SEARCH_BUNDLE or path.startswith(SEARCH):
        return "search"
    if (top == MEDIA and rest) or (top == "articles" and name not in ARTICLE_FILES):
        return "media"  # the images `newsarchive media` stored, linked beside the pages that show them
    if top == "feeds" or name in (FEED, json_feed_file(FEED)):
        return "feeds"
    if top == "articles" or name.endswith(".md"):  # the article pages and their Markdown copies
        return "articles"
    if top in ("archive", "tags", "sources") or path == "index.html":
        return "listings"
    return "other"


def weigh_site(site: Path) -> SiteWeight:
    """A site folder (or the link to its live generation) → its SiteWeight. Every file counts, hidden ones too."""
    root = os.path.realpath(site)
    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    largest, fullest = ("", 0), ("", 0)
    for folder, subfolders, files in os.walk(root):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        entries = len(subfolders) + len(files)
        if entries > fullest[1]:
            fullest = (prefix or "./", entries)
        for name in files:
            path = prefix + name
            size = os.lstat(os.path.join(folder, name)).st_size
            part = part_of(path)
            sizes[part] += size
            counts[part] += 1
            if size > largest[1]:
                largest = (path, size)
    parts = tuple(Part(name, sizes[name], counts[name]) for name in sorted(counts, key=lambda n: (-sizes[n], n)))
    return SiteWeight(sum(sizes.values()), sum(counts.values()), largest, fullest, parts)


def measure(weight: SiteWeight, limit: Limit) -> int:
    """A site's weight + one limit → the site's figure for what it limits (0 for a limit not measured)."""
    return (
        {
            "bytes": weight.bytes,
            "files": weight.files,
            "file bytes": weight.largest[1],
            "folder entries": weight.fullest[1],
        }.get(limit.of, 0)
        if limit.measured
        else 0
    )


def exceeded(weight: SiteWeight, host: Host) -> tuple[Limit, ...]:
    """A site's weight + a host → the host's limits it is over."""
    return tuple(limit for limit in host.limits if limit.measured and measure(weight, limit) > limit.amount)


def size_text(size: int) -> str:
    """Bytes → how a person reads them (decimal units, as hosts state their limits)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _figure(weight: SiteWeight, limit: Limit) -> str:
    """A site's weight + a measured limit → the site's figure for it, as a person reads it."""
    value = measure(weight, limit)
    if limit.of == "bytes":
        return size_text(value)
    if limit.of == "files":
        return f"{value:,} files"
    if limit.of == "file bytes":
        return f"largest file {weight.largest[0]}, {size_text(value)}"
    return f"fullest folder {weight.fullest[0]}, {value:,} entries"


def report_lines(site: Path, weight: SiteWeight, host: Host) -> list[str]:
    """A site folder + its weight + a host → the lines `check --site` prints: size, files, largest file, parts,
    and each of the host's limits with where it is published."""
    lines = [
        f"{site}: {size_text(weight.bytes)} in {weight.files:,} files; largest file {weight.largest[0] or '-'} "
        f"({size_text(weight.largest[1])}); fullest folder {weight.fullest[0] or '-'} "
        f"({weight.fullest[1]:,} entries)",
        "parts: " + " · ".join(f"{p.name} {size_text(p.bytes)} ({p.files:,} files)" for p in weight.parts),
    ]
    if not host.limits:
        return lines
    lines.append(f"{host.title} ({host.name}):")
    over = exceeded(weight, host)
    for limit in host.limits:
        if not limit.measured:
            lines.append(f"  note  {limit.label}: not measured here  [{limit.source}]")
            continue
        state = "OVER" if limit in over else "ok  "
        share = measure(weight, limit) / limit.amount
        lines.append(f"  {state}  {limit.label}: {_figure(weight, limit)} ({share:.0%})  [{limit.source}]")
    return lines


# What to do about each kind of limit, for the error message.
FIXES = {
    "bytes": 'lighten the site (markdown_copies = "none"; listing_feed_full_content = false; fewer '
    "listing_feed_entries; media on another host with media_base_url) or choose a host with more room",
    "files": 'fewer files (markdown_copies = "month" or "none"; a higher tag_feed_min_articles) or a plan '
    "or host with more files",
    "file bytes": "split or drop that file, or choose a host that takes it",
    "folder entries": "split that folder, or choose a host without this limit",
}


def over_message(site: Path, weight: SiteWeight, host: Host, over: tuple[Limit, ...]) -> str:
    """A site, its weight, a host and the limits it is over → the message saying what, which parts weigh most,
    and how to fix it."""
    what = "; ".join(f"{limit.label}, but it has {_figure(weight, limit)}" for limit in over)
    parts = ", ".join(f"{p.name} {size_text(p.bytes)} ({p.files:,} files)" for p in weight.parts[:3])
    fixes = "; ".join(dict.fromkeys(FIXES[limit.of] for limit in over))
    return f"{site} does not fit {host.title}: {what}. Its biggest parts: {parts}. Fix: {fixes} (docs/deploy.md)"
