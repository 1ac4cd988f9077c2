"""Dual control in the domain: prepare → authorize / reject / cancel, the self-approval
rule, two authorizations from two users, limits at prepare and at authorize, forged calls
refused with the database as proof."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from occireflex import scheduler
from occireflex.domain import access, bogota
from occireflex.domain.dual import decide, inbox, limits, prepare, rules
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.domain.payments import pay as payments
from occireflex.models import (
    Account,
    AuditEvent,
    AuthConfig,
    Authorizer,
    AuthRule,
    Bill,
    Enrollment,
    OperationApproval,
    Payment,
    PendingOperation,
    User,
    UserLimit,
)
from tests.helpers import code_for, login

NOW = scheduler.parse_now("2026-12-15T09:00")  # a Tuesday in Bogotá
pytestmark = pytest.mark.clock(NOW - timedelta(minutes=10))


_logins = itertools.count()


@pytest.fixture(autouse=True)
def fresh_logins():
    """Each test's logins on increasing token steps (a step is never accepted twice, nor
    one older than the user's last)."""
    global _logins
    _logins = itertools.count()


def actor(db, username, at=None):
    """A fresh login a few minutes before ``at``, each on its own token step."""
    at = at or NOW
    when = at - timedelta(minutes=10) + timedelta(seconds=30 * next(_logins))
    return access.load_actor(db, login(db, username, now=when).session_token, now=at)


def user_id(db, username):
    return db.exec(select(User.id).where(User.username == username)).one()


def payer(db):
    return db.exec(select(Account).where(Account.number == "256098765")).one()


def selections(db, who, count=2):
    company = who.company_id
    ids = db.exec(select(Enrollment.id).where(Enrollment.company_id == company)
                  .order_by(Enrollment.id)).all()[:count]
    return [(line.enrollment_id, line.bill_id, line.bill_version)
            for line in payments.payable_lines(db, who, ids)]


def code(db, username, steps=0):
    return code_for(db, username, NOW, steps)


def successes(db):
    return db.exec(select(func.count()).select_from(Payment).where(
        Payment.status == payments.EXITOSA)).one()


def set_rule(db, company_id, kind, required):
    if db.get(AuthConfig, company_id) is None:
        db.add(AuthConfig(company_id=company_id))
    for row in db.exec(select(AuthRule).where(AuthRule.company_id == company_id,
                                              AuthRule.kind == kind)).all():
        db.delete(row)
    db.add(AuthRule(company_id=company_id, kind=kind, amount_from=0, required=required))
    db.commit()


