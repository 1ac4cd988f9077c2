"""Login (usuario → token → condiciones → clave): step order, no user enumeration, TOTP,
replay, lockout, IP throttle and the audit trail of logins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from occireflex.domain import auth, security, sessions, tokens
from occireflex.domain.demo import DEMO_PASSWORD
from occireflex.domain.errors import LoginFailed, ValidationError
from occireflex.models import AuditEvent, LoginSession, LoginThrottle, User
from occireflex.settings import settings
from tests.helpers import code_for, login, steps_apart, token_of

NOW = datetime(2026, 3, 2, 14, 0, 5, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)  # the module's data is built at NOW
CODE_FORMAT = "El número del token tiene 6 dígitos (0 a 9)."
CONDITIONS = "Debe aceptar las condiciones de seguridad para continuar."


# helpers ----------------------------------------------------------------------------------


def user_named(db: Session, username: str) -> User:
    return db.exec(select(User).where(User.username == username)).one()


def fresh(engine, model, *where):
    """Rows as committed in the database, read through a new session."""
    with Session(engine) as other:
        return other.exec(select(model).where(*where)).all()


def wrong_code(db: Session, username: str, now: datetime) -> str:
    """A well-formed code that is none of the codes valid in the ±1 window."""
    valid = {code_for(db, username, now, k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def to_password_step(db: Session, username: str, code: str, now: datetime = NOW):
    flow = auth.submit_username(username, now)
    flow = auth.submit_token(db, flow, code, now)
    return auth.accept_conditions(flow, True, now)


def failure(db: Session, username: str, *, password: str = "Errada#2026", code: str = "000000",
            now: datetime = NOW, ip: str = "10.0.0.1") -> str:
    """Run a login that must fail; the LoginFailed message."""
    with pytest.raises(LoginFailed) as exc:
        login(db, username, password=password, code=code, now=now, ip=ip)
    return exc.value.message


# 1. step order ----------------------------------------------------------------------------

FORGED_FLOWS = [
    None,
    {"step": auth.STEP_PASSWORD, "username": "admin.demo", "token_ok": True},
    SimpleNamespace(step=auth.STEP_PASSWORD, username="admin.demo", token_ok=True,
                    token_id=1, started_at=NOW),
    "admin.demo",
]


@pytest.mark.parametrize("flow", FORGED_FLOWS, ids=["none", "dict", "lookalike", "str"])
def test_forged_or_missing_flow_is_refused_at_every_step(flow):
    # db=None: the refusal must come before any database work.
    with pytest.raises(ValidationError) as exc:
        auth.submit_token(None, flow, "123456", NOW)
    assert exc.value.message == auth.OUT_OF_ORDER
    with pytest.raises(ValidationError) as exc:
        auth.accept_conditions(flow, True, NOW)
    assert exc.value.message == auth.OUT_OF_ORDER
    with pytest.raises(ValidationError) as exc:
        auth.submit_password(None, flow, DEMO_PASSWORD, now=NOW)
    assert exc.value.message == auth.OUT_OF_ORDER


def _flow_at(step: int) -> auth.LoginFlow:
    return auth.LoginFlow(step=step, username="admin.demo", token_ok=True, token_id=1,
                          started_at=NOW)


@pytest.mark.parametrize("step", [auth.STEP_USER, auth.STEP_CONDITIONS, auth.STEP_PASSWORD])
def test_token_step_out_of_order_is_refused(step):
    with pytest.raises(ValidationError) as exc:
        auth.submit_token(None, _flow_at(step), "123456", NOW)
    assert exc.value.message == auth.OUT_OF_ORDER


@pytest.mark.parametrize("step", [auth.STEP_USER, auth.STEP_TOKEN, auth.STEP_PASSWORD])
def test_conditions_step_out_of_order_is_refused(step):
    with pytest.raises(ValidationError) as exc:
        auth.accept_conditions(_flow_at(step), True, NOW)
    assert exc.value.message == auth.OUT_OF_ORDER


@pytest.mark.parametrize("step", [auth.STEP_USER, auth.STEP_TOKEN, auth.STEP_CONDITIONS])
def test_password_step_out_of_order_is_refused(step):
    with pytest.raises(ValidationError) as exc:
        auth.submit_password(None, _flow_at(step), DEMO_PASSWORD, now=NOW)
    assert exc.value.message == auth.OUT_OF_ORDER


@pytest.mark.parametrize("accepted", [False, "true", "True", 1, None, "on"])
def test_conditions_must_be_accepted_with_a_real_true(accepted):
    flow = _flow_at(auth.STEP_CONDITIONS)
    with pytest.raises(ValidationError) as exc:
        auth.accept_conditions(flow, accepted, NOW)
    assert exc.value.message == CONDITIONS
    assert auth.accept_conditions(flow, True, NOW).step == auth.STEP_PASSWORD


def test_flow_older_than_timeout_is_expired_at_every_step():
    late = NOW + timedelta(seconds=settings.login_flow_timeout_seconds + 1)
    flow = auth.submit_username("admin.demo", NOW)
    with pytest.raises(ValidationError) as exc:
        auth.submit_token(None, flow, "123456", late)
    assert exc.value.message == auth.FLOW_EXPIRED
    with pytest.raises(ValidationError) as exc:
        auth.accept_conditions(_flow_at(auth.STEP_CONDITIONS), True, late)
    assert exc.value.message == auth.FLOW_EXPIRED
    with pytest.raises(ValidationError) as exc:
        auth.submit_password(None, _flow_at(auth.STEP_PASSWORD), DEMO_PASSWORD, now=late)
    assert exc.value.message == auth.FLOW_EXPIRED


def test_flow_without_start_time_is_expired():
    flow = auth.LoginFlow(step=auth.STEP_CONDITIONS, username="admin.demo", token_ok=True)
    with pytest.raises(ValidationError) as exc:
        auth.accept_conditions(flow, True, NOW)
    assert exc.value.message == auth.FLOW_EXPIRED


def test_flow_just_inside_timeout_still_logs_in(demo, db):
    edge = NOW + timedelta(seconds=settings.login_flow_timeout_seconds)
    flow = auth.submit_username("admin.demo", NOW)
    flow = auth.submit_token(db, flow, code_for(db, "admin.demo", edge), edge)
    flow = auth.accept_conditions(flow, True, edge)
    result = auth.submit_password(db, flow, DEMO_PASSWORD, now=edge)
    db.commit()
    assert result.user_id == user_named(db, "admin.demo").id


@pytest.mark.parametrize("raw", ["", "ab", "admin demo", "Ñandú", "-admin", "a" * 41, None, 7])
def test_malformed_username_is_refused(raw):
    with pytest.raises(ValidationError):
        auth.submit_username(raw, NOW)


def test_username_is_trimmed_and_lower_cased():
    assert auth.submit_username("  Admin.DEMO ", NOW).username == "admin.demo"


# 2. no user enumeration -------------------------------------------------------------------


def test_unknown_user_gets_the_generic_failure(demo, db):
    # Steps 2 and 3 go through as for a real user: the failure shows only at the end.
    flow = to_password_step(db, "nadie.existe", "123456")
    assert flow.step == auth.STEP_PASSWORD
    with pytest.raises(LoginFailed) as exc:
        auth.submit_password(db, flow, DEMO_PASSWORD, now=NOW)
    assert exc.value.message == auth.GENERIC_FAILURE


def test_wrong_token_code_gets_the_generic_failure(demo, db):
    flow = to_password_step(db, "admin.demo", wrong_code(db, "admin.demo", NOW))
    assert flow.step == auth.STEP_PASSWORD
    with pytest.raises(LoginFailed) as exc:
        auth.submit_password(db, flow, DEMO_PASSWORD, now=NOW)
    assert exc.value.message == auth.GENERIC_FAILURE
    db.commit()
    assert fresh(demo, LoginSession) == []


def test_wrong_password_gets_the_generic_failure(demo, db):
    code = code_for(db, "admin.demo", NOW)
    assert failure(db, "admin.demo", code=code, password="Demo2026") == auth.GENERIC_FAILURE
    assert fresh(demo, LoginSession) == []


def test_inactive_user_learns_it_only_with_the_right_password_and_token(demo, db):
    # Deactivated between the token step and the password step.
    flow = to_password_step(db, "prepara.demo", code_for(db, "prepara.demo", NOW))
    user = user_named(db, "prepara.demo")
    user.is_active = False
    db.add(user)
    db.commit()
    with pytest.raises(LoginFailed) as exc:
        auth.submit_password(db, flow, DEMO_PASSWORD, now=NOW)
    assert exc.value.message == sessions.INACTIVE_MESSAGE
    # Inactive from the start: the right credentials are told why; a wrong password is not.
    later = steps_apart(NOW, 2)
    code = code_for(db, "prepara.demo", later)
    assert failure(db, "prepara.demo", code=code, password=DEMO_PASSWORD, now=later) == \
        sessions.INACTIVE_MESSAGE
    later = steps_apart(NOW, 4)
    code = code_for(db, "prepara.demo", later)
    assert failure(db, "prepara.demo", code=code, password="otra-clave-mala",
                   now=later) == auth.GENERIC_FAILURE
    assert fresh(demo, LoginSession) == []


def test_a_channel_not_enabled_refuses_the_login_with_its_reason(demo, db):
    user = user_named(db, "prepara.demo")
    user.channel_portal = False
    db.add(user)
    db.commit()
    code = code_for(db, "prepara.demo", NOW)
    assert failure(db, "prepara.demo", code=code, password=DEMO_PASSWORD) == \
        auth.CHANNEL_BARRED["portal"]
    assert fresh(demo, LoginSession) == []


def test_a_login_records_its_moment(demo, db):
    login(db, "prepara.demo", now=NOW)
    db.expire_all()
    assert user_named(db, "prepara.demo").last_login_at == NOW


def test_unknown_user_image_is_a_stable_decoy(demo, db):
    first = auth.own_image(db, to_password_step(db, "nadie.existe", "123456"))
    again = auth.own_image(db, to_password_step(db, "NADIE.existe", "654321", NOW + timedelta(1)))
    assert first in auth.OWN_IMAGES
    assert again == first


def test_real_image_is_shown_only_after_a_valid_code(demo, db):
    user = user_named(db, "admin.demo")
    bad = wrong_code(db, "admin.demo", NOW)
    decoy = auth.own_image(db, to_password_step(db, "admin.demo", bad))
    assert decoy in auth.OWN_IMAGES
    # Make the real image differ from the decoy, so the two can be told apart.
    user.own_image = next(i for i in auth.OWN_IMAGES if i != decoy)
    db.add(user)
    db.commit()
    assert auth.own_image(db, to_password_step(db, "admin.demo", bad)) == decoy  # stable
    good = code_for(db, "admin.demo", NOW)
    assert auth.own_image(db, to_password_step(db, "admin.demo", good)) == user.own_image


def test_inactive_or_locked_user_sees_the_decoy_even_with_a_valid_code(demo, db):
    user = user_named(db, "prepara.demo")
    decoy = auth.own_image(db, to_password_step(db, "prepara.demo", "000000"))
    user.own_image = next(i for i in auth.OWN_IMAGES if i != decoy)
    user.is_active = False
    db.add(user)
    db.commit()
    code = code_for(db, "prepara.demo", NOW)
    assert auth.own_image(db, to_password_step(db, "prepara.demo", code)) == decoy
    user.is_active, user.locked_at = True, NOW
    db.add(user)
    db.commit()
    assert auth.own_image(db, to_password_step(db, "prepara.demo", code)) == decoy
    # The code was never consumed for the refused user.
    assert token_of(db, "prepara.demo").last_step is None


# 3. TOTP ----------------------------------------------------------------------------------


def test_only_codes_within_one_step_of_now_are_accepted(demo, db):
    for offset in (-2, 2):
        code = code_for(db, "admin.demo", NOW, offset)
        assert failure(db, "admin.demo", code=code, password=DEMO_PASSWORD) == \
            auth.GENERIC_FAILURE, offset
    token = token_of(db, "admin.demo")
    assert token.last_step is None
    admin_id = user_named(db, "admin.demo").id
    for i, offset in enumerate((-1, 0, 1)):
        now = steps_apart(NOW, 4 * (i + 1))  # far enough apart that no step is reused
        code = code_for(db, "admin.demo", now, offset)
        assert login(db, "admin.demo", code=code, now=now).user_id == admin_id, offset
        db.refresh(token)
        assert token.last_step == security.time_step(now) + offset


def test_replayed_code_is_refused(demo, db):
    code = code_for(db, "admin.demo", NOW)
    login(db, "admin.demo", code=code, now=NOW)
    # Same time step, and the next one (the code is still inside the ±1 window).
    for later in (NOW + timedelta(seconds=10), steps_apart(NOW, 1)):
        assert failure(db, "admin.demo", code=code, password=DEMO_PASSWORD, now=later) == \
            auth.GENERIC_FAILURE
    # A fresh code of the new step still works.
    assert login(db, "admin.demo", now=steps_apart(NOW, 1)).user_id


def test_older_step_after_a_newer_one_is_refused(demo, db):
    login(db, "admin.demo", code=code_for(db, "admin.demo", NOW, 1), now=NOW)
    older = code_for(db, "admin.demo", NOW, 0)
    assert failure(db, "admin.demo", code=older, password=DEMO_PASSWORD) == auth.GENERIC_FAILURE
    assert token_of(db, "admin.demo").last_step == security.time_step(NOW) + 1


def test_code_accepted_in_another_session_is_refused_despite_stale_state(demo, db):
    """The compare-and-set reads the database, not a session's cached Token row."""
    user_id = user_named(db, "admin.demo").id
    code = code_for(db, "admin.demo", NOW)
    with Session(demo, expire_on_commit=False) as other:
        stale = tokens.active_tokens(other, user_id)[0]
        assert stale.last_step is None
        assert tokens.verify_code(db, user_id, code, NOW) is not None
        db.commit()
        assert tokens.verify_code(other, user_id, code, NOW) is None
        other.commit()


