"""Two authorizers click «Autorizar» on the same operation at the same instant, in real
threads with their own sessions, on SQLite and PostgreSQL: the operation runs once, the
bills are paid once, the account is debited once."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from occireflex.domain import access
from occireflex.domain.dual import decide, prepare, rules
from occireflex.domain.payments import pay as payments
from occireflex.models import Account, OperationApproval, Payment, PendingOperation, User
from tests.domain.test_dual_control import (  # noqa: F401  (the pinned clock)
    NOW,
    actor,
    code,
    fresh_logins,
    payer,
    pytestmark,
    selections,
    set_rule,
)
from tests.domain.test_payment_concurrency import run_together


def _prepared(engine, required: int) -> tuple[int, int, int, list[str]]:
    """A payment of two bills prepared by prepara.demo: (operation id, its amount, the
    balance before, the session tokens of autoriza.demo and admin.demo)."""
    with Session(engine, expire_on_commit=False) as db:
        admin = actor(db, "admin.demo")
        set_rule(db, admin.company_id, rules.PAGO, required)
        preparer = actor(db, "prepara.demo")
        sent = prepare.submit_payment(db, preparer, selections(db, preparer), payer(db).id,
                                      code(db, "prepara.demo"), NOW)
        operation = db.get(PendingOperation, sent.operation_id)
        checkers = [actor(db, "autoriza.demo"), actor(db, "admin.demo")]
        codes = [code(db, "autoriza.demo"), code(db, "admin.demo")]
        return operation.id, operation.amount, payer(db).current, [
            (c.user_id, k) for c, k in zip(checkers, codes, strict=True)]


def _authorizer(engine, user_id: int, token_code: str, operation_id: int):
    def work(barrier):
        with Session(engine, expire_on_commit=False) as db:
            user = db.get(User, user_id)
            checker = access.actor_for_user(db, user.id, user.company_id, channel=access.WEB,
                                            inactive_message="inactivo")
            barrier.wait()
            return decide.authorize(db, checker, [operation_id], token_code, NOW)[0]
    return work


def _paid(engine) -> tuple[int, int]:
    with Session(engine) as db:
        paid = db.exec(select(func.count()).select_from(Payment).where(
            Payment.status == payments.EXITOSA)).one()
        balance = db.exec(select(Account.current).where(Account.number == "256098765")).one()
        return paid, balance


def test_two_authorizers_at_once_run_the_payment_once(bank):
    operation_id, amount, before, checkers = _prepared(bank, 1)
    outcomes = run_together([_authorizer(bank, uid, k, operation_id) for uid, k in checkers])
    assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
    assert sum(o.executed for o in outcomes) == 1, outcomes
    loser = next(o for o in outcomes if not o.executed)
    assert not loser.ok and loser.message in (decide.RACE, decide.NOT_PENDING.format(
        state="Autorizada"))
    paid, balance = _paid(bank)
    assert paid == 2 and balance == before - amount
    with Session(bank) as db:
        assert db.get(PendingOperation, operation_id).state == "autorizada"
        assert db.exec(select(func.count()).select_from(OperationApproval)).one() == 1


def test_the_two_needed_authorizations_at_once_run_it_once(bank):
    operation_id, amount, before, checkers = _prepared(bank, 2)
    outcomes = run_together([_authorizer(bank, uid, k, operation_id) for uid, k in checkers])
    assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
    with Session(bank) as db:
        operation = db.get(PendingOperation, operation_id)
        executed = sum(o.executed for o in outcomes)
        paid, balance = _paid(bank)
        # both count (one waits for the other) or one loses the race and may retry: never
        # paid without two approvals, never twice
        assert executed <= 1 and paid == 2 * executed
        assert balance == before - amount * executed
        assert operation.approvals == db.exec(select(func.count()).select_from(
            OperationApproval)).one()
        assert (operation.state == "autorizada") == (executed == 1)
