"""The limits of «Control dual» applied to the sweep's programmed payments.

A programmed payment is a payment (kind «pago») of the user who saved the programming: it
is refused, recorded as a failed payment naming the limit, when it would exceed that
user's limits (their own row, else the company's). The day's and month's totals are the
user's counting operations (``dual.limits.accumulated``) plus the programmed payments of
their programmings already paid, plus those decided earlier in the same batch.

Only companies with a limit of kind «pago» pay for this: the others cost one query.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlmodel import Session

from occireflex.domain.bogota import day_start
from occireflex.domain.dual import limits
from occireflex.domain.dual.rules import PAGO
from occireflex.domain.payments.pay import EXITOSA, PROGRAMADO
from occireflex.models import AutoPayRule, Payment, UserLimit

Owner = tuple[int, int | None]  # (company, user who saved the programming)


class LimitGuard:
    """One batch's view of the limits: ask ``refusal`` before paying, ``add`` after."""

    def __init__(self, db: Session, company_ids: set[int], today: date) -> None:
        self._db, self._today = db, today
        self._limited = set(db.connection().execute(select(UserLimit.company_id).where(
            UserLimit.kind == PAGO, UserLimit.company_id.in_(sorted(company_ids)))
            .distinct()).scalars()) if company_ids else set()
        self._state: dict[Owner, tuple[limits.Limits, limits.Accumulated]] = {}

    def refusal(self, company_id: int, user_id: int | None, amount: int) -> str:
        if company_id not in self._limited:
            return ""
        owner = (company_id, user_id)
        if owner not in self._state:
            self._state[owner] = self._load(owner)
        rules, sums = self._state[owner]
        return limits.refusal(rules, sums, amount)

    def add(self, company_id: int, user_id: int | None, amount: int) -> None:
        owner = (company_id, user_id)
        if owner in self._state:
            rules, s = self._state[owner]
            self._state[owner] = (rules, limits.Accumulated(
                s.day_amount + amount, s.day_count + 1, s.month_amount + amount,
                s.month_count + 1))

    def _load(self, owner: Owner) -> tuple[limits.Limits, limits.Accumulated]:
        company_id, user_id = owner
        rules = limits.limits_for(self._db, company_id, user_id or 0, PAGO)
        own = (limits.accumulated(self._db, company_id, user_id, PAGO, self._today)
               if user_id else limits.Accumulated(0, 0, 0, 0))
        programmed = self._programmed(company_id, user_id)
        return rules, limits.Accumulated(
            own.day_amount + programmed.day_amount, own.day_count + programmed.day_count,
            own.month_amount + programmed.month_amount,
            own.month_count + programmed.month_count)

    def _programmed(self, company_id: int, user_id: int | None) -> limits.Accumulated:
        """Programmed payments of the user's programmings paid this month and today, in one
        read (``ix_payment_company_time``)."""
        p, r = Payment.__table__, AutoPayRule.__table__
        owner = r.c.created_by == user_id if user_id else r.c.created_by.is_(None)
        today = p.c.created_at >= day_start(self._today)
        row = self._db.connection().execute(
            select(func.coalesce(func.sum(case((today, p.c.amount), else_=0)), 0),
                   func.count(case((today, 1))),
                   func.coalesce(func.sum(p.c.amount), 0), func.count())
            .select_from(p.join(r, r.c.enrollment_id == p.c.enrollment_id))
            .where(p.c.company_id == company_id,
                   p.c.created_at >= day_start(self._today.replace(day=1)),
                   p.c.created_at < day_start(self._today + timedelta(days=1)),
                   p.c.channel == PROGRAMADO, p.c.status == EXITOSA, owner)).one()
        return limits.Accumulated(*(int(value) for value in row))
