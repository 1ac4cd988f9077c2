"""The sweep's programmed payments respect the limits of «Control dual»: the limits of the
user who saved the programming (their own, else the company's), per payment, per day (the
day's earlier payments of the same sweep count) and per month; a refusal is a failed
payment naming the limit, the bill stays pending, the balance untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from occireflex.domain.dual import rules
from occireflex.domain.payments import pay as payments
from occireflex.models import AutoPayRule, Enrollment, User, UserLimit
from tests.domain.test_sweep import NOW, attempts, bill_of, payer, program, sweep

pytestmark = pytest.mark.clock(NOW)


def _owned(db, enrollment: Enrollment, username: str) -> None:
    rule = db.execute(select(AutoPayRule).where(
        AutoPayRule.enrollment_id == enrollment.id)).scalar_one()
    rule.created_by = db.execute(select(User.id).where(User.username == username)).scalar_one()
    db.commit()


def _limit(db, user: str | None, **values) -> None:
    company = payer(db).company_id
    user_id = (db.execute(select(User.id).where(User.username == user)).scalar_one()
               if user else None)
    db.add(UserLimit(company_id=company, user_id=user_id, kind=rules.PAGO, **values))
    db.commit()


def _issued(db, *references: str) -> list[Enrollment]:
    """Programmed inscriptions of Vanti (due in two days), owned by prepara.demo; their
    bills issued by a first sweep while the rules are inactive."""
    enrollments = [program(db, "1004", ref, days_before=2, active=False) for ref in references]
    sweep(db, NOW)
    for enrollment in enrollments:
        _owned(db, enrollment, "prepara.demo")
        rule = db.execute(select(AutoPayRule).where(
            AutoPayRule.enrollment_id == enrollment.id)).scalar_one()
        rule.is_active = True
    db.commit()
    return enrollments


def test_a_programmed_payment_over_the_owners_limit_fails_naming_it(demo, db):
    [enrollment] = _issued(db, "55001122")
    amount = bill_of(db, enrollment, NOW).amount
    _limit(db, "prepara.demo", per_operation=amount - 1)
    before = payer(db).available
    report = sweep(db, NOW)
    assert (report.paid, report.failed) == (0, 1)
    (payment,) = attempts(db, enrollment)
    assert payment.status == payments.FALLIDA
    assert "Monto máximo por operación" in payment.reason
    assert bill_of(db, enrollment, NOW).status == "pendiente"
    assert payer(db).available == before


def test_the_days_count_includes_the_same_sweeps_earlier_payments(demo, db):
    first, second = _issued(db, "55001133", "55001144")
    _limit(db, None, day_count=1)  # the company's row applies to prepara.demo
    report = sweep(db, NOW)
    assert (report.paid, report.failed) == (1, 1)
    reasons = sorted(p.reason for e in (first, second) for p in attempts(db, e))
    assert reasons[0] == "" and "Número máximo de operaciones diarias" in reasons[1]


def test_another_users_limit_or_none_lets_the_payment_through(demo, db):
    [enrollment] = _issued(db, "55001155")
    _limit(db, "autoriza.demo", per_operation=1)  # not the owner of the programming
    report = sweep(db, NOW)
    assert (report.paid, report.failed) == (1, 0)
    assert attempts(db, enrollment)[0].status == payments.EXITOSA
