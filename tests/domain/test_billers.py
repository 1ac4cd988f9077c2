"""«Convenios» and the billers' side: catalog, reference rules, billing cycle, amounts,
the Colombian business calendar, issuing bills idempotently and the grid state."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from occireflex.domain import bogota
from occireflex.domain.errors import ValidationError
from occireflex.domain.payments import billers
from occireflex.models import Account, Bill, Biller, Company, Enrollment

# helpers ----------------------------------------------------------------------------------

SPECS = {spec.code: spec for spec in billers.BILLERS}


def make_biller(base: str, **overrides) -> Biller:
    """A transient Biller built from the catalog (amounts in centavos, like the table)."""
    spec = SPECS[base]
    values = spec.__dict__ | {"amount_min": spec.amount_min * 100,
                              "amount_max": spec.amount_max * 100, "id": 1}
    return Biller(**(values | overrides))


def synthetic(issue_day: int, cycle_months: int = 1, due_days: int = 10) -> Biller:
    return make_biller("1001", code="9999", name="Sintético", issue_day=issue_day,
                       cycle_months=cycle_months, due_days=due_days)


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def bill_snapshot(db: Session) -> set[tuple]:
    return {(b.id, b.biller_id, b.reference, b.period, b.amount, b.issued_on, b.due_on,
             b.status, b.version) for b in db.exec(select(Bill)).all()}


# catalog ----------------------------------------------------------------------------------


def test_catalog_has_public_and_private_billers_of_both_cycles():
    catalog = billers.BILLERS
    codes = [b.code for b in catalog]
    assert len(catalog) >= 12
    assert len(set(codes)) == len(codes)
    assert {b.category for b in catalog} == {"publico", "privado"}
    assert {b.cycle_months for b in catalog} == {1, 2}
    assert {True, False} <= {b.partial_allowed for b in catalog}
    assert {True, False} <= {b.ref_numeric for b in catalog}
    sectors = {b.sector for b in catalog}
    assert {"Energía", "Agua", "Gas", "Telecomunicaciones", "Salud", "Educación"} <= sectors
    for b in catalog:
        assert b.code.isdigit() and len(b.code) <= 10
        assert b.name and b.ref_label
        assert 1 <= b.ref_min <= b.ref_max <= 30  # Enrollment.reference is 30 characters
        assert 1 <= b.issue_day <= 28 and b.due_days > 0
        assert 0 < b.amount_min < b.amount_max
        assert isinstance(b.amount_min, int) and isinstance(b.amount_max, int)


# references -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "raw", "expected"), [
    ("1001", "0045123987", "0045123987"),   # leading zeros kept
    ("1001", "0000000", "0000000"),         # all zeros, minimum length
    ("1001", "  0045123987\t", "0045123987"),  # surrounding blanks ignored
    ("1001", "1234567890", "1234567890"),   # maximum length
    ("1009", "0123456", "0123456"),         # fixed length 7
    ("1002", "000123", "000123"),
    ("2001", "abc12", "ABC12"),             # alphanumeric: upper-cased
    ("2001", " ctr0099x ", "CTR0099X"),
    ("2006", "7A", "7A"),                   # two characters is the minimum there
    ("2005", "P" * 20, "P" * 20),
])
def test_normalize_reference_accepts(code, raw, expected):
    assert billers.normalize_reference(make_biller(code), raw) == expected


@pytest.mark.parametrize(("code", "raw", "message"), [
    ("1001", "12AB567", "solo dígitos"),
    ("1001", "0045 123987", "solo dígitos"),          # inner space
    ("1001", "0045-123987", "solo dígitos"),
    ("1001", "-45123987", "solo dígitos"),
    ("1001", "+45123987", "solo dígitos"),
    ("1001", "٠٠٤٥١٢٣٩٨٧", "solo dígitos"),            # Arabic-Indic digits
    ("1001", "００４５１２３９８７", "solo dígitos"),       # full-width digits
    ("1001", "004512398²", "solo dígitos"),            # superscript two
    ("1001", "45123.87", "solo dígitos"),
    ("1001", "123456", "entre 7 y 10 caracteres"),
    ("1001", "00451239870", "entre 7 y 10 caracteres"),  # zeros count toward the length
    ("1009", "123456", "debe tener 7 caracteres"),
    ("1009", "12345678", "debe tener 7 caracteres"),
    ("2001", "AB 123", "letras y dígitos, sin espacios"),
    ("2001", "AB-123", "letras y dígitos, sin espacios"),
    ("2001", "ÁB1234", "letras y dígitos, sin espacios"),
    ("2001", "ÑANDU1", "letras y dígitos, sin espacios"),
    ("2001", "AB١٢٣٤", "letras y dígitos, sin espacios"),
    ("2001", "AB12", "entre 5 y 15 caracteres"),
    ("2001", "A" * 16, "entre 5 y 15 caracteres"),
])
def test_normalize_reference_refuses_with_a_spanish_reason(code, raw, message):
    biller = make_biller(code)
    with pytest.raises(ValidationError) as err:
        billers.normalize_reference(biller, raw)
    assert message in err.value.message
    assert biller.name in err.value.message and biller.ref_label in err.value.message


@pytest.mark.parametrize("raw", [None, 45123987, 4512398.7, b"0045123987", ["0045123987"],
                                 "", "   ", "\t\n"])
def test_normalize_reference_asks_for_a_missing_reference(raw):
    with pytest.raises(ValidationError) as err:
        billers.normalize_reference(make_biller("1001"), raw)
    message = err.value.message
    assert message.startswith("Ingrese") and "Número de cliente" in message
    assert "Enel Colombia" in message


@pytest.mark.parametrize("raw", ["abcı12", "ſ12345"])
def test_normalize_reference_refuses_non_ascii_letters_that_fold_to_ascii(raw):
    with pytest.raises(ValidationError):
        billers.normalize_reference(make_biller("2001"), raw)


@pytest.mark.parametrize("code", sorted(SPECS))
def test_reference_messages_keep_the_label_as_written(code):
    """No «El cuenta contrato», «El referencia de pago» or «nic»: the label as written."""
    biller = make_biller(code)
    texts = []
    for raw in ("", "-", "9" * 31, "Z" * 31):
        try:
            billers.normalize_reference(biller, raw)
        except ValidationError as err:
            texts.append(err.message)
    assert len(texts) == 4
    for text in texts:
        assert biller.ref_label in text and biller.name in text
        for wrong in ("El cuenta", "El referencia", "El oficina", "el cuenta", "el referencia",
                      "el oficina", "El nic", "el nic"):
            assert wrong not in text


# billing cycle ----------------------------------------------------------------------------


@pytest.mark.parametrize(("biller", "today", "expected"), [
    # Enel: monthly, issued on the 5th, due 15 days later
    (make_biller("1001"), date(2026, 12, 4), ("2026-11", date(2026, 11, 5), date(2026, 11, 20))),
    (make_biller("1001"), date(2026, 12, 5), ("2026-12", date(2026, 12, 5), date(2026, 12, 20))),
    (make_biller("1001"), date(2027, 1, 4), ("2026-12", date(2026, 12, 5), date(2026, 12, 20))),
    (make_biller("1001"), date(2027, 1, 5), ("2027-01", date(2027, 1, 5), date(2027, 1, 20))),
    # Colsanitas: issued on the 25th, the due date falls in the next year
    (make_biller("2002"), date(2026, 12, 24), ("2026-11", date(2026, 11, 25), date(2026, 12, 5))),
    (make_biller("2002"), date(2026, 12, 25), ("2026-12", date(2026, 12, 25), date(2027, 1, 4))),
    # Acueducto: bimonthly (odd months), issued on the 10th
    (make_biller("1003"), date(2026, 11, 9), ("2026-09", date(2026, 9, 10), date(2026, 9, 25))),
    (make_biller("1003"), date(2026, 12, 31), ("2026-11", date(2026, 11, 10), date(2026, 11, 25))),
    (make_biller("1003"), date(2027, 1, 9), ("2026-11", date(2026, 11, 10), date(2026, 11, 25))),
    (make_biller("1003"), date(2027, 1, 10), ("2027-01", date(2027, 1, 10), date(2027, 1, 25))),
    (make_biller("1003"), date(2027, 2, 28), ("2027-01", date(2027, 1, 10), date(2027, 1, 25))),
    # Universidad: bimonthly, issued on the 1st
    (make_biller("2003"), date(2026, 12, 31), ("2026-11", date(2026, 11, 1), date(2026, 11, 21))),
    (make_biller("2003"), date(2027, 1, 1), ("2027-01", date(2027, 1, 1), date(2027, 1, 21))),
    # issue day beyond the end of a short month: the last day of that month
    (synthetic(31), date(2027, 2, 27), ("2027-01", date(2027, 1, 31), date(2027, 2, 10))),
    (synthetic(31), date(2027, 2, 28), ("2027-02", date(2027, 2, 28), date(2027, 3, 10))),
    (synthetic(31), date(2028, 2, 28), ("2028-01", date(2028, 1, 31), date(2028, 2, 10))),
    (synthetic(31), date(2028, 2, 29), ("2028-02", date(2028, 2, 29), date(2028, 3, 10))),
    (synthetic(31), date(2026, 4, 29), ("2026-03", date(2026, 3, 31), date(2026, 4, 10))),
    (synthetic(31), date(2026, 4, 30), ("2026-04", date(2026, 4, 30), date(2026, 5, 10))),
    (synthetic(31, 2), date(2026, 11, 30), ("2026-11", date(2026, 11, 30), date(2026, 12, 10))),
    (synthetic(31, 2), date(2027, 1, 30), ("2026-11", date(2026, 11, 30), date(2026, 12, 10))),
    (synthetic(30, 2), date(2027, 3, 1), ("2027-01", date(2027, 1, 30), date(2027, 2, 9))),
])
def test_current_period_examples(biller, today, expected):
    assert billers.current_period(biller, today) == expected


def test_current_period_is_the_latest_issue_on_or_before_today_every_day():
    catalog = [make_biller(code) for code in SPECS] + [
        synthetic(29), synthetic(30), synthetic(31), synthetic(31, 2), synthetic(30, 2)]
    for biller in catalog:
        for today in days(date(2026, 1, 1), date(2028, 3, 31)):
            period, issued, due = billers.current_period(biller, today)
            assert period == f"{issued:%Y-%m}"
            assert (issued.month - 1) % biller.cycle_months == 0
            last = calendar.monthrange(issued.year, issued.month)[1]
            assert issued.day == min(biller.issue_day, last)
            assert issued <= today and due == issued + timedelta(days=biller.due_days)
            month = issued.month + biller.cycle_months
            year = issued.year + (month - 1) // 12
            month = (month - 1) % 12 + 1
            following = date(year, month, min(biller.issue_day,
                                              calendar.monthrange(year, month)[1]))
            assert following > today, (biller.code, today)


def test_local_today_is_bogota():
    assert bogota.local_today(datetime(2026, 12, 1, 4, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert bogota.local_today(datetime(2026, 12, 1, 5, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert bogota.local_today(datetime(2027, 1, 1, 2, 0, tzinfo=UTC)) == date(2026, 12, 31)


# amounts ----------------------------------------------------------------------------------

PERIODS = [f"{y}-{m:02d}" for y in (2026, 2027) for m in range(1, 13)]
REFERENCES = ["0045123987", "45123987", "12345678", "8012345678", "ABC12", "0000000"]


def test_bill_amount_is_deterministic_in_range_and_whole_pesos():
    for code in SPECS:
        biller = make_biller(code)
        amounts = set()
        for reference in REFERENCES:
            for period in PERIODS:
                amount = billers.bill_amount(biller, reference, period)
                assert amount == billers.bill_amount(make_biller(code), reference, period)
                assert biller.amount_min <= amount <= biller.amount_max
                assert amount % 100 == 0 and isinstance(amount, int)
                amounts.add(amount)
        assert len(amounts) > len(PERIODS)  # it really varies with reference and period


def test_bill_amount_depends_on_biller_reference_and_period():
    enel = make_biller("1001")
    base = billers.bill_amount(enel, "0045123987", "2026-12")
    # stable across processes and Python versions (no hash randomisation)
    assert base == billers.bill_amount(enel, "0045123987", "2026-12")
    assert base == 30_698_300
    assert billers.bill_amount(enel, "045123987", "2026-12") != base  # zeros are significant
    assert billers.bill_amount(enel, "0045123987", "2027-01") != base
    same_range = make_biller("1001", code="1099")
    assert billers.bill_amount(same_range, "0045123987", "2026-12") != base


def test_bill_amount_reaches_both_ends_of_a_tiny_range():
    tiny = make_biller("1001", amount_min=100_00, amount_max=101_00)
    seen = {billers.bill_amount(tiny, f"{n:07d}", "2026-12") for n in range(200)}
    assert seen == {100_00, 101_00}


# business days ----------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 12, 9), date(2026, 12, 9)),    # Wednesday: unchanged
    (date(2026, 12, 8), date(2026, 12, 7)),    # Inmaculada Concepción (Tuesday)
    (date(2026, 12, 25), date(2026, 12, 24)),  # Navidad (Friday)
    (date(2026, 12, 26), date(2026, 12, 24)),  # Saturday after Navidad
    (date(2026, 12, 27), date(2026, 12, 24)),  # Sunday after Navidad
    (date(2027, 1, 1), date(2026, 12, 31)),    # Año Nuevo, across the year
    (date(2027, 1, 3), date(2026, 12, 31)),    # Sunday → Friday is a holiday → Thursday
    (date(2027, 1, 11), date(2027, 1, 8)),     # Reyes, moved to Monday
    (date(2027, 1, 6), date(2027, 1, 6)),      # the original Reyes date is a business day
    (date(2026, 11, 16), date(2026, 11, 13)),  # Independencia de Cartagena (moved)
    (date(2026, 11, 22), date(2026, 11, 20)),  # Sunday
    (date(2027, 3, 28), date(2027, 3, 24)),    # Easter Sunday: Good Friday, Maundy Thursday
    (date(2027, 3, 22), date(2027, 3, 19)),    # San José (moved)
])
def test_previous_business_day(day, expected):
    assert bogota.previous_business_day(day) == expected
    assert bogota.is_business_day(expected)


def test_is_business_day():
    assert not bogota.is_business_day(date(2027, 1, 11))
    assert bogota.is_business_day(date(2027, 1, 12))
    assert not bogota.is_business_day(date(2026, 12, 12))  # Saturday
    assert not bogota.is_business_day(date(2026, 7, 20))   # Independencia
    assert not bogota.is_business_day(date(2026, 8, 7))    # Batalla de Boyacá


# grid state -------------------------------------------------------------------------------


def test_display_state():
    today = date(2026, 12, 15)

    def bill(status: str, due: date) -> Bill:
        return Bill(biller_id=1, reference="1", period="2026-12", amount=100, status=status,
                    issued_on=date(2026, 12, 1), due_on=due)

    assert billers.display_state(None, today) == "Sin factura"
    assert billers.display_state(bill("pendiente", today), today) == "Por vencer"  # due today
    assert billers.display_state(bill("pendiente", date(2026, 12, 20)), today) == "Por vencer"
    assert billers.display_state(bill("pendiente", date(2026, 12, 14)), today) == "Vencida"
    assert billers.display_state(bill("pagada", date(2026, 12, 14)), today) == "Pagada"
    assert billers.display_state(bill("pagada", date(2026, 12, 20)), today) == "Pagada"


# issuing bills ----------------------------------------------------------------------------


def _biller(db: Session, code: str) -> Biller:
    return db.exec(select(Biller).where(Biller.code == code)).one()


@pytest.mark.clock("2026-12-15T08:00:05")  # the demo is seeded before the January issue below
def test_issue_due_bills_is_idempotent_and_follows_bogota_dates(demo, db):
    # the catalog was loaded by the demo seed, once, in centavos
    assert billers.ensure_billers(db) == 0
    rows = db.exec(select(Biller)).all()
    assert sorted(r.code for r in rows) == sorted(SPECS)
    for row in rows:
        spec = SPECS[row.code]
        assert row.amount_min == spec.amount_min * 100 and row.amount_max == spec.amount_max * 100
        assert row.is_active and row.cycle_months == spec.cycle_months

    demo_co, other_co = db.exec(select(Company).order_by(Company.id)).all()
    other_account = db.exec(select(Account).where(
        Account.company_id == other_co.id)).first()
    enel, epm = _biller(db, "1001"), _biller(db, "1002")
    # another company inscribes the same reference (one bill for both), and a deleted
    # inscription gets no bill
    db.add(Enrollment(company_id=other_co.id, biller_id=enel.id, reference="0045123987",
                      account_id=other_account.id))
    db.add(Enrollment(company_id=other_co.id, biller_id=epm.id, reference="99999999",
                      account_id=other_account.id, deleted_at=datetime(2026, 1, 1, tzinfo=UTC)))
    db.commit()
    seeded = bill_snapshot(db)

    now = datetime(2027, 1, 15, 15, tzinfo=UTC)
    assert billers.issue_due_bills(db, now) == 3  # three distinct (biller, reference)
    db.commit()
    first = bill_snapshot(db)
    assert billers.issue_due_bills(db, now) == 0  # nothing missing: nothing inserted
    assert billers.issue_due_bills(db, now + timedelta(days=3)) == 0  # same periods
    db.commit()
    db.expire_all()
    assert bill_snapshot(db) == first
    assert seeded <= first  # earlier bills untouched

    new = db.exec(select(Bill).where(Bill.period == "2027-01")).all()
    assert sorted(b.reference for b in new) == ["0045123987", "12345678", "8012345678"]
    for bill in new:
        biller = db.get(Biller, bill.biller_id)
        assert (bill.period, bill.issued_on, bill.due_on) == billers.current_period(
            biller, date(2027, 1, 15))
        assert bill.amount == billers.bill_amount(biller, bill.reference, "2027-01")
        assert bill.status == "pendiente" and bill.version == 1
    assert db.exec(select(Bill).where(Bill.reference == "99999999")).first() is None

    # a paid bill is not reset by issuing again
    enel_bill = next(b for b in new if b.biller_id == enel.id)
    db.exec(update(Bill).where(Bill.id == enel_bill.id).values(status="pagada"))
    db.commit()
    billers.issue_due_bills(db, now)
    db.commit()
    db.expire_all()
    assert db.get(Bill, enel_bill.id).status == "pagada"

    # Enel issues on the 5th of Bogotá, not of UTC
    billers.issue_due_bills(db, datetime(2027, 2, 5, 4, 59, tzinfo=UTC))  # Feb 4th, 23:59
    db.commit()
    assert db.exec(select(Bill).where(Bill.biller_id == enel.id,
                                      Bill.period == "2027-02")).first() is None
    billers.issue_due_bills(db, datetime(2027, 2, 5, 5, 0, tzinfo=UTC))  # Feb 5th, 00:00
    db.commit()
    feb = db.exec(select(Bill).where(Bill.biller_id == enel.id, Bill.period == "2027-02")).one()
    assert feb.issued_on == date(2027, 2, 5) and feb.due_on == date(2027, 2, 20)
    assert feb.reference == "0045123987"


def test_ensure_current_bill_is_idempotent_and_keeps_a_changed_bill(demo, db):
    enel = _biller(db, "1001")
    today = date(2027, 3, 10)
    first = billers.ensure_current_bill(db, enel, "7654321", today)
    db.commit()
    again = billers.ensure_current_bill(db, enel, "7654321", today + timedelta(days=5))
    db.commit()
    assert again.id == first.id and first.period == "2027-03"
    assert first.amount == billers.bill_amount(enel, "7654321", "2027-03")
    # the biller changed the bill: looking it up again does not undo the change
    db.exec(update(Bill).where(Bill.id == first.id).values(amount=Bill.amount + 100,
                                                           version=2))
    db.commit()
    db.expire_all()
    third = billers.ensure_current_bill(db, enel, "7654321", today)
    db.commit()
    assert third.id == first.id and third.version == 2
    assert third.amount == billers.bill_amount(enel, "7654321", "2027-03") + 100
    assert len(db.exec(select(Bill).where(Bill.reference == "7654321")).all()) == 1
    # leading zeros make another reference, hence another bill
    other = billers.ensure_current_bill(db, enel, "07654321", today)
    db.commit()
    assert other.id != first.id