NON_CODES = ["١٢٣٤٥٦", "１２３４５６", "12345", "1234567", "123 456", " 123456", "123456 ",
             "123456\n", "12345a", "", None, 123456, b"123456", ["123456"]]


@pytest.mark.parametrize("code", NON_CODES)
def test_malformed_code_is_a_format_error(code):
    assert security.is_code_format(code) is False
    flow = auth.submit_username("admin.demo", NOW)
    with pytest.raises(ValidationError) as exc:
        auth.submit_token(None, flow, code, NOW)  # refused before any database work
    assert exc.value.message == CODE_FORMAT


def test_six_ascii_digits_are_the_code_format():
    assert security.is_code_format("000000") and security.is_code_format("987654")


def test_non_ascii_digits_never_match_a_seed(demo, db):
    user_id = user_named(db, "admin.demo").id
    ascii_code = code_for(db, "admin.demo", NOW)
    arabic = ascii_code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    wide = ascii_code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for code in (arabic, wide):
        assert tokens.verify_code(db, user_id, code, NOW) is None
    assert token_of(db, "admin.demo").last_step is None


def test_codes_of_a_token_that_is_not_active_do_not_validate(demo, db):
    token = token_of(db, "admin.demo")
    code = code_for(db, "admin.demo", NOW)
    for state in (tokens.LIBERADO, tokens.POR_ACTIVAR, tokens.INHABILITADO, tokens.VENCIDO,
                  tokens.BLOQUEADO):
        token.state = state
        db.add(token)
        db.commit()
        assert tokens.verify_code(db, token.user_id, code, NOW) is None, state
    # A login with the blocked token's code fails and counts as a failure.
    assert failure(db, "admin.demo", code=code, password=DEMO_PASSWORD) == auth.GENERIC_FAILURE
    db.refresh(token)
    assert token.last_step is None
    (user,) = fresh(demo, User, User.username == "admin.demo")
    assert user.failed_attempts == 1


