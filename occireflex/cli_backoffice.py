"""The bank's back-office commands: ``empresa crear``, ``cuenta crear``,
``usuario crear --admin``, ``token asignar`` (domain: ``domain/backoffice.py``) and
``outbox`` (the messages to users, ``domain/outbox.py``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlmodel import select

from occireflex.domain.backoffice import TEMPORARY_HOURS, Outcome


def _run(work: Callable) -> Outcome | None:
    from occireflex.db import session_scope
    from occireflex.domain.errors import DomainError

    try:
        with session_scope() as db:
            return work(db)
    except DomainError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return None


def _report(outcome: Outcome | None) -> int:
    if outcome is None:
        return 1
    print(outcome.message)
    return 0


def _company(args: argparse.Namespace) -> int:
    from occireflex.domain import backoffice

    return _report(_run(lambda db: backoffice.create_company(db, args.nit, args.nombre)))


def _account(args: argparse.Namespace) -> int:
    from occireflex.domain import backoffice

    return _report(_run(lambda db: backoffice.create_account(db, args.nit, args.tipo,
                                                             args.numero, args.saldo)))


def _user(args: argparse.Namespace) -> int:
    from occireflex.domain import backoffice

    if not args.admin:
        print("Error: el Banco crea solo el primer administrador de cada empresa (--admin); "
              "los demás usuarios los crea él en Configuración de Usuarios.", file=sys.stderr)
        return 2
    outcome = _run(lambda db: backoffice.create_first_admin(
        db, args.nit, args.usuario, args.nombre, args.correo, args.serial))
    code = _report(outcome)
    if outcome is not None and outcome.temporary_password:
        user = args.usuario.strip().lower()
        print(f"""
Primer ingreso de {user} (entréguelo por un canal seguro; no se vuelve a mostrar):
  Usuario:        {user}
  Clave temporal: {outcome.temporary_password}   (vence en {TEMPORARY_HOURS} horas)
  Token:          el código de su token físico {args.serial.strip().upper()}
                  (simulador: occireflex token-code {user})""")
    return code


def _token(args: argparse.Namespace) -> int:
    from occireflex.domain import backoffice

    return _report(_run(lambda db: backoffice.assign_token(db, args.usuario, args.serial)))


def _outbox(args: argparse.Namespace) -> int:
    from occireflex.db import session_scope
    from occireflex.domain import outbox

    with session_scope() as db:
        if args.enviar:
            done = outbox.deliver_due(db)
            print(f"Enviados {done.sent}; por reintentar {done.failed}.")
        lines = outbox.listing(db, pending_only=args.pendientes)
    print("\n".join(lines) if lines else "No hay mensajes.")
    if not outbox.settings.smtp_url:
        print(f"(sin OCCIREFLEX_SMTP_URL: los mensajes se escriben en {outbox.outbox_dir()})")
    return 0


def _ips_clear(args: argparse.Namespace) -> int:
    from occireflex.domain import backoffice

    return _report(_run(lambda db: backoffice.clear_ip_rules(db, args.empresa)))


def _audit_verify(args: argparse.Namespace) -> int:
    """0: every chain asked for is intact; 1: a chain is broken; 2: unknown company."""
    from occireflex.db import session_scope
    from occireflex.domain import audit_chain, nit
    from occireflex.domain.errors import ValidationError
    from occireflex.models import Company

    with session_scope() as db:
        if args.empresa:
            # as stored first (older NITs may lack a valid check digit), else parsed
            company = db.exec(select(Company).where(Company.nit == args.empresa.strip())).first()
            try:
                number = company.nit if company else nit.parse(args.empresa)
            except ValidationError as exc:
                print(f"Error: {exc.message}")
                return 2
            company = company or db.exec(select(Company).where(Company.nit == number)).first()
            if company is None:
                print(f"Error: no existe una empresa con NIT {number}.")
                return 2
            targets = [(company.id, f"{company.name} (NIT {company.nit})")]
        else:
            names = {c.id: f"{c.name} (NIT {c.nit})" for c in db.exec(select(Company)).all()}
            targets = [(chain, names.get(chain, "Eventos sin empresa"))
                       for chain in audit_chain.chains(db)]
        broken = 0
        for chain, label in targets:
            verdict = audit_chain.verify(db, chain)
            broken += not verdict.intact
            print(f"{label}: {verdict.message()}")
    return 1 if broken else 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    empresa = sub.add_parser("empresa", help="el Banco: empresas").add_subparsers(
        dest="action", required=True)
    p = empresa.add_parser("crear", help="crea una empresa (idempotente)")
    p.add_argument("--nit", required=True, help="con dígito de verificación: 900123456-8")
    p.add_argument("--nombre", required=True, help="razón social")
    p.set_defaults(func=_company)

    cuenta = sub.add_parser("cuenta", help="el Banco: cuentas").add_subparsers(
        dest="action", required=True)
    p = cuenta.add_parser("crear", help="abre una cuenta de la empresa (idempotente)")
    p.add_argument("--nit", required=True)
    p.add_argument("--tipo", required=True, choices=("corriente", "ahorros"))
    p.add_argument("--numero", required=True)
    p.add_argument("--saldo", default="0", help="saldo inicial en pesos: 1.500.000 o 1500000")
    p.set_defaults(func=_account)

    usuario = sub.add_parser("usuario", help="el Banco: primer administrador").add_subparsers(
        dest="action", required=True)
    p = usuario.add_parser("crear", help="crea el primer administrador con su token físico")
    p.add_argument("--admin", action="store_true", help="el administrador de la empresa")
    p.add_argument("--nit", required=True)
    p.add_argument("--usuario", required=True, help="6 a 20 caracteres")
    p.add_argument("--nombre", required=True)
    p.add_argument("--correo", required=True)
    p.add_argument("--serial", required=True, help="serial del token físico, p. ej. OCC-200001")
    p.set_defaults(func=_user)

    token = sub.add_parser("token", help="el Banco: tokens físicos").add_subparsers(
        dest="action", required=True)
    p = token.add_parser("asignar", help="entrega un token físico a un usuario sin token activo")
    p.add_argument("--usuario", required=True)
    p.add_argument("--serial", required=True)
    p.set_defaults(func=_token)

    p = sub.add_parser("outbox", help="mensajes a los usuarios: asunto y estado (nunca el texto)")
    p.add_argument("--pendientes", action="store_true", help="solo los no enviados")
    p.add_argument("--enviar", action="store_true", help="envía ahora los que tocan")
    p.set_defaults(func=_outbox)

    auditoria = sub.add_parser("auditoria", help="la auditoría encadenada").add_subparsers(
        dest="action", required=True)
    p = auditoria.add_parser("verificar", help="verifica la cadena de cada empresa (sale con "
                                               "1 si está alterada)")
    p.add_argument("--empresa", help="NIT de una empresa (predeterminado: todas)")
    p.set_defaults(func=_audit_verify)

    ips = sub.add_parser("ips", help="el Banco: reglas de IP de las empresas").add_subparsers(
        dest="action", required=True)
    p = ips.add_parser("limpiar", help="elimina todas las reglas de IP de una empresa")
    p.add_argument("--empresa", required=True, help="NIT de la empresa")
    p.set_defaults(func=_ips_clear)
