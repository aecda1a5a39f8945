"""A generator of deliberately messy archives, for tests and long robustness campaigns.

    python -m tests.messy N FOLDER [--seed S]

Every file is made from a seed article with damage chosen by a seeded random generator, and
the generator knows what each kind of damage should lead to: an article, a skipped file, or
a duplicate. So a test can check that the build accounts for every input file exactly.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SEEDS = Path(__file__).parent.parent / "seeds"


@dataclass(frozen=True, slots=True)
class MessyFile:
    """One generated file and what a build must make of it."""

    name: str  # file name in the archive folder
    data: bytes  # the file's bytes
    outcome: str  # "article", "skipped" or "duplicate"
    damage: str  # the kinds of damage applied, for messages


def _seed_parts() -> list[tuple[str, str, str]]:
    """The seed articles as (title, url, body)."""
    parts = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n", 4)
        title, url = lines[1][1:-1].split("](", 1)
        parts.append((title, url, lines[4]))
    return parts


# Damage that still leaves an article, applied to the body.
def _truncate(body: str, rng: random.Random) -> str:
    return body[: rng.randrange(1, max(2, len(body)))]


def _unbalance(body: str, rng: random.Random) -> str:
    return body.replace("</p>", "", rng.randrange(1, 20)).replace("<p>", "<p><div><span>", 3)


def _hostile(body: str, rng: random.Random) -> str:
    return ('<script>alert("messy")</script><style>*{display:none}</style>'
            '<iframe src="https://evil.example/"></iframe><img src=x onerror=alert(1)>' + body)


def _deep(body: str, rng: random.Random) -> str:
    return "<div>" * rng.randrange(100, 3000) + body


def _pixels(body: str, rng: random.Random) -> str:
    return body + '<img src="https://t.example/p.gif" width="1" height="1">'


BODY_DAMAGE = [_truncate, _unbalance, _hostile, _deep, _pixels]
# Header damage that makes the file unreadable as an article.
FATAL = {
    "no-title-line": lambda ms, title, url, body: f"<!--{ms}-->\n{title}\n------\n\n{body}\n",
    "no-underline": lambda ms, title, url, body: f"<!--{ms}-->\n[{title}]({url})\n{body}\n",
    "empty": lambda ms, title, url, body: "",
    "truncated-header": lambda ms, title, url, body: f"<!--{ms}-->\n[{title[:5]}",
}

# Capture times that are missing or broken: a warning, and the date comes from elsewhere (the seeds' URLs hold one).
RECOVERED = {
    "no-capture-time": lambda ms, title, url, body: f"[{title}]({url})\n------\n\n{body}\n",
    "seconds": lambda ms, title, url, body: f"<!--{ms // 1000}-->\n[{title}]({url})\n------\n\n{body}\n",
    "nan": lambda ms, title, url, body: f"<!--NaN-->\n[{title}]({url})\n------\n\n{body}\n",
    "empty-capture-time": lambda ms, title, url, body: f"<!---->\n[{title}]({url})\n------\n\n{body}\n",
    "out-of-range": lambda ms, title, url, body: f"<!--{ms * 1000}-->\n[{title}]({url})\n------\n\n{body}\n",
}


def _encode(text: str, rng: random.Random) -> tuple[bytes, str]:
    """Text → bytes in a randomly chosen encoding and line-end style."""
    newline = rng.choice(["\n", "\n", "\r\n", "\r"])
    text = text.replace("\n", newline)
    encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "gb18030"])
    return text.encode(encoding), f"{encoding}/{newline!r}"


def messy_archive(count: int, seed: int = 1) -> list[MessyFile]:
    """count, seed → that many messy files (deterministic), with the outcome each must have."""
    rng = random.Random(seed)
    seeds = _seed_parts()
    files: list[MessyFile] = []
    originals: list[tuple[str, str, str]] = []
    for n in range(count):
        title, url, body = rng.choice(seeds)
        ms = 1_600_000_000_000 + n * 3_600_000
        url = f"{url.rstrip('/')}?story={n}"  # a distinct story per file
        roll = rng.random()
        damage = []
        if roll < 0.1 and originals:
            # The same story captured again later, with tracking parameters: a duplicate.
            o_title, o_url, o_body = rng.choice(originals)
            text = f"<!--{ms}-->\n[{o_title}]({o_url}&utm_source=rss#top)\n------\n\n{o_body}\n"
            data, how = _encode(text, rng)
            files.append(MessyFile(f"{n:05d}.txt", data, "duplicate", f"recapture {how}"))
            continue
        if roll < 0.16:
            kind = rng.choice(sorted(RECOVERED))
            data, how = _encode(RECOVERED[kind](ms, title, url, body), rng)
            files.append(MessyFile(f"{n:05d}.txt", data, "article", f"{kind} {how}"))
            continue
        if roll < 0.25:
            kind = rng.choice(sorted(FATAL))
            data, how = _encode(FATAL[kind](ms, title, url, body), rng)
            files.append(MessyFile(f"{n:05d}.txt", data, "skipped", f"{kind} {how}"))
            continue
        if roll < 0.28:
            files.append(MessyFile(f"{n:05d}.txt", bytes(rng.randrange(256) for _ in range(300)) + b"\x00",
                                   "skipped", "binary"))
            continue
        for damage_fn in rng.sample(BODY_DAMAGE, rng.randrange(0, 3)):
            body = damage_fn(body, rng)
            damage.append(damage_fn.__name__.strip("_"))
        if rng.random() < 0.05:
            title, damage = "", [*damage, "empty-title"]
        if rng.random() < 0.05:
            body, damage = "", [*damage, "empty-body"]
        data, how = _encode(f"<!--{ms}-->\n[{title}]({url})\n------\n\n{body}\n", rng)
        if not title and not body:  # neither a title nor any text: nothing to show
            files.append(MessyFile(f"{n:05d}.txt", data, "skipped", f"{'+'.join(damage)} {how}"))
            continue
        originals.append((title, url, body))
        files.append(MessyFile(f"{n:05d}.txt", data, "article", f"{'+'.join(damage) or 'clean'} {how}"))
    return files  # recaptures are numbered after their originals, so they are always the later capture


def write_archive(files: list[MessyFile], folder: Path) -> None:
    """Write generated files into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        (folder / file.name).write_bytes(file.data)


def main() -> None:
    """Command line: write a messy archive for a long campaign outside CI."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    files = messy_archive(args.count, args.seed)
    write_archive(files, args.folder)
    print(dict(Counter(f.outcome for f in files)))


if __name__ == "__main__":
    main()
