"""Paying bills (the summary, the token, one transaction per bill, the ledger, receipts and
audit) and the rules of «Programación automática» (not the sweep)."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import Session, select

from occireflex.domain import access, bogota
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.domain.payments import autopay
from occireflex.domain.payments import inscriptions as enrollments
from occireflex.domain.payments import pay as payments
from occireflex.models import (
    Account,
    AuditEvent,
    AutoPayRule,
    Bill,
    Biller,
    Enrollment,
    Movement,
    Payment,
    User,
    utcnow,
)
from tests.helpers import code_for, login

PAYER, POOR = "256098765", "256034567"
OTHER_CURRENT, OTHER_SAVINGS = "256011111", "456022222"
PAYER_OPENING_CURRENT, PAYER_OPENING_AVAILABLE = 8_650_000_000, 8_500_000_000
SELECTION_INVALID = "La selección de facturas no es válida."


# helpers ----------------------------------------------------------------------------------


def actor_of(db: Session, username: str) -> access.Actor:
    actor = access.load_actor(db, login(db, username).session_token, ip="10.5.5.5")
    db.commit()
    return actor


def biller(db: Session, code: str) -> Biller:
    return db.exec(select(Biller).where(Biller.code == code)).one()


def account(db: Session, number: str) -> Account:
    db.expire_all()
    return db.exec(select(Account).where(Account.number == number)).one()


def demo_enrollment(db: Session, reference: str) -> Enrollment:
    return db.exec(select(Enrollment).where(Enrollment.reference == reference,
                                            Enrollment.deleted_at.is_(None))).one()


def inscribe(db: Session, actor: access.Actor, code: str, reference: str,
             number: str = PAYER) -> Enrollment:
    row = enrollments.inscribe(db, actor, biller(db, code).id, reference, f"Ref {reference}",
                               account(db, number).id)
    db.commit()
    return row


def events(db: Session, action: str, **where) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(db.exec(query.order_by(AuditEvent.id)).all())


def count(db: Session, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def ticks():
    """Increasing instants, one TOTP step apart, after the login's step."""
    t = utcnow() + timedelta(minutes=2)
    while True:
        t += timedelta(seconds=30)
        yield t


