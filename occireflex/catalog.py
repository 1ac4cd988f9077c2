"""The service catalog: modules → groups → services → actions.

One source for the navbar menus, the permission tree, the route guards and the App menu.
Codes are stable identifiers stored in grants and favorites: never rename one.
Adding a service is one ``_svc`` line; flipping ``built`` enables its menu entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# Actions, in the order seed 001 shows them.
ACCESO = "acceso"
CONSULTAR = "consultar"
EXCEL = "excel"
PDF = "pdf"
IMPRIMIR = "imprimir"
APP = "app"
RESPONSIVE = "responsive"

ACTION_LABELS: dict[str, str] = {
    ACCESO: "Acceso Funcionalidad",
    CONSULTAR: "Consultar",
    EXCEL: "Exportar a Excel",
    PDF: "Exportar PDF",
    IMPRIMIR: "Imprimir",
    APP: "Acceso App",
    RESPONSIVE: "Acceso Front Responsive",
}
ACTIONS: tuple[str, ...] = tuple(ACTION_LABELS)

_ALL = ACTIONS
_TRANSACTION = (ACCESO, CONSULTAR, IMPRIMIR, APP, RESPONSIVE)
_ADMIN = (ACCESO, CONSULTAR, EXCEL, PDF, IMPRIMIR, RESPONSIVE)
_ADMIN_APP = (ACCESO, CONSULTAR, EXCEL, PDF, IMPRIMIR, APP, RESPONSIVE)
_HELP = (ACCESO, CONSULTAR, APP, RESPONSIVE)
_FILES = (ACCESO, CONSULTAR, EXCEL, PDF, IMPRIMIR, RESPONSIVE)


# The services with a working page, by name: code refers to these, never to the strings.
SALDOS_POR_PRODUCTO = "consultas.saldos.por_producto"
MOVIMIENTOS_DETALLES = "consultas.movimientos.detalles"
TRANSACCIONES_REALIZADAS = "consultas.transacciones_realizadas"
ARCHIVOS_CARGADOS = "consultas.archivos_cargados"
SERVICIOS_PUBLICOS = "transacciones.pagos.servicios"  # Servicios Públicos y Privados
PERFILES = "administracion.usuarios.perfiles"
TOKEN_VIRTUAL = "administracion.seguridad.token"  # Administración de Token
CONSULTA_TOKEN = "administracion.seguridad.consulta_token"
AYUDAS = "ayudas.ayudas.consultar"
# services the demo profiles already grant, built by the next issues
CAMBIO_CLAVE_IMAGEN = "administracion.usuarios.cambio_clave_imagen"
CONSULTA_ACTIVIDAD = "administracion.usuarios.actividad"
CONFIGURACION_USUARIOS = "administracion.usuarios.configuracion"
CAMBIO_CLAVE_USUARIOS = "administracion.usuarios.cambio_clave_usuarios"
ACTIVACION_USUARIOS = "administracion.usuarios.activacion"
ADMINISTRACION_IPS = "administracion.seguridad.ips"  # Administración de IP's
PARAMETROS_SEGURIDAD = "administracion.seguridad.parametros"
# dual control and alerts (issue 15)
CONFIGURACION_AUTORIZACIONES = "administracion.seguridad.autorizaciones"
PENDIENTES_AUTORIZAR = "consultas.pendientes_autorizar"  # Transacciones Pendientes por Autorizar
MONTOS_ACUMULADOS = "administracion.usuarios.montos_acumulados"
INSCRIPCION_ALERTAS = "administracion.usuarios.alertas"

@dataclass(frozen=True)
class Module:
    code: str
    name: str


@dataclass(frozen=True)
class Service:
    code: str  # "<module>.<group>.<service>" — stored in grants
    module: str
    group: str  # group name as shown in menus ("" when the service hangs from the module)
    name: str
    actions: tuple[str, ...]
    built: bool = False

    @property
    def admin_only(self) -> bool:
        return self.code in ADMIN_ONLY

    @property
    def route(self) -> str:
        return "/" + self.code.replace(".", "/").replace("_", "-")

    @property
    def label(self) -> str:
        """Label in the permission tree, e.g. «Saldos - Por Producto»."""
        return f"{self.group} - {self.name}" if self.group else self.name

    def breadcrumb(self) -> tuple[str, ...]:
        module = MODULES_BY_CODE[self.module].name
        return tuple(p for p in (module, self.group, self.name) if p)


MODULES: tuple[Module, ...] = (
    Module("consultas", "Consultas"),
    Module("transacciones", "Transacciones"),
    Module("servicio_cliente", "Servicio al Cliente"),
    Module("administracion", "Administración"),
    Module("ayudas", "Ayudas"),
    Module("archivos", "Archivos"),
)
MODULES_BY_CODE: dict[str, Module] = {m.code: m for m in MODULES}

# Services that have a working page. Later issues add their codes here.
BUILT: frozenset[str] = frozenset({
    SALDOS_POR_PRODUCTO,
    PERFILES,
    SERVICIOS_PUBLICOS,
    TRANSACCIONES_REALIZADAS,
    MOVIMIENTOS_DETALLES,
    ARCHIVOS_CARGADOS,
    AYUDAS,
    TOKEN_VIRTUAL,
    CONSULTA_TOKEN,
    CONFIGURACION_USUARIOS,
    CAMBIO_CLAVE_USUARIOS,
    ACTIVACION_USUARIOS,
    CAMBIO_CLAVE_IMAGEN,
    CONSULTA_ACTIVIDAD,
    MONTOS_ACUMULADOS,
    ADMINISTRACION_IPS,
    PARAMETROS_SEGURIDAD,
    PENDIENTES_AUTORIZAR,
    INSCRIPCION_ALERTAS,
    CONFIGURACION_AUTORIZACIONES,
})

# Every user has these on their own account, whatever their profile grants (issue 13:
# «Cambio de Clave e Imagen Propia» is for every user); a temporary password still opens
# nothing but the first access.
SELF_SERVICE: frozenset[str] = frozenset({CAMBIO_CLAVE_IMAGEN, INSCRIPCION_ALERTAS})
SELF_SERVICE_ACTIONS = (ACCESO, CONSULTAR, APP, RESPONSIVE)

# Only the company's administrator may use these, whatever a profile grants (seed 002:
# «Este proceso solo se puede realizar desde el usuario administrador»).
# Configuración de Autorizaciones (issue 15: «administrator»): whoever sets the rules of dual
# control must not be one of the users they bind.
ADMIN_ONLY: frozenset[str] = frozenset({TOKEN_VIRTUAL, CONFIGURACION_AUTORIZACIONES})

# Services with a screen in the App Banco de Occidente Empresas (``/app``); a profile
# opens them there with «Acceso App».
APP_SCREENS: dict[str, str] = {
    SALDOS_POR_PRODUCTO: "/app/saldos",
    TRANSACCIONES_REALIZADAS: "/app/transacciones",
    CAMBIO_CLAVE_IMAGEN: "/app/clave",  # every user's (SELF_SERVICE): the password only
    PENDIENTES_AUTORIZAR: "/app/autorizaciones",  # «Autorizaciones pendientes»
}


def _svc(code: str, group: str, name: str, actions: tuple[str, ...]) -> Service:
    return Service(code, code.split(".", 1)[0], group, name, actions, code in BUILT)


SERVICES: tuple[Service, ...] = (
    # Consultas
    _svc(SALDOS_POR_PRODUCTO, "Saldos", "Por Producto", _ALL),
    _svc("consultas.saldos.consolidados", "Saldos", "Consolidados", _ALL),
    _svc(MOVIMIENTOS_DETALLES, "Movimientos", "Detalles de Movimientos", _ALL),
    _svc("consultas.movimientos.notas", "Movimientos", "Notas Débito y Crédito", _ALL),
    _svc("consultas.movimientos.devoluciones_cheques", "Movimientos", "Devoluciones Cheques",
         _ALL),
    _svc(TRANSACCIONES_REALIZADAS, "", "Transacciones Realizadas", _ALL),
    _svc("consultas.operaciones_programadas", "", "Operaciones Programadas en el Canal", _ALL),
    _svc("consultas.anulacion_pagos", "", "Consulta y Anulación de Pagos y Débitos", _ALL),
    _svc("consultas.mi_banco", "", "Mi Banco", _ALL),
    _svc(PENDIENTES_AUTORIZAR, "", "Transacciones Pendientes por Autorizar", _ALL),
    _svc(ARCHIVOS_CARGADOS, "", "Archivos Cargados", _ALL),
    _svc("consultas.transferencias_aval", "", "Transferencias Recibidas AVAL", _ALL),
    _svc("consultas.productos_aval", "", "Productos AVAL", _ALL),
    # Transacciones
    _svc(SERVICIOS_PUBLICOS, "Pagos", "Servicios Públicos y Privados", _TRANSACTION),
    _svc("transacciones.pagos.proveedores", "Pagos", "Pagos a Proveedores", _TRANSACTION),
    _svc("transacciones.pagos.nomina", "Pagos", "Pagos de Nómina", _TRANSACTION),
    _svc("transacciones.pagos.terceros", "Pagos", "Pagos a Terceros", _TRANSACTION),
    _svc("transacciones.pagos.impuestos", "Pagos", "Pago de Impuestos", _TRANSACTION),
    _svc("transacciones.pagos.seguridad_social", "Pagos", "Pago de Seguridad Social (PILA)",
         _TRANSACTION),
    _svc("transacciones.pagos.obligaciones", "Pagos", "Pago de Obligaciones", _TRANSACTION),
    _svc("transacciones.pagos.tarjetas_credito", "Pagos", "Pago de Tarjetas de Crédito",
         _TRANSACTION),
    _svc("transacciones.transferencias.propias", "Transferencias", "Entre Cuentas Propias",
         _TRANSACTION),
    _svc("transacciones.transferencias.banco", "Transferencias", "A Cuentas Banco de Occidente",
         _TRANSACTION),
    _svc("transacciones.transferencias.otros_bancos", "Transferencias", "A Otros Bancos (ACH)",
         _TRANSACTION),
    _svc("transacciones.transferencias.aval", "Transferencias", "Transferencias AVAL",
         _TRANSACTION),
    _svc("transacciones.transferencias.internacionales", "Transferencias",
         "Transferencias Internacionales", _TRANSACTION),
    _svc("transacciones.inversiones.cdt", "Inversiones", "Constitución de CDT", _TRANSACTION),
    _svc("transacciones.inversiones.fondos", "Inversiones", "Fondos de Inversión", _TRANSACTION),
    _svc("transacciones.divisas.compra_venta", "Divisas", "Compra y Venta de Divisas",
         _TRANSACTION),
    _svc("transacciones.divisas.giros", "Divisas", "Giros al Exterior", _TRANSACTION),
    _svc("transacciones.recaudos.consulta", "Recaudos", "Consulta de Recaudos", _ALL),
    _svc("transacciones.recaudos.referenciados", "Recaudos", "Recaudos Referenciados",
         _TRANSACTION),
    # Servicio al Cliente
    _svc("servicio_cliente.solicitudes.chequeras", "Solicitudes", "Chequeras", _TRANSACTION),
    _svc("servicio_cliente.solicitudes.certificados", "Solicitudes", "Certificados Bancarios",
         _ALL),
    _svc("servicio_cliente.solicitudes.extractos", "Solicitudes", "Extractos", _ALL),
    _svc("servicio_cliente.solicitudes.referencias", "Solicitudes", "Referencias Bancarias", _ALL),
    _svc("servicio_cliente.solicitudes.tarjetas_debito", "Solicitudes", "Tarjetas Débito",
         _TRANSACTION),
    _svc("servicio_cliente.novedades.bloqueo_chequeras", "Novedades", "Bloqueo de Chequeras",
         _TRANSACTION),
    _svc("servicio_cliente.novedades.actualizacion_datos", "Novedades", "Actualización de Datos",
         _TRANSACTION),
    _svc("servicio_cliente.novedades.pqr", "Novedades", "Peticiones, Quejas y Reclamos",
         _TRANSACTION),
    _svc("servicio_cliente.novedades.seguimiento", "Novedades", "Seguimiento de Solicitudes",
         _ALL),
    # Administración (seed 001)
    _svc(PERFILES, "Usuarios", "Perfiles", _ADMIN),
    _svc(CONFIGURACION_USUARIOS, "Usuarios", "Configuración de Usuarios", _ADMIN),
    _svc(INSCRIPCION_ALERTAS, "Usuarios", "Inscripción de Alertas", _ADMIN),
    _svc(CAMBIO_CLAVE_IMAGEN, "Usuarios",
         "Cambio de Clave e Imagen Propia", _ADMIN_APP),
    _svc(CAMBIO_CLAVE_USUARIOS, "Usuarios",
         "Cambio de Clave para Usuarios", _ADMIN),
    _svc(ACTIVACION_USUARIOS, "Usuarios", "Activación/Inactivación", _ADMIN),
    _svc(CONSULTA_ACTIVIDAD, "Usuarios", "Consulta de Actividad", _ADMIN),
    _svc(MONTOS_ACUMULADOS, "Usuarios",
         "Consulta Montos Acumulados por Usuario y Servicio", _ADMIN),
    _svc("administracion.productos.nombres", "Productos", "Nombres", _ADMIN),
    _svc("administracion.productos.afiliados", "Productos", "Afiliados", _ADMIN),
    _svc(CONFIGURACION_AUTORIZACIONES, "Seguridad",
         "Configuración de Autorizaciones", _ADMIN),
    _svc(ADMINISTRACION_IPS, "Seguridad", "Administración de IP's", _ADMIN),
    _svc(TOKEN_VIRTUAL, "Seguridad", "Administración de Token", _ADMIN_APP),
    _svc(PARAMETROS_SEGURIDAD, "Seguridad",
         "Parámetros Generales y de Seguridad", _ADMIN),
    _svc(CONSULTA_TOKEN, "Seguridad", "Consulta de Token", _ADMIN),
    # Ayudas
    _svc(AYUDAS, "Ayudas", "Ayudas", _HELP),
    _svc("ayudas.ayudas.manuales", "Ayudas", "Manuales de Usuario", _HELP),
    _svc("ayudas.ayudas.preguntas", "Ayudas", "Preguntas Frecuentes", _HELP),
    # Archivos
    _svc("archivos.archivos.cargar", "Archivos", "Cargar Archivos", _FILES),
    _svc("archivos.archivos.descargar", "Archivos", "Descargar Archivos", _FILES),
    _svc("archivos.archivos.extractos", "Archivos", "Extractos en Archivo", _FILES),
)

SERVICES_BY_CODE: dict[str, Service] = {s.code: s for s in SERVICES}
SERVICES_BY_ROUTE: dict[str, Service] = {s.route: s for s in SERVICES}


def get_service(code: str) -> Service | None:
    return SERVICES_BY_CODE.get(code) if isinstance(code, str) else None


@cache
def module_groups(module_code: str) -> tuple[tuple[str, tuple[Service, ...]], ...]:
    """The menu columns of one module: (group name, services) in catalog order."""
    columns: dict[str, list[Service]] = {}
    for service in SERVICES:
        if service.module == module_code:
            columns.setdefault(service.group, []).append(service)
    return tuple((group, tuple(items)) for group, items in columns.items())


def services_of(module_code: str) -> tuple[Service, ...]:
    return tuple(s for s in SERVICES if s.module == module_code)


def is_valid_grant(service_code: str, action_code: str) -> bool:
    service = get_service(service_code)
    return service is not None and action_code in service.actions


# Compact integer ids for every (service, action) pair, in catalog order. The profile
# editor sends these instead of strings so a checkbox toggle stays a few hundred bytes.
GRANT_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (s.code, a) for s in SERVICES for a in ACTIONS if a in s.actions
)
GRANT_ID: dict[tuple[str, str], int] = {pair: i for i, pair in enumerate(GRANT_PAIRS)}
SERVICE_INDEX: dict[str, int] = {s.code: i for i, s in enumerate(SERVICES)}
