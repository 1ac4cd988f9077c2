"""Consulta de Actividad through the state layer: filters, paging, the detail dialog, the
chain's verdict, and forged events refused with the database as proof."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from occireflex.domain import audit
from occireflex.models import AuditEvent, Company
from occireflex.state.activity import ActivityState


def test_the_screen_shows_the_companys_events_and_the_verdict(logged_in, db):
    b = logged_in("admin.demo")
    s = b.get(ActivityState)
    s.load()
    assert s.intact and s.verdict.startswith("Registro íntegro")
    assert s.total >= 1 and all(r["user"] != "admin.otra" for r in s.rows)
    assert any(r["action"] == "Login" for r in s.rows)
    s.set_outcome("fallido")
    s.apply_filters()
    assert s.total == 0 and s.message == ""
    s.set_outcome("todos")
    s.set_service("'; DROP TABLE auditevent; --")
    s.apply_filters()
    assert "servicio" in s.message and s.rows == []
    s.set_service("ingreso")
    s.apply_filters()
    assert s.total >= 1
    s.open_detail(s.rows[0]["id"])
    assert s.detail_open and s.detail_row["action"] == "Login"


def test_forged_detail_of_another_companys_event_is_refused(logged_in, db):
    other = db.exec(select(Company.id).where(Company.name == "Otra Empresa S.A.S.")).one()
    foreign = audit.record(db, "pago_exitoso", company_id=other, target="ajeno")
    db.commit()
    b = logged_in("admin.demo")
    s = b.get(ActivityState)
    s.load()
    s.open_detail(str(foreign.id))
    assert not s.detail_open
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "acceso_denegado",
                                              AuditEvent.target == f"auditoria:{foreign.id}"))
    assert denied.first() is not None
    secondary = logged_in("prepara.demo")
    t = secondary.get(ActivityState)
    t.load()
    assert t.rows == [] and "permiso" in t.message


def test_a_tampered_row_turns_the_verdict_red(logged_in, db):
    b = logged_in("admin.demo")
    first = db.exec(select(AuditEvent).where(AuditEvent.action == "login")).first()
    with Session(db.get_bind()) as raw:
        raw.exec(update(AuditEvent).where(AuditEvent.id == first.id).values(ip="1.2.3.4"))
        raw.commit()
    s = b.get(ActivityState)
    s.load()
    assert not s.intact and "Registro alterado" in s.verdict
