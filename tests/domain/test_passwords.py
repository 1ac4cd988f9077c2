"""The password policy (NIST SP 800-63B) and «Cambio de Clave e Imagen Propia» in the
domain (issue 13, point 4)."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from sqlmodel import select

from occireflex.domain import access, auth, own_account, passwords
from occireflex.domain.errors import LoginFailed, ValidationError
from occireflex.models import AuditEvent, PasswordHistory, User
from tests.helpers import DEMO_PASSWORD, code_for, login

COMPANY = "Nueva Empresa S.A.S."


def check(password, **kw):
    return passwords.check(password, username=kw.pop("username", "tesoreria.nueva"),
                           company_name=kw.pop("company", COMPANY), **kw)


def test_length_not_composition():
    assert check("abcdefgh lmn") == "abcdefgh lmn"  # lower case only, a space: fine
    assert check("ñandú con café") == "ñandú con café"  # any Unicode
    assert check("x" * 63 + "y") == "x" * 63 + "y"
    with pytest.raises(ValidationError, match="al menos 8 caracteres \\(tiene 7\\)"):
        check("kq9#zt2")
    with pytest.raises(ValidationError, match="al menos 12 caracteres"):
        check("kq9#zt2vbn", min_length=12)
    with pytest.raises(ValidationError, match="hasta 64 caracteres \\(tiene 65\\)"):
        check("x" * 65)
    with pytest.raises(ValidationError, match="Escriba la nueva clave"):
        check(None)


@pytest.mark.parametrize("common", ["password1", "PASSWORD1", "12345678", "iloveyou",
                                    "Contraseña", "colombia123", "Bogotá123"])
def test_common_passwords_are_refused_whatever_the_case_or_accents(common):
    with pytest.raises(ValidationError, match="entre las más usadas"):
        check(common)


def test_the_username_or_the_company_name_inside_is_refused():
    with pytest.raises(ValidationError, match="nombre de usuario"):
        check("mi Tesoreria.Nueva favorita")
    with pytest.raises(ValidationError, match="nombre de su empresa"):
        check("la NUEVA empresa paga")
    assert check("mi empresa paga puntual")  # the legal form and «empresa» alone are fine


def test_normalized_so_one_character_is_one_character():
    decomposed = unicodedata.normalize("NFD", "mañana tranquila")
    assert len(decomposed) == 17 and check(decomposed) == "mañana tranquila"


def test_strength_meter():
    assert passwords.strength("password1") == (0, "Muy débil")
    assert passwords.strength("") == (0, "Muy débil")
    score, label = passwords.strength("tres tigres comen trigo en Cali")
    assert score >= 3 and label in ("Fuerte", "Muy fuerte")


# Cambio de Clave -----------------------------------------------------------------------

def _actor(db, username="admin.demo"):
    return access.load_actor(db, login(db, username).session_token)


def _change(db, actor, new, *, current=DEMO_PASSWORD, repeat=None, code=None, clock=None):
    clock.advance(timedelta(seconds=31))  # each token code is accepted once
    own_account.change_own_password(db, actor, current, new, new if repeat is None else repeat,
                                    code or code_for(db, "admin.demo", clock.now))
    db.commit()


def test_a_user_changes_their_password_and_only_the_new_one_opens(demo, db, pinned_clock):
    actor = _actor(db)
    _change(db, actor, "tres tigres comen trigo", clock=pinned_clock)
    pinned_clock.advance(timedelta(seconds=31))
    assert login(db, "admin.demo", password="tres tigres comen trigo").user_id == actor.user_id
    pinned_clock.advance(timedelta(seconds=31))
    with pytest.raises(LoginFailed):
        login(db, "admin.demo", password=DEMO_PASSWORD)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "clave_cambiada")).one()
    assert event.outcome == "ok" and "tigres" not in (event.after or "") + (event.before or "")


@pytest.mark.parametrize("current, new, repeat, message", [
    ("no es la clave", "tres tigres comen trigo", None, own_account.WRONG_CURRENT),
    (DEMO_PASSWORD, "tres tigres comen trigo", "tres tigres comen trig", own_account.NOT_REPEATED),
    (DEMO_PASSWORD, DEMO_PASSWORD, None, own_account.SAME_AS_CURRENT),
    (DEMO_PASSWORD, "corta", None, "al menos 8"),
    (DEMO_PASSWORD, "password1", None, "más usadas"),
])
def test_refusals_name_the_problem_spend_no_token_and_change_nothing(demo, db, pinned_clock,
                                                                     current, new, repeat,
                                                                     message):
    actor = _actor(db)
    before = db.exec(select(User.password_hash).where(User.id == actor.user_id)).one()
    code = code_for(db, "admin.demo", pinned_clock.now + timedelta(seconds=31))
    with pytest.raises(ValidationError, match=message):
        _change(db, actor, new, current=current, repeat=repeat, code=code, clock=pinned_clock)
    db.rollback()
    assert db.exec(select(User.password_hash).where(User.id == actor.user_id)).one() == before
    # the code was not spent: the same one still confirms a valid change
    own_account.change_own_password(db, actor, DEMO_PASSWORD, "tres tigres comen trigo",
                                    "tres tigres comen trigo", code)


def test_a_wrong_token_code_changes_nothing(demo, db, pinned_clock):
    actor = _actor(db)
    with pytest.raises(ValidationError, match="código del token no es válido"):
        _change(db, actor, "tres tigres comen trigo", code="000000", clock=pinned_clock)
    db.rollback()
    pinned_clock.advance(timedelta(seconds=31))
    assert login(db, "admin.demo").user_id == actor.user_id  # the old password still opens


def test_none_of_the_last_five_passwords_comes_back(demo, db, pinned_clock):
    actor = _actor(db)
    chain = [DEMO_PASSWORD] + [f"frase numero {n} del año" for n in range(1, 7)]
    for old, new in zip(chain, chain[1:], strict=False):
        _change(db, actor, new, current=old, clock=pinned_clock)
    assert len(db.exec(select(PasswordHistory)).all()) == passwords.HISTORY - 1
    for recent in chain[-5:-1]:
        with pytest.raises(ValidationError, match="últimas 5 claves"):
            _change(db, actor, recent, current=chain[-1], clock=pinned_clock)
        db.rollback()
    _change(db, actor, chain[1], current=chain[-1], clock=pinned_clock)  # six ago: allowed


def test_own_image_from_the_gallery_only(demo, db, pinned_clock):
    actor = _actor(db)
    with pytest.raises(ValidationError, match="galería"):
        own_account.change_own_image(db, actor, "../../etc/passwd", "123456")
    pinned_clock.advance(timedelta(seconds=31))
    own_account.change_own_image(db, actor, "velero", code_for(db, "admin.demo",
                                                               pinned_clock.now))
    db.commit()
    assert db.get(User, actor.user_id).own_image == "velero"
    assert "velero" in auth.OWN_IMAGES
