"""A user's virtual token as the administrator and the App see it: which row is current
and its state for ``states.transition``, the «Consulta de Token» events, the per-user lock,
expiry of unauthorized releases and lapsed enrollments, and the bank's side.

The administrator's operations are ``tokens/admin.py``; the App's enrollment of a
device ``tokens/device.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from occireflex.domain import audit, auth, outbox
from occireflex.domain.access import Actor, company_row
from occireflex.domain.errors import ValidationError
from occireflex.domain.tokens import activation
from occireflex.domain.tokens import primitives as tokens
from occireflex.domain.tokens import states as ts
from occireflex.models import Token, TokenEvent, TokenRequest, User, utcnow

USER_NOT_FOUND = "El usuario no existe en su empresa."
CHANGED = "El estado del token cambió mientras se confirmaba. Consulte de nuevo el usuario."

# request states
R_PENDIENTE, R_APROBADA, R_RECHAZADA = "pendiente", "aprobada", "rechazada"
R_EXPIRADA, R_CANCELADA, R_EJECUTADA = "expirada", "cancelada", "ejecutada"

# history events (Consulta de Token)
EV_ASIGNADO = "asignado"
EV_SOLICITADA = "liberacion_solicitada"
EV_LIBERADO = "liberado"
EV_RECHAZADO = "rechazado"
EV_EXPIRADO = "expirado"
EV_CANCELADO = "cancelado"
EV_BLOQUEADO = "bloqueado"
EV_ENROLADO = "enrolado"
EV_INHABILITADO = "inhabilitado"
EV_HABILITADO_BANCO = "habilitado_banco"
EV_ACTIVACION_USADA = activation.USED_EVENT
EVENT_LABELS = {
    EV_ASIGNADO: "Token asignado",
    EV_SOLICITADA: "Liberación solicitada",
    EV_LIBERADO: "Liberación aprobada",
    EV_RECHAZADO: "Liberación rechazada",
    EV_EXPIRADO: "Solicitud expirada",
    EV_CANCELADO: "Solicitud cancelada",
    EV_BLOQUEADO: "Bloqueado",
    EV_ENROLADO: "Enrolado en la App",
    EV_INHABILITADO: "Token físico inhabilitado",
    EV_HABILITADO_BANCO: "Habilitado por el Banco",
    EV_ACTIVACION_USADA: "Código de activación utilizado",
}
SYSTEM, BANK = "sistema", "banco"
# the token events told to their user out of band (seed 002): subject, what happened
NOTICES = {
    EV_LIBERADO: ("Su token virtual fue liberado",
                  "El administrador de su empresa autorizó la liberación de su token virtual: "
                  "ya puede enrolarlo en un nuevo dispositivo desde la App."),
    EV_BLOQUEADO: ("Su token virtual fue bloqueado",
                   "Su token virtual fue bloqueado y dejó de funcionar; sus sesiones que "
                   "dependían de él se cerraron."),
    EV_ENROLADO: ("Su token virtual quedó activo",
                  "Su token virtual quedó activo en la App Banco de Occidente Empresas."),
    EV_HABILITADO_BANCO: ("Su token virtual fue habilitado",
                          "El Banco habilitó de nuevo su token virtual."),
}

SLOT_OF_ROW = {tokens.ACTIVO: ts.ACTIVO, tokens.LIBERADO: ts.LIBERADO,
                tokens.BLOQUEADO: ts.BLOQUEADO}
PHYSICAL_LABELS = {tokens.ACTIVO: "Activo", tokens.INHABILITADO: "Inhabilitado",
                   tokens.BLOQUEADO: "Bloqueado"}


# Reading a user's tokens ---------------------------------------------------------------


def current_virtual(db: Session, user_id: int) -> Token | None:
    """The user's current virtual token row (active, released or blocked), newest first."""
    return db.exec(select(Token).where(
        Token.user_id == user_id, Token.kind == tokens.VIRTUAL,
        col(Token.state).in_(tuple(SLOT_OF_ROW))).order_by(Token.id.desc())).first()


def open_request(db: Session, user_id: int, now: datetime) -> TokenRequest | None:
    return db.exec(select(TokenRequest).where(
        TokenRequest.user_id == user_id, TokenRequest.state == R_PENDIENTE,
        TokenRequest.expires_at > now)).first()


def state_of(row: Token | None, pending: bool) -> ts.VirtualState:
    """The state machine's view of a user's current virtual token row."""
    return ts.VirtualState(SLOT_OF_ROW[row.state] if row is not None else ts.SIN_TOKEN,
                           pending=pending)


def virtual_state(db: Session, user_id: int, now: datetime,
                  row: Token | None = None) -> ts.VirtualState:
    """``row``: the current virtual token when the caller has just read it."""
    row = row if row is not None else current_virtual(db, user_id)
    return state_of(row, open_request(db, user_id, now) is not None)


def physical_label(fob: Token | None) -> str:
    return PHYSICAL_LABELS.get(fob.state, fob.state.capitalize()) if fob else "Sin token"


