"""The ``occireflex`` command: init-db, seed-demo, token-code, habilitar-token, unlock,
scheduler, serve-scaled, and the bank's back office (``cli_backoffice``)."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import select

from occireflex import cli_backoffice, scaleout, scheduler
from occireflex.settings import PROJECT_ROOT


def migrate(url: str | None = None) -> None:
    """Bring the database schema to the latest alembic revision."""
    from alembic import command
    from alembic.config import Config

    from occireflex.db import get_engine

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    else:
        cfg.attributes["engine"] = get_engine()
    command.upgrade(cfg, "head")


def _cmd_init_db(_args: argparse.Namespace) -> int:
    from occireflex.db import session_scope
    from occireflex.domain.payments.billers import ensure_billers

    migrate()
    with session_scope() as db:
        added = ensure_billers(db)
    print(f"Base de datos al día ({added} convenios nuevos).")
    return 0


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    from occireflex.db import session_scope
    from occireflex.domain.demo import seed_demo
    from occireflex.models import Company

    with session_scope() as db:
        if args.if_empty and db.exec(select(Company.id)).first() is not None:
            print("La base de datos ya tiene empresas: no se cargan datos de demostración.")
            return 0
        created = seed_demo(db, single_signature=args.firma_unica)
    print("Datos de demostración cargados." if created else "Los datos de demostración ya existen.")
    return 0


def _cmd_token_code(args: argparse.Namespace) -> int:
    from occireflex.db import session_scope
    from occireflex.domain import tokens
    from occireflex.models import Token, User

    with session_scope() as db:
        user = db.exec(select(User).where(User.username == args.username.strip().lower())).first()
        if args.fisico:  # the key fob shows codes even after the bank disabled it
            fobs = db.exec(select(Token).where(Token.user_id == user.id,
                                               Token.kind == tokens.FISICO,
                                               Token.seed_encrypted.is_not(None))
                           .order_by(Token.id.desc())).all() if user else []
            if not fobs:
                print(f"El usuario {args.username} no tiene token físico.", file=sys.stderr)
                return 1
            print(tokens.current_code(fobs[0]))
            return 0
        active = tokens.active_tokens(db, user.id) if user else []
        if not active:
            print(f"El usuario {args.username} no tiene un token activo.", file=sys.stderr)
            return 1
        print(tokens.current_code(active[0]))
    return 0


def _cmd_enable_token(args: argparse.Namespace) -> int:
    from occireflex.db import session_scope
    from occireflex.domain.errors import DomainError
    from occireflex.domain.tokens.virtual import bank_enable

    try:
        with session_scope() as db:
            username = bank_enable(db, args.username)
    except DomainError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Token virtual de {username} habilitado por el Banco (Liberado): el administrador "
          "de la empresa puede liberarlo para entregar un código de activación.")
    return 0


def _cmd_unlock(args: argparse.Namespace) -> int:
    from occireflex.db import session_scope
    from occireflex.domain.auth import unlock_user

    with session_scope() as db:
        ok = unlock_user(db, args.username)
    print("Usuario desbloqueado." if ok else "Usuario no encontrado.")
    return 0 if ok else 1


def _cmd_scheduler(args: argparse.Namespace) -> int:
    return scheduler.run(args)


def _cmd_serve_scaled(args: argparse.Namespace) -> int:
    return scaleout.run(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="occireflex", description="OcciReflex")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="aplica las migraciones").set_defaults(func=_cmd_init_db)
    p = sub.add_parser("seed-demo", help="carga los datos de demostración (idempotente)")
    p.add_argument("--if-empty", action="store_true",
                   help="solo si la base de datos no tiene ninguna empresa")
    p.add_argument("--firma-unica", action="store_true",
                   help="las empresas demo no requieren autorizaciones (pruebas de pagos)")
    p.set_defaults(func=_cmd_seed_demo)
    p = sub.add_parser("token-code", help="código actual del token activo de un usuario "
                                          "(simulador del llavero y de la App)")
    p.add_argument("username")
    p.add_argument("--fisico", action="store_true",
                   help="el código del llavero físico, aunque esté inhabilitado")
    p.set_defaults(func=_cmd_token_code)
    p = sub.add_parser("habilitar-token", help="el Banco habilita un token virtual bloqueado "
                                               "(queda Liberado)")
    p.add_argument("username")
    p.set_defaults(func=_cmd_enable_token)
    p = sub.add_parser("unlock", help="desbloquea un usuario bloqueado por intentos fallidos")
    p.add_argument("username")
    p.set_defaults(func=_cmd_unlock)
    p = sub.add_parser("scheduler", help="programador: emite facturas y ejecuta pagos programados "
                                         "(--once: un solo barrido)")
    scheduler.add_arguments(p)
    p.set_defaults(func=_cmd_scheduler)
    p = sub.add_parser("serve-scaled", help="modo escalado: N backends con estado en Redis "
                                            "detrás de nginx, y el programador")
    scaleout.add_arguments(p)
    p.set_defaults(func=_cmd_serve_scaled)
    cli_backoffice.add_commands(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
