"""`flask --app wsgi acquirer`: the acquirer simulator (serve, pay a QRIS as a wallet, settlement CSV)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import click
from flask import current_app

from services.payments import settings, snap
from services.payments.adapters.acquirer_simulator import JAKARTA, AcquirerSimulator, SimConfig, server
from services.payments.notifications import NOTIFY_PATH

DEFAULT_PORT = 8040


def simulator_key_pem() -> str:
    """The simulator's own key (instance/acquirer_sim_key.pem); its public half is written where our
    side reads the acquirer's public key, so `make run` verifies the simulator's notifications."""
    path = Path(settings.INSTANCE / "acquirer_sim_key.pem")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(snap.private_pem(snap.new_private_key()))
        os.chmod(path, 0o600)
    pem = path.read_text()
    public = Path(settings.get("PAYMENTS_ACQUIRER_PUBLIC_KEY_FILE"))
    public.parent.mkdir(parents=True, exist_ok=True)
    public.write_text(snap.public_pem(snap.load_private(pem)))
    return pem


def simulator_config(*, notify_url: str | None, private_key_pem: str, retry_base: float = 1.0) -> SimConfig:
    """The simulator configured as the acquirer our settings point at (same client id, secret, NMID)."""
    return SimConfig(
        client_id=settings.get("PAYMENTS_SNAP_CLIENT_ID"),
        client_secret=settings.get("PAYMENTS_SNAP_CLIENT_SECRET"),
        partner_id=settings.get("PAYMENTS_SNAP_PARTNER_ID"),
        channel_id=settings.get("PAYMENTS_SNAP_CHANNEL_ID"),
        merchant_id=settings.get("PAYMENTS_QRIS_MERCHANT_ID"),
        client_public_key_pem=snap.public_pem(snap.load_private(settings.private_key_pem())),
        private_key_pem=private_key_pem,
        merchant=settings.merchant(),
        notify_url=notify_url,
        retry_base=retry_base,
    )


@click.group("acquirer", invoke_without_command=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True)
@click.option("--target", default=None, help="our API's base URL for notifications [PUBLIC_BASE_URL]")
@click.pass_context
def acquirer_cmd(ctx: click.Context, port: int, target: str | None) -> None:
    """Run the acquirer simulator (SNAP BI QR MPM) on 127.0.0.1, notifying our API."""
    if ctx.invoked_subcommand is not None:
        return
    base = (target or current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    sim = AcquirerSimulator(
        simulator_config(notify_url=base + NOTIFY_PATH, private_key_pem=simulator_key_pem())
    )
    click.echo(f"Acquirer simulator (SNAP BI) on http://127.0.0.1:{port}, notifying {base}{NOTIFY_PATH}")
    server(sim, port).serve_forever()


def _sim_post(port: int, path: str, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the local simulator
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        answer = json.loads(err.read())
        raise click.ClickException(
            str(answer.get("error") or answer.get("answer") or f"HTTP {err.code}")
        ) from err
    except urllib.error.URLError as err:
        raise click.ClickException(f"no simulator on port {port}: {err.reason}") from err


@acquirer_cmd.command("pay")
@click.option("--qris", "payload", default=None, help="the QRIS payload to pay (a wallet scans it)")
@click.option("--va", "va_number", default=None, help="the virtual account to pay (a bank transfer)")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="where the simulator runs")
def pay_cmd(payload: str | None, va_number: str | None, port: int) -> None:
    """Pay a QRIS as a customer's wallet would, or a virtual account at the bank (the simulator tells our API)."""
    if bool(payload) == bool(va_number):
        raise click.UsageError("give exactly one of --qris or --va")
    if payload:
        answer = _sim_post(port, "/_sim/pay", {"qris": payload})
        click.echo(
            f"paid Rp{answer['amount']:,} for {answer['partnerReferenceNo']}: reference {answer['referenceNo']}"
        )
        return
    answer = _sim_post(port, "/_sim/pay-va", {"va": va_number})["answer"]
    data = answer["virtualAccountData"]
    amount, _ = snap.rupiah_of(data["totalAmount"])
    click.echo(f"paid Rp{amount:,} to VA {va_number}: request {data['paymentRequestId']}")


@acquirer_cmd.command("settlement")
@click.option("--date", "day", default=None, help="YYYY-MM-DD (today in Asia/Jakarta)")
@click.option("--port", default=DEFAULT_PORT, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="file to write [stdout]")
@click.option(
    "--dir", "directory", type=click.Path(file_okay=False), default=None,
    help="drop settlement-YYYY-MM-DD.csv here, as the bank's SFTP would (PAYMENTS_SETTLEMENT_DIR)",
)  # fmt: skip
def settlement_cmd(day: str | None, port: int, out: str | None, directory: str | None) -> None:
    """Write the simulator's settlement report (CSV) for one day."""
    from datetime import datetime

    when = date.fromisoformat(day) if day else datetime.now(JAKARTA).date()
    url = f"http://127.0.0.1:{port}/_sim/settlement?date={when.isoformat()}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            text = response.read().decode()
    except urllib.error.URLError as err:
        raise click.ClickException(f"no simulator on port {port}: {err}") from err
    if directory:
        out = str(Path(directory) / f"settlement-{when.isoformat()}.csv")
    if out:
        Path(out).write_text(text)
        click.echo(f"settlement {when.isoformat()} written to {out}")
    else:
        click.echo(text, nl=False)