def test_prepared_payment_waits_and_moves_money_on_authorization(bank, db):
    preparer = actor(db, "prepara.demo")
    picked = selections(db, preparer)
    balance = payer(db).current
    sent = prepare.submit_payment(db, preparer, picked, payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    assert sent.operation_id and sent.required == 1 and not sent.results
    operation = db.get(PendingOperation, sent.operation_id)
    assert operation.state == "pendiente" and operation.prepared_by == preparer.user_id
    assert operation.items == 2 and operation.amount > 0
    db.refresh(payer(db))
    assert payer(db).current == balance and successes(db) == 0

    checker = actor(db, "autoriza.demo")
    [outcome] = decide.authorize(db, checker, [sent.operation_id],
                                 code(db, "autoriza.demo"), NOW)
    assert outcome.ok and outcome.executed, outcome.message
    db.expire_all()
    assert db.get(PendingOperation, sent.operation_id).state == "autorizada"
    assert successes(db) == 2
    assert payer(db).current == balance - operation.amount
    assert all(db.get(Bill, bill_id).status == "pagada" for _, bill_id, _ in picked)
    actions = set(db.exec(select(AuditEvent.action)).all())
    assert {"operacion_preparada", "operacion_autorizada"} <= actions


def test_the_preparer_never_authorizes_nor_rejects_their_own(bank, db):
    preparer = actor(db, "prepara.demo")
    sent = prepare.submit_payment(db, preparer, selections(db, preparer, 1), payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    for forged in (lambda: decide.authorize(db, preparer, [sent.operation_id],
                                            code(db, "prepara.demo", 1), NOW),
                   lambda: decide.reject(db, preparer, [sent.operation_id], "no me gusta",
                                         code(db, "prepara.demo", 1), NOW)):
        with pytest.raises(AccessDenied, match="usted preparó"):
            forged()
    db.expire_all()
    operation = db.get(PendingOperation, sent.operation_id)
    assert operation.state == "pendiente" and operation.approvals == 0
    assert db.exec(select(func.count()).select_from(OperationApproval)).one() == 0
    assert successes(db) == 0


def test_other_company_and_forged_ids_are_refused(bank, db):
    preparer = actor(db, "prepara.demo")
    sent = prepare.submit_payment(db, preparer, selections(db, preparer, 1), payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    stranger = actor(db, "admin.otra")
    for forged in ([sent.operation_id], ["1"], [None], [10**9], "x", [], None,
                   list(range(1, 60))):
        with pytest.raises((AccessDenied, ValidationError)):
            decide.authorize(db, stranger, forged, code(db, "admin.otra"), NOW)
    with pytest.raises(AccessDenied):
        decide.cancel(db, stranger, sent.operation_id, NOW)
    db.expire_all()
    assert db.get(PendingOperation, sent.operation_id).state == "pendiente"
    assert successes(db) == 0


def test_forged_amounts_and_bills_are_refused_at_prepare(bank, db):
    preparer = actor(db, "prepara.demo")
    [(enrollment_id, bill_id, version)] = selections(db, preparer, 1)
    other_bill = db.exec(select(Bill.id).where(Bill.id != bill_id)).first()
    for forged in ([(enrollment_id, bill_id, version + 7)], [(enrollment_id, other_bill, 1)],
                   [("1", bill_id, version)], "todo", [(enrollment_id, bill_id)]):
        with pytest.raises((ValidationError, AccessDenied)):
            prepare.submit_payment(db, preparer, forged, payer(db).id,
                                   code(db, "prepara.demo"), NOW)
    assert db.exec(select(func.count()).select_from(PendingOperation)).one() == 0


def test_two_authorizations_come_from_two_users(bank, db):
    company = actor(db, "admin.demo").company_id
    set_rule(db, company, rules.PAGO, 2)
    preparer = actor(db, "prepara.demo")
    db.add(Authorizer(company_id=company, kind=rules.PAGO,
                      user_id=user_id(db, "autoriza.demo")))
    db.commit()
    with pytest.raises(ValidationError, match="No hay suficientes usuarios autorizadores"):
        prepare.submit_payment(db, preparer, selections(db, preparer, 1), payer(db).id,
                               code(db, "prepara.demo"), NOW)
    db.add(Authorizer(company_id=company, kind=rules.PAGO, user_id=user_id(db, "admin.demo")))
    db.commit()
    sent = prepare.submit_payment(db, preparer, selections(db, preparer, 1), payer(db).id,
                                  code(db, "prepara.demo", 1), NOW)
    checker = actor(db, "autoriza.demo")
    [first] = decide.authorize(db, checker, [sent.operation_id], code(db, "autoriza.demo"),
                               NOW)
    assert first.ok and not first.executed and "falta 1" in first.message
    [again] = decide.authorize(db, checker, [sent.operation_id],
                               code(db, "autoriza.demo", 1), NOW)
    assert not again.ok and again.message == decide.ALREADY_YOURS
    assert successes(db) == 0
    second = actor(db, "admin.demo")
    [last] = decide.authorize(db, second, [sent.operation_id], code(db, "admin.demo"), NOW)
    assert last.ok and last.executed
    db.expire_all()
    assert db.get(PendingOperation, sent.operation_id).approvals == 2
    assert successes(db) == 1


def test_reject_needs_a_reason_and_moves_nothing(bank, db):
    preparer = actor(db, "prepara.demo")
    sent = prepare.submit_payment(db, preparer, selections(db, preparer), payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    checker = actor(db, "autoriza.demo")
    for reason in ("", "  x ", None, 5, "y" * 201):
        with pytest.raises(ValidationError, match="motivo"):
            decide.reject(db, checker, [sent.operation_id], reason, code(db, "autoriza.demo"),
                          NOW)
    [outcome] = decide.reject(db, checker, [sent.operation_id], "Factura duplicada",
                              code(db, "autoriza.demo"), NOW)
    assert outcome.ok
    db.expire_all()
    operation = db.get(PendingOperation, sent.operation_id)
    assert operation.state == "rechazada" and operation.reason == "Factura duplicada"
    [late] = decide.authorize(db, checker, [sent.operation_id],
                              code(db, "autoriza.demo", 1), NOW)
    assert not late.ok and "Rechazada" in late.message
    assert successes(db) == 0


def test_only_the_preparer_cancels(bank, db):
    preparer = actor(db, "prepara.demo")
    sent = prepare.submit_payment(db, preparer, selections(db, preparer, 1), payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    with pytest.raises(AccessDenied, match="Solo quien preparó"):
        decide.cancel(db, actor(db, "autoriza.demo"), sent.operation_id, NOW)
    assert decide.cancel(db, preparer, sent.operation_id, NOW).ok
    db.expire_all()
    assert db.get(PendingOperation, sent.operation_id).state == "cancelada"


def test_an_operation_expires_at_the_end_of_the_business_day(bank, db):
    preparer = actor(db, "prepara.demo")
    sent = prepare.submit_payment(db, preparer, selections(db, preparer, 1), payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    tomorrow = NOW + timedelta(days=1)
    checker = actor(db, "autoriza.demo", tomorrow)
    [outcome] = decide.authorize(db, checker, [sent.operation_id],
                                 code_for(db, "autoriza.demo", tomorrow), tomorrow)
    assert not outcome.ok and outcome.message == decide.EXPIRED
    assert successes(db) == 0


def test_limits_are_checked_at_prepare_and_again_at_authorize(bank, db):
    preparer = actor(db, "prepara.demo")
    picked = selections(db, preparer)
    total = payments.selection_total(db, picked)
    db.add(UserLimit(company_id=preparer.company_id, user_id=preparer.user_id,
                     kind=rules.PAGO, per_operation=total - 1))
    db.commit()
    with pytest.raises(ValidationError, match="Monto máximo por operación"):
        prepare.submit_payment(db, preparer, picked, payer(db).id, code(db, "prepara.demo"),
                               NOW)
    assert db.exec(select(func.count()).select_from(PendingOperation)).one() == 0

    limit = db.exec(select(UserLimit)).one()
    limit.per_operation, limit.day_count = 0, 1
    db.add(limit)
    db.commit()
    sent = prepare.submit_payment(db, preparer, picked, payer(db).id,
                                  code(db, "prepara.demo", 1), NOW)
    with pytest.raises(ValidationError, match="Número máximo de operaciones diarias"):
        prepare.submit_payment(db, preparer, picked, payer(db).id,
                               code(db, "prepara.demo", 2), NOW)
    limit.day_count, limit.day_amount = 0, total - 1  # lowered while it waited
    db.add(limit)
    db.commit()
    [outcome] = decide.authorize(db, actor(db, "autoriza.demo"), [sent.operation_id],
                                 code(db, "autoriza.demo"), NOW)
    assert not outcome.ok and "Monto máximo diario" in outcome.message
    db.expire_all()
    assert db.get(PendingOperation, sent.operation_id).state == "pendiente"
    assert successes(db) == 0


def test_a_bill_paid_elsewhere_meanwhile_is_not_paid_again(bank, db):
    preparer = actor(db, "prepara.demo")
    picked = selections(db, preparer, 1)
    sent = prepare.submit_payment(db, preparer, picked, payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    bill = db.get(Bill, picked[0][1])
    bill.status = "pagada"
    db.add(bill)
    db.commit()
    [outcome] = decide.authorize(db, actor(db, "autoriza.demo"), [sent.operation_id],
                                 code(db, "autoriza.demo"), NOW)
    assert outcome.executed and "0 de 1" in outcome.message
    assert successes(db) == 0


def test_no_authorization_needed_pays_at_once_and_counts(bank, db):
    set_rule(db, actor(db, "admin.demo").company_id, rules.PAGO, 0)
    preparer = actor(db, "prepara.demo")
    sent = prepare.submit_payment(db, preparer, selections(db, preparer, 1), payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    assert sent.operation_id is None and sent.results and sent.results[0].ok
    assert successes(db) == 1
    recorded = db.exec(select(PendingOperation)).one()
    assert recorded.state == "autorizada" and recorded.required == 0


def test_the_inbox_lists_what_each_user_may_do_and_counts_the_badge(bank, db):
    preparer = actor(db, "prepara.demo")
    sent = prepare.submit_payment(db, preparer, selections(db, preparer), payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    checker = actor(db, "autoriza.demo")
    [row], total = inbox.pending_page(db, checker, 1, NOW)
    assert total == 1 and row.id == sent.operation_id and row.can_authorize and not row.own
    assert row.approvals == "0 de 1" and row.preparer == "Pedro Gómez"
    [own], _ = inbox.pending_page(db, preparer, 1, NOW)
    assert own.own and not own.can_authorize
    assert inbox.badge_count(db, checker, NOW) == 1
    assert inbox.badge_count(db, preparer, NOW) == 0
    assert inbox.pending_page(db, actor(db, "admin.otra"), 1, NOW) == ([], 0)
    shown = inbox.detail(db, checker, sent.operation_id)
    assert len(shown["lines"]) == 2 and shown["state"] == "Pendiente por autorizar"
    with pytest.raises(AccessDenied):
        inbox.detail(db, actor(db, "admin.otra"), sent.operation_id)
    with pytest.raises(AccessDenied):
        inbox.pending_page(db, actor(db, "consulta.demo"), 1, NOW)  # no grant
    export = inbox.export(db, checker, "excel", NOW)
    assert export.text_rows()[0][0] == str(sent.operation_id) and export.xlsx()
    assert inbox.pending_page(db, checker, 1, NOW + timedelta(days=1)) == ([], 0)


def test_the_sweep_expires_overdue_and_paid_elsewhere_operations(bank, db):
    preparer = actor(db, "prepara.demo")
    first = prepare.submit_payment(db, preparer, selections(db, preparer, 1), payer(db).id,
                                   code(db, "prepara.demo"), NOW)
    picked = selections(db, preparer, 2)[1:]
    second = prepare.submit_payment(db, preparer, picked, payer(db).id,
                                    code(db, "prepara.demo", 1), NOW)
    assert inbox.expire_due(db, NOW) == 0
    bill = db.get(Bill, picked[0][1])
    bill.status = "pagada"
    db.add(bill)
    db.commit()
    assert inbox.expire_due(db, NOW) == 1
    db.expire_all()
    assert db.get(PendingOperation, second.operation_id).reason == inbox.PAID_ELSEWHERE
    assert db.get(PendingOperation, first.operation_id).state == "pendiente"
    assert inbox.expire_due(db, NOW + timedelta(days=1)) == 1
    db.expire_all()
    assert db.get(PendingOperation, first.operation_id).state == "vencida"
    # expired operations stop counting for the preparer's limits
    assert limits.accumulated(db, preparer.company_id, preparer.user_id, rules.PAGO,
                              bogota.local_today(NOW)).day_count == 0


def test_a_payment_without_authorization_alerts_its_payer(demo, db):
    from occireflex.models import OutboxMessage, PortalNotice

    payer_actor = actor(db, "prepara.demo")
    picked = selections(db, payer_actor)
    sent = prepare.submit_payment(db, payer_actor, picked, payer(db).id,
                                  code(db, "prepara.demo"), NOW)
    assert sent.operation_id is None and all(r.ok for r in sent.results)
    mail = db.exec(select(OutboxMessage).where(
        OutboxMessage.user_id == payer_actor.user_id,
        OutboxMessage.kind == "alerta_pago")).one()
    assert mail.subject == "Pago realizado" and "2 de 2 factura(s) pagada(s)" in mail.body
    assert db.exec(select(PortalNotice).where(
        PortalNotice.user_id == payer_actor.user_id, PortalNotice.event == "pago")).one()
