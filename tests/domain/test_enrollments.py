"""«Inscripciones»: inscribe, modify, delete (soft) and the server-paged grid, with company
isolation, grants and audit events."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, update
from sqlmodel import Session, select

from occireflex.domain import access, bogota
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.domain.payments import autopay, billers
from occireflex.domain.payments import inscriptions as enrollments
from occireflex.domain.payments import pay as payments
from occireflex.models import (
    Account,
    AuditEvent,
    AutoPayRule,
    Bill,
    Biller,
    Enrollment,
    Payment,
    utcnow,
)
from tests.helpers import code_for, login

PAYER, POOR = "256098765", "256034567"
OTHER_CURRENT, OTHER_SAVINGS = "256011111", "456022222"
DEMO_REFS = ["0045123987", "12345678", "8012345678"]


# helpers ----------------------------------------------------------------------------------


def actor_of(db: Session, username: str) -> access.Actor:
    actor = access.load_actor(db, login(db, username).session_token, ip="10.4.4.4")
    db.commit()
    return actor


def biller(db: Session, code: str) -> Biller:
    return db.exec(select(Biller).where(Biller.code == code)).one()


def account(db: Session, number: str) -> Account:
    return db.exec(select(Account).where(Account.number == number)).one()


def enrollment_of(db: Session, company_id: int, reference: str) -> Enrollment:
    return db.exec(select(Enrollment).where(Enrollment.company_id == company_id,
                                            Enrollment.reference == reference,
                                            Enrollment.deleted_at.is_(None))).one()


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


# inscribe ---------------------------------------------------------------------------------


@pytest.mark.clock("2026-12-10T10:00:05")  # EPM's December bill: issued the 8th, due the 20th
def test_inscribe_audits_looks_up_the_current_bill_and_checks_the_alias(demo, db):
    admin = actor_of(db, "admin.demo")
    now = datetime(2026, 12, 10, 15, tzinfo=UTC)
    epm = biller(db, "1002")
    row = enrollments.inscribe(db, admin, epm.id, " 000123456 ", "  Sede \t Medellín  ",
                               account(db, PAYER).id, now=now)
    db.commit()
    assert row.id is not None and row.reference == "000123456"  # leading zeros kept
    assert row.alias == "Sede Medellín" and row.company_id == admin.company_id
    assert row.created_by == admin.user_id and row.account_id == account(db, PAYER).id
    bill = db.exec(select(Bill).where(Bill.biller_id == epm.id,
                                      Bill.reference == "000123456")).one()
    assert (bill.period, bill.issued_on, bill.due_on) == ("2026-12", date(2026, 12, 8),
                                                          date(2026, 12, 20))
    assert bill.amount == billers.bill_amount(epm, "000123456", "2026-12")
    assert bill.status == "pendiente"
    [event] = events(db, "inscripcion_creada", target=f"inscripcion:{row.id}")
    assert event.company_id == admin.company_id and event.user_id == admin.user_id
    assert event.outcome == "ok" and event.ip == "10.4.4.4"
    assert json.loads(event.after) == {"convenio": "1002", "referencia": "000123456",
                                       "alias": "Sede Medellín", "cuenta": PAYER}
    page, total = enrollments.list_page(db, admin, reference="000123456", now=now)
    assert total == 1 and page[0].bill_id == bill.id and page[0].state == "Por vencer"
    assert page[0].amount == bill.amount and page[0].due_on == date(2026, 12, 20)

    # the alias: at most 60 characters, no control characters
    enel, payer_id = biller(db, "1001"), account(db, PAYER).id
    longest = enrollments.inscribe(db, admin, enel.id, "1111111", "A" * 60, payer_id)
    db.commit()
    assert longest.alias == "A" * 60
    for alias, message in (("A" * 61, "máximo 60 caracteres"),
                           ("Sede\x00norte", "caracteres de control"),
                           ("x\x1b[31m", "caracteres de control")):
        with pytest.raises(ValidationError, match=message):
            enrollments.inscribe(db, admin, enel.id, "2222222", alias, payer_id)
        db.rollback()
    with pytest.raises(ValidationError, match="máximo 60 caracteres"):
        enrollments.modify(db, admin, longest.id, "B" * 61, payer_id)
    db.rollback()
    db.expire_all()
    assert db.get(Enrollment, longest.id).alias == "A" * 60
    assert count(db, Enrollment, Enrollment.reference == "2222222") == 0


def test_duplicate_refused_in_the_company_but_another_company_may_inscribe(demo, db):
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    enel, sura = biller(db, "1001"), biller(db, "2001")
    before = count(db, Enrollment)
    for raw in ("0045123987", "  0045123987 "):
        with pytest.raises(ValidationError) as err:
            enrollments.inscribe(db, admin, enel.id, raw, "", account(db, POOR).id)
        assert err.value.message == ("La referencia 0045123987 de Enel Colombia ya está "
                                     "inscrita en su empresa.")
    db.rollback()
    assert count(db, Enrollment) == before
    # leading zeros are significant: another reference
    enrollments.inscribe(db, admin, enel.id, "045123987", "", account(db, PAYER).id)
    # alphanumeric references are compared upper-cased
    enrollments.inscribe(db, admin, sura.id, "ctr12345", "", account(db, PAYER).id)
    db.commit()
    with pytest.raises(ValidationError, match="ya está inscrita"):
        enrollments.inscribe(db, admin, sura.id, "CTR12345", "", account(db, PAYER).id)
    db.rollback()
    # Otra Empresa inscribes Demo's reference: allowed, and both see the biller's one bill
    theirs = enrollments.inscribe(db, otra, enel.id, "0045123987", "Sede norte",
                                  account(db, OTHER_CURRENT).id)
    db.commit()
    assert theirs.company_id == otra.company_id
    assert count(db, Bill, Bill.biller_id == enel.id, Bill.reference == "0045123987") == 1
    mine, _ = enrollments.list_page(db, admin, reference="0045123987")
    their_page, _ = enrollments.list_page(db, otra, reference="0045123987")
    assert [r.id for r in their_page] == [theirs.id]
    assert mine[0].bill_id == their_page[0].bill_id


def test_reference_errors_name_what_is_wrong(demo, db):
    admin = actor_of(db, "admin.demo")
    payer_id = account(db, PAYER).id
    cases = [
        ("1001", "12AB567", "admite solo dígitos"),
        ("1001", "123", "debe tener entre 7 y 10 caracteres"),
        ("1009", "123456", "debe tener 7 caracteres"),
        ("2001", "AB-123", "admite letras y dígitos, sin espacios"),
        ("1003", "١٢٣٤٥٦٧٨", "admite solo dígitos"),
        ("1001", None, "Ingrese"),
        ("1001", "  ", "Ingrese"),
    ]
    before = count(db, Enrollment)
    for code, raw, message in cases:
        target = biller(db, code)
        with pytest.raises(ValidationError) as err:
            enrollments.inscribe(db, admin, target.id, raw, "", payer_id)
        assert message in err.value.message
        assert target.name in err.value.message and target.ref_label in err.value.message
        db.rollback()
    for bad_biller in (999_999, "1001", None, 1.0):
        with pytest.raises(ValidationError, match="Seleccione un convenio válido"):
            enrollments.inscribe(db, admin, bad_biller, "0045123999", "", payer_id)
    db.exec(update(Biller).where(Biller.code == "1007").values(is_active=False))
    db.commit()
    with pytest.raises(ValidationError, match="Seleccione un convenio válido"):
        enrollments.inscribe(db, admin, biller(db, "1007").id, "12345678901", "", payer_id)
    db.rollback()
    assert count(db, Enrollment) == before


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # logic only: one backend
def test_inscribe_refuses_a_boolean_biller_id(demo, db):
    admin = actor_of(db, "admin.demo")
    with pytest.raises(ValidationError, match="Seleccione un convenio válido"):
        enrollments.inscribe(db, admin, True, "7777777", "", account(db, PAYER).id)


def test_a_concurrent_duplicate_inscription_gets_the_clear_message(demo, db):
    admin = actor_of(db, "admin.demo")
    enel, payer_id = biller(db, "1001"), account(db, PAYER).id

    def the_other_click(session, _context, _instances):
        # between the duplicate check and the insert, the other request commits
        with Session(demo) as other:
            other.add(Enrollment(company_id=admin.company_id, biller_id=enel.id,
                                 reference="6543210", account_id=payer_id))
            other.commit()

    event.listen(db, "before_flush", the_other_click, once=True)
    with pytest.raises(ValidationError, match="ya está inscrita"):
        enrollments.inscribe(db, admin, enel.id, "6543210", "", payer_id)


def test_account_of_another_company_is_denied_and_audited(demo, db):
    admin = actor_of(db, "admin.demo")
    enel = biller(db, "1001")
    foreign = account(db, OTHER_CURRENT)
    before = count(db, Enrollment)
    for bad in (foreign.id, account(db, OTHER_SAVINGS).id, str(account(db, PAYER).id), True,
                None, 10**9):
        with pytest.raises(AccessDenied):
            enrollments.inscribe(db, admin, enel.id, "3333333", "", bad)
    assert count(db, Enrollment) == before
    denied = events(db, "acceso_denegado", user_id=admin.user_id)
    assert f"cuenta:{foreign.id}" in [e.target for e in denied]
    assert len(denied) == 6
    assert all(e.outcome == "denegado" and e.company_id == admin.company_id for e in denied)


def test_modify_and_delete_of_another_company_are_refused(demo, db):
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    mine = enrollment_of(db, admin.company_id, "0045123987")
    theirs = enrollments.inscribe(db, otra, biller(db, "1005").id, "8012345679", "Suya",
                                  account(db, OTHER_CURRENT).id)
    db.commit()
    with pytest.raises(AccessDenied):
        enrollments.modify(db, otra, mine.id, "hackeado", account(db, OTHER_CURRENT).id)
    with pytest.raises(AccessDenied):
        enrollments.delete(db, otra, mine.id)
    with pytest.raises(AccessDenied):  # the other company's debit account
        enrollments.modify(db, admin, mine.id, "cuenta ajena", account(db, OTHER_CURRENT).id)
    for forged in (theirs.id, str(mine.id), None, True, 10**9):
        with pytest.raises(AccessDenied):
            enrollments.modify(db, admin, forged, "x", account(db, PAYER).id)
        with pytest.raises(AccessDenied):
            enrollments.delete(db, admin, forged)
    db.expire_all()
    row = db.get(Enrollment, mine.id)
    assert row.alias == "Energía sede principal" and row.deleted_at is None
    assert row.account_id == account(db, PAYER).id
    assert db.get(Enrollment, theirs.id).deleted_at is None
    assert f"inscripcion:{mine.id}" in [e.target for e in events(
        db, "acceso_denegado", company_id=otra.company_id)]
    assert events(db, "inscripcion_modificada") == events(db, "inscripcion_eliminada") == []

    # the owner's change goes through, with before and after in the audit trail
    enrollments.modify(db, admin, mine.id, " Energía  sede 2 ", account(db, POOR).id)
    db.commit()
    db.expire_all()
    row = db.get(Enrollment, mine.id)
    assert (row.alias, row.account_id) == ("Energía sede 2", account(db, POOR).id)
    [event] = events(db, "inscripcion_modificada")
    assert event.target == f"inscripcion:{mine.id}" and event.user_id == admin.user_id
    assert json.loads(event.before) == {"alias": "Energía sede principal",
                                        "cuenta": account(db, PAYER).id}
    assert json.loads(event.after) == {"alias": "Energía sede 2", "cuenta": account(db, POOR).id}


def test_delete_is_soft_keeps_payments_stops_programming_allows_reinscribing(demo, db):
    admin = actor_of(db, "admin.demo")
    clock = ticks()
    row = enrollment_of(db, admin.company_id, "12345678")
    payer = account(db, PAYER)
    [line] = payments.payable_lines(db, admin, [row.id])
    db.commit()
    t = next(clock)
    [result] = payments.pay_bills(db, admin, [(row.id, line.bill_id, line.bill_version)],
                                  payer.id, code_for(db, "admin.demo", t), t)
    assert result.ok
    t = next(clock)
    autopay.set_rule(db, admin, row.id,
                     autopay.RuleInput(payer.id, 2, 50_000_000, bogota.local_today(t), None),
                     code_for(db, "admin.demo", t), t)
    db.commit()

    enrollments.delete(db, admin, row.id)
    db.commit()
    db.expire_all()
    kept = db.get(Enrollment, row.id)
    assert kept is not None and kept.deleted_at is not None
    assert kept.reference == "12345678" and kept.alias == "Acueducto bodega"
    paid = db.exec(select(Payment).where(Payment.enrollment_id == row.id)).all()
    assert [(p.status, p.receipt) for p in paid] == [("exitosa", result.receipt)]
    rule = db.exec(select(AutoPayRule).where(AutoPayRule.enrollment_id == row.id)).one()
    assert rule.is_active is False
    [event] = events(db, "inscripcion_eliminada")
    assert event.target == f"inscripcion:{row.id}"
    assert json.loads(event.before) == {"referencia": "12345678", "alias": "Acueducto bodega"}
    # gone from the grid, and nothing can be done with it any more
    page, total = enrollments.list_page(db, admin)
    assert total == 2 and row.id not in [r.id for r in page]
    for attempt in (lambda: enrollments.delete(db, admin, row.id),
                    lambda: enrollments.modify(db, admin, row.id, "x", payer.id),
                    lambda: payments.payable_lines(db, admin, [row.id]),
                    lambda: autopay.get_rule(db, admin, row.id),
                    lambda: autopay.cancel_rule(db, admin, row.id)):
        with pytest.raises(AccessDenied):
            attempt()
    assert count(db, Payment, Payment.enrollment_id == row.id) == 1

    # inscribing the reference again is allowed: a new inscription, the biller's same bill
    new = enrollments.inscribe(db, admin, row.biller_id, "12345678", "De nuevo", account(
        db, POOR).id)
    db.commit()
    assert new.id != row.id
    page, total = enrollments.list_page(db, admin, biller_id=row.biller_id)
    assert total == 1 and [r.id for r in page] == [new.id]
    assert page[0].alias == "De nuevo" and page[0].state == "Pagada"
    assert page[0].bill_id == line.bill_id
    assert count(db, Enrollment, Enrollment.reference == "12345678") == 2
    with pytest.raises(ValidationError, match="ya está inscrita"):  # one live at a time
        enrollments.inscribe(db, admin, row.biller_id, "12345678", "", account(db, POOR).id)


# the grid ---------------------------------------------------------------------------------


def test_list_page_filters_by_convenio_reference_and_state(demo, db):
    admin = actor_of(db, "admin.demo")
    now = utcnow()
    today = bogota.local_today(now)
    payer = account(db, PAYER)
    e_paid = enrollment_of(db, admin.company_id, "0045123987")
    e_late = enrollment_of(db, admin.company_id, "12345678")
    e_pending = enrollment_of(db, admin.company_id, "8012345678")
    e_due_today = enrollments.inscribe(db, admin, biller(db, "1004").id, "87654321", "Gas",
                                       payer.id, now=now)
    e_none = Enrollment(company_id=admin.company_id, biller_id=biller(db, "1002").id,
                        reference="55555555", alias="Sin factura aún", account_id=payer.id)
    db.add(e_none)
    db.commit()

    def set_bill(enrollment: Enrollment, **values) -> None:
        db.exec(update(Bill).where(Bill.biller_id == enrollment.biller_id,
                                   Bill.reference == enrollment.reference).values(**values))

    set_bill(e_paid, status="pagada", due_on=today - timedelta(days=3))
    set_bill(e_late, due_on=today - timedelta(days=1))
    set_bill(e_pending, due_on=today + timedelta(days=3))
    set_bill(e_due_today, due_on=today)
    db.commit()
    db.expire_all()

    def ids(**filters) -> list[int]:
        rows, total = enrollments.list_page(db, admin, now=now, **filters)
        assert total == len(rows)
        return [r.id for r in rows]

    everyone = sorted([e_paid.id, e_late.id, e_pending.id, e_due_today.id, e_none.id])
    assert ids() == everyone
    assert ids(state="Pagada") == [e_paid.id]
    assert ids(state="Vencida") == [e_late.id]
    assert ids(state="Por vencer") == sorted([e_pending.id, e_due_today.id])
    assert ids(state="Sin factura") == [e_none.id]
    assert ids(state="otro") == ids(state="Pendiente") == ids(state=None) == ids(state=["Pagada"]) == everyone
    assert ids(biller_id=biller(db, "1003").id) == [e_late.id]
    assert ids(biller_id=biller(db, "2003").id) == []
    assert ids(biller_id=str(biller(db, "1003").id)) == everyone  # ignored, not an error
    assert ids(reference="4512") == [e_paid.id]
    assert ids(reference=" 0045 ") == [e_paid.id]
    assert ids(reference="345678") == sorted([e_late.id, e_pending.id])
    assert ids(reference="9%9") == []  # «%» is not a wildcard
    assert ids(reference="5_5") == [e_none.id]
    assert ids(biller_id=biller(db, "1001").id, state="Vencida") == []
    assert ids(reference="345678", state="Vencida") == [e_late.id]

    rows, _ = enrollments.list_page(db, admin, now=now)
    by_id = {r.id: r for r in rows}
    paid_bill = db.exec(select(Bill).where(Bill.reference == "0045123987")).one()
    assert by_id[e_paid.id].state == "Pagada" and by_id[e_paid.id].bill_id == paid_bill.id
    assert by_id[e_paid.id].amount == paid_bill.amount
    assert by_id[e_paid.id].biller_code == "1001" and by_id[e_paid.id].account_number == PAYER
    assert by_id[e_late.id].state == "Vencida"
    assert by_id[e_due_today.id].state == "Por vencer"
    assert by_id[e_due_today.id].due_on == today
    none_row = by_id[e_none.id]
    assert (none_row.state, none_row.bill_id, none_row.amount, none_row.due_on,
            none_row.bill_version) == ("Sin factura", None, None, None, 0)
    assert not any(r.programmed for r in rows)

    # the grid shows the latest bill of a reference (a January 20th, years before and after)
    enel = db.get(Biller, e_late.biller_id)
    old = billers.ensure_current_bill(db, enel, e_late.reference, date(today.year - 1, 1, 20))
    newer = billers.ensure_current_bill(db, enel, e_late.reference, date(today.year + 4, 1, 20))
    db.commit()
    [row] = enrollments.list_page(db, admin, reference=e_late.reference, state="Por vencer",
                                  now=datetime(today.year + 4, 1, 20, 15, tzinfo=UTC))[0]
    assert row.bill_id == newer.id != old.id and row.due_on == newer.due_on


def test_list_page_paging_and_page_size_coercion(demo, db):
    admin = actor_of(db, "admin.demo")
    epm, payer = biller(db, "1002"), account(db, PAYER)
    for n in range(24):
        db.add(Enrollment(company_id=admin.company_id, biller_id=epm.id,
                          reference=f"70000000{n:02d}", account_id=payer.id))
    db.commit()

    def page(number, size) -> tuple[list[int], int]:
        rows, total = enrollments.list_page(db, admin, page=number, page_size=size)
        return [r.id for r in rows], total

    all_ids = sorted(db.exec(select(Enrollment.id).where(
        Enrollment.company_id == admin.company_id)).all())
    assert len(all_ids) == 27
    p1, p2, p3 = page(1, 10), page(2, 10), page(3, 10)
    assert [len(p1[0]), len(p2[0]), len(p3[0])] == [10, 10, 7]
    assert p1[1] == p2[1] == p3[1] == 27
    assert p1[0] + p2[0] + p3[0] == all_ids
    assert page(4, 10) == ([], 27)
    assert page(1, 25)[0] == all_ids[:25] and page(2, 25)[0] == all_ids[25:]
    assert page(1, 50)[0] == all_ids
    for size in (7, 0, -10, 100, 10**9, "25", None, True):
        assert page(1, size)[0] == all_ids[:10], size
    for number in (0, -1, "2", None, True, 2.0):
        assert page(number, 10)[0] == all_ids[:10], number
    assert page(10**6, 50) == ([], 27)
    # a forged float page size is coerced or honoured, never a server error
    for size in (10.0, 25.0, 10.5):
        assert page(1, size)[0] == all_ids[:int(size)], size


def test_list_page_and_billers_are_isolated_by_company(demo, db):
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    assert enrollments.list_page(db, otra) == ([], 0)
    for state in enrollments.STATES:
        assert enrollments.list_page(db, otra, state=state)[1] == 0
    theirs = enrollments.inscribe(db, otra, biller(db, "1003").id, "12345678", "Bodega sur",
                                  account(db, OTHER_SAVINGS).id)
    db.commit()
    rows, total = enrollments.list_page(db, otra)
    assert total == 1 and rows[0].id == theirs.id and rows[0].account_number == OTHER_SAVINGS
    rows, total = enrollments.list_page(db, admin, biller_id=biller(db, "1003").id)
    assert total == 1 and rows[0].id != theirs.id
    assert sorted(r.reference for r in enrollments.list_page(db, admin)[0]) == sorted(DEMO_REFS)
    # the catalog is the bank's: every company sees it, searchable
    names = [b.name for b in enrollments.list_billers(db, otra)]
    assert len(names) == len(billers.BILLERS) and names == sorted(names)
    assert [b.code for b in enrollments.list_billers(db, admin, "enel")] == ["1001"]
    assert [b.code for b in enrollments.list_billers(db, admin, " ACUEDUCTO ")] == ["1003"]
    assert [b.code for b in enrollments.list_billers(db, admin, "2003")] == ["2003"]
    assert len(enrollments.list_billers(db, admin, 42)) == len(billers.BILLERS)


def test_users_without_the_grant_are_refused(demo, db):
    consulta, prepara = actor_of(db, "consulta.demo"), actor_of(db, "prepara.demo")
    row = enrollment_of(db, consulta.company_id, "0045123987")
    payer_id = account(db, PAYER).id
    attempts = [
        lambda: enrollments.list_page(db, consulta),
        lambda: enrollments.list_billers(db, consulta),
        lambda: enrollments.inscribe(db, consulta, biller(db, "1002").id, "123456", "",
                                     payer_id),
        lambda: enrollments.modify(db, consulta, row.id, "x", payer_id),
        lambda: enrollments.delete(db, consulta, row.id),
    ]
    for attempt in attempts:
        with pytest.raises(AccessDenied):
            attempt()
    denied = events(db, "acceso_denegado", user_id=consulta.user_id)
    assert len(denied) == len(attempts)
    assert {e.target for e in denied} == {
        "transacciones.pagos.servicios:acceso", "transacciones.pagos.servicios:consultar"}
    db.expire_all()
    assert db.get(Enrollment, row.id).deleted_at is None
    assert count(db, Enrollment, Enrollment.reference == "123456") == 0
    # a user of the same company with «Transacciones» works on the company's inscriptions
    assert enrollments.list_page(db, prepara)[1] == 3
    enrollments.modify(db, prepara, row.id, "Cambiado por Pedro", payer_id)
    db.commit()
    [event] = events(db, "inscripcion_modificada")
    assert event.user_id == prepara.user_id