# 4. lockout, IP throttle, audit ----------------------------------------------------------


def test_success_after_four_failures_resets_the_counter(demo, db):
    for _ in range(4):
        assert failure(db, "prepara.demo") == auth.GENERIC_FAILURE
    user = user_named(db, "prepara.demo")
    db.refresh(user)
    assert user.failed_attempts == 4 and user.locked_at is None
    login(db, "prepara.demo", now=NOW)
    db.refresh(user)
    assert user.failed_attempts == 0 and user.locked_at is None
    # The count starts over: four more failures still do not lock.
    for _ in range(4):
        assert failure(db, "prepara.demo") == auth.GENERIC_FAILURE


def test_fifth_consecutive_failure_locks_the_user_even_for_correct_credentials(demo, db):
    assert settings.login_max_failures == 5
    for i in range(4):
        assert failure(db, "prepara.demo", now=NOW + timedelta(seconds=i)) == auth.GENERIC_FAILURE
    fifth = NOW + timedelta(seconds=4)
    assert failure(db, "prepara.demo", now=fifth) == auth.LOCKED
    (user,) = fresh(demo, User, User.username == "prepara.demo")
    assert user.failed_attempts == 5
    assert user.locked_at == fifth
    # From now on even correct credentials get the lockout message.
    later = steps_apart(NOW, 4)
    code = code_for(db, "prepara.demo", later)
    assert failure(db, "prepara.demo", code=code, password=DEMO_PASSWORD, now=later) == \
        auth.LOCKED
    assert fresh(demo, LoginSession) == []
    # the fifth wrong code locked the name at step 2, so both its password step and the
    # later attempt are refused as locked
    blocked = fresh(demo, AuditEvent, AuditEvent.action == "login_bloqueado")
    assert len(blocked) == 2 and {b.outcome for b in blocked} == {"denegado"}


