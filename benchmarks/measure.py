"""Run one command and measure its wall time and the peak memory of its whole process tree (Linux, stdlib only).

The command runs in a new session (``start_new_session``), so every process it starts — newsarchive's
worker processes, the Pagefind binary it calls, Hugo's single process — carries the command's session id,
even after being re-parented. A sampler thread lists ``/proc`` every ``interval`` seconds, finds the
processes of that session (each pid is classified once, and all are re-checked every second in case a
pid was reused) and reads their RSS from ``/proc/PID/statm`` (cheap at any size).

Summing RSS over-counts pages that processes share (forked workers' copy-on-write pages, shared
libraries), so while the tree has more than one process the sampler also reads each one's PSS
(proportional set size, ``/proc/PID/smaps_rollup``: a page shared by k processes counts 1/k in each).
That read walks the page tables — about 25 ms per GB of RSS — so it is rate-limited to keep the
sampler under ~2% of a core; between two reads each process's RSS is scaled by its last PSS/RSS ratio.

* ``tree_pss``: peak of the (PSS-corrected) sum over the tree — the memory the tree really holds. For a
  single-process tree it is simply the RSS.
* ``tree_rss``: peak of the plain RSS sum; over-counts shared pages, kept for reference.
* ``max_rss``: ``ru_maxrss`` from ``wait4`` — the largest single process of the tree (what
  ``/usr/bin/time -f %M`` reports); never missed by sampling, but blind to the sum. It has a floor: Linux
  carries the high-water mark of the forked child across ``exec``, so it is never below the RSS of this
  benchmark process at fork time (~25 MB), which is below every tool measured here.

``peak_bytes`` = max(``tree_pss``, ``max_rss``): sampling can miss a short spike, ``max_rss`` cannot;
taking the larger keeps the number never below what ``/usr/bin/time`` would say.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measurement:
    """One measured run."""

    seconds: float
    exit_code: int
    peak_bytes: int  # max(peak tree PSS, largest single-process RSS)
    tree_pss_bytes: int  # peak of the sampled PSS-corrected sum over the process tree
    tree_rss_bytes: int  # peak of the sampled sum of RSS over the process tree
    max_rss_bytes: int  # ru_maxrss of wait4: the largest single process
    max_processes: int  # most processes seen at once in the tree
    pss_reads: int  # how many times the PSS of the tree was read (only while it has 2+ processes)
    cpu_seconds: float  # user + system time of the tree (wait4: the command and every descendant it waited for)
    samples: int
    timed_out: bool = False
    command: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _session_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # comm (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = data[data.rfind(b")") + 2 :].split()
    try:
        return int(fields[3])  # state, ppid, pgrp, session
    except (IndexError, ValueError):
        return None


def _rss_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _rss_pss_of(pid: int) -> tuple[int, int] | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            rss = pss = None
            for line in f:
                if line.startswith(b"Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
    except (OSError, IndexError, ValueError):
        return None
    return (rss, pss) if rss and pss is not None else None


class TreeSampler(threading.Thread):
    """Samples the summed memory of every process in session ``sid`` until stopped."""

    RECHECK_EVERY = 1.0  # seconds between full re-classifications of /proc (pid reuse)
    PSS_BUDGET = 0.02  # at most this share of wall time spent reading smaps_rollup

    def __init__(self, sid: int, interval: float):
        super().__init__(daemon=True)
        self.sid = sid
        self.interval = interval
        self.peak_rss = self.peak_pss = self.max_processes = self.samples = self.pss_reads = 0
        self._stop_event = threading.Event()
        self._member: dict[int, bool] = {}  # pid → in our session (classified once, re-checked every second)
        self._ratio: dict[int, float] = {}  # pid → PSS/RSS at its last smaps_rollup read
        self._next_recheck = 0.0
        self._next_pss = 0.0

    def _members(self) -> list[int]:
        now = time.monotonic()
        if now >= self._next_recheck:
            self._member.clear()
            self._next_recheck = now + self.RECHECK_EVERY
        pids = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            member = self._member.get(pid)
            if member is None:
                member = self._member[pid] = _session_of(pid) == self.sid
            if member:
                pids.append(pid)
        return pids

    def sample(self) -> None:
        pids = self._members()
        if len(pids) > 1 and time.monotonic() >= self._next_pss:
            started = time.monotonic()
            for pid in pids:
                both = _rss_pss_of(pid)
                if both:
                    self._ratio[pid] = both[1] / both[0]
            self.pss_reads += 1
            cost = time.monotonic() - started
            self._next_pss = time.monotonic() + cost / self.PSS_BUDGET
        rss_sum = pss_sum = 0.0
        for pid in pids:
            rss = _rss_of(pid)
            rss_sum += rss
            pss_sum += rss * (self._ratio.get(pid, 1.0) if len(pids) > 1 else 1.0)
        self.samples += 1
        self.peak_rss = max(self.peak_rss, int(rss_sum))
        self.peak_pss = max(self.peak_pss, int(pss_sum))
        self.max_processes = max(self.max_processes, len(pids))

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_measured(command: list[str], log: Path, *, cwd: Path | None = None, env: dict | None = None,
                 interval: float = 0.05, timeout: float | None = None) -> Measurement:
    """Run ``command`` (stdout and stderr appended to ``log``), → its wall time and peak memory."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(("$ " + " ".join(command) + "\n").encode())
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=cwd, env=env, start_new_session=True)
        sampler = TreeSampler(proc.pid, interval)  # the session id of a session leader is its pid
        sampler.start()
        timed_out = threading.Event()

        def kill_tree() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill_tree) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        # Leftover processes of the session (a worker that outlived the leader) are not ours to keep.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        out.write(f"# exit {proc.returncode}, {seconds:.3f} s\n".encode())
    max_rss = usage.ru_maxrss * 1024  # KiB on Linux
    return Measurement(seconds=seconds, exit_code=proc.returncode, peak_bytes=max(sampler.peak_pss, max_rss),
                       tree_pss_bytes=sampler.peak_pss, tree_rss_bytes=sampler.peak_rss, max_rss_bytes=max_rss,
                       max_processes=sampler.max_processes, cpu_seconds=usage.ru_utime + usage.ru_stime,
                       samples=sampler.samples, pss_reads=sampler.pss_reads,
                       timed_out=timed_out.is_set(), command=list(command))
