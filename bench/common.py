"""Shared benchmark plumbing: start gunicorn on 127.0.0.1, run wrk, parse its latency table,
and write a section of docs/benchmarks.md. Every load stays on the loopback interface."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
DOC = ROOT / "docs" / "benchmarks.md"
RUN_SECRET = secrets.token_urlsafe(48)


@dataclass
class WrkResult:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int

    def row(self, floor: WrkResult | None = None) -> str:
        """A table row; with `floor`, one more column: this row's throughput as a share of the floor's."""
        row = (
            f"| {self.name} | {self.rps:,.0f} | {self.p50_ms:.1f} | {self.p99_ms:.1f} | {self.requests:,} | "
            f"{self.errors} |"
        )
        return row + f" {self.ratio(floor)} |" if floor is not None else row

    def ratio(self, floor: WrkResult) -> str:
        """Throughput as a share of the bare-Flask floor measured in the same run ("0.47× floor")."""
        return f"{self.rps / floor.rps:.2f}×" if floor.rps else "—"


def database_url(name: str) -> str:
    """The benchmark's database: BENCH_DATABASE_URL when set (bench/run_all.py passes the caller's own, so
    several people on one host never share a database), else the script's own PostgreSQL database `name`."""
    return os.environ.get("BENCH_DATABASE_URL") or f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def redis_db(default: str) -> str:
    """The Redis database number the benchmark flushes and queues in (BENCH_REDIS_DB when set)."""
    return os.environ.get("BENCH_REDIS_DB") or default


def port(default: int, offset: int = 0) -> int:
    """A loopback port: BENCH_PORT_BASE + offset when set (one range per person on a shared host)."""
    base = os.environ.get("BENCH_PORT_BASE")
    return int(base) + offset if base else default


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", database_url("bench"))
    env.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{redis_db('9')}")
    env.setdefault("APP_ENV", "production")
    env.setdefault("JWT_PRIVATE_KEY_FILE", "/tmp/siantar-bench-jwt.pem")
    # Production refuses default or short secrets (gateway/config.py): random ones for this run.
    env.setdefault("SECRET_KEY", RUN_SECRET)
    env.setdefault("WEBHOOK_SECRET_SMS", RUN_SECRET[::-1])
    env.setdefault("LOG_JSON", "1")
    env.update(extra)
    return env


def flask(*args: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def wait_http(url: str, timeout: float = 120) -> None:  # a busy shared host boots slowly
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def gunicorn(
    app: str, port: int, env: dict[str, str], workers: int = 2, cwd: Path = ROOT, boot_timeout: float = 30
) -> Iterator[str]:
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            app,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + ("/healthz" if app == "wsgi:app" else "/floor"), timeout=boot_timeout)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


@contextmanager
def worker_processes(count: int, env: dict[str, str]) -> Iterator[None]:
    procs = [
        subprocess.Popen(
            [str(VENV_BIN / "flask"), "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(
    name: str,
    url: str,
    *,
    connections: int = 32,
    threads: int = 2,
    duration: int = 15,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    timeout: int | None = None,
) -> WrkResult:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency"]
    if timeout:  # wrk drops (and counts as errors) responses slower than this; its default is 2 s
        cmd += ["--timeout", f"{timeout}s"]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    # Anchored at the line start: a Thread Stats "+/- Stdev" such as 87.50% must not match.
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return WrkResult(name, rps, p50, p99, total, errors)


def floor(port: int, env: dict[str, str], *, connections: int, duration: int, threads: int = 2) -> WrkResult:
    """The bare-Flask floor (bench/floor_app.py) on the same gunicorn, at the connections of the rows it is
    compared with: what this host can serve at all in this run, so each row says its share of it."""
    with gunicorn("floor_app:app", port, env, cwd=ROOT / "bench") as base:
        return wrk(
            f"floor: bare Flask `GET /floor` ({connections} connections)",
            base + "/floor",
            connections=connections,
            threads=threads,
            duration=duration,
        )


def load_average() -> str:
    """The 1-minute load average now (other people's work on the same cores shows here)."""
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def write_section(title: str, body: str) -> None:
    """Replace (or append) the section `## title` in docs/benchmarks.md."""
    DOC.parent.mkdir(exist_ok=True)
    text = (
        DOC.read_text()
        if DOC.exists()
        else (
            "# Benchmarks\n\nMeasured on the project's machine (2 cores, 24 GiB), load generator and server on "
            "the same host over 127.0.0.1. Each section says the command that produced it.\n"
        )
    )
    pattern = re.compile(rf"\n## {re.escape(title)}\n.*?(?=\n## |\Z)", re.S)
    section = f"\n## {title}\n\n{body.strip()}\n"
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n" + section
    DOC.write_text(text)


def machine() -> str:
    return f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
