"""flask commands: db, seed-demo, create-staff, create-client, import-residents, seed-population, worker…"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup

from gateway import notify, outbox
from gateway import queue as q
from gateway.db import Base, UnitOfWork, get_database
from gateway.identity import registry, staff
from gateway.logs import mask_phone

ROOT = Path(__file__).resolve().parent.parent
db_cli = AppGroup("db", help="Database migrations (Alembic).")


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    return cfg


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: head)."""
    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    alembic_command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION."""
    alembic_command.downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration, by default compared against the models."""
    alembic_command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_cli.command("current")
def db_current() -> None:
    alembic_command.current(alembic_config(), verbose=False)


@click.command("create-staff")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["admin", "officer", "counter", "attendant", "finance"])
)
@click.option("--opd", "opd_code", default=None, help="OPD code, required for officers")
@click.option("--position", default=None, help="e.g. head (kepala) — receives escalations")
@click.option("--zone", "zones", multiple=True, help="parking zone (attendants)")
@click.password_option()
def create_staff_cmd(
    username: str,
    full_name: str,
    role: str,
    opd_code: str | None,
    position: str | None,
    zones: tuple[str, ...],
    password: str,
) -> None:
    """Create a staff account."""
    with UnitOfWork() as uow:
        staff.seed_reference(uow)
        uow.commit()
    member = staff.create_staff(
        UnitOfWork(),
        username=username,
        full_name=full_name,
        role=role,
        password=password,
        opd_code=opd_code,
        position=position,
        zones=list(zones),
    )
    click.echo(f"created {member.role} {member.username} ({member.id})")


@click.command("create-client")
@click.option("--name", required=True)
@click.option("--scopes", required=True, help="space- or comma-separated, e.g. 'births:write deaths:write'")
@click.option("--facility", default=None, help="facility code the client is bound to (hospitals)")
@click.option("--client-id", default=None)
@click.option("--client-secret", default=None)
def create_client_cmd(
    name: str, scopes: str, facility: str | None, client_id: str | None, client_secret: str | None
) -> None:
    """Create a machine client; prints its id and secret (shown once)."""
    scope_list = [s for s in scopes.replace(",", " ").split(" ") if s]
    client, secret = staff.create_client(
        UnitOfWork(),
        name=name,
        scopes=scope_list,
        facility_code=facility,
        client_id=client_id,
        client_secret=client_secret,
    )
    click.echo(f"client_id={client.client_id}\nclient_secret={secret}\nscopes={client.scopes}")


@click.command("import-residents")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_residents_cmd(path: str) -> None:
    """Import a SIAK export (CSV). Any bad row: every problem is listed and nothing is imported."""
    report = registry.import_residents(UnitOfWork(), path)
    if report.errors:
        for line, problem in report.errors:
            click.echo(f"line {line}: {problem}", err=True)
        click.echo(f"{len(report.errors)} problem(s); nothing imported", err=True)
        sys.exit(1)
    click.echo(f"imported {report.imported} residents")


@click.command("seed-population")
@click.option("--count", default=1000, show_default=True)
@click.option("--seed", default=1272, show_default=True)
def seed_population_cmd(count: int, seed: int) -> None:
    """Generate a synthetic, valid population across the city's 53 kelurahan."""
    started = time.perf_counter()
    made = registry.seed_population(UnitOfWork(), count=count, seed=seed)
    click.echo(f"seeded {made} residents in {time.perf_counter() - started:.1f}s")


@click.command("seed-demo")
def seed_demo_cmd() -> None:
    """Agencies, staff, a hospital client and demo citizens; safe to run again."""
    from gateway.demo import seed_demo

    lines = seed_demo()
    registry = current_app.extensions["modules"]
    for seeder in registry.seeders("reference") + registry.seeders("demo"):
        seeder()
    for line in lines:
        click.echo(line)


