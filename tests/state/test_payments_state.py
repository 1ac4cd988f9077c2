"""Servicios Públicos y Privados handlers as the browser calls them, forged calls included."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from occireflex.models import Account, AutoPayRule, Bill, Enrollment, Payment, utcnow
from tests.helpers import code_for


def _enrollment(db, reference):
    return db.exec(select(Enrollment).where(Enrollment.reference == reference)).one()


def test_load_shows_company_inscriptions_only(logged_in):
    b = logged_in("admin.demo")
    b.payments.load()
    assert {r["reference"] for r in b.payments.rows} == {"0045123987", "12345678", "8012345678"}
    assert len(b.payments.biller_options) >= 12 and len(b.payments.accounts) == 2
    other = logged_in("admin.otra")
    other.payments.load()
    assert other.payments.rows == [] and other.payments.total == 0


def test_user_without_grant_gets_message_not_data(logged_in):
    b = logged_in("consulta.demo")
    b.payments.load()
    assert b.payments.rows == [] and "permiso" in b.payments.error


def test_inscribe_from_form_and_errors(logged_in, db):
    b = logged_in("prepara.demo")
    b.payments.load()
    vanti = next(o for o in b.payments.biller_options if o["label"].startswith("1004"))
    b.payments.open_form()
    b.payments.set_biller_id(vanti["id"])
    b.payments.inscribe({"referencia": "12AB", "alias": "x"})
    assert "solo dígitos" in b.payments.error and b.payments.form_open
    b.payments.inscribe({"referencia": "0099887766", "alias": "Gas planta"})
    assert b.payments.error == "" and "0099887766" in b.payments.message
    assert _enrollment(db, "0099887766").alias == "Gas planta"


def test_forged_biller_and_account_are_refused(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    b.payments.set_biller_id("999999")  # not an option: ignored
    assert b.payments.biller_id == ""
    b.payments.biller_id = b.payments.biller_options[0]["id"]
    other_account = db.exec(select(Account).where(Account.number == "256011111")).one()
    b.payments.account_id = str(other_account.id)  # a tampered client
    b.payments.inscribe({"referencia": "55554444", "alias": ""})
    assert "no pertenece" in b.payments.error
    assert db.exec(select(Enrollment).where(Enrollment.reference == "55554444")).first() is None


def test_pay_selected_with_token(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    ids = [r["id"] for r in b.payments.rows if r["payable"]][:2]
    for i in ids:
        b.payments.toggle_selected(i)
    b.payments.pay_selected()
    assert b.payments.stage == "pay" and len(b.payments.pay_lines) == 2
    b.payments.confirm_payment({"token": "123"})
    assert "6 dígitos" in b.payments.pay_error or "token" in b.payments.pay_error
    b.payments.confirm_payment({"token": code_for(db, "admin.demo", utcnow(), 1)})
    assert b.payments.stage == "result" and b.payments.results_ok == 2
    assert all(len(r["receipt"]) == 16 for r in b.payments.results)
    paid = db.exec(select(func.count()).select_from(Payment).where(
        Payment.status == "exitosa")).one()
    assert paid == 2


def test_forged_pay_ids_of_another_company_are_refused(logged_in, db):
    other = logged_in("admin.otra")
    other.payments.load()
    demo_row = _enrollment(db, "0045123987")
    other.payments.pay_one(str(demo_row.id))
    assert other.payments.stage == "grid" and "no existe" in other.payments.error
    other.payments.toggle_selected("abc")
    other.payments.toggle_selected(None)
    assert other.payments.selected == []


def test_delete_and_modify_only_rows_on_screen(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    b.payments.ask_delete("999999")
    assert b.payments.delete_id == 0
    target = _enrollment(db, "8012345678")
    b.payments.ask_delete(str(target.id))
    b.payments.confirm_delete()
    db.refresh(target)
    assert target.deleted_at is not None and "8012345678" not in {
        r["reference"] for r in b.payments.rows}
    keep = _enrollment(db, "12345678")
    b.payments.open_edit(str(keep.id))
    b.payments.save_edit({"alias": "Acueducto planta"})
    db.refresh(keep)
    assert keep.alias == "Acueducto planta"


def test_program_with_token_and_cancel(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    target = _enrollment(db, "0045123987")
    b.payments.open_program(str(target.id))
    assert b.payments.program_id == target.id and not b.payments.program_exists
    b.payments.save_program({"program_max": "mil", "token": "000000"})
    assert "monto máximo" in b.payments.program_error
    b.payments.set_program_field("program_mode", "antes")
    b.payments.set_program_field("user_id", "1")  # not a program field: ignored
    b.payments.save_program({"program_max": "2.000.000", "program_days": "3",
                             "token": code_for(db, "admin.demo", utcnow(), 1)})
    assert b.payments.program_error == "" and b.payments.program_id == 0
    rule = db.exec(select(AutoPayRule).where(AutoPayRule.enrollment_id == target.id)).one()
    assert rule.days_before == 3 and rule.max_amount == 200_000_000 and rule.is_active
    b.payments.open_program(str(target.id))
    b.payments.cancel_program()
    db.refresh(rule)
    assert not rule.is_active


def test_filters_and_paging(logged_in, db):
    b = logged_in("admin.demo")
    b.payments.load()
    b.payments.set_filter_reference("8012")
    assert [r["reference"] for r in b.payments.rows] == ["8012345678"]
    b.payments.set_filter_reference("")
    b.payments.set_filter_state("Pagada")
    assert b.payments.rows == []
    b.payments.set_filter_state("<script>")
    assert b.payments.filter_state == "" and b.payments.total == 3
    b.payments.go_to_page(10**9)
    assert b.payments.page == 1
    bill_count = db.exec(select(func.count()).select_from(Bill)).one()
    assert bill_count >= 3


def test_forged_argument_types_never_crash(logged_in):
    b = logged_in("admin.demo")
    b.payments.load()
    b.payments.set_program_field(["program_max"], "1")
    b.payments.set_program_field({"x": 1}, "1")
    b.payments.save_program("not a dict")
    b.payments.inscribe(["x"])
    b.payments.save_edit(None)
    b.payments.confirm_payment(42)
    b.form.toggle_module(["consultas"])
    b.form.toggle_expanded({"a": 1})
    b.login.submit_username("x")
    b.login.submit_token(None)
    b.login.submit_password([1, 2])
    assert b.form.selected == [] and b.form.expanded == []
