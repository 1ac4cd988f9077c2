"""«Consulta de Actividad» (issue 14, point 1): the company's events only, filtered and
paged in SQL, each with its before/after, exported by grant, with the chain's verdict."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import activity, audit
from occireflex.domain.errors import AccessDenied, ValidationError
from occireflex.models import AuditEvent, Company, User
from tests.helpers import actor_at

F = activity.Filters


def ids(db, name: str) -> tuple[int, int]:
    company = db.exec(select(Company.id).where(Company.name == name)).one()
    user = db.exec(select(User.id).where(User.company_id == company)).first()
    return company, user


def seed_events(db) -> None:
    demo, demo_user = ids(db, "Empresa Demo S.A.S.")
    other, other_user = ids(db, "Otra Empresa S.A.S.")
    audit.record(db, "perfil_modificado", company_id=demo, user_id=demo_user,
                 target="perfil:7", before={"nombre": "Pruebas1"}, after={"nombre": "Consulta"})
    audit.record(db, "login_fallido", company_id=demo, user_id=demo_user, outcome="fallido",
                 ip="10.1.1.1")
    audit.record(db, "pago_exitoso", company_id=other, user_id=other_user, target="secreto")
    db.commit()


def test_only_the_companys_events_with_filters_and_detail(demo, db, pinned_clock):
    seed_events(db)
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    page = activity.search(db, actor, F(), 1, 50)
    assert "secreto" not in {r.target for r in page.rows}
    assert {"Perfil modificado", "Login fallido", "Login"} <= {r.action for r in page.rows}
    failed = activity.search(db, actor, F(outcome="fallido"), 1, 50)
    assert [r.action for r in failed.rows] == ["Login fallido"] and failed.rows[0].ip == "10.1.1.1"
    profiles = activity.search(db, actor, F(service="perfiles"), 1, 50)
    assert [r.action for r in profiles.rows] == ["Perfil modificado"]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "perfil_modificado")).one()
    found = activity.detail(db, actor, event.id)
    assert found.changes == [("nombre", "Pruebas1", "Consulta")]
    assert activity.search(db, actor, F(action="login"), 1, 50).total >= 1
    with pytest.raises(ValidationError):
        activity.search(db, actor, F(service="inventado"))
    with pytest.raises(ValidationError):
        activity.search(db, actor, "filtros")


def test_forged_ids_another_company_and_missing_grants_are_refused(demo, db, pinned_clock):
    seed_events(db)
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    foreign = db.exec(select(AuditEvent).where(AuditEvent.target == "secreto")).one()
    for forged in (foreign.id, -1, "1", True, None):
        with pytest.raises(AccessDenied):
            activity.detail(db, actor, forged)
    _other_company, other_user = ids(db, "Otra Empresa S.A.S.")
    with pytest.raises(AccessDenied):  # a user of another company as a filter
        activity.search(db, actor, F(user_id=other_user))
    secondary = actor_at(db, "prepara.demo", pinned_clock.now)
    with pytest.raises(AccessDenied):
        activity.search(db, secondary, F())
    with pytest.raises(AccessDenied):
        activity.export(db, secondary, F(), catalog.EXCEL)


def test_exports_hold_every_matching_event_and_the_verdict_sees_a_break(demo, db,
                                                                        pinned_clock):
    seed_events(db)
    actor = actor_at(db, "admin.demo", pinned_clock.now)
    data = activity.export(db, actor, F(), catalog.EXCEL)
    assert data.xlsx()[:2] == b"PK" and data.pdf()[:4] == b"%PDF"
    assert len(data.rows) == activity.search(db, actor, F(), 1, 50).total
    assert activity.integrity(db, actor).intact
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "perfil_modificado")).one()
    with Session(db.get_bind()) as raw:
        raw.exec(update(AuditEvent).where(AuditEvent.id == event.id).values(after=None))
        raw.commit()
    verdict = activity.integrity(db, actor)
    assert not verdict.intact and verdict.broken_seq == event.seq