def record_event(db: Session, user: User, event: str, *, token: Token | None = None,
                 kind: str = tokens.VIRTUAL, reason: str = "", detail: str = "",
                 actor_id: int | None = None, channel: str = SYSTEM,
                 request_id: int | None = None, now: datetime | None = None,
                 notify: bool = True) -> None:
    """One line of «Consulta de Token»; the events in ``NOTICES`` also tell the user
    (``notify=False``: demo data, nobody to tell)."""
    db.add(TokenEvent(
        company_id=user.company_id, user_id=user.id, token_id=token.id if token else None,
        kind=token.kind if token else kind, event=event, reason=reason, detail=detail[:120],
        actor_id=actor_id, channel=channel, request_id=request_id, created_at=now or utcnow()))
    if notify and event in NOTICES and user.email:
        subject, what = NOTICES[event]
        outbox.enqueue(db, user, f"token_{event}", subject, (
            f"Hola {user.full_name}:\n\n{what}\n\nSi usted no reconoce este cambio, "
            "comuníquese con el administrador de su empresa o con la Banca Empresarial del "
            "Banco de Occidente.\n"))


def company_user(db: Session, actor: Actor, user_id: object) -> User:
    return company_row(db, actor, User, user_id, "usuario", USER_NOT_FOUND)


def lock_user(db: Session, user_id: int) -> None:
    """Serialize the token changes of one user: before their state is read, the user's
    row is locked (PostgreSQL) or the database's write lock taken (SQLite, whose driver
    opens the transaction at this first write), until the caller commits. So a block
    racing an activation, or two administrators racing, always see each other's result."""
    db.exec(update(User).where(User.id == user_id).values(updated_at=User.updated_at)
            .execution_options(synchronize_session=False))


# Expiry --------------------------------------------------------------------------------


def expire_overdue(db: Session, now: datetime, *, user_id: int | None = None,
                   company_id: int | None = None) -> int:
    """Release requests past their 10 minutes become «expirada»; lapsed enrollments lose
    their seed. One compare-and-set statement each (RETURNING tells which rows this call
    expired), so it is idempotent and safe beside a concurrent approval; run lazily and
    by the scheduler sweep."""
    overdue = [TokenRequest.state == R_PENDIENTE, TokenRequest.expires_at <= now]
    if user_id is not None:
        overdue.append(TokenRequest.user_id == user_id)
    if company_id is not None:
        overdue.append(TokenRequest.company_id == company_id)
    expired = db.execute(
        update(TokenRequest).where(*overdue)
        .values(state=R_EXPIRADA, decided_at=now, decided_channel=SYSTEM)
        .returning(TokenRequest.id, TokenRequest.user_id, TokenRequest.company_id,
                   TokenRequest.reason)
        .execution_options(synchronize_session=False)).all()
    owners = sorted({row.user_id for row in expired})
    names = dict(db.exec(select(User.id, User.username).where(
        col(User.id).in_(owners))).all()) if owners else {}
    for request_id, owner, company, reason in expired:
        db.add(TokenEvent(company_id=company, user_id=owner, kind=tokens.VIRTUAL,
                          event=EV_EXPIRADO, reason=reason, channel=SYSTEM,
                          request_id=request_id, created_at=now))
        audit.record(db, "token_liberacion_expirada", company_id=company,
                     target=f"usuario:{names.get(owner, owner)}", channel=SYSTEM,
                     after={"solicitud": request_id})
    lapse_enrollments(db, now, user_id=user_id, overdue_only=True)
    return len(expired)


def lapse_enrollments(db: Session, now: datetime, *, user_id: int | None = None,
                      overdue_only: bool = False) -> None:
    """Enrollments in progress (of ``user_id``, or past their 10 minutes) lapse: their
    seed is destroyed."""
    where = [Token.state == tokens.POR_ACTIVAR]
    if user_id is not None:
        where.append(Token.user_id == user_id)
    if overdue_only:
        where.append(Token.expires_at <= now)
    db.execute(update(Token).where(*where)
               .values(state=tokens.VENCIDO, seed_encrypted=None, ticket_hash=None,
                       state_changed_at=now)
               .execution_options(synchronize_session=False))


# The bank's side -----------------------------------------------------------------------


def bank_enable(db: Session, username: str, now: datetime | None = None) -> str:
    """The bank's support line re-enables a blocked virtual token («Liberado»): the
    company's administrator then releases it to obtain an activation code if needed."""
    now = now or utcnow()
    user = db.exec(select(User).where(User.username == auth.normalize_username(username))
                   ).first()
    if user is None:
        raise ValidationError("Usuario no encontrado.")
    lock_user(db, user.id)
    ts.transition(virtual_state(db, user.id, now), ts.HABILITAR_BANCO)
    token = Token(user_id=user.id, kind=tokens.VIRTUAL, state=tokens.LIBERADO,
                  state_changed_at=now, created_at=now, updated_at=now)
    db.add(token)
    db.flush()
    record_event(db, user, EV_HABILITADO_BANCO, token=token, channel=BANK, now=now)
    audit.record(db, "token_habilitado_banco", company_id=user.company_id,
                 target=f"usuario:{user.username}", channel=BANK)
    return user.username


def record_physical_issued(db: Session, user: User, token: Token) -> None:
    record_event(db, user, EV_ASIGNADO, token=token, detail=f"Serial {token.serial}",
                 channel=BANK, now=token.created_at)
