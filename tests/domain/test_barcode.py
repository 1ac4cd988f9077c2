"""«Inscribir / Pagar con código de barras»: a bill's GS1-128 barcode, (415) GLN of the
biller, (8020) reference, (3900) amount, (96) due date; hand-written lines, true GS1-128
images drawn by treepoem (Ghostscript) and read back by zxing-cpp, and the domain entry
points with their authority checks, the database as proof."""

from __future__ import annotations

import io
from datetime import date, timedelta
from functools import cache

import pytest
import qrcode
from PIL import Image
from sqlalchemy import func, update
from sqlmodel import Session, select

from occireflex.domain import access, bogota
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.domain.payments import barcode, barcode_image, billers
from occireflex.domain.payments import pay as payments
from occireflex.models import AuditEvent, Bill, Biller, Enrollment, Payment, utcnow
from tests.helpers import code_for, login

treepoem = pytest.importorskip("treepoem")

# Thursday 10 December 2026 in Bogotá: Enel's December bill was issued the 5th, due the 20th
pytestmark = pytest.mark.clock("2026-12-10T08:00:05")
TODAY = date(2026, 12, 10)

PAYER, OTHER_CURRENT = "256098765", "256011111"
ENEL_GLN, VANTI_GLN = "7709998010017", "7709998010048"
LINE = "(415)7709998010017(8020)0045123987(3900)98558100(96)20261220"
PARSED = barcode.BarcodeData(gln=ENEL_GLN, reference="0045123987",
                             amount_centavos=98_558_100_00, due_on=date(2026, 12, 20))


# helpers ----------------------------------------------------------------------------------

def actor_of(db: Session, username: str) -> access.Actor:
    actor = access.load_actor(db, login(db, username).session_token)
    db.commit()
    return actor


def biller(db: Session, code: str) -> Biller:
    return db.exec(select(Biller).where(Biller.code == code)).one()


def account_id(db: Session, number: str) -> int:
    from occireflex.models import Account

    return db.exec(select(Account.id).where(Account.number == number)).one()


