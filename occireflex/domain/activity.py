"""«Consulta de Actividad» (Administración > Usuarios, issue 14): the company's audit
trail — logins (ok and refused), changes of profiles, users, tokens, inscriptions,
programming, payments, files — filtered by usuario, fechas, servicio, tipo de evento and
resultado, paged in SQL on ``ix_audit_company_time``, with each event's before/after and
the chain's verdict («Registro íntegro» or the first broken link). Only the actor's
company's events, ever.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from occireflex import catalog
from occireflex.domain import audit, audit_chain
from occireflex.domain.access import Actor, company_row, require
from occireflex.domain.bogota import local_moment
from occireflex.domain.errors import ValidationError
from occireflex.domain.exports import EXPORT_MAX, TableExport, check_export_action
from occireflex.domain.paging import DateRange, Option, clamp_page, offset, page_size_of, parse_range
from occireflex.models import AuditEvent, User

SERVICE = catalog.CONSULTA_ACTIVIDAD
# «Servicio» filter: label → the action prefixes it gathers
SERVICES = {
    "ingreso": ("Ingreso y sesiones", ("login", "sesion_", "token_fallido", "primer_ingreso")),
    "perfiles": ("Perfiles", ("perfil_",)),
    "usuarios": ("Usuarios y claves", ("usuario_", "clave_", "imagen_propia_")),
    "tokens": ("Tokens", ("token_",)),
    "inscripciones": ("Inscripciones", ("inscripcion_",)),
    "programacion": ("Programación automática", ("programacion_",)),
    "pagos": ("Pagos", ("pago_",)),
    "archivos": ("Archivos", ("carga_",)),
    "consultas": ("Consultas y exportaciones", ("transacciones_", "movimientos_", "perfiles_",
                                                "usuarios_", "comprobante_", "detalle_",
                                                "actividad_", "montos_")),
    "seguridad": ("IP's, parámetros y horario",
                  ("ip_", "parametros_", "transaccion_", "autorizaciones_", "limites_")),
    "alertas": ("Inscripción de Alertas", ("alerta",)),
    "autorizaciones": ("Operaciones y autorizaciones", ("operacion_", "autorizacion_",
                                                          "rechazo_", "pendientes_")),
    "accesos": ("Accesos denegados", ("acceso_denegado",)),
}
OUTCOMES = {"ok": "Exitoso", "denegado": "Denegado", "fallido": "Fallido"}
CHANNELS = {"web": "Portal", "responsive": "Portal (celular)", "app": "App",
            "banco": "Banco", "sistema": "Sistema", "cli": "Banco"}
HEADERS = ("Fecha y hora", "Usuario", "Evento", "Objeto", "Resultado", "Canal", "IP")
PDF_WIDTHS = (32, 30, 58, 60, 22, 26, 30)


@dataclass(frozen=True)
class Filters:
    user_id: int | None = None
    date_from: str = ""
    date_to: str = ""
    service: str = ""  # a key of SERVICES, or "" for all
    action: str = ""  # an exact event type, or ""
    outcome: str = ""  # a key of OUTCOMES, or ""


@dataclass(frozen=True)
class EventRow:
    id: int
    when: str
    user: str
    action: str  # the event type as shown: «usuario creado»
    target: str
    outcome: str
    channel: str
    ip: str

    def cells(self) -> tuple[str, ...]:
        return (self.when, self.user, self.action, self.target, self.outcome, self.channel,
                self.ip)


@dataclass(frozen=True)
class ActivityPage:
    rows: list[EventRow]
    total: int
    page: int
    page_size: int
    range: DateRange


def label_of(action: str) -> str:
    return action.replace("_", " ").capitalize()


def _clean(db: Session, actor: Actor, filters: object, now: datetime | None
           ) -> tuple[Filters, DateRange]:
    if not isinstance(filters, Filters):
        raise ValidationError("Los filtros de la consulta no son válidos.")
    if filters.user_id is not None:
        company_row(db, actor, User, filters.user_id, "usuario", "El usuario no existe en su "
                                                                  "empresa.")
    if filters.service and filters.service not in SERVICES:
        raise ValidationError("Elija un servicio de la lista.")
    if filters.outcome and filters.outcome not in OUTCOMES:
        raise ValidationError("Elija un resultado de la lista.")
    if filters.action and (not isinstance(filters.action, str) or len(filters.action) > 60):
        raise ValidationError("Elija un tipo de evento de la lista.")
    return filters, parse_range(filters.date_from or None, filters.date_to or None, now)


def _conditions(actor: Actor, filters: Filters, dates: DateRange) -> list:
    first, after = dates.bounds()
    conditions = [AuditEvent.company_id == actor.company_id, AuditEvent.created_at >= first,
                  AuditEvent.created_at < after]
    if filters.user_id is not None:
        conditions.append(AuditEvent.user_id == filters.user_id)
    if filters.service:
        conditions.append(or_(*(col(AuditEvent.action).startswith(p, autoescape=True)
                                for p in SERVICES[filters.service][1])))
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.outcome:
        conditions.append(AuditEvent.outcome == filters.outcome)
    return conditions


def _rows(db: Session, events: list[AuditEvent]) -> list[EventRow]:
    ids = {e.user_id for e in events if e.user_id is not None}
    names = dict(db.exec(select(User.id, User.username).where(col(User.id).in_(ids))).all()
                 ) if ids else {}
    return [EventRow(e.id, local_moment(e.created_at), names.get(e.user_id, "—"),
                     label_of(e.action), e.target or "—", OUTCOMES.get(e.outcome, e.outcome),
                     CHANNELS.get(e.channel, e.channel), e.ip or "—") for e in events]


def search(db: Session, actor: Actor, filters: object, page: object = 1,
           page_size: object = 10, now: datetime | None = None) -> ActivityPage:
    """One page of the company's events matching ``filters``, newest first."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    clean, dates = _clean(db, actor, filters, now)
    conditions = _conditions(actor, clean, dates)
    size = page_size_of(page_size)
    total = db.exec(select(func.count(AuditEvent.id)).where(*conditions)).one()
    number = clamp_page(page, total, size)
    events = db.exec(select(AuditEvent).where(*conditions)
                     .order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
                     .offset(offset(number, size)).limit(size)).all()
    return ActivityPage(_rows(db, list(events)), total, number, size, dates)


