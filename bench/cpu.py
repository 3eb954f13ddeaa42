"""CPU seconds spent by the processes under test (from /proc), so a figure measured on a shared, busy
host can be turned into a cost per request and a ceiling on dedicated cores."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int, children: bool) -> float | None:
    """utime + stime (+ reaped children's, e.g. RQ's forked work horses) in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    used = int(fields[11]) + int(fields[12])
    if children:
        used += int(fields[13]) + int(fields[14])
    return used / TICK


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _environ(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().replace(b"\0", b"\n").decode(errors="replace")
    except OSError:
        return ""


def find(match: Callable[[int, str], bool]) -> list[int]:
    """Process ids whose command line (and, if the predicate reads it, environment) match."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            pid = int(entry.name)
            if match(pid, _cmdline(pid)):
                pids.append(pid)
    return pids


def gunicorn_pids(port: int) -> list[int]:
    return find(lambda _pid, cmd: "gunicorn" in cmd and f"127.0.0.1:{port}" in cmd)


def worker_pids(database_name: str) -> list[int]:
    """`flask --app wsgi worker` processes started with our DATABASE_URL (not other engineers')."""
    return find(
        lambda pid, cmd: (
            "wsgi worker" in cmd and "flask" in cmd and f"/{database_name}\n" in _environ(pid) + "\n"
        )
    )


def backend_pids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            ).scalars()
        )


class CpuMeter:
    """CPU seconds used between start() and stop() by groups of processes, e.g. app, db, workers."""

    def __init__(self, **groups: Callable[[], list[int]]) -> None:
        self.groups = groups
        self.before: dict[str, dict[int, float]] = {}
        self.used: dict[str, float] = {}

    def _snapshot(self) -> dict[str, dict[int, float]]:
        snap = {}
        for name, pids in self.groups.items():
            values = {pid: _cpu(pid, children=name == "workers") for pid in pids()}
            snap[name] = {pid: v for pid, v in values.items() if v is not None}
        return snap

    def start(self) -> None:
        self.before = self._snapshot()

    def stop(self) -> dict[str, float]:
        after = self._snapshot()
        # A process absent at start() was born during the window: all its CPU counts (one that ended
        # during the window is lost, e.g. a short-lived database connection).
        self.used = {
            name: sum(v - self.before[name].get(pid, 0.0) for pid, v in after[name].items())
            for name in self.groups
        }
        return self.used


class LoadWatch(threading.Thread):
    """The host's 1-minute load average, sampled every few seconds while a benchmark runs."""

    def __init__(self, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self.stop.wait(self.every):
                return

    def summary(self) -> str:
        if not self.samples:
            return "load average not sampled"
        return (
            f"1-minute load average {min(self.samples):.1f}–{max(self.samples):.1f} on {os.cpu_count()} cores"
        )
