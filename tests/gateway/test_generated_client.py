"""A client generated from /api/v1/openapi.json by openapi-python-client builds and works: log in, read /me."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import PASSWORD

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
# What the generator cannot express (binary answers such as the signed PDF); anything else is a defect.
KNOWN_LIMITS = re.compile(r"Unsupported content_type (application/pdf|image/)")


def _generate(spec: dict, where: Path) -> tuple[str, Path]:
    (where / "openapi.json").write_text(json.dumps(spec))
    (where / "config.yaml").write_text(
        "package_name_override: siantar_client\nproject_name_override: siantar-client\npost_hooks: []\n"
    )
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--config",
            str(where / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(where / "siantar_client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr, where


def test_generated_client_logs_in_and_reads_me(app, citizen, tmp_path):
    spec = app.test_client().get("/api/v1/openapi.json").json
    output, where = _generate(spec, tmp_path)
    problems = [
        line for line in output.splitlines() if line.startswith("Cannot") and not KNOWN_LIMITS.search(line)
    ]
    assert problems == [], output
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module("siantar_client")
        login_api = importlib.import_module("siantar_client.api.auth.auth_login_post")
        me_api = importlib.import_module("siantar_client.api.me.me_me_get")
        models = importlib.import_module("siantar_client.models")
        person = citizen()
        nik = person["resident"].nik
        transport = httpx.WSGITransport(app=app)
        client = package.Client(base_url="http://siantar.test", httpx_args={"transport": transport})
        answer = login_api.sync_detailed(
            client=client,
            body=models.Login.from_dict({"username": nik, "password": PASSWORD}),
            x_request_id="generated-client-test",
        )
        assert answer.status_code == 200, answer.content
        assert answer.headers["X-Request-ID"] == "generated-client-test"
        token = answer.parsed.access_token
        authed = package.AuthenticatedClient(
            base_url="http://siantar.test", token=token, httpx_args={"transport": transport}
        )
        me = me_api.sync_detailed(client=authed)
        assert me.status_code == 200, me.content
        assert isinstance(me.parsed, models.Me)
        assert me.parsed.resident.full_name == person["resident"].full_name
        assert me.parsed.resident.nik == f"{nik[:4]}********{nik[-4:]}"  # masked, as documented
        refused = me_api.sync_detailed(
            client=package.Client(base_url="http://siantar.test", httpx_args={"transport": transport})
        )
        assert (
            refused.status_code == 401 and refused.parsed.reason == models.ErrorReason.AUTHENTICATION_REQUIRED
        )
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m == "siantar_client" or m.startswith("siantar_client.")]:
            del sys.modules[name]
