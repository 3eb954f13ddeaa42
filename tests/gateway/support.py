"""Helpers for tests that run real processes (workers, gunicorn, a throwaway Redis) or a second app."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask

from gateway.app import create_app
from gateway.extensions import limiter

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(app: Flask, **extra: str) -> dict[str, str]:
    """The environment a worker or API process needs to share the test app's database, Redis and keys."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["DATABASE_URL"],
        REDIS_URL=app.config["REDIS_URL"] or "",
        APP_ENV="test",
        JWT_PRIVATE_KEY_FILE=app.config["JWT_PRIVATE_KEY_FILE"],
        SECRET_KEY=app.config["SECRET_KEY"],
        PYTHONPATH=str(ROOT),
        FLASK_APP="wsgi",
    )
    env.update(extra)
    return env


def flask_cmd(*args: str) -> list[str]:
    return [str(BIN / "flask"), "--app", "wsgi", *args]


def run_worker_burst(env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    """`flask --app wsgi worker --burst` as its own process: runs what is queued, then exits."""
    return subprocess.run(
        flask_cmd("worker", "--burst"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def other_app(base: Flask, **overrides: Any) -> Iterator[Flask]:
    """A second app in this process (another Redis, a broken database …) sharing the test database.

    Flask-Limiter's `limiter` is one object per process (in production one app per process), so its
    state is put back afterwards for the session app.
    """
    saved = dict(limiter.__dict__)
    config = {
        "APP_ENV": "test",
        "DATABASE_URL": base.config["DATABASE_URL"],
        "REDIS_URL": base.config["REDIS_URL"],
        "JWT_PRIVATE_KEY_FILE": base.config["JWT_PRIVATE_KEY_FILE"],
        "SECRET_KEY": base.config["SECRET_KEY"],
    }
    config.update(overrides)
    app = create_app(config)
    try:
        yield app
    finally:
        limiter.__dict__.clear()
        limiter.__dict__.update(saved)
        app.extensions["database"].engine.dispose()


class SpareRedis:
    """A throwaway redis-server on a free port that a test may stop and start (never the shared one)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                str(self.workdir),
                "--pidfile",
                str(self.workdir / f"redis-{self.port}.pid"),
            ],
            check=True,
            capture_output=True,
        )
        wait_for(self.is_up, 10, "spare redis did not start")

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        wait_for(lambda: not self.is_up(), 10, "spare redis did not stop")

    def is_up(self) -> bool:
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
        return result.stdout.strip() == "PONG"


def wait_for(check: Any, timeout: float, message: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(message)


class ApiProcess:
    """One gunicorn process serving wsgi:app on its own port."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{self.port}", "-w", str(workers), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self._healthy, 90, f"gunicorn on {self.port} did not become healthy")

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.proc.returncode}")
        try:
            return self.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, hdrs, raw = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, hdrs, raw = err.code, dict(err.headers), err.read()
        return status, hdrs, json.loads(raw) if raw else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
