"""What an integrator relies on at the edge: error bodies instead of server pages, and `make run`'s port."""

from __future__ import annotations

import os
import socket
import subprocess

from tests.gateway.test_gateway import assert_error
from tests.reason_scan import ROOT


def test_a_too_long_query_string_answers_the_error_body_414(client):
    assert_error(client.get("/api/v1/complaints/categories?q=" + "x" * 9000), 414, "uri_too_long")
    # A long but acceptable query (4.5 kB, the example) is served as usual.
    assert client.get("/api/v1/complaints/categories?q=" + "x" * 4500).status_code != 414


def test_make_run_fails_with_one_clear_line_when_the_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            ["make", "--no-print-directory", "port-free", f"PORT={port}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode != 0
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1 and f"port {port} on 127.0.0.1 is already in use" in lines[0], lines


def test_make_run_derives_the_public_base_url_from_host_and_port():
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "HOST", "PORT", "MAKEFLAGS")}

    def dry_run(*args: str) -> str:
        command = ["make", "-n", "--no-print-directory", "run", *args]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env).stdout

    assert "--bind 127.0.0.1:9599" in dry_run("PORT=9599")
    assert "QR links: http://127.0.0.1:9599" in dry_run("PORT=9599")
    assert "export PUBLIC_BASE_URL='http://127.0.0.1:9599'" in dry_run("PORT=9599")
    custom = dry_run("PORT=9599", "PUBLIC_BASE_URL=https://siantar.example")
    assert "export PUBLIC_BASE_URL='https://siantar.example'" in custom