def options(db: Session, actor: Actor) -> tuple[list[Option], list[tuple[str, str]]]:
    """The filters' choices: the company's users, and the event types it has."""
    require(db, actor, SERVICE)
    users = db.exec(select(User.id, User.username).where(
        User.company_id == actor.company_id).order_by(User.username)).all()
    return [Option(i, n) for i, n in users], [
        (a, label_of(a)) for a in sorted(set(ACTIONS))]


ACTIONS = ("acceso_denegado", "clave_cambiada", "clave_restablecida", "imagen_propia_cambiada",
           "inscripcion_creada", "inscripcion_eliminada", "inscripcion_modificada", "login",
           "login_bloqueado", "login_denegado", "login_fallido", "pago_exitoso",
           "pago_fallido", "perfil_asignado", "perfil_creado", "perfil_eliminado",
           "perfil_modificado",
           "primer_ingreso", "programacion_cancelada", "programacion_guardada",
           "sesion_terminada", "token_bloqueado", "token_liberacion_aprobada",
           "token_liberacion_solicitada", "token_virtual_activado", "usuario_activado",
           "usuario_creado", "usuario_inactivado", "usuario_modificado",
           "carga_programacion_procesada", "carga_programacion_recibida",
           "ip_regla_creada", "ip_regla_eliminada", "ip_reglas_limpiadas",
           "parametros_actualizados", "transaccion_fuera_de_horario",
           "clave_vencida", "actividad_exportada_excel", "actividad_exportada_pdf",
           "alertas_actualizadas", "alerta_pago_programado",
           "autorizaciones_actualizadas", "limites_actualizados",
           "montos_acumulados_exportados_excel", "montos_acumulados_exportados_pdf",
           "operacion_preparada", "operacion_autorizada", "operacion_rechazada",
           "operacion_cancelada", "operacion_vencida", "autorizacion_token_rechazado",
           "rechazo_token_rechazado", "pendientes_exportadas_excel",
           "pendientes_exportadas_pdf")


@dataclass(frozen=True)
class Detail:
    row: EventRow
    changes: list[tuple[str, str, str]]  # field, before, after


def _flat(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {"valor": value}
    if not isinstance(data, dict):
        return {"valor": str(data)}
    return {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            for k, v in data.items()}


def detail(db: Session, actor: Actor, event_id: object) -> Detail:
    """One event of the company with its before/after, field by field."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    event = company_row(db, actor, AuditEvent, event_id, "auditoria",
                        "El evento no existe en su empresa.")
    before, after = _flat(event.before), _flat(event.after)
    changes = [(k, before.get(k, ""), after.get(k, "")) for k in dict.fromkeys(
        [*before, *after])]
    return Detail(_rows(db, [event])[0], changes)


def integrity(db: Session, actor: Actor) -> audit_chain.Verdict:
    """The company's chain, verified now."""
    require(db, actor, SERVICE, catalog.CONSULTAR)
    return audit_chain.verify(db, actor.company_id)


@dataclass(frozen=True)
class Export(TableExport):
    SHEET, TITLE = "Actividad", "Consulta de Actividad"
    HEADERS, PDF_WIDTHS, PDF_RIGHT = HEADERS, PDF_WIDTHS, ()
    rows: list[EventRow]
    subtitle: str

    def xlsx_rows(self) -> list[tuple[object, ...]]:
        return [r.cells() for r in self.rows]

    def text_rows(self) -> list[tuple[str, ...]]:
        return [r.cells() for r in self.rows]

    def file_name(self, ext: str) -> str:
        return f"consulta-actividad.{ext}"


def export(db: Session, actor: Actor, filters: object, action: object,
           now: datetime | None = None) -> Export:
    """Every event matching ``filters`` (not one page) for Excel, PDF or print."""
    check_export_action(db, actor, SERVICE, action)
    clean, dates = _clean(db, actor, filters, now)
    conditions = _conditions(actor, clean, dates)
    total = db.exec(select(func.count(AuditEvent.id)).where(*conditions)).one()
    if total > EXPORT_MAX:
        raise ValidationError(f"La consulta tiene {total:,} eventos; el máximo por exportación "
                              f"es {EXPORT_MAX:,}. Acote los filtros.")
    events = db.exec(select(AuditEvent).where(*conditions)
                     .order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
                     ).all()
    audit.record_read(actor, f"actividad_exportada_{action}", target=f"{len(events)} eventos")
    subtitle = (f"{actor.company_name} · NIT {actor.company_nit} · {dates.label()} · "
                f"{len(events)} eventos")
    return Export(_rows(db, list(events)), subtitle)