@click.command("worker")
@click.option("--burst", is_flag=True, help="exit when the queue is empty")
@click.option("--no-scheduler", is_flag=True)
@click.option(
    "--fork/--no-fork",
    default=False,
    show_default=True,
    help="fork a work-horse per job (isolation) or run jobs in the worker process (speed)",
)
def worker_cmd(burst: bool, no_scheduler: bool, fork: bool) -> None:
    """Run an RQ worker (with its scheduler and the periodic jobs)."""
    connection = q.redis_connection()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if connection is None:
        # Embedded mode: jobs already run in-process after each commit; this loop runs the periodic
        # ones (outbox sweep, SLA sweeps) so `make run` behaves like production.
        click.echo("no REDIS_URL: running periodic jobs in-process")
        while True:
            try:
                q.run_periodic_once(app)
            except Exception:  # keep the loop alive; the job logged its own error
                app.logger.exception("periodic job failed")
            if burst:
                return
            time.sleep(1)
    # Load once what jobs need (libraries, key material), before the first job.
    for module in app.extensions["modules"].modules:
        for warm_up in module.warm_up:
            warm_up()
    ticker = None
    if not no_scheduler and not burst:
        ticker = q.PeriodicThread(app)
        ticker.start()
    # Jobs here are short and idempotent; forking per job costs ~100-200 ms of warm-up each
    # (connections, caches), so the default runs them in the long-lived worker process.
    worker = q.make_worker(connection, fork=fork)
    try:
        worker.work(burst=burst, with_scheduler=not no_scheduler)
    finally:
        if ticker:
            ticker.stopped.set()


@click.command("relay")
@click.option("--once", is_flag=True)
@click.option("--every", default=5.0, show_default=True)
def relay_cmd(once: bool, every: float) -> None:
    """Move pending outbox rows to the queue (the worker's periodic sweep does this too)."""
    while True:
        moved = outbox.relay(get_database())
        if once:
            click.echo(f"relayed {moved}")
            return
        time.sleep(every)


@click.command("outbox")
@click.option("--to", "to", required=True, help="phone number (E.164) or email")
@click.option("--limit", default=10, show_default=True)
def outbox_cmd(to: str, limit: int) -> None:
    """Show the messages sent to a number (development adapter) — how a developer sees an OTP."""
    from gateway.identity import phones

    with contextlib.suppress(phones.InvalidPhone):  # an email address, or a number as stored
        to = phones.normalize(to)
    with UnitOfWork() as uow:
        for message in notify.messages_to(uow, to, limit):
            click.echo(
                f"{message.created_at:%Y-%m-%d %H:%M:%S} [{message.channel} {message.status}] "
                f"{mask_phone(message.to)}: {message.body}"
            )


@click.command("sms-simulator")
@click.option("--port", default=8025, show_default=True)
def sms_simulator_cmd(port: int) -> None:
    """Run the local SMS provider simulator (set NOTIFY_SMS_ADAPTER=http to send through it)."""
    from werkzeug.serving import make_server

    from gateway.sms import create_simulator

    cfg = current_app.config
    simulator = create_simulator(cfg["SMS_ACCOUNT"], cfg["SMS_TOKEN"])
    # Flask ignores app.run() inside a `flask` command, so serve it with werkzeug directly.
    http = make_server("127.0.0.1", port, simulator, threaded=True)
    click.echo(f"SMS provider simulator on http://127.0.0.1:{port}/")
    http.serve_forever()


@click.command("tsa-simulator")
@click.option("--port", default=8045, show_default=True)
def tsa_simulator_cmd(port: int) -> None:
    """Run the local RFC 3161 timestamp authority (point DOCUMENT_TSA_URL at http://127.0.0.1:PORT/)."""
    from werkzeug.serving import make_server

    from gateway.documents.tsa import create_simulator

    cfg = current_app.config
    simulator = create_simulator(
        key_file=cfg["DOCUMENT_TSA_KEY_FILE"],
        cert_file=cfg["DOCUMENT_TSA_CERT_FILE"],
        ca_key_file=cfg["DOCUMENT_CA_KEY_FILE"],
        ca_cert_file=cfg["DOCUMENT_CA_CERT_FILE"],
    )
    # Flask ignores app.run() inside a `flask` command, so serve it with werkzeug directly.
    http = make_server("127.0.0.1", port, simulator, threaded=True)
    click.echo(f"RFC 3161 TSA simulator on http://127.0.0.1:{port}/")
    http.serve_forever()


@click.command("create-schema")
def create_schema_cmd() -> None:
    """Create every table straight from the models (tests, throwaway databases)."""
    Base.metadata.create_all(get_database().engine)


def register_cli(app: Flask) -> None:
    for cmd in (
        db_cli,
        create_staff_cmd,
        create_client_cmd,
        import_residents_cmd,
        seed_population_cmd,
        seed_demo_cmd,
        worker_cmd,
        relay_cmd,
        outbox_cmd,
        sms_simulator_cmd,
        tsa_simulator_cmd,
        create_schema_cmd,
    ):
        app.cli.add_command(cmd)
    for module in app.extensions["modules"].modules:  # services' own commands (simulators …)
        for cmd in module.commands:
            app.cli.add_command(cmd)
