"""The bank's back office (``occireflex empresa|cuenta|usuario|token``): onboarding a company.

These run on the bank's side, by its operators, never from the portal: there is no company
actor. Each is idempotent (the same request again changes nothing and says so) or refuses
with a Spanish message naming what clashes; each change is audited on the «banco» channel.
A new company gets nothing else: no demo data, no profiles, no inscriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from occireflex.domain import audit, ip_admin, money, nit, security, tokens
from occireflex.domain.auth import normalize_username
from occireflex.domain.errors import ValidationError
from occireflex.domain.tokens import virtual as tv
from occireflex.domain.users import fields as user_fields
from occireflex.models import Account, Company, Movement, Token, User, utcnow

CHANNEL = "banco"
KINDS = ("corriente", "ahorros")
TEMPORARY_HOURS = 24
_ACCOUNT_NUMBER = re.compile(r"[0-9]{6,20}")


@dataclass(frozen=True)
class Outcome:
    """What a back-office command did: ``created`` False when it was already so."""

    created: bool
    message: str
    temporary_password: str = ""  # only when a user was created: shown once, never stored


def _company(db: Session, nit_text: object) -> Company:
    number = nit.parse(nit_text)
    company = db.exec(select(Company).where(Company.nit == number)).first()
    if company is None:
        raise ValidationError(f"No existe una empresa con NIT {number}.")
    return company


def create_company(db: Session, nit_text: object, name: object) -> Outcome:
    number = nit.parse(nit_text)
    clean = name.strip() if isinstance(name, str) else ""
    if not 3 <= len(clean) <= 120:
        raise ValidationError("Escriba la razón social (entre 3 y 120 caracteres).")
    existing = db.exec(select(Company).where(Company.nit == number)).first()
    if existing is not None:
        if existing.name != clean:
            raise ValidationError(f"El NIT {number} ya es de «{existing.name}».")
        return Outcome(False, f"La empresa {clean} (NIT {number}) ya existe: nada cambió.")
    company = Company(nit=number, name=clean)
    db.add(company)
    db.flush()
    audit.record(db, "empresa_creada", company_id=company.id, target=f"empresa:{company.id}",
                 after={"nit": number, "razon_social": clean}, channel=CHANNEL)
    return Outcome(True, f"Empresa creada: {clean}, NIT {number}.")


def create_account(db: Session, nit_text: object, kind: object, number: object,
                   opening: object, now: datetime | None = None) -> Outcome:
    company = _company(db, nit_text)
    if kind not in KINDS:
        raise ValidationError("El tipo de cuenta debe ser corriente o ahorros.")
    digits = number.strip() if isinstance(number, str) else ""
    if not _ACCOUNT_NUMBER.fullmatch(digits):
        raise ValidationError("El número de cuenta debe tener entre 6 y 20 dígitos.")
    balance = 0 if opening in (None, "", "0") else money.amount(opening, "saldo inicial")
    existing = db.exec(select(Account).where(Account.number == digits)).first()
    if existing is not None:
        if existing.company_id != company.id or existing.kind != kind:
            raise ValidationError(f"La cuenta {digits} ya existe y es de otra empresa o de "
                                  "otro tipo.")
        return Outcome(False, f"La cuenta {kind} {digits} ya existe: nada cambió.")
    now = now or utcnow()
    account = Account(company_id=company.id, kind=kind, number=digits,
                      name=f"Cuenta {kind} {digits[-4:]}", available=balance, current=balance,
                      updated_at=now)
    db.add(account)
    db.flush()
    if balance:
        db.add(Movement(account_id=account.id, company_id=company.id, amount=balance,
                        balance_after=balance, description="Saldo inicial", created_at=now))
    audit.record(db, "cuenta_creada", company_id=company.id, target=f"cuenta:{account.id}",
                 after={"tipo": kind, "numero": digits, "saldo_inicial": balance},
                 channel=CHANNEL)
    return Outcome(True, f"Cuenta {kind} {digits} creada para {company.name} con saldo "
                         f"{money.format_money(balance)}.")


def create_first_admin(db: Session, nit_text: object, username: object, full_name: object,
                       email: object, serial: object, now: datetime | None = None) -> Outcome:
    """The company's first administrator, with a physical token and a temporary password
    valid ``TEMPORARY_HOURS`` (printed once by the CLI, stored only as its hash)."""
    company = _company(db, nit_text)
    login = user_fields.username(username)
    name = user_fields.full_name(full_name)
    mail = user_fields.email(email)
    fob = user_fields.serial(serial)
    existing = db.exec(select(User).where(User.username == login)).first()
    if existing is not None:
        if existing.company_id == company.id and existing.is_admin:
            return Outcome(False, f"El administrador {login} ya existe: nada cambió (para una "
                                  "clave nueva use el restablecimiento de clave).")
        raise ValidationError(f"El usuario {login} ya existe en el Banco; elija otro.")
    admins = db.exec(select(User.username).where(User.company_id == company.id,
                                                 User.is_admin)).all()
    if admins:
        raise ValidationError(f"{company.name} ya tiene administrador ({', '.join(admins)}): "
                              "los demás usuarios los crea él en Configuración de Usuarios.")
    serial_free(db, fob)
    now = now or utcnow()
    password = user_fields.temporary_password()
    user = User(company_id=company.id, username=login, full_name=name, email=mail,
                is_admin=True, password_hash=security.hash_password(password), own_image="",
                password_temporary_until=now + timedelta(hours=TEMPORARY_HOURS),
                created_at=now, updated_at=now)
    db.add(user)
    db.flush()
    token = tokens.issue_physical_token(db, user, fob)
    tv.record_physical_issued(db, user, token)
    audit.record(db, "usuario_creado", company_id=company.id, target=login,
                 after={"usuario": login, "nombre": name, "correo": mail,
                        "administrador": True, "token": fob}, channel=CHANNEL)
    return Outcome(True, f"Administrador {login} creado para {company.name}, token físico "
                         f"{fob}.", temporary_password=password)


def assign_token(db: Session, username: object, serial: object) -> Outcome:
    """A physical token for a user who has no active token (a lost one is blocked first)."""
    login = normalize_username(username)
    user = db.exec(select(User).where(User.username == login)).first()
    if user is None:
        raise ValidationError(f"No existe el usuario {login}.")
    fob = user_fields.serial(serial)
    active = tokens.active_tokens(db, user.id)
    if any(t.serial == fob for t in active):
        return Outcome(False, f"El token {fob} ya está asignado a {login}: nada cambió.")
    if active:
        held = active[0].serial or "token virtual"
        raise ValidationError(f"{login} ya tiene un token activo ({held}); bloquéelo antes "
                              "de asignarle otro.")
    serial_free(db, fob)
    token = tokens.issue_physical_token(db, user, fob)
    tv.record_physical_issued(db, user, token)
    audit.record(db, "token_asignado", company_id=user.company_id, target=login,
                 after={"token": fob}, channel=CHANNEL)
    return Outcome(True, f"Token físico {fob} asignado a {login}.")


def serial_free(db: Session, serial: str) -> None:
    if db.exec(select(Token.id).where(Token.serial == serial)).first() is not None:
        raise ValidationError(f"El token {serial} ya fue entregado a otro usuario.")


def clear_ip_rules(db: Session, nit_text: object) -> Outcome:
    """``occireflex ips limpiar --empresa NIT``: the company's IP list emptied (a company
    that shut its own administrator out); audited on the «banco» channel."""
    stored = nit_text.strip() if isinstance(nit_text, str) else ""
    # as stored first (older NITs may lack a valid check digit), else parsed
    company = (db.exec(select(Company).where(Company.nit == stored)).first()
               or _company(db, nit_text))
    count = ip_admin.clear_company(db, company.id, CHANNEL)
    return Outcome(count > 0, f"Se eliminaron {count} reglas de IP de {company.name} (NIT {company.nit}); "
                   "sus usuarios pueden ingresar desde cualquier dirección.")
