"""The virtual token's state machine (seed 002), pure: no database, no Reflex.

A user's virtual token is in one of four states; a release request waiting for the
administrator's authorization in the App lays «Pendiente de autorización» over it:

    Sin token ──Liberar──▶ (pendiente) ──aprobar──▶ Liberado ──activar──▶ Activo
    Activo ────Liberar──▶ (pendiente) ──rechazar / expirar / cancelar──▶ back where it was
    Liberado ──Liberar──▶ (pendiente)       (a new activation code)
    Activo | Liberado | (pendiente) ──Bloquear──▶ Bloqueado ──habilitar (el Banco)──▶ Liberado

Everything else is refused with a Spanish message that says why: releasing a blocked
token, approving what is not pending, enrolling without a release, blocking twice…
The persistence in ``tokens/admin.py`` asks ``transition`` before every change.
"""

from __future__ import annotations

from dataclasses import dataclass

from occireflex.domain.errors import DomainError

# the underlying state
SIN_TOKEN = "sin_token"
ACTIVO = "activo"
LIBERADO = "liberado"
BLOQUEADO = "bloqueado"
# shown instead while a release waits for authorization
PENDIENTE = "pendiente"

LABELS: dict[str, str] = {
    SIN_TOKEN: "Sin token",
    ACTIVO: "Activo",
    LIBERADO: "Liberado",
    BLOQUEADO: "Bloqueado",
    PENDIENTE: "Pendiente de autorización",
}

# events
SOLICITAR_LIBERACION = "solicitar_liberacion"
APROBAR = "aprobar"
RECHAZAR = "rechazar"
EXPIRAR = "expirar"
CANCELAR = "cancelar"  # the administrator withdraws the request in the portal
BLOQUEAR = "bloquear"
ENROLAR = "enrolar"  # start an enrollment in the App (same rule as activating it)
ACTIVAR = "activar"
HABILITAR_BANCO = "habilitar_banco"
EVENTS = (SOLICITAR_LIBERACION, APROBAR, RECHAZAR, EXPIRAR, CANCELAR, BLOQUEAR, ENROLAR,
          ACTIVAR, HABILITAR_BANCO)

# the administrator's actions and their causales («Cambiar Estado del Token Virtual»)
LIBERAR, BLOQUEAR_ACCION = "liberar", "bloquear"
ACTION_LABELS = {LIBERAR: "Liberar", BLOQUEAR_ACCION: "Bloquear"}
REASONS: dict[str, dict[str, str]] = {
    LIBERAR: {
        "cambio_dispositivo": "Cambio de dispositivo",
        "reinstalacion_app": "Reinstalación de la App",
        "solo_semilla": "Solo liberación de semilla",
        "primera_activacion": "Primera activación del token virtual",
    },
    BLOQUEAR_ACCION: {
        "perdida_robo": "Pérdida o robo del dispositivo",
        "retiro_usuario": "Retiro del usuario",
        "sospecha_fraude": "Sospecha de fraude",
    },
}
REASON_LABELS: dict[str, str] = {code: label for reasons in REASONS.values()
                                 for code, label in reasons.items()}

ALREADY_PENDING = ("Ya existe una solicitud de liberación pendiente de autorización para "
                   "este usuario. Autorícela o recházela en la App Banco de Occidente Empresas.")
BLOCKED_NO_RELEASE = ("El token virtual está bloqueado y no se puede liberar. Para habilitarlo "
                      "comuníquese con las líneas de atención del Banco: 018000 514652.")
BLOCKED_NO_ENROLL = ("Su token virtual está bloqueado. Para habilitarlo comuníquese con las "
                     "líneas de atención del Banco: 018000 514652.")
NOT_PENDING = "La solicitud ya no está pendiente de autorización."
NOTHING_TO_BLOCK = "El usuario no tiene token virtual para bloquear."
ALREADY_BLOCKED = "El token virtual ya está bloqueado."
NOT_RELEASED = ("Su token virtual no ha sido liberado. Solicite al administrador de su "
                "empresa la liberación en Administración de Token > Token Virtual.")
WAIT_APPROVAL = ("La liberación de su token virtual está pendiente de autorización por el "
                 "administrador en la App.")
ALREADY_ACTIVE = "Su token virtual ya está activo."
NOT_BLOCKED = "El token virtual no está bloqueado."


class InvalidTransition(DomainError):
    """The token cannot go that way from where it is."""


@dataclass(frozen=True)
class VirtualState:
    state: str  # SIN_TOKEN | ACTIVO | LIBERADO | BLOQUEADO
    pending: bool = False  # a release waits for authorization

    @property
    def shown(self) -> str:
        return PENDIENTE if self.pending else self.state

    @property
    def label(self) -> str:
        return LABELS[self.shown]


def transition(current: VirtualState, event: str) -> VirtualState:
    """The state after ``event``, or InvalidTransition with the reason."""
    state, pending = current.state, current.pending
    if state not in (SIN_TOKEN, ACTIVO, LIBERADO, BLOQUEADO):
        raise InvalidTransition("Estado de token desconocido.")
    if event == SOLICITAR_LIBERACION:
        if pending:
            raise InvalidTransition(ALREADY_PENDING)
        if state == BLOQUEADO:
            raise InvalidTransition(BLOCKED_NO_RELEASE)
        return VirtualState(state, pending=True)
    if event == APROBAR:
        if not pending:
            raise InvalidTransition(NOT_PENDING)
        return VirtualState(LIBERADO)
    if event in (RECHAZAR, EXPIRAR, CANCELAR):
        if not pending:
            raise InvalidTransition(NOT_PENDING)
        return VirtualState(state)
    if event == BLOQUEAR:
        if state == BLOQUEADO:
            raise InvalidTransition(ALREADY_BLOCKED)
        if state == SIN_TOKEN:
            raise InvalidTransition(NOTHING_TO_BLOCK)
        return VirtualState(BLOQUEADO)  # an open release request is cancelled with it
    if event in (ENROLAR, ACTIVAR):
        if pending:
            raise InvalidTransition(WAIT_APPROVAL)
        if state == ACTIVO:
            raise InvalidTransition(ALREADY_ACTIVE)
        if state != LIBERADO:
            raise InvalidTransition(NOT_RELEASED if state == SIN_TOKEN else BLOCKED_NO_ENROLL)
        return VirtualState(ACTIVO if event == ACTIVAR else LIBERADO)
    if event == HABILITAR_BANCO:
        if state != BLOQUEADO:
            raise InvalidTransition(NOT_BLOCKED)
        return VirtualState(LIBERADO)
    raise InvalidTransition("Operación de token desconocida.")


def allowed_actions(current: VirtualState) -> tuple[str, ...]:
    """The administrator's actions («Liberar», «Bloquear») valid from ``current``."""
    allowed = []
    for action, event in ((LIBERAR, SOLICITAR_LIBERACION), (BLOQUEAR_ACCION, BLOQUEAR)):
        try:
            transition(current, event)
        except InvalidTransition:
            continue
        allowed.append(action)
    return tuple(allowed)


def check_reason(action: object, reason: object) -> str:
    """The causal code if it belongs to ``action``'s list; else InvalidTransition."""
    if not isinstance(action, str) or action not in REASONS:
        raise InvalidTransition("Seleccione la acción a realizar: Liberar o Bloquear.")
    if not isinstance(reason, str) or reason not in REASONS[action]:
        raise InvalidTransition(
            f"Seleccione una de las causales para {ACTION_LABELS[action].lower()} el token.")
    return reason