def wrong_code(db: Session, username: str, now: datetime) -> str:
    valid = {code_for(db, username, now, k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def summary(db: Session, actor: access.Actor, *rows: Enrollment) -> list[payments.BillLine]:
    """The payment summary, then a new request (fresh reads), like the state layer."""
    lines = payments.payable_lines(db, actor, [r.id for r in rows])
    db.commit()
    db.expire_all()
    return lines


def selection(line: payments.BillLine) -> tuple[int, int, int]:
    return (line.enrollment_id, line.bill_id, line.bill_version)


def movements_of(db: Session, account_id: int) -> list[Movement]:
    return list(db.exec(select(Movement).where(Movement.account_id == account_id)
                        .order_by(Movement.id)).all())


def assert_ledger(db: Session, number: str, opening_current: int, opening_available: int
                  ) -> int:
    """Opening + movements == balance, the balance_after chain holds; returns the total."""
    acc = account(db, number)
    moves = movements_of(db, acc.id)
    running = opening_current
    for move in moves:
        assert move.amount < 0 and move.company_id == acc.company_id
        running += move.amount
        assert move.balance_after == running, (number, move.id)
    total = sum(m.amount for m in moves)
    assert acc.current == opening_current + total == running
    assert acc.available == opening_available + total
    paid = db.exec(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.account_id == acc.id, Payment.status == "exitosa")).one()
    assert paid == -total
    return total


def set_balance(db: Session, number: str, centavos: int) -> None:
    db.exec(update(Account).where(Account.number == number)
            .values(available=centavos, current=centavos))
    db.commit()
    db.expire_all()


# the summary ------------------------------------------------------------------------------


def test_payable_lines_validation(demo, db):
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    e1, e2 = demo_enrollment(db, "0045123987"), demo_enrollment(db, "12345678")
    for bad in ([], (), None, "1", 1, {1: 2}, [1.0], [True], [e1.id, False], [str(e1.id)],
                [None], [[e1.id]], list(range(1, 52)), [e1.id] * 51):
        with pytest.raises(ValidationError) as err:
            payments.payable_lines(db, admin, bad)
        assert err.value.message == "Seleccione entre 1 y 50 inscripciones para pagar."
    assert len(payments.payable_lines(db, admin, [e1.id] * 50)) == 1
    lines = payments.payable_lines(db, admin, (e1.id, e2.id, e1.id))
    assert [line.enrollment_id for line in lines] == [e1.id, e2.id]
    bill = db.get(Bill, lines[0].bill_id)
    assert (lines[0].biller_name, lines[0].reference, lines[0].alias) == (
        "Enel Colombia", "0045123987", "Energía sede principal")
    assert lines[0].amount == bill.amount and lines[0].bill_version == bill.version == 1
    assert lines[0].due_on == bill.due_on.strftime("%Y/%m/%d")
    assert lines[0].state in ("Por vencer", "Vencida")
    db.commit()

    theirs = inscribe(db, otra, "1004", "99990000", OTHER_CURRENT)
    for forged in ([theirs.id], [e1.id, theirs.id], [10**9]):
        with pytest.raises(AccessDenied):
            payments.payable_lines(db, admin, forged)
    assert f"inscripcion:{theirs.id}" in [e.target for e in events(
        db, "acceso_denegado", user_id=admin.user_id)]

    # an inscription without a bill yet: the summary issues it at once
    fresh = Enrollment(company_id=admin.company_id, biller_id=biller(db, "1002").id,
                       reference="7777777", account_id=account(db, PAYER).id)
    db.add(fresh)
    db.commit()
    [line] = payments.payable_lines(db, admin, [fresh.id])
    assert line.amount > 0 and db.get(Bill, line.bill_id).reference == "7777777"
    db.commit()

    # an already paid bill: a clear message, and the whole summary is refused
    db.exec(update(Bill).where(Bill.id == lines[1].bill_id).values(status="pagada"))
    db.commit()
    db.expire_all()
    for ids in ([e2.id], [e1.id, e2.id]):
        with pytest.raises(ValidationError) as err:
            payments.payable_lines(db, admin, ids)
        assert err.value.message == ("La factura de Acueducto de Bogotá ref. 12345678 ya "
                                     "está pagada.")


# paying several bills ---------------------------------------------------------------------


def test_each_bill_in_its_own_transaction_one_lacks_funds(demo, db):
    admin = actor_of(db, "admin.demo")
    clock = ticks()
    rows = [inscribe(db, admin, "1004", "11112222", POOR), inscribe(db, admin, "1008", "333444",
                                                                      POOR),
            inscribe(db, admin, "1002", "5556667", POOR)]
    small, mid, large = sorted(summary(db, admin, *rows), key=lambda line: line.amount)
    assert small.amount < mid.amount < large.amount
    opening = small.amount + mid.amount  # exactly enough for two of them
    set_balance(db, POOR, opening)
    poor_id = account(db, POOR).id

    t = next(clock)
    results = payments.pay_bills(db, admin, [selection(small), selection(large), selection(mid)],
                                 poor_id, code_for(db, "admin.demo", t), t)
    assert [(r.bill_id, r.ok, r.reason) for r in results] == [
        (small.bill_id, True, ""), (large.bill_id, False, payments.INSUFFICIENT),
        (mid.bill_id, True, "")]
    assert [r.amount for r in results] == [small.amount, large.amount, mid.amount]
    assert results[1].receipt == "" and all(len(r.receipt) == 16 for r in results if r.ok)
    assert results[0].biller_name == small.biller_name
    assert results[1].reference == large.reference

    # read back from a new session: every bill was committed on its own
    with Session(demo) as fresh:
        assert [fresh.get(Bill, line.bill_id).status for line in (small, mid, large)] == [
            "pagada", "pagada", "pendiente"]
        poor = fresh.get(Account, poor_id)
        assert (poor.available, poor.current) == (0, 0)
        assert len(movements_of(fresh, poor_id)) == 2
        pays = fresh.exec(select(Payment).order_by(Payment.id)).all()
        assert [(p.bill_id, p.status) for p in pays] == [
            (small.bill_id, "exitosa"), (large.bill_id, "fallida"), (mid.bill_id, "exitosa")]
    assert_ledger(db, POOR, opening, opening)

    failed = db.exec(select(Payment).where(Payment.status == "fallida")).one()
    assert failed.reason == payments.INSUFFICIENT and failed.receipt is None
    assert (failed.amount, failed.account_id, failed.channel, failed.user_id) == (
        large.amount, poor_id, "manual", admin.user_id)
    assert {m.reference for m in movements_of(db, poor_id)} == {
        r.receipt for r in results if r.ok}

    ok_events = events(db, "pago_exitoso", user_id=admin.user_id)
    assert sorted(e.target for e in ok_events) == sorted(
        [f"factura:{small.bill_id}", f"factura:{mid.bill_id}"])
    assert {json.loads(e.after)["comprobante"] for e in ok_events} == {
        results[0].receipt, results[2].receipt}
    [bad] = events(db, "pago_fallido", user_id=admin.user_id)
    assert bad.target == f"factura:{large.bill_id}" and bad.outcome == "fallido"
    assert json.loads(bad.after) == {"comprobante": "", "valor": large.amount, "cuenta": POOR,
                                     "motivo": payments.INSUFFICIENT}


def test_a_changed_bill_fails_and_touches_nothing(demo, db):
    admin = actor_of(db, "admin.demo")
    clock = ticks()
    e1, e2 = demo_enrollment(db, "0045123987"), demo_enrollment(db, "8012345678")
    first, second = summary(db, admin, e1, e2)
    with Session(demo) as biller_side:  # the biller corrects the bill after the summary
        biller_side.exec(update(Bill).where(Bill.id == second.bill_id)
                         .values(amount=Bill.amount + 1_000_00, version=Bill.version + 1))
        biller_side.commit()
    payer_id = account(db, PAYER).id

    t = next(clock)
    results = payments.pay_bills(db, admin, [selection(first), selection(second)], payer_id,
                                 code_for(db, "admin.demo", t), t)
    assert [(r.ok, r.reason) for r in results] == [(True, ""), (False, payments.CHANGED)]
    db.expire_all()
    changed = db.get(Bill, second.bill_id)
    assert changed.status == "pendiente" and changed.amount == second.amount + 1_000_00
    assert count(db, Payment, Payment.bill_id == second.bill_id,
                 Payment.status == "exitosa") == 0
    [failed] = db.exec(select(Payment).where(Payment.bill_id == second.bill_id)).all()
    assert (failed.status, failed.reason, failed.receipt) == ("fallida", payments.CHANGED, None)
    assert len(movements_of(db, payer_id)) == 1
    assert assert_ledger(db, PAYER, PAYER_OPENING_CURRENT,
                         PAYER_OPENING_AVAILABLE) == -first.amount

    # a new summary shows the new value, and that one can be paid
    [again] = summary(db, admin, e2)
    assert (again.bill_id, again.bill_version, again.amount) == (
        second.bill_id, 2, second.amount + 1_000_00)
    t = next(clock)
    [result] = payments.pay_bills(db, admin, [selection(again)], payer_id,
                                  code_for(db, "admin.demo", t), t)
    assert result.ok and result.amount == again.amount
    assert assert_ledger(db, PAYER, PAYER_OPENING_CURRENT,
                         PAYER_OPENING_AVAILABLE) == -(first.amount + again.amount)


def test_a_bill_is_paid_once(demo, db):
    admin = actor_of(db, "admin.demo")
    clock = ticks()
    e1, e2 = demo_enrollment(db, "0045123987"), demo_enrollment(db, "12345678")
    [line] = summary(db, admin, e1)
    payer_id = account(db, PAYER).id
    t = next(clock)
    results = payments.pay_bills(db, admin, [selection(line), list(selection(line))], payer_id,
                                 code_for(db, "admin.demo", t), t)  # a double submission
    assert [(r.ok, r.reason) for r in results] == [(True, ""), (False, payments.ALREADY_PAID)]
    t = next(clock)
    [late] = payments.pay_bills(db, admin, [selection(line)], payer_id,
                                code_for(db, "admin.demo", t), t)  # a second tab
    assert not late.ok and late.reason == payments.ALREADY_PAID
    db.expire_all()
    statuses = db.exec(select(Payment.status, Payment.reason).where(
        Payment.bill_id == line.bill_id).order_by(Payment.id)).all()
    assert statuses == [("exitosa", ""), ("fallida", payments.ALREADY_PAID),
                        ("fallida", payments.ALREADY_PAID)]
    assert len(movements_of(db, payer_id)) == 1
    assert assert_ledger(db, PAYER, PAYER_OPENING_CURRENT,
                         PAYER_OPENING_AVAILABLE) == -line.amount
    for ids in ([e1.id], [e2.id, e1.id]):
        with pytest.raises(ValidationError) as err:
            payments.payable_lines(db, admin, ids)
        assert err.value.message == ("La factura de Enel Colombia ref. 0045123987 ya está "
                                     "pagada.")
    assert len(events(db, "pago_exitoso")) == 1 and len(events(db, "pago_fallido")) == 2


def test_two_users_paying_the_same_bills_at_once_pay_each_once(demo, db):
    """Real concurrency: two users, two sessions, the same three bills, at the same time."""
    admin, prepara = actor_of(db, "admin.demo"), actor_of(db, "prepara.demo")
    rows = [demo_enrollment(db, ref) for ref in ("0045123987", "12345678", "8012345678")]
    lines = summary(db, admin, *rows)
    payer_id = account(db, PAYER).id
    t = next(ticks())
    codes = {"admin.demo": code_for(db, "admin.demo", t),
             "prepara.demo": code_for(db, "prepara.demo", t)}
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def pay(actor: access.Actor) -> None:
        try:
            with Session(demo, expire_on_commit=False) as session:
                barrier.wait(timeout=10)
                outcome[actor.username] = payments.pay_bills(
                    session, actor, [selection(line) for line in lines], payer_id,
                    codes[actor.username], t)
        except Exception as exc:  # reported below
            outcome[actor.username] = exc

    threads = [threading.Thread(target=pay, args=(a,)) for a in (admin, prepara)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(v, list) for v in outcome.values()), outcome
    for i, line in enumerate(lines):
        results = [outcome[name][i] for name in ("admin.demo", "prepara.demo")]
        assert sorted(r.ok for r in results) == [False, True], line.bill_id
        assert [r.reason for r in results if not r.ok] == [payments.ALREADY_PAID]
    db.expire_all()
    for line in lines:
        assert count(db, Payment, Payment.bill_id == line.bill_id,
                     Payment.status == "exitosa") == 1
    assert len(movements_of(db, payer_id)) == 3
    assert assert_ledger(db, PAYER, PAYER_OPENING_CURRENT, PAYER_OPENING_AVAILABLE) == -sum(
        line.amount for line in lines)


# the token --------------------------------------------------------------------------------


def test_wrong_token_pays_nothing_and_is_audited(demo, db):
    admin = actor_of(db, "admin.demo")
    e1 = demo_enrollment(db, "0045123987")
    [line] = summary(db, admin, e1)
    payer_id = account(db, PAYER).id
    t = next(ticks())
    good = code_for(db, "admin.demo", t)
    full_width = good.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    bad_codes = [wrong_code(db, "admin.demo", t), None, int("9" + good), good[:5], good + "1",
                 full_width, f" {good}", code_for(db, "admin.demo", t, 3),
                 code_for(db, "admin.otra", t)]
    for bad in bad_codes:
        with pytest.raises(ValidationError) as err:
            payments.pay_bills(db, admin, [selection(line)], payer_id, bad, t)
        assert err.value.message == payments.TOKEN_INVALID
        # each wrong code counts toward the lockout (tested in test_token_virtual); here
        # every malformed code is tried on its own
        assert db.get(User, admin.user_id).failed_attempts == 1
        db.exec(update(User).where(User.id == admin.user_id).values(failed_attempts=0))
        db.commit()
    db.rollback()  # what the state layer does after an error
    db.expire_all()
    assert db.get(Bill, line.bill_id).status == "pendiente"
    assert count(db, Payment) == count(db, Movement) == 0
    assert account(db, PAYER).available == PAYER_OPENING_AVAILABLE
    rejected = events(db, "pago_token_rechazado")
    assert len(rejected) == len(bad_codes)
    assert all(e.outcome == "fallido" and e.user_id == admin.user_id
               and e.company_id == admin.company_id for e in rejected)
    assert events(db, "pago_exitoso") == events(db, "pago_fallido") == []
    # refused codes did not spend the time step: the right code still works
    [result] = payments.pay_bills(db, admin, [selection(line)], payer_id, good, t)
    assert result.ok


def test_a_token_code_is_accepted_once(demo, db):
    admin = actor_of(db, "admin.demo")
    clock = ticks()
    e1, e2 = demo_enrollment(db, "0045123987"), demo_enrollment(db, "12345678")
    first, second = summary(db, admin, e1, e2)
    payer_id = account(db, PAYER).id
    t1 = next(clock)
    code = code_for(db, "admin.demo", t1)
    assert payments.pay_bills(db, admin, [selection(first)], payer_id, code, t1)[0].ok
    t2 = next(clock)
    for attempt_code, when in ((code, t1), (code, t2),  # replayed, also within the window
                               (code_for(db, "admin.demo", t1, -1), t2)):  # an older step
        with pytest.raises(ValidationError, match="no es válido o ya fue utilizado"):
            payments.pay_bills(db, admin, [selection(second)], payer_id, attempt_code, when)
    db.rollback()
    db.expire_all()
    assert db.get(Bill, second.bill_id).status == "pendiente"
    assert count(db, Payment, Payment.bill_id == second.bill_id) == 0
    assert len(events(db, "pago_token_rechazado")) == 3
    # nor can a payment's code confirm a programming
    with pytest.raises(ValidationError, match="no es válido o ya fue utilizado"):
        autopay.set_rule(db, admin, e2.id, autopay.RuleInput(
            payer_id, 0, 10**10, bogota.local_today(t2), None), code, t2)
    db.rollback()
    assert count(db, AutoPayRule) == 0
    # the next step's code works
    assert payments.pay_bills(db, admin, [selection(second)], payer_id,
                              code_for(db, "admin.demo", t2), t2)[0].ok


# forged selections ------------------------------------------------------------------------


def test_forged_selections_are_refused(demo, db):
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    e1, e2 = demo_enrollment(db, "0045123987"), demo_enrollment(db, "12345678")
    theirs = inscribe(db, otra, "1004", "99990000", OTHER_CURRENT)
    first, second = summary(db, admin, e1, e2)
    [their_line] = summary(db, otra, theirs)
    payer_id = account(db, PAYER).id
    t = next(ticks())
    code = code_for(db, "admin.demo", t)
    e, b, v = selection(first)
    malformed = [
        ([], "Seleccione entre 1 y 50 facturas para pagar."),
        (None, "Seleccione entre 1 y 50 facturas para pagar."),
        (f"{e},{b},{v}", "Seleccione entre 1 y 50 facturas para pagar."),
        ({(e, b, v)}, "Seleccione entre 1 y 50 facturas para pagar."),
        ([(e, b, v)] * 51, "Seleccione entre 1 y 50 facturas para pagar."),
        ([(e, b)], SELECTION_INVALID),
        ([(e, b, v, 1)], SELECTION_INVALID),
        ([()], SELECTION_INVALID),
        ([f"{e},{b},{v}"], SELECTION_INVALID),
        ([(str(e), b, v)], SELECTION_INVALID),
        ([(e, b, True)], SELECTION_INVALID),
        ([(e, float(b), v)], SELECTION_INVALID),
        ([(e, b, None)], SELECTION_INVALID),
        ([{"enrollment": e, "bill": b, "version": v}], SELECTION_INVALID),
        ([(e, b, v), (e, b)], SELECTION_INVALID),  # one bad line refuses the whole payment
    ]
    for forged, message in malformed:
        with pytest.raises(ValidationError) as err:
            payments.pay_bills(db, admin, forged, payer_id, code, t)
        assert err.value.message == message, forged
    denied = [
        ([selection(their_line)], payer_id),                   # another company's inscription
        ([selection(first), selection(their_line)], payer_id),
        ([(theirs.id, b, v)], payer_id),
        ([(10**9, b, v)], payer_id),
        ([selection(first)], account(db, OTHER_CURRENT).id),   # another company's account
        ([selection(first)], str(payer_id)),
        ([selection(first)], None),
    ]
    for forged, debit in denied:
        with pytest.raises(AccessDenied):
            payments.pay_bills(db, admin, forged, debit, code, t)
    assert f"inscripcion:{theirs.id}" in [e.target for e in events(
        db, "acceso_denegado", user_id=admin.user_id)]
    db.expire_all()
    assert count(db, Payment) == count(db, Movement) == 0
    assert events(db, "pago_token_rechazado") == []

    # well-formed but not matching: a bill of another biller, a bill that does not exist,
    # a version that was never shown. Nothing is paid. (The code was not spent above.)
    results = payments.pay_bills(db, admin, [(e1.id, second.bill_id, second.bill_version),
                                             (e1.id, their_line.bill_id, 1),
                                             (e1.id, 10**9, 1),
                                             (e1.id, first.bill_id, first.bill_version + 1)],
                                 payer_id, code, t)
    assert [(r.ok, r.reason, r.receipt) for r in results] == [
        (False, payments.CHANGED, "")] * 4
    db.expire_all()
    assert {db.get(Bill, x).status for x in (first.bill_id, second.bill_id,
                                             their_line.bill_id)} == {"pendiente"}
    assert count(db, Payment, Payment.status == "exitosa") == count(db, Movement) == 0
    assert count(db, Payment, Payment.bill_id.in_([second.bill_id, their_line.bill_id])) == 0
    assert account(db, PAYER).available == PAYER_OPENING_AVAILABLE
    assert account(db, OTHER_CURRENT).available == 500_000_000
    assert len(events(db, "pago_fallido")) == 4
    # and the code is spent now
    with pytest.raises(ValidationError, match="no es válido"):
        payments.pay_bills(db, admin, [selection(first)], payer_id, code, t)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # logic only: one backend
def test_forged_bill_of_the_same_biller_leaves_no_trace_of_the_other_bill(demo, db):
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    mine = demo_enrollment(db, "0045123987")
    theirs = inscribe(db, otra, "1001", "7777777", OTHER_CURRENT)  # same biller: Enel
    [their_line] = summary(db, otra, theirs)
    t = next(ticks())
    [result] = payments.pay_bills(db, admin, [(mine.id, their_line.bill_id, 1)],
                                  account(db, PAYER).id, code_for(db, "admin.demo", t), t)
    assert not result.ok and result.reason == payments.CHANGED and result.amount == 0
    db.expire_all()
    assert db.get(Bill, their_line.bill_id).status == "pendiente"
    assert count(db, Movement) == 0
    leaked = db.exec(select(Payment).where(Payment.company_id == admin.company_id,
                                           Payment.bill_id == their_line.bill_id)).all()
    assert leaked == []


# the ledger and receipts ------------------------------------------------------------------


def test_ledger_and_receipts_after_several_payments(demo, db):
    admin = actor_of(db, "admin.demo")
    clock = ticks()
    set_balance(db, POOR, 2_000_000_000)
    demo_rows = [demo_enrollment(db, ref) for ref in ("0045123987", "12345678", "8012345678")]
    extra = [inscribe(db, admin, "1004", "10000001"), inscribe(db, admin, "1008", "200002"),
             inscribe(db, admin, "1002", "3000003", POOR),
             inscribe(db, admin, "2002", "40000004", POOR)]
    payer_id, poor_id = account(db, PAYER).id, account(db, POOR).id
    batches = [(demo_rows, payer_id), (extra[:2], payer_id), (extra[2:], poor_id)]
    results = []
    for rows, debit in batches:
        lines = summary(db, admin, *rows)
        t = next(clock)
        got = payments.pay_bills(db, admin, [selection(line) for line in lines], debit,
                                 code_for(db, "admin.demo", t), t)
        assert all(r.ok for r in got)
        prefix = f"{bogota.local_today(t):%y%m%d}"
        for line, result in zip(lines, got, strict=True):
            assert result.receipt == f"{prefix}{line.bill_id:010d}"
            assert result.amount == line.amount
        results += got

    receipts = [r.receipt for r in results]
    assert len(receipts) == len(set(receipts)) == 7
    assert all(len(r) == 16 and r.isdigit() for r in receipts)
    paid = db.exec(select(Payment).order_by(Payment.id)).all()
    assert [p.receipt for p in paid] == receipts
    assert all(p.status == "exitosa" and p.channel == "manual" for p in paid)
    by_receipt = {m.reference: m for m in db.exec(select(Movement)).all()}
    assert set(by_receipt) == set(receipts)
    for p in paid:
        move = by_receipt[p.receipt]
        assert move.amount == -p.amount and move.account_id == p.account_id
        assert move.company_id == admin.company_id
        bill = db.get(Bill, p.bill_id)
        assert bill.status == "pagada" and bill.reference in move.description
        assert db.get(Biller, bill.biller_id).name in move.description

    payer_total = assert_ledger(db, PAYER, PAYER_OPENING_CURRENT, PAYER_OPENING_AVAILABLE)
    poor_total = assert_ledger(db, POOR, 2_000_000_000, 2_000_000_000)
    assert payer_total == -sum(r.amount for r in results[:5])
    assert poor_total == -sum(r.amount for r in results[5:])
    assert account(db, PAYER).clearing == 150_000_000  # canje untouched
    assert account(db, OTHER_CURRENT).current == 500_000_000
    assert account(db, OTHER_SAVINGS).current == 120_000_000
    assert len(events(db, "pago_exitoso")) == 7


# grants and helpers of the page -----------------------------------------------------------


def test_grants_accounts_and_balance_after(demo, db):
    consulta = actor_of(db, "consulta.demo")
    e1 = demo_enrollment(db, "0045123987")
    bill = db.exec(select(Bill).where(Bill.reference == e1.reference)).one()
    t = next(ticks())
    code = code_for(db, "consulta.demo", t)
    attempts = [
        lambda: payments.payable_lines(db, consulta, [e1.id]),
        lambda: payments.pay_bills(db, consulta, [(e1.id, bill.id, 1)],
                                   account(db, PAYER).id, code, t),
        lambda: payments.accounts_for(db, consulta),
        lambda: autopay.set_rule(db, consulta, e1.id, autopay.RuleInput(
            account(db, PAYER).id, 0, 10**10, bogota.local_today(t), None), code, t),
        lambda: autopay.get_rule(db, consulta, e1.id),
        lambda: autopay.cancel_rule(db, consulta, e1.id),
    ]
    for attempt in attempts:
        with pytest.raises(AccessDenied):
            attempt()
    assert len(events(db, "acceso_denegado", user_id=consulta.user_id)) == len(attempts)
    assert count(db, Payment) == count(db, AutoPayRule) == 0
    assert events(db, "pago_token_rechazado") == []

    # the page's helpers: the company's own accounts, the balance after the payment
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    assert [a.number for a in payments.accounts_for(db, admin)] == [POOR, PAYER]
    assert [a.number for a in payments.accounts_for(db, otra)] == [OTHER_CURRENT, OTHER_SAVINGS]
    assert payments.balance_after(db, admin, account(db, PAYER).id, 100) == (
        "$85,000,000.00", "$84,999,999.00")
    assert payments.balance_after(db, admin, account(db, POOR).id, 1_000_00) == (
        "$302.43", "-$697.57")
    for forged in (account(db, OTHER_CURRENT).id, str(account(db, PAYER).id), None):
        with pytest.raises(AccessDenied):
            payments.balance_after(db, admin, forged, 0)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # logic only: one backend
def test_balance_after_requires_the_payments_grant(demo, db):
    opera = actor_of(db, "opera.otra")  # profile «Operativo»: no grants at all
    with pytest.raises(AccessDenied):
        payments.balance_after(db, opera, account(db, OTHER_CURRENT).id, 0)


# programación automática: the rules (the sweep is tested elsewhere) -----------------------

TODAY = date(2026, 12, 10)


def rule(days_before=0, max_amount=150_000_000, start_on=TODAY, end_on=None, account_id=1):
    return autopay.RuleInput(account_id, days_before, max_amount, start_on, end_on)


@pytest.mark.parametrize("values", [
    rule(),
    rule(days_before=10, max_amount=1),
    rule(days_before=1, max_amount=10**13),
    rule(start_on=TODAY + timedelta(days=1), end_on=TODAY + timedelta(days=1)),  # end == start
    rule(end_on=TODAY + timedelta(days=365)),
])
def test_validate_rule_accepts(values):
    assert autopay.validate_rule(values, TODAY) == values


DAYS = "Pague el día del vencimiento o entre 1 y 10 días antes."
AMOUNT = "Ingrese un monto máximo mayor que cero."
START = "La fecha de inicio no puede ser anterior a hoy."
END = "La fecha final debe ser posterior a la fecha de inicio."


@pytest.mark.parametrize(("values", "message"), [
    (None, "Datos de programación no válidos."),
    ({"account_id": 1, "days_before": 0}, "Datos de programación no válidos."),
    ((1, 0, 100, TODAY, None), "Datos de programación no válidos."),
    (rule(days_before=-1), DAYS),
    (rule(days_before=11), DAYS),
    (rule(days_before="3"), DAYS),
    (rule(days_before=2.0), DAYS),
    (rule(days_before=None), DAYS),
    (rule(max_amount=0), AMOUNT),
    (rule(max_amount=-100), AMOUNT),
    (rule(max_amount=10**13 + 1), "El monto máximo no puede superar $ 100.000.000.000."),
    (rule(max_amount=1.5), AMOUNT),
    (rule(max_amount="1500000"), AMOUNT),
    (rule(max_amount=None), AMOUNT),
    (rule(start_on=TODAY - timedelta(days=2)), START),
    (rule(start_on=date(2020, 1, 1)), START),
    (rule(start_on="2026-12-10"), START),
    (rule(start_on=None), START),
    (rule(end_on=TODAY - timedelta(days=1)), END),
    (rule(start_on=TODAY + timedelta(days=5), end_on=TODAY + timedelta(days=4)), END),
    (rule(end_on="2027-01-01"), END),
])
def test_validate_rule_refuses(values, message):
    with pytest.raises(ValidationError) as err:
        autopay.validate_rule(values, TODAY)
    assert err.value.message == message


def test_validate_rule_refuses_a_start_of_yesterday():
    with pytest.raises(ValidationError, match="anterior a hoy"):
        autopay.validate_rule(rule(start_on=TODAY - timedelta(days=1)), TODAY)


@pytest.mark.parametrize("values", [rule(days_before=True), rule(max_amount=True)])
def test_validate_rule_refuses_booleans(values):
    with pytest.raises(ValidationError):
        autopay.validate_rule(values, TODAY)


@pytest.mark.parametrize("values", [
    rule(start_on=datetime(2026, 12, 11, 8)),
    rule(end_on=datetime(2027, 1, 1, 8)),
])
def test_validate_rule_refuses_datetimes(values):
    with pytest.raises(ValidationError):
        autopay.validate_rule(values, TODAY)


@pytest.mark.parametrize(("due_on", "days_before", "expected"), [
    (date(2026, 12, 15), 0, date(2026, 12, 15)),   # Tuesday
    (date(2026, 12, 8), 0, date(2026, 12, 7)),     # Inmaculada Concepción
    (date(2026, 12, 10), 2, date(2026, 12, 7)),    # two days before is the holiday
    (date(2026, 12, 25), 0, date(2026, 12, 24)),
    (date(2026, 12, 28), 1, date(2026, 12, 24)),   # Sunday 27th → Navidad → 24th
    (date(2027, 1, 1), 0, date(2026, 12, 31)),
    (date(2027, 1, 4), 3, date(2026, 12, 31)),     # Año Nuevo, across the year
    (date(2027, 1, 11), 0, date(2027, 1, 8)),      # Reyes, moved to Monday
    (date(2027, 1, 12), 1, date(2027, 1, 8)),
    (date(2026, 11, 22), 0, date(2026, 11, 20)),   # Sunday
    (date(2026, 12, 16), 10, date(2026, 12, 4)),   # Sunday 6th → Friday 4th
])
def test_pay_date(due_on, days_before, expected):
    assert autopay.pay_date(due_on, days_before) == expected


def test_set_change_and_cancel_a_rule(demo, db):
    admin = actor_of(db, "admin.demo")
    clock = ticks()
    e1 = demo_enrollment(db, "0045123987")
    payer_id, poor_id = account(db, PAYER).id, account(db, POOR).id
    t = next(clock)
    today = bogota.local_today(t)
    values = autopay.RuleInput(payer_id, 0, 150_000_000, today, None)
    assert autopay.get_rule(db, admin, e1.id) is None

    with pytest.raises(ValidationError, match="no es válido"):
        autopay.set_rule(db, admin, e1.id, values, wrong_code(db, "admin.demo", t), t)
    db.rollback()
    code = code_for(db, "admin.demo", t)
    # invalid values are refused before the token is looked at: the code is not spent
    with pytest.raises(ValidationError, match="entre 1 y 10 días antes"):
        autopay.set_rule(db, admin, e1.id, autopay.RuleInput(payer_id, 11, 1, today, None),
                         code, t)
    db.rollback()
    assert count(db, AutoPayRule) == 0

    created = autopay.set_rule(db, admin, e1.id, values, code, t)
    db.commit()
    assert (created.enrollment_id, created.company_id, created.account_id) == (
        e1.id, admin.company_id, payer_id)
    assert (created.days_before, created.max_amount, created.start_on, created.end_on,
            created.is_active, created.created_by) == (0, 150_000_000, today, None, True,
                                                       admin.user_id)
    [saved] = events(db, "programacion_guardada")
    assert saved.target == f"inscripcion:{e1.id}" and saved.before is None
    assert json.loads(saved.after) == {"cuenta": payer_id, "dias_antes": 0,
                                       "monto_maximo": 150_000_000, "inicio": str(today),
                                       "fin": None, "activa": True}
    [row] = enrollments.list_page(db, admin, reference=e1.reference)[0]
    assert row.programmed and row.program_summary == (
        "el día del vencimiento, máx. 1,500,000 pesos")

    # a change needs a new code; the same one is refused
    changed_values = autopay.RuleInput(poor_id, 3, 200_000_000, today + timedelta(days=1),
                                       today + timedelta(days=60))
    with pytest.raises(ValidationError, match="ya fue utilizado"):
        autopay.set_rule(db, admin, e1.id, changed_values, code, t)
    db.rollback()
    t = next(clock)
    changed = autopay.set_rule(db, admin, e1.id, changed_values,
                               code_for(db, "admin.demo", t), t)
    db.commit()
    assert changed.id == created.id and count(db, AutoPayRule) == 1
    got = autopay.get_rule(db, admin, e1.id)
    assert (got.account_id, got.days_before, got.max_amount, got.end_on) == (
        poor_id, 3, 200_000_000, today + timedelta(days=60))
    _, second = events(db, "programacion_guardada")
    assert json.loads(second.before)["dias_antes"] == 0
    assert json.loads(second.before)["cuenta"] == payer_id
    assert json.loads(second.after)["dias_antes"] == 3
    assert json.loads(second.after)["cuenta"] == poor_id
    [row] = enrollments.list_page(db, admin, reference=e1.reference)[0]
    assert row.program_summary == "3 día(s) antes, máx. 2,000,000 pesos"

    autopay.cancel_rule(db, admin, e1.id)
    db.commit()
    assert autopay.get_rule(db, admin, e1.id) is None
    db.expire_all()
    assert db.get(AutoPayRule, created.id).is_active is False
    [cancelled] = events(db, "programacion_cancelada")
    assert json.loads(cancelled.before)["activa"] is True and cancelled.after is None
    [row] = enrollments.list_page(db, admin, reference=e1.reference)[0]
    assert not row.programmed and row.program_summary == ""
    with pytest.raises(ValidationError, match="no tiene programación automática"):
        autopay.cancel_rule(db, admin, e1.id)
    db.rollback()

    # programming again reuses the row
    t = next(clock)
    again = autopay.set_rule(db, admin, e1.id, values, code_for(db, "admin.demo", t), t)
    db.commit()
    assert again.id == created.id and again.is_active and again.days_before == 0


def test_rules_of_another_company_are_refused(demo, db):
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    e1 = demo_enrollment(db, "0045123987")
    t = next(ticks())
    today = bogota.local_today(t)
    their_code = code_for(db, "admin.otra", t)
    theirs = autopay.RuleInput(account(db, OTHER_CURRENT).id, 0, 10**10, today, None)
    for attempt in (lambda: autopay.set_rule(db, otra, e1.id, theirs, their_code, t),
                    lambda: autopay.get_rule(db, otra, e1.id),
                    lambda: autopay.cancel_rule(db, otra, e1.id)):
        with pytest.raises(AccessDenied):
            attempt()
    assert [e.target for e in events(db, "acceso_denegado", user_id=otra.user_id)] == [
        f"inscripcion:{e1.id}"] * 3
    # Demo cannot debit Otra's account either; its code is not spent by the refusal
    code = code_for(db, "admin.demo", t)
    with pytest.raises(AccessDenied):
        autopay.set_rule(db, admin, e1.id, theirs, code, t)
    assert count(db, AutoPayRule) == 0
    mine = autopay.set_rule(db, admin, e1.id, autopay.RuleInput(
        account(db, PAYER).id, 0, 10**10, today, None), code, t)
    db.commit()
    assert mine.company_id == admin.company_id
    with pytest.raises(AccessDenied):
        autopay.cancel_rule(db, otra, e1.id)
    db.expire_all()
    assert db.get(AutoPayRule, mine.id).is_active


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # logic only: one backend
def test_rejected_token_for_a_rule_is_audited(demo, db):
    admin = actor_of(db, "admin.demo")
    e1 = demo_enrollment(db, "0045123987")
    t = next(ticks())
    with pytest.raises(ValidationError):
        autopay.set_rule(db, admin, e1.id, autopay.RuleInput(
            account(db, PAYER).id, 0, 10**10, bogota.local_today(t), None),
            wrong_code(db, "admin.demo", t), t)
    db.rollback()  # the state layer's session_scope rolls back on the error
    assert db.exec(select(AuditEvent).where(AuditEvent.user_id == admin.user_id,
                                            AuditEvent.outcome == "fallido")).all() != []
