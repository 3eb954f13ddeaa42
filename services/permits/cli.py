"""The permits service's flask commands: the OSS-RBA simulator."""

from __future__ import annotations

import click
from flask import current_app

from services.permits.oss_simulator import create_simulator, server
from services.permits.settings import settings


@click.command("oss-simulator")
@click.option("--port", default=8030, show_default=True)
@click.option("--target", default="http://127.0.0.1:8000", show_default=True, help="our API, for pushes")
def oss_simulator_cmd(port: int, target: str) -> None:
    """Run the local OSS-RBA simulator (PIA v4.3) on 127.0.0.1."""
    cfg = settings()
    sim = create_simulator(cfg.oss_user_key, cfg.oss_username, cfg.oss_password, target=target)
    current_app.logger.info("OSS simulator on 127.0.0.1:%s, pushing to %s", port, target)
    click.echo(f"OSS simulator (PIA v4.3) on http://127.0.0.1:{port}/v1/kl/rba, pushing to {target}")
    server(sim, port).serve_forever()
