"""The ledger: every payment, overpayment and refund is one balanced transaction posted in the unit of
work that changed the invoice; balances are sums of postings; the database refuses UPDATE and DELETE."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gateway.db import Base, UnitOfWork
from gateway.kernel import clock
from services.payments import ledger, service
from services.payments.models import Invoice, LedgerPosting, LedgerTransaction

LEDGER = "/api/v1/payments/ledger"


def _every_transaction(client, finance) -> list[dict]:
    r = client.get(f"{LEDGER}/transactions?page_size=100", headers=finance["headers"])
    assert r.status_code == 200, r.json
    return r.json


def test_payments_overpayments_and_refunds_each_post_one_balanced_transaction(
    app, client, finance, make_invoice, pay
):
    permit = make_invoice(amount=150_000, purpose="permits.retribusi")
    parking = make_invoice(amount=3_000, purpose="parking.retribusi")
    counter = make_invoice(amount=250_000, purpose="permits.retribusi")
    pay(permit.id, reference="ACQ-1")
    pay(permit.id, reference="ACQ-1")  # the same notification again: nothing more is posted
    pay(permit.id, reference="VA-2", channel="va")  # paid twice over: owed back to the payer
    pay(parking.id, reference="ACQ-3")
    pay(counter.id, reference="cash:S-77", channel="counter")
    r = client.post(
        f"/api/v1/payments/invoices/{permit.id}/refunds",
        json={"amount": 50_000, "reason": "kelebihan tagih"},
        headers=finance["headers"],
    )
    assert r.status_code == 201

    rows = _every_transaction(client, finance)
    assert sorted((t["kind"], t["invoice_id"]) for t in rows) == sorted(
        [("payment", permit.id), ("overpayment", permit.id), ("payment", parking.id),
         ("payment", counter.id), ("refund", permit.id)]
    )  # fmt: skip
    for t in rows:
        assert sum(p["amount"] for p in t["postings"]) == 0, t
        assert len(t["postings"]) >= 2 and all(p["amount"] != 0 for p in t["postings"])
        assert t["booked_on"] == clock.local_today().isoformat()
    with app.app_context(), UnitOfWork() as uow:
        assert ledger.unbalanced(uow) == []

    balances = {
        b["account"]: b["balance"] for b in client.get(f"{LEDGER}/balances", headers=finance["headers"]).json
    }
    assert balances == {
        "asset:acquirer_clearing": 150_000 + 150_000 + 3_000,
        "asset:counter_cash": 250_000,
        "liability:refunds_payable": -(150_000 + 50_000),
        "revenue:parking.retribusi": -3_000,
        "revenue:permits.retribusi": -(150_000 - 50_000 + 250_000),
    }
    assert sum(balances.values()) == 0


def test_balances_are_sums_of_postings_and_no_table_stores_one(app, client, finance, make_invoice, pay):
    invoice = make_invoice(amount=20_000)
    pay(invoice.id, reference="ACQ-9")
    with app.app_context(), UnitOfWork() as uow:
        by_hand: dict[str, int] = {}
        for p in uow.session.scalars(select(LedgerPosting)):
            by_hand[p.account] = by_hand.get(p.account, 0) + p.amount
    served = client.get(f"{LEDGER}/balances", headers=finance["headers"]).json
    assert {b["account"]: b["balance"] for b in served} == by_hand
    assert all(b["debit"] - b["credit"] == b["balance"] for b in served)
    for table in Base.metadata.sorted_tables:
        if table.name.startswith("payments_"):
            assert not [c.name for c in table.columns if "balance" in c.name], table.name
    yesterday = client.get(
        f"{LEDGER}/balances?as_of=2000-01-01", headers=finance["headers"]
    )  # before anything was booked: nothing
    assert yesterday.status_code == 200 and yesterday.json == []


def test_the_database_refuses_to_update_or_delete_ledger_rows(app, make_invoice, pay):
    invoice = make_invoice(amount=10_000)
    pay(invoice.id)
    engine = app.extensions["database"].engine
    for statement in (
        "UPDATE payments_ledger_posting SET amount = amount + 1",
        "DELETE FROM payments_ledger_posting",
        "UPDATE payments_ledger_transaction SET memo = 'edited'",
        "DELETE FROM payments_ledger_transaction",
    ):
        with pytest.raises(DBAPIError) as refused, engine.begin() as conn:
            conn.execute(text(statement))
        assert "append-only" in str(refused.value)
    with app.app_context(), UnitOfWork() as uow:
        amounts = sorted(p.amount for p in uow.session.scalars(select(LedgerPosting)))
    assert amounts == [-10_000, 10_000]
    assert not [name for name in vars(ledger) if name.startswith(("update", "delete", "edit", "remove"))]


def test_the_postings_commit_or_roll_back_with_the_payment(app, make_invoice):
    invoice = make_invoice(amount=40_000)
    with app.app_context(), UnitOfWork() as uow:
        service.record_payment(
            uow, invoice_id=invoice.id, channel="qris", reference="ACQ-RB", amount=40_000, paid_at=clock.now()
        )
        assert uow.session.scalar(select(LedgerTransaction.kind)) == "payment"  # inside the transaction
        # the caller fails after the payment and leaves without committing: both go back together
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.get(Invoice, invoice.id).state == "open"
        assert uow.session.scalars(select(LedgerTransaction)).all() == []


def test_an_unbalanced_transaction_is_refused_and_writes_nothing(app):
    with app.app_context(), UnitOfWork() as uow:
        for legs in ([("asset:bank", 100), ("revenue:permits.retribusi", -99)], [], [("asset:bank", 0)]):
            with pytest.raises(ledger.Unbalanced):
                ledger.post(
                    uow, kind="payment", source_id="x", booked_on=clock.local_today(), memo="m", lines=legs
                )
        uow.commit()
    with app.app_context(), UnitOfWork() as uow:
        assert uow.session.scalars(select(LedgerTransaction)).all() == []


def test_only_finance_and_admins_read_the_ledger(client, citizen, staff):
    for who in (citizen(), staff("officer", "DPMPTSP"), staff("counter")):
        for path in ("balances", "transactions"):
            r = client.get(f"{LEDGER}/{path}", headers=who["headers"])
            assert r.status_code == 403 and r.json["reason"], (path, r.json)
