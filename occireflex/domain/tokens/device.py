"""«Token Virtual» in the App: enroll a new device once the administrator released it.

1. ``begin``: a fresh 160-bit seed, encrypted at rest, in a token ``por_activar`` with a
   one-time ticket; valid 10 minutes. The ticket travels to the device, never the seed.
2. ``deliver``: the device exchanges the ticket, once, for the otpauth URI (the QR code
   and the App's own copy). Asked a second time, it refuses: the seed is shown once.
3. ``activate``: the user types a current code; in ONE transaction the virtual token
   becomes active and the physical token is disabled (seed 002 step 10), so from then on
   every token prompt accepts only the virtual token's codes.
The seed is never logged, audited or kept in a Reflex var: it leaves the server only as
``deliver``'s answer.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from occireflex.domain import audit, fields, security
from occireflex.domain.access import APP, Actor, deny
from occireflex.domain.bogota import local_time
from occireflex.domain.errors import DomainError, ValidationError
from occireflex.domain.tokens import primitives as tokens
from occireflex.domain.tokens import states as ts
from occireflex.domain.tokens import virtual as tv
from occireflex.models import LoginSession, Token, User, utcnow

ENROLL_TTL = timedelta(minutes=10)
ISSUER = "Banco de Occidente Empresas"
DEVICE_MAX = 40

APP_ONLY = "El token virtual se enrola desde la App Banco de Occidente Empresas."
NO_ENROLLMENT = ("No hay un enrolamiento en curso o ya venció (10 minutos). Inicie de nuevo "
                 "el enrolamiento del token virtual.")
SHOWN_ONCE = ("El código QR de este enrolamiento ya se mostró. Por seguridad se muestra una "
              "sola vez: inicie de nuevo el enrolamiento.")
CODE_INVALID = ("El código no corresponde al token que está enrolando. Verifique que escaneó el "
                "código QR de este enrolamiento y escriba el código actual de 6 dígitos.")


def _require_app(db: Session, actor: Actor, operation: str) -> User:
    if not isinstance(actor, Actor) or actor.channel != APP:
        deny(db, actor, f"token_virtual:{operation}", APP_ONLY)
    return db.get(User, actor.user_id)


def _ticket_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def clean_device_name(value: object) -> str:
    """1–40 printable characters, spaces folded (``fields.name``); else a ValidationError."""
    try:
        return fields.name(value, label="el nombre del dispositivo", max_len=DEVICE_MAX)
    except ValidationError as exc:
        raise ValidationError(f"{exc.message} Por ejemplo «Celular de Pedro».") from exc


@dataclass(frozen=True)
class Status:
    """What the App's «Token Virtual» screen shows about the user's own tokens."""

    virtual: str  # token_states code shown
    virtual_label: str
    active: bool  # the virtual token works (also while a release waits for authorization)
    device: str
    physical: str  # Activo | Inhabilitado | Bloqueado | Sin token
    can_enroll: bool
    enrolling: bool  # an enrollment was delivered and waits for its first code
    enroll_expires: str  # HH:MM
    message: str  # why enrolling is not possible now ("" if it is)


def status(db: Session, actor: Actor, now: datetime | None = None) -> Status:
    now = now or utcnow()
    user = _require_app(db, actor, "estado")
    tv.expire_overdue(db, now, user_id=user.id)
    current = tv.current_virtual(db, user.id)
    state = tv.virtual_state(db, user.id, now, current)
    fob = db.exec(select(Token).where(Token.user_id == user.id, Token.kind == tokens.FISICO)
                  .order_by(Token.id.desc())).first()
    pending = _enrollment(db, user.id, now)
    try:
        ts.transition(state, ts.ENROLAR)
        can_enroll, message = True, ""
    except ts.InvalidTransition as exc:
        can_enroll, message = False, exc.message
    return Status(
        virtual=state.shown, virtual_label=state.label, active=state.state == ts.ACTIVO,
        device=current.device_name if current is not None and current.state == tokens.ACTIVO
        else "",
        physical=tv.physical_label(fob),
        can_enroll=can_enroll,
        enrolling=pending is not None and pending.delivered_at is not None,
        enroll_expires=local_time(pending.expires_at) if pending else "",
        message="" if state.state == ts.ACTIVO and not state.pending else message)


def _enrollment(db: Session, user_id: int, now: datetime) -> Token | None:
    token = db.exec(select(Token).where(Token.user_id == user_id,
                                        Token.state == tokens.POR_ACTIVAR)).first()
    if token is None or token.expires_at is None or token.expires_at <= now:
        return None
    return token


@dataclass(frozen=True)
class Started:
    ticket: str  # for the device to fetch its seed once; never the seed itself
    expires: str  # HH:MM


def begin(db: Session, actor: Actor, device_name: object, now: datetime | None = None
          ) -> Started:
    """Start enrolling this device; an unfinished earlier enrollment lapses. Caller commits."""
    now = now or utcnow()
    user = _require_app(db, actor, "enrolar")
    device = clean_device_name(device_name)
    tv.lock_user(db, user.id)
    tv.expire_overdue(db, now, user_id=user.id)
    ts.transition(tv.virtual_state(db, user.id, now), ts.ENROLAR)
    tv.lapse_enrollments(db, now, user_id=user.id)
    raw = secrets.token_urlsafe(32)
    db.add(Token(user_id=user.id, kind=tokens.VIRTUAL, state=tokens.POR_ACTIVAR,
                 seed_encrypted=security.encrypt_seed(security.new_seed()),
                 device_name=device, ticket_hash=_ticket_hash(raw), expires_at=now + ENROLL_TTL,
                 state_changed_at=now, created_at=now, updated_at=now))
    audit.record(db, "token_enrolamiento_iniciado", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"usuario:{actor.username}", ip=actor.ip,
                 channel=actor.channel, after={"dispositivo": device})
    return Started(raw, local_time(now + ENROLL_TTL))


@dataclass(frozen=True)
class Provisioning:
    uri: str  # otpauth://totp/...: the QR code
    secret: str  # the same seed, base32, for manual entry and the App's own copy


def provisioning_uri(seed: str, username: str) -> str:
    """The standard otpauth URI (RFC 6238 parameters), readable by any authenticator."""
    return pyotp.TOTP(seed, digits=security.TOTP_DIGITS, interval=security.TOTP_PERIOD
                      ).provisioning_uri(name=username, issuer_name=ISSUER)


def deliver(db: Session, actor: Actor, ticket: object, now: datetime | None = None
            ) -> Provisioning:
    """The seed, once, to the App session that started the enrollment. Caller commits."""
    now = now or utcnow()
    user = _require_app(db, actor, "entregar")
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        raise DomainError(NO_ENROLLMENT)
    token = _enrollment(db, user.id, now)
    if token is None or token.ticket_hash is None:
        raise DomainError(SHOWN_ONCE if token is not None else NO_ENROLLMENT)
    if not secrets.compare_digest(token.ticket_hash, _ticket_hash(ticket)):
        raise DomainError(NO_ENROLLMENT)
    done = db.exec(update(Token).where(Token.id == token.id, Token.delivered_at.is_(None),
                                       Token.ticket_hash.is_not(None))
                   .values(delivered_at=now, ticket_hash=None))
    if done.rowcount != 1:
        raise DomainError(SHOWN_ONCE)
    seed = security.decrypt_seed(token.seed_encrypted)
    audit.record(db, "token_semilla_entregada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"usuario:{actor.username}", ip=actor.ip,
                 channel=actor.channel, after={"dispositivo": token.device_name})
    return Provisioning(provisioning_uri(seed, user.username), seed)


@dataclass(frozen=True)
class Activated:
    device: str
    physical_disabled: bool


def activate(db: Session, actor: Actor, code: object, now: datetime | None = None
             ) -> Activated:
    """The first code of the new device activates it and disables the physical token, in
    the caller's one transaction (the caller commits)."""
    now = now or utcnow()
    user = _require_app(db, actor, "activar")
    tv.lock_user(db, user.id)
    tv.expire_overdue(db, now, user_id=user.id)
    ts.transition(tv.virtual_state(db, user.id, now), ts.ACTIVAR)
    token = _enrollment(db, user.id, now)
    if token is None or token.delivered_at is None:
        raise DomainError(NO_ENROLLMENT)
    code = code.strip() if isinstance(code, str) else code
    if not security.is_code_format(code):
        raise ValidationError("El código del token tiene 6 dígitos (0 a 9).")
    step = security.matching_step(security.decrypt_seed(token.seed_encrypted), code, now)
    if step is None:
        audit.record(db, "token_activacion_fallida", company_id=actor.company_id,
                     user_id=actor.user_id, target=f"usuario:{actor.username}",
                     outcome="fallido", ip=actor.ip, channel=actor.channel)
        db.commit()
        raise ValidationError(CODE_INVALID)
    # seed 002 step 10: the physical token gives way, in this same transaction
    fobs = db.exec(select(Token).where(Token.user_id == user.id, Token.kind == tokens.FISICO,
                                       Token.state == tokens.ACTIVO)).all()
    db.exec(update(Token).where(Token.user_id == user.id, Token.kind == tokens.FISICO,
                                Token.state == tokens.ACTIVO)
            .values(state=tokens.INHABILITADO, state_changed_at=now))
    try:
        done = db.exec(update(Token).where(Token.id == token.id,
                                           Token.state == tokens.POR_ACTIVAR)
                       .values(state=tokens.ACTIVO, last_step=step, expires_at=None,
                               state_changed_at=now, updated_at=now))
    except IntegrityError:  # another token became active meanwhile: never two
        db.rollback()
        raise DomainError(tv.CHANGED) from None
    if done.rowcount != 1:
        db.rollback()
        raise DomainError(NO_ENROLLMENT)
    # this App session now rests on the new token: blocking it ends the session
    db.exec(update(LoginSession).where(LoginSession.id == actor.session_id)
            .values(token_id=token.id))
    tv.record_event(db, user, tv.EV_ENROLADO, token=token, detail=token.device_name,
                    actor_id=user.id, channel=actor.channel, now=now)
    for fob in fobs:
        tv.record_event(db, user, tv.EV_INHABILITADO, token=fob,
                        detail="Reemplazado por el token virtual", actor_id=user.id,
                        channel=actor.channel, now=now)
    audit.record(db, "token_virtual_activado", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"usuario:{actor.username}", ip=actor.ip,
                 channel=actor.channel,
                 after={"dispositivo": token.device_name, "token_fisico_inhabilitado": bool(fobs)})
    return Activated(token.device_name, bool(fobs))
