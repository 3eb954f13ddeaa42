"""Every benchmark in one run, each beside the bare-Flask floor measured in that run, and
docs/benchmarks.md rewritten section by section (each script writes its own section; this one adds a
summary of the run: what ran, with which command, how long, and the host's load around it).

    .venv/bin/python bench/run_all.py                 # or: make bench
    .venv/bin/python bench/run_all.py --duration 5 --only gateway,complaints

Environment (so several people on one host never share a database, Redis db or port):
  BENCH_DATABASE_URL  one PostgreSQL database for every benchmark (default: each script's own)
  BENCH_REDIS_DB      the Redis db number the benchmarks queue in and flush
  BENCH_PORT_BASE     the first of ten loopback ports the benchmarks listen on
Other services' benchmarks (bench/payments_*.py, bench/parking_*.py, bench/permits_*.py) run too, with
DATABASE_URL / REDIS_URL set from the above and `--port` when the script takes one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from common import ROOT, VENV_BIN, load_average, machine, write_section

BENCH = ROOT / "bench"
OTHERS = ("payments_*.py", "parking_*.py", "permits_*.py")


def ours(duration: int) -> dict[str, list[str]]:
    """The platform's benchmarks and their arguments (the sizes the issues set)."""
    return {
        "gateway": ["gateway_load.py", "--residents", "270000", "--duration", str(duration)],
        "complaints": ["complaints_load.py", "--complaints", "1000000", "--duration", str(duration)],
        "births": [
            "births_load.py",
            "--intake-duration",
            str(max(duration, 10)),
            "--connections",
            "8",
            "--rate",
            "10",
            "--rate-duration",
            "60",
        ],
    }


def theirs() -> dict[str, list[str]]:
    """Each service's own benchmark scripts, found by name."""
    found: dict[str, list[str]] = {}
    for pattern in OTHERS:
        for script in sorted(BENCH.glob(pattern)):
            found[script.stem] = [script.name]
    return found


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    if env.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = env["BENCH_DATABASE_URL"]
    if env.get("BENCH_REDIS_DB"):
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{env['BENCH_REDIS_DB']}"
    return env


def with_port(argv: list[str], env: dict[str, str], offset: int) -> list[str]:
    """Pass `--port` inside BENCH_PORT_BASE's range to a script that takes one."""
    base = env.get("BENCH_PORT_BASE")
    if not base:
        return argv
    helptext = subprocess.run(
        [sys.executable, str(BENCH / argv[0]), "--help"], capture_output=True, text=True, env=env, cwd=ROOT
    ).stdout
    return [*argv, "--port", str(int(base) + offset)] if "--port" in helptext else argv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk row")
    parser.add_argument("--only", help="comma-separated names (gateway, complaints, births, a script's stem)")
    args = parser.parse_args()
    env = child_env()
    plan = {**ours(args.duration), **theirs()}
    if args.only:
        wanted = set(args.only.split(","))
        plan = {name: argv for name, argv in plan.items() if name in wanted}
    rows, failed = [], 0
    for offset, (name, argv) in enumerate(plan.items(), start=6):
        argv = with_port(argv, env, offset) if name not in ("gateway", "complaints", "births") else argv
        before, started = load_average(), time.monotonic()
        print(f"== {name}: {' '.join(argv)} (load {before})", flush=True)
        code = subprocess.run(
            [str(VENV_BIN / "python"), str(BENCH / argv[0]), *argv[1:]], cwd=ROOT, env=env
        ).returncode
        failed += code != 0
        minutes = (time.monotonic() - started) / 60
        rows.append(
            f"| {name} | `.venv/bin/python bench/{' '.join(argv)}` | {'ok' if code == 0 else f'**failed ({code})**'} "
            f"| {minutes:.1f} | {before} | {load_average()} |"
        )
    body = [
        f"Command: `.venv/bin/python bench/run_all.py --duration {args.duration}` (or `make bench`); "
        f"{machine()}. Each benchmark below measured the bare-Flask floor (`bench/floor_app.py` on the "
        "same gunicorn) in the same run and gives every row's throughput as a share of it; on a shared host the "
        "share is the figure to compare across runs, the absolute req/s is not.",
        "",
        "| benchmark | command | result | minutes | load before | load after |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    write_section("Summary: every benchmark in one run", "\n".join(body))
    print("\n".join(body))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
