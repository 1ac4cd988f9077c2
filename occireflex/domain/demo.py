"""Demo data (``occireflex seed-demo``): idempotent. Passwords are demo-only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import security, tokens
from occireflex.domain.bogota import local_today
from occireflex.domain.dual.rules import KINDS
from occireflex.domain.payments import billers
from occireflex.domain.tokens import virtual as tv
from occireflex.models import (
    Account,
    AuthConfig,
    AuthRule,
    Biller,
    Company,
    Enrollment,
    Grant,
    Profile,
    Token,
    User,
    utcnow,
)

DEMO_PASSWORD = "Demo2026*"
DEMO_NIT = "900123456-7"
OTHER_NIT = "800987654-3"


def _services(prefix: str) -> list[catalog.Service]:
    return [s for s in catalog.SERVICES if s.code.startswith(prefix)]


def _grant_all(*prefixes: str, without: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [
        (s.code, a) for p in prefixes for s in _services(p) for a in s.actions if a not in without
    ]


# name, description, active, updated (seed 001), grants
DEMO_PROFILES: list[tuple[str, str, bool, str, list[tuple[str, str]]]] = [
    ("Autorizador todo", "Autoriza todas las operaciones", True, "2024/11/06", _grant_all("")),
    ("Moneda Extranjera", "Operaciones en divisas", True, "2024/07/26",
     _grant_all("consultas.saldos", "transacciones.divisas")),
    ("PRUBASUX", "Pruebas de experiencia de usuario", True, "2023/07/26",
     _grant_all("consultas")),
    ("Perfil upgrade FC", "Perfil de actualización", True, "2024/02/19",
     _grant_all(catalog.SALDOS_POR_PRODUCTO, catalog.CAMBIO_CLAVE_IMAGEN)),
    ("Prepara y Autoriza", "pruebas versiones produccion", True, "2024/11/13",
     _grant_all("consultas", "transacciones")),
    ("Prueba reverso", "Perfil de pruebas de reverso", False, "2024/04/11",
     _grant_all("consultas")),
    ("Pruebas1", "Solo consultas de saldos y movimientos", True, "2023/06/25",
     _grant_all(catalog.SALDOS_POR_PRODUCTO, catalog.MOVIMIENTOS_DETALLES,
                catalog.TRANSACCIONES_REALIZADAS, without=(catalog.RESPONSIVE,))),
    ("prueba support", "Soporte", False, "2025/01/18", _grant_all("ayudas")),
    ("pruebas", "Pruebas generales", True, "2024/08/13",
     _grant_all("ayudas", catalog.SALDOS_POR_PRODUCTO)),
    ("Consulta Saldos", "Saldos en portal y celular", True, "2025/03/03",
     _grant_all("consultas.saldos")),
    ("Tesorería", "Pagos y transferencias", True, "2025/05/20",
     _grant_all("transacciones.pagos", "transacciones.transferencias",
                catalog.TRANSACCIONES_REALIZADAS, "consultas.saldos")),
    ("Auditoría Interna", "Consulta de actividad", True, "2025/06/12",
     _grant_all(catalog.CONSULTA_ACTIVIDAD, "consultas")),
]

# username, full name, admin, profile, imagen propia, token serial
DEMO_USERS = [
    ("admin.demo", "Ana María Rodríguez", True, None, "faro", "OCC-100001"),
    ("prepara.demo", "Pedro Gómez", False, "Prepara y Autoriza", "colibri", "OCC-100002"),
    ("autoriza.demo", "Laura Martínez", False, "Autorizador todo", "montana", "OCC-100003"),
    ("consulta.demo", "Carlos Pérez", False, "Pruebas1", "cafe", "OCC-100004"),
]


def _demo_document(serial: str) -> str:
    """A made-up cédula per demo user, from their token serial (OCC-100002 → 79100002)."""
    return "79" + serial[-6:]


def _add_user(db: Session, company: Company, username: str, full_name: str, is_admin: bool,
              profile: Profile | None, image: str, serial: str) -> User:
    user = User(
        company_id=company.id, username=username, full_name=full_name, is_admin=is_admin,
        email=f"{username}@example.com", password_hash=security.hash_password(DEMO_PASSWORD),
        own_image=image, profile_id=profile.id if profile else None,
        document_type="CC", document_number=_demo_document(serial),
        phone="31" + _demo_document(serial)[-8:],
    )
    db.add(user)
    db.flush()
    fob = tokens.issue_physical_token(db, user, serial)
    tv.record_physical_issued(db, user, fob)
    return user


# users whose virtual token is already active in the App (seed 002 step 10 done: the
# physical token is disabled): username → device name
DEMO_VIRTUAL_TOKENS = {"autoriza.demo": "iPhone 13 de Laura"}


def _demo_virtual_token(db: Session, user: User, device: str) -> None:
    now = utcnow()
    for fob in tokens.active_tokens(db, user.id):
        fob.state, fob.state_changed_at = tokens.INHABILITADO, now
        db.add(fob)
        db.flush()
        tv.record_event(db, user, tv.EV_INHABILITADO, token=fob,
                                 detail="Reemplazado por el token virtual", actor_id=user.id,
                                 channel="app", now=now)
    virtual = Token(user_id=user.id, kind=tokens.VIRTUAL, state=tokens.ACTIVO,
                    seed_encrypted=security.encrypt_seed(security.new_seed()),
                    device_name=device, state_changed_at=now)
    db.add(virtual)
    db.flush()
    tv.record_event(db, user, tv.EV_ENROLADO, token=virtual, detail=device,
                             actor_id=user.id, channel="app", now=now, notify=False)


# convenio code, reference (leading zeros matter), alias
DEMO_INSCRIPTIONS = [
    ("1001", "0045123987", "Energía sede principal"),
    ("1003", "12345678", "Acueducto bodega"),
    ("1005", "8012345678", "Internet oficina"),
]


def _demo_inscriptions(db: Session, company: Company, account: Account) -> None:
    admin = db.exec(select(User).where(User.username == "admin.demo")).first()
    today = local_today(utcnow())
    for code, reference, alias in DEMO_INSCRIPTIONS:
        biller = db.exec(select(Biller).where(Biller.code == code)).one()
        db.add(Enrollment(company_id=company.id, biller_id=biller.id, reference=reference,
                          alias=alias, account_id=account.id,
                          created_by=admin.id if admin else None))
        billers.ensure_current_bill(db, biller, reference, today)


def _single_signature(db: Session, company_id: int) -> None:
    """Configuración de Autorizaciones saying no operation needs an authorization."""
    db.add(AuthConfig(company_id=company_id))
    for kind in KINDS:
        db.add(AuthRule(company_id=company_id, kind=kind, amount_from=0, amount_to=None,
                        required=0))


def seed_demo(db: Session, *, single_signature: bool = False) -> bool:
    """Load the demo companies; returns False when they are already there.

    The demo companies keep the bank's default of one authorization for every operation;
    ``single_signature`` configures them to need none (tests of the payments themselves)."""
    billers.ensure_billers(db)
    db.flush()
    if db.exec(select(Company).where(Company.nit == DEMO_NIT)).first() is not None:
        return False
    demo = Company(nit=DEMO_NIT, name="Empresa Demo S.A.S.")
    other = Company(nit=OTHER_NIT, name="Otra Empresa S.A.S.")
    db.add(demo)
    db.add(other)
    db.flush()

    profiles: dict[str, Profile] = {}
    for name, description, active, updated, grants in DEMO_PROFILES:
        profile = Profile(
            company_id=demo.id, name=name, name_key=security.fold(name), description=description,
            is_active=active, updated_at=datetime.strptime(updated, "%Y/%m/%d").replace(hour=15, tzinfo=UTC),
        )
        db.add(profile)
        db.flush()
        for service_code, action in grants:
            db.add(Grant(profile_id=profile.id, service_code=service_code, action_code=action))
        profiles[name] = profile

    if single_signature:
        for company in (demo, other):
            _single_signature(db, company.id)
    for username, full_name, is_admin, profile_name, image, serial in DEMO_USERS:
        user = _add_user(db, demo, username, full_name, is_admin,
                         profiles.get(profile_name) if profile_name else None, image, serial)
        if username in DEMO_VIRTUAL_TOKENS:
            _demo_virtual_token(db, user, DEMO_VIRTUAL_TOKENS[username])

    db.add(Account(company_id=demo.id, kind="corriente", number="256034567",
                   name="Cuenta Corriente Principal", available=30243, clearing=0,
                   current=30243))
    payer = Account(company_id=demo.id, kind="corriente", number="256098765",
                    name="Cuenta Corriente Pagos", available=8_500_000_000,
                    clearing=150_000_000, current=8_650_000_000)
    db.add(payer)
    db.flush()
    _demo_inscriptions(db, demo, payer)

    other_profile = Profile(company_id=other.id, name="Operativo", name_key="operativo",
                            description="Perfil de la otra empresa")
    db.add(other_profile)
    db.flush()
    _add_user(db, other, "admin.otra", "Jorge Ramírez", True, None, "velero", "OCC-200001")
    _add_user(db, other, "opera.otra", "Sofía Torres", False, other_profile, "sol", "OCC-200002")
    db.add(Account(company_id=other.id, kind="corriente", number="256011111",
                   name="Cuenta Corriente", available=500_000_000, clearing=0,
                   current=500_000_000))
    db.add(Account(company_id=other.id, kind="ahorros", number="456022222",
                   name="Cuenta de Ahorros", available=120_000_000, clearing=0,
                   current=120_000_000))
    return True
