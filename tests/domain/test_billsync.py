"""Each inscription's latest bill (period, status, due date) is kept by the database
(``occireflex/billsync.py``) through every way a bill or an inscription changes: insert
(in any period order), status and due-date updates, deletion, a re-keyed bill, an
inscription made after its bills, and a reference inscribed by two companies."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, insert, update
from sqlmodel import select

from occireflex.models import Account, Bill, Biller, Company, Enrollment


def _latest(db, enrollment_id: int) -> tuple:
    return tuple(db.exec(select(Enrollment.bill_period, Enrollment.bill_status,
                                Enrollment.bill_due_on).where(
        Enrollment.id == enrollment_id)).one())


def _mismatches(db) -> list[int]:
    """Inscriptions whose columns differ from their bills' latest period."""
    bad = []
    for e in db.exec(select(Enrollment)).all():
        bill = db.exec(select(Bill).where(Bill.biller_id == e.biller_id,
                                          Bill.reference == e.reference)
                       .order_by(Bill.period.desc())).first()
        want = (bill.period, bill.status, bill.due_on) if bill else (None, None, None)
        if _latest(db, e.id) != want:
            bad.append(e.id)
    return bad


def _bill(biller_id: int, reference: str, period: str, due: date, status="pendiente"):
    return {"biller_id": biller_id, "reference": reference, "period": period,
            "amount": 100, "issued_on": date(2026, 1, 1), "due_on": due, "status": status,
            "version": 1}


def test_the_latest_bill_follows_every_change(demo, db):
    biller_id = db.exec(select(Biller.id)).first()
    companies = db.exec(select(Company.id).order_by(Company.id)).all()[:2]
    accounts = [db.exec(select(Account.id).where(Account.company_id == c)).first()
                for c in companies]
    first = Enrollment(company_id=companies[0], biller_id=biller_id, reference="5550001",
                       account_id=accounts[0])
    db.add(first)
    db.commit()
    assert _latest(db, first.id) == (None, None, None)  # «Sin factura»

    db.execute(insert(Bill), [_bill(biller_id, "5550001", "2026-05", date(2026, 5, 20))])
    db.execute(insert(Bill), [_bill(biller_id, "5550001", "2026-03", date(2026, 3, 20))])
    assert _latest(db, first.id) == ("2026-05", "pendiente", date(2026, 5, 20))

    second = Enrollment(company_id=companies[1], biller_id=biller_id, reference="5550001",
                        account_id=accounts[1])  # made after its bills
    db.add(second)
    db.flush()
    assert _latest(db, second.id) == ("2026-05", "pendiente", date(2026, 5, 20))

    db.execute(update(Bill).where(Bill.reference == "5550001", Bill.period == "2026-05")
               .values(status="pagada", due_on=date(2026, 5, 25)))
    assert _latest(db, first.id) == _latest(db, second.id) == (
        "2026-05", "pagada", date(2026, 5, 25))
    db.execute(update(Bill).where(Bill.period == "2026-03").values(status="pagada"))
    assert _latest(db, first.id)[1] == "pagada"  # an older period changes nothing

    db.execute(delete(Bill).where(Bill.reference == "5550001", Bill.period == "2026-05"))
    assert _latest(db, first.id) == ("2026-03", "pagada", date(2026, 3, 20))
    db.execute(update(Bill).where(Bill.reference == "5550001").values(period="2027-01"))
    assert _latest(db, second.id) == ("2027-01", "pagada", date(2026, 3, 20))
    db.execute(update(Bill).where(Bill.reference == "5550001").values(reference="5550002"))
    assert _latest(db, first.id) == (None, None, None)

    db.execute(update(Enrollment).where(Enrollment.id == first.id)
               .values(reference="5550002"))
    assert _latest(db, first.id) == ("2027-01", "pagada", date(2026, 3, 20))
    assert _mismatches(db) == []
    db.commit()