def test_unknown_name_locks_like_a_real_one(demo, db):
    messages = [failure(db, "nadie.existe", now=NOW + timedelta(seconds=i)) for i in range(6)]
    real = [failure(db, "prepara.demo", now=NOW + timedelta(seconds=i)) for i in range(6)]
    expected = [auth.GENERIC_FAILURE] * 4 + [auth.LOCKED] * 2
    assert messages == expected
    assert real == expected
    key = security.keyed_digest("user:nadie.existe")
    (row,) = fresh(demo, LoginThrottle, LoginThrottle.key == key)
    assert row.failures == 5
    assert row.locked_at == NOW + timedelta(seconds=4)
    assert all("nadie" not in r.key for r in fresh(demo, LoginThrottle))


def test_unlock_user_clears_the_lock(demo, db):
    for _ in range(5):
        failure(db, "prepara.demo")
    assert auth.unlock_user(db, "  Prepara.DEMO ") is True
    db.commit()
    (user,) = fresh(demo, User, User.username == "prepara.demo")
    assert user.failed_attempts == 0 and user.locked_at is None
    later = steps_apart(NOW, 2)
    assert login(db, "prepara.demo", now=later).user_id == user.id
    events = fresh(demo, AuditEvent, AuditEvent.action == "usuario_desbloqueado")
    assert [e.target for e in events] == ["prepara.demo"]
    assert auth.unlock_user(db, "nadie.existe") is False