def count(db: Session, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def line_for(gln: str, reference: str, amount: int, due: date) -> str:
    """The line printed under a bill's bars (amount in centavos, printed as pesos)."""
    return f"(415){gln}(8020){reference}(3900){amount // 100}(96){due:%Y%m%d}"


def mod10(body: str) -> str:
    """GS1 check digit, computed here from the standard (weights 3, 1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str(-total % 10)


@cache
def png(data: str, lint: bool = True) -> bytes:
    """A true GS1-128 symbol of ``data`` (HRI with parentheses), drawn by BWIPP, as PNG."""
    options = {} if lint else {"dontlint": True}
    image = treepoem.generate_barcode(barcode_type="gs1-128", data=data, options=options)
    out = io.BytesIO()
    image.convert("L").save(out, "PNG")
    return out.getvalue()


def photo(data: bytes) -> bytes:
    """The PNG as a phone would send it: bigger, on a page, a little tilted, as a JPEG."""
    symbol = Image.open(io.BytesIO(data)).convert("L")
    symbol = symbol.resize((symbol.width * 3, symbol.height * 3), Image.Resampling.NEAREST)
    page = Image.new("L", (symbol.width + 400, symbol.height + 600), 235)
    page.paste(symbol, (200, 300))
    page = page.rotate(4, expand=True, fillcolor=235)
    out = io.BytesIO()
    page.convert("RGB").save(out, "JPEG", quality=70)
    return out.getvalue()


def encoded(image: Image.Image, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as err:
        call(*args, **kwargs)
    return err.value.message


# the catalog's GLNs -------------------------------------------------------------------------

def test_every_catalog_biller_has_its_own_valid_colombian_gln(demo, db):
    glns = [spec.gln for spec in billers.BILLERS]
    assert len(set(glns)) == len(glns)
    for gln in glns:
        assert len(gln) == 13 and gln.isdigit() and gln[:3] in ("770", "771")
        assert gln[-1] == mod10(gln[:-1]), gln
    stored = dict(db.exec(select(Biller.code, Biller.gln)).all())
    assert stored == {spec.code: spec.gln for spec in billers.BILLERS}
    # ensure_billers (init-db) gives a catalog biller without one its GLN back
    db.exec(update(Biller).where(Biller.code == "1004").values(gln=None))
    db.commit()
    assert billers.ensure_billers(db) == 0
    db.commit()
    assert biller(db, "1004").gln == VANTI_GLN


# parse_line ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    LINE,
    "  (415) 7709998010017 (8020) 0045123987 (3900) 98558100 (96) 20261220 ",
    "(415)7709998010017\n(8020)0045123987\t(3900)98558100(96)20261220",
    # what a scanner sends: FNC1 as GS after the variable-length fields, «]C1» in front
    "415770999801001780200045123987\x1d390098558100\x1d9620261220",
    "]C1415770999801001780200045123987\x1d390098558100\x1d9620261220",
    "\x1d415770999801001780200045123987\x1d390098558100\x1d9620261220\x1d",
    # typed without parentheses: a blank ends a field
    "4157709998010017 80200045123987 390098558100 9620261220",
], ids=["parentheses", "blanks", "line-breaks", "fnc1", "fnc1-symbology", "fnc1-leading",
        "blank-separated"])
def test_a_bill_line_in_every_form_gives_the_same_data(text):
    assert barcode.parse_line(text) == PARSED


def test_the_gln_check_digit_is_verified():
    wrong = LINE.replace(ENEL_GLN, ENEL_GLN[:-1] + "8")
    assert error_of(barcode.parse_line, wrong) == (
        "El dígito de verificación del código del convenio (415) no es válido.")
    scanned = "]C14157709998010018" + "80200045123987\x1d390098558100\x1d9620261220"
    assert error_of(barcode.parse_line, scanned) == barcode.BAD_GLN


@pytest.mark.parametrize("text, message", [
    ("(415)7709998010017(8020)0045123987(96)20261220",
     "Al código de barras le falta el valor a pagar (3900)."),
    ("(415)7709998010017(3900)98558100(96)20261220",
     "Al código de barras le falta la referencia de pago (8020)."),
    ("(8020)0045123987(3900)98558100",
     "Al código de barras le falta el código del convenio (415) y la fecha límite de pago (96)."),
    ("(8020)0045123987",
     "Al código de barras le falta el código del convenio (415), el valor a pagar (3900) y la "
     "fecha límite de pago (96)."),
])
def test_missing_fields_are_named(text, message):
    assert error_of(barcode.parse_line, text) == message


@pytest.mark.parametrize("due", ["20261332", "20260230", "2026122", "2026122X", "202612201"])
def test_bad_due_dates_are_refused_with_the_date_read(due):
    message = error_of(barcode.parse_line, LINE.replace("(96)20261220", f"(96){due}"))
    assert message == (f"La fecha límite de pago (96) del código de barras no es válida: "
                       f"«{due}» (debe ser una fecha AAAAMMDD).")


def test_amounts_follow_the_gs1_decimals_rule():
    with_cents = LINE.replace("(3900)98558100", "(3902)9855810050")
    assert barcode.parse_line(with_cents).amount_centavos == 98_558_100_50
    assert barcode.parse_line(LINE.replace("(3900)98558100", "(3901)985581005")) \
        .amount_centavos == 98_558_100_50
    assert error_of(barcode.parse_line, LINE.replace("(3900)98558100", "(3903)98558101")) == (
        "El valor a pagar (3903) del código de barras tiene más de dos decimales.")
    assert error_of(barcode.parse_line, LINE.replace("(3900)98558100", "(3900)000")) == (
        "El valor a pagar (3900) del código de barras debe ser mayor que cero.")
    assert error_of(barcode.parse_line, LINE.replace("(3900)98558100", "(3900)98.5")) == (
        "El valor a pagar (3900) debe tener solo dígitos, hasta 15.")
    assert error_of(barcode.parse_line, LINE + "(3902)100") == (
        "El código de barras trae dos veces el campo (3902).")


@pytest.mark.parametrize("text, message", [
    ("", barcode.EMPTY), ("  \x1d ", barcode.EMPTY), (None, barcode.EMPTY),
    (42, barcode.EMPTY), (["(415)"], barcode.EMPTY),
    ("]C0FACTURA123", barcode.NOT_GS1), ("]Q3" + LINE, barcode.NOT_GS1),
    (LINE.replace("0045123987", "00451ñ3987"), barcode.BAD_CHARACTERS),
    (LINE.replace("(96)", "\x00(96)"), barcode.BAD_CHARACTERS),
    ("4157709998010017802000451239873900985581009620261220", barcode.NO_SEPARATORS),
    ("(415)770999801001(8020)0045123987(3900)98558100(96)20261220",
     "El código del convenio (415) debe tener 13 dígitos."),
    (LINE.replace("0045123987", "1" * 26), barcode.BAD_FORMAT[barcode.REFERENCE]),
    ("factura de la luz", barcode.UNREADABLE),
    (LINE + "(1)1" * 80, barcode.TOO_LONG),
])
def test_what_is_not_a_bill_barcode_is_refused_saying_why(text, message):
    assert error_of(barcode.parse_line, text) == message


# decode_image -------------------------------------------------------------------------------

def test_a_true_gs1_128_image_is_read_back_as_its_line():
    vanti = line_for(VANTI_GLN, "00876543", 123_456_00, date(2026, 12, 17))
    assert barcode.decode_image(png(LINE)) == LINE
    assert barcode.decode_image(png(vanti)) == vanti  # leading zeros survive
    assert barcode.decode_image(photo(png(LINE))) == LINE  # bigger, tilted, JPEG
    assert barcode.parse_line(barcode.decode_image(bytearray(png(LINE)))) == PARSED


def test_images_without_one_bill_barcode_are_refused_saying_why():
    blank = encoded(Image.new("L", (800, 300), 255))
    assert error_of(barcode.decode_image, blank) == barcode_image.NOT_FOUND
    # the same line as a QR code: only Code 128 is read
    assert error_of(barcode.decode_image, encoded(qrcode.make(LINE).get_image())) == \
        barcode_image.NOT_FOUND
    plain = treepoem.generate_barcode(barcode_type="code128", data="FACTURA123")
    assert error_of(barcode.decode_image, encoded(plain)) == barcode_image.NOT_GS1
    two = Image.new("L", (900, 400), 255)
    two.paste(Image.open(io.BytesIO(png(LINE))), (40, 40))
    other = line_for(VANTI_GLN, "00876543", 123_456_00, date(2026, 12, 17))
    two.paste(Image.open(io.BytesIO(png(other))), (40, 240))
    assert error_of(barcode.decode_image, encoded(two)) == barcode_image.SEVERAL


def test_what_is_not_an_image_or_too_big_is_refused_before_decoding():
    for junk in (b"", b"GIF89a-not-really", b"%PDF-1.7\n", png(LINE)[:200], "texto", None):
        assert error_of(barcode.decode_image, junk) == barcode_image.NOT_AN_IMAGE
    heavy = png(LINE) + b"\0" * barcode_image.MAX_BYTES
    assert error_of(barcode.decode_image, heavy) == barcode_image.TOO_HEAVY
    # 48 megapixels in a few kilobytes of PNG: refused from the header
    bomb = encoded(Image.new("1", (8000, 6000), 1))
    assert len(bomb) < 1_000_000
    assert error_of(barcode.decode_image, bomb) == barcode_image.TOO_MANY_PIXELS


# inscribe_from_barcode ----------------------------------------------------------------------

def test_inscribe_from_an_image_of_the_bill(demo, db):
    admin = actor_of(db, "admin.demo")
    vanti = biller(db, "1004")
    image = photo(png(line_for(VANTI_GLN, "00876543", 123_456_00, date(2026, 12, 17))))
    row = barcode.inscribe_from_barcode(db, admin, image, account_id(db, PAYER), "Gas sede")
    db.commit()
    db.expire_all()
    stored = db.get(Enrollment, row.id)
    assert (stored.company_id, stored.biller_id, stored.reference, stored.alias) == (
        admin.company_id, vanti.id, "00876543", "Gas sede")
    assert stored.account_id == account_id(db, PAYER)
    assert count(db, Bill, Bill.biller_id == vanti.id, Bill.reference == "00876543") == 1
    created = db.exec(select(AuditEvent).where(AuditEvent.action == "inscripcion_creada",
                                               AuditEvent.target == f"inscripcion:{row.id}"))
    assert created.one().user_id == admin.user_id
    # the same bill again: already inscribed in the company
    assert error_of(barcode.inscribe_from_barcode, db, admin, image,
                    account_id(db, PAYER), "") == (
        "La referencia 00876543 de Vanti Gas Natural ya está inscrita en su empresa.")


def test_inscribe_refuses_unknown_billers_and_references_their_rules_refuse(demo, db):
    admin = actor_of(db, "admin.demo")
    payer = account_id(db, PAYER)
    before = count(db, Enrollment)
    unknown = "7701234567897"  # a valid GLN, of no biller of the catalog
    assert unknown[-1] == mod10(unknown[:-1])
    assert error_of(barcode.inscribe_from_barcode, db, admin,
                    LINE.replace(ENEL_GLN, unknown), payer, "") == barcode.UNKNOWN_BILLER
    db.exec(update(Biller).where(Biller.code == "1001").values(is_active=False))
    db.commit()
    assert error_of(barcode.inscribe_from_barcode, db, admin, LINE.replace(
        "0045123987", "0045123999"), payer, "") == barcode.UNKNOWN_BILLER
    db.exec(update(Biller).where(Biller.code == "1001").values(is_active=True))
    db.commit()
    cases = [  # Enel: «Número de cliente», 7 to 10 digits; Air-e: NIC, 7
        (ENEL_GLN, "12AB567", "La referencia 12AB567 del código de barras no es válida. "
                              "«Número de cliente» de Enel Colombia: admite solo dígitos del 0 "
                              "al 9."),
        (ENEL_GLN, "123", "La referencia 123 del código de barras no es válida. «Número de "
                          "cliente» de Enel Colombia: debe tener entre 7 y 10 caracteres."),
        ("7709998010093", "123456", "La referencia 123456 del código de barras no es válida. "
                                    "«NIC» de Air-e: debe tener 7 caracteres."),
    ]
    for gln, reference, message in cases:
        text = line_for(gln, reference, 100_000_00, date(2026, 12, 20))
        assert error_of(barcode.inscribe_from_barcode, db, admin, text, payer, "") == message
    assert count(db, Enrollment) == before


def test_inscribe_checks_the_grant_first_and_the_company_of_the_account(demo, db):
    consulta, admin = actor_of(db, "consulta.demo"), actor_of(db, "admin.demo")
    before = count(db, Enrollment)
    vanti_line = line_for(VANTI_GLN, "87654321", 99_000_00, date(2026, 12, 17))
    # no grant: refused and audited before the image is even opened (not an image here)
    for code in (b"not an image", vanti_line):
        with pytest.raises(AccessDenied):
            barcode.inscribe_from_barcode(db, consulta, code, account_id(db, PAYER), "")
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                              AuditEvent.user_id == consulta.user_id)).all()
    assert len(denied) == 2
    # another company's debit account, or a forged one
    for forged in (account_id(db, OTHER_CURRENT), str(account_id(db, PAYER)), None):
        with pytest.raises(AccessDenied):
            barcode.inscribe_from_barcode(db, admin, vanti_line, forged, "")
    assert count(db, Enrollment) == before


# payable_from_barcode -----------------------------------------------------------------------

def current_enel_bill(db: Session) -> Bill:
    enel = biller(db, "1001")
    period, _, _ = billers.current_period(enel, TODAY)
    return db.exec(select(Bill).where(Bill.biller_id == enel.id, Bill.reference == "0045123987",
                                      Bill.period == period)).one()


def test_pay_with_the_barcode_of_the_current_bill(demo, db):
    admin = actor_of(db, "admin.demo")
    bill = current_enel_bill(db)
    assert bill.due_on == date(2026, 12, 20) and bill.status == billers.PENDIENTE
    text = line_for(ENEL_GLN, "0045123987", bill.amount, bill.due_on)
    now = utcnow()
    lines = barcode.payable_from_barcode(db, admin, text, now)
    mine = db.exec(select(Enrollment.id).where(Enrollment.company_id == admin.company_id,
                                               Enrollment.reference == "0045123987")).one()
    assert [(x.enrollment_id, x.bill_id, x.amount, x.due_on, x.state) for x in lines] == [
        (mine, bill.id, bill.amount, "2026/12/20", "Por vencer")]
    # the scanner's form of the same bill gives the same line
    scanned = (f"]C1415{ENEL_GLN}80200045123987\x1d3900{bill.amount // 100}\x1d9620261220")
    assert barcode.payable_from_barcode(db, admin, scanned, now) == lines
    results = payments.pay_bills(db, admin, [(mine, bill.id, bill.version)],
                                 account_id(db, PAYER), code_for(db, "admin.demo", now, 1), now)
    assert results[0].ok
    db.expire_all()
    assert db.get(Bill, bill.id).status == billers.PAGADA
    assert error_of(barcode.payable_from_barcode, db, admin, text, now) == (
        "La factura de Enel Colombia ref. 0045123987 ya está pagada.")


def test_pay_refuses_another_amount_another_bill_and_a_past_due_date(demo, db):
    admin = actor_of(db, "admin.demo")
    bill = current_enel_bill(db)
    now = utcnow()
    other_amount = bill.amount + 1_000_00
    message = error_of(barcode.payable_from_barcode, db, admin,
                       line_for(ENEL_GLN, "0045123987", other_amount, bill.due_on), now)
    assert message.startswith("El valor del código de barras ($ ")
    assert f"ref. 0045123987 ({bill_text(bill.amount)})" in message
    assert bill_text(other_amount) in message
    later = bill.due_on + timedelta(days=3)
    assert error_of(barcode.payable_from_barcode, db, admin,
                    line_for(ENEL_GLN, "0045123987", bill.amount, later), now) == (
        "El código de barras es de una factura que vence el 2026/12/23; la factura pendiente "
        "de Enel Colombia ref. 0045123987 vence el 2026/12/20.")
    # November's bill: its due date (the 20th) has passed
    assert error_of(barcode.payable_from_barcode, db, admin,
                    line_for(ENEL_GLN, "0045123987", bill.amount, date(2026, 11, 20)), now) == (
        "La fecha límite de pago del código de barras (2026/11/20) ya pasó: pida a Enel "
        "Colombia una factura vigente.")
    # the same barcode a day after its due date («now» passed in)
    after_due = bogota.day_start(date(2026, 12, 21)) + timedelta(hours=9)
    assert "ya pasó" in error_of(barcode.payable_from_barcode, db, admin,
                                 line_for(ENEL_GLN, "0045123987", bill.amount, bill.due_on),
                                 after_due)
    assert count(db, Payment) == 0


def bill_text(amount: int) -> str:
    from occireflex.domain.money import format_pesos

    return format_pesos(amount)


def test_pay_offers_nothing_for_a_reference_the_company_has_not_inscribed(demo, db):
    admin, otra = actor_of(db, "admin.demo"), actor_of(db, "admin.otra")
    bill = current_enel_bill(db)
    text = line_for(ENEL_GLN, "0045123987", bill.amount, bill.due_on)
    bills_before, enrollments_before = count(db, Bill), count(db, Enrollment)
    # Demo inscribed it, Otra Empresa did not: Otra gets no line of Demo's inscription
    assert error_of(barcode.payable_from_barcode, db, otra, text, utcnow()) == (
        "La referencia 0045123987 de Enel Colombia no está inscrita en su empresa: "
        "inscríbala antes de pagarla.")
    # nobody inscribed this one: no bill issued, nothing inscribed
    fresh = line_for(ENEL_GLN, "7777777", 100_000_00, date(2026, 12, 20))
    assert "no está inscrita" in error_of(barcode.payable_from_barcode, db, admin, fresh,
                                          utcnow())
    # a deleted inscription is no inscription
    db.exec(update(Enrollment).where(Enrollment.company_id == admin.company_id,
                                     Enrollment.reference == "0045123987")
            .values(deleted_at=utcnow()))
    db.commit()
    assert "no está inscrita" in error_of(barcode.payable_from_barcode, db, admin, text,
                                          utcnow())
    assert (count(db, Bill), count(db, Enrollment)) == (bills_before, enrollments_before)
    assert count(db, Enrollment, Enrollment.company_id == otra.company_id) == 0


def test_pay_checks_the_grant(demo, db):
    consulta = actor_of(db, "consulta.demo")
    bill = current_enel_bill(db)
    with pytest.raises(AccessDenied):
        barcode.payable_from_barcode(db, consulta, line_for(ENEL_GLN, "0045123987",
                                                            bill.amount, bill.due_on), utcnow())
    assert count(db, AuditEvent, AuditEvent.action == "acceso_denegado",
                 AuditEvent.user_id == consulta.user_id) == 1
