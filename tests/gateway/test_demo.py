"""Demo data: the residents, logins and clients the README and the guides name exist, the same every day."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gateway import demo
from gateway.db import UnitOfWork
from gateway.identity.models import Resident

README = Path(__file__).resolve().parents[2] / "README.md"


def _resident(nik: str) -> Resident | None:
    with UnitOfWork() as uow:
        return uow.session.scalar(select(Resident).where(Resident.nik == nik))


def test_seed_demo_makes_every_documented_resident_with_fixed_nik_name_and_birth_date(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for person in (*demo.FAMILY, *demo.POPULATION_EXAMPLES):
            resident = _resident(person["nik"])
            assert resident is not None, person["nik"]
            assert (resident.full_name, resident.sex, resident.birth_date) == (
                person["full_name"],
                person["sex"],
                person["birth_date"],
            )
    for person in demo.POPULATION_EXAMPLES:
        assert person["nik"] in result.output  # printed by make run


def test_seed_demo_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context(), UnitOfWork() as uow:
        before = sorted(uow.session.scalars(select(Resident.nik)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context(), UnitOfWork() as uow:
        assert sorted(uow.session.scalars(select(Resident.nik))) == before


def test_readme_demo_table_lists_every_demo_login_client_and_resident():
    text = README.read_text()
    table = text[text.index("| who | login |") :].split("\n\n", 1)[0]
    for username, *_ in demo.STAFF:
        assert f"`{username}`" in table, username
    for person in (*demo.FAMILY, *demo.POPULATION_EXAMPLES):
        assert person["nik"] in table, person["nik"]
        assert str(person["birth_date"]) in table, person["birth_date"]
    for client_id, secret in (
        (demo.HOSPITAL_CLIENT_ID, demo.HOSPITAL_CLIENT_SECRET),
        (demo.COUNTER_CLIENT_ID, demo.COUNTER_CLIENT_SECRET),
    ):
        assert f"client_id={client_id}" in table and f"client_secret={secret}" in table
    assert demo.DEMO_PASSWORD in text