def test_concurrent_failures_are_all_counted(demo, db):
    with Session(demo, expire_on_commit=False) as other:
        # Request B reads the user before request A writes its failure (the session keeps
        # what it read, as a concurrent request's transaction would).
        seen_by_b = user_named(other, "prepara.demo")
        assert seen_by_b.failed_attempts == 0
        assert failure(db, "prepara.demo") == auth.GENERIC_FAILURE  # request A, committed
        assert failure(other, "prepara.demo") == auth.GENERIC_FAILURE  # request B
    (user,) = fresh(demo, User, User.username == "prepara.demo")
    assert user.failed_attempts == 2


def test_ip_is_throttled_after_too_many_failures(demo, db):
    ip = "203.0.113.7"
    for i in range(auth.IP_MAX_FAILURES - 1):
        # A different unknown name each time: no name lock gets in the way.
        assert failure(db, f"nadie{i:02d}", password="", ip=ip) == auth.GENERIC_FAILURE
    # the attempt that reaches the limit is already refused as throttled (like the 5th
    # failure of a name gets the lockout message)
    assert failure(db, "nadie99", password="", ip=ip) == auth.IP_THROTTLED
    code = code_for(db, "admin.demo", NOW)
    assert failure(db, "admin.demo", code=code, password=DEMO_PASSWORD, ip=ip) == \
        auth.IP_THROTTLED
    assert user_named(db, "admin.demo").failed_attempts == 0  # not the user's fault
    # Another connection is unaffected.
    two_steps_later = steps_apart(NOW, 2)
    assert login(db, "admin.demo", now=two_steps_later, ip="198.51.100.9").user_id
    # The throttle lapses after the window.
    after = NOW + auth.IP_WINDOW + timedelta(seconds=1)
    assert login(db, "admin.demo", now=after, ip=ip).user_id
    assert all(ip not in r.key for r in fresh(demo, LoginThrottle))


def test_failures_and_successes_are_audited_without_secrets(demo, db):
    bad_password = "ClaveErrada#77"
    code = code_for(db, "admin.demo", NOW)
    assert failure(db, "admin.demo", code=code, password=bad_password, ip="10.1.2.3") == \
        auth.GENERIC_FAILURE
    assert failure(db, "nadie.existe", code="482913", password=DEMO_PASSWORD) == \
        auth.GENERIC_FAILURE
    good_code = code_for(db, "admin.demo", NOW, 1)
    login(db, "admin.demo", code=good_code, now=NOW, ip="10.1.2.3")

    events = sorted(fresh(demo, AuditEvent), key=lambda e: e.id)
    failed = [e for e in events if e.action == "login_fallido"]
    assert [(e.target, e.outcome) for e in failed] == [("admin.demo", "fallido"),
                                                       ("nadie.existe", "fallido")]
    assert failed[0].user_id == user_named(db, "admin.demo").id and failed[0].ip == "10.1.2.3"
    assert failed[1].user_id is None and failed[1].company_id is None
    (ok,) = [e for e in events if e.action == "login"]
    assert ok.outcome == "ok" and ok.user_id == user_named(db, "admin.demo").id

    secrets = [code, good_code, "482913", bad_password, DEMO_PASSWORD]
    for event in events:
        text = " ".join(str(v) for v in (event.target, event.before, event.after, event.ip))
        for secret in secrets:
            assert secret not in text, (event.action, secret)


def test_wrong_token_codes_count_at_step_two_and_stop_guessing(demo, db):
    """Cycling steps 1–3 with guessed codes must lock the name, and after that even the
    right code is not checked (the image never turns real)."""
    from occireflex.models import utcnow

    now = utcnow()
    for guess in range(5):
        flow = auth.submit_username("admin.demo", now)
        flow = auth.submit_token(db, flow, f"{guess:06d}", now, ip="10.7.7.7")
        db.commit()
        assert not flow.token_ok
    user = db.exec(select(User).where(User.username == "admin.demo")).one()
    db.refresh(user)
    assert user.failed_attempts == 5 and user.locked_at is not None
    before = token_of(db, "admin.demo").last_step
    flow = auth.submit_username("admin.demo", now)
    flow = auth.submit_token(db, flow, code_for(db, "admin.demo", now), now, ip="10.7.7.7")
    assert not flow.token_ok  # locked: the right code is not even checked
    db.expire_all()
    assert token_of(db, "admin.demo").last_step == before


def test_one_wrong_attempt_counts_once(demo, db):
    from occireflex.models import utcnow

    now = utcnow()
    flow = auth.submit_username("admin.demo", now)
    flow = auth.submit_token(db, flow, "000000", now)
    flow = auth.accept_conditions(flow, True, now)
    with pytest.raises(LoginFailed):
        auth.submit_password(db, flow, "Demo2026*", now=now)
    db.commit()
    user = db.exec(select(User).where(User.username == "admin.demo")).one()
    db.refresh(user)
    assert user.failed_attempts == 1
