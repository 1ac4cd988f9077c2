"""The Reflex app: adds the pages of every page module once (``register_pages``) and puts the
HTTP gates around Reflex (security headers on every response, the upload gate)."""

from functools import lru_cache

import reflex as rx
from reflex_base.utils.format import format_event_handler
from starlette.types import ASGIApp

from occireflex import api
from occireflex.components import theme
from occireflex.components.routing import register_pages
from occireflex.domain import bulk
from occireflex.domain.payments import barcode_image, inscriptions
from occireflex.pages import (
    accumulated,
    activity,
    alerts,
    app_password,
    auth_config,
    ayudas,
    first_access,
    home,
    ip_rules,
    login,
    movements,
    own_account,
    payments,
    pending_ops,
    profiles,
    saldos,
    security_params,
    token_admin,
    transactions,
    uploaded_files,
    users,
)
from occireflex.pages import (
    app as app_pages,
)
from occireflex.state.bulk import BulkUploadState
from occireflex.state.payments import PaymentsState
from occireflex.web.disk_states import throttle_disk_state_purge
from occireflex.web.failover import use_failover_token_manager
from occireflex.web.headers import SecurityHeaders
from occireflex.web.upload_gate import UploadGate

PAGE_MODULES = (accumulated, activity, alerts, app_pages, app_password, auth_config, ayudas,
                first_access, home, ip_rules, login, movements, own_account, payments,
                pending_ops, profiles, saldos, security_params, token_admin, transactions,
                uploaded_files, users)


@lru_cache(maxsize=1)
def upload_handlers() -> dict[str, tuple[str, int]]:
    """Every upload handler of the portal: its service and the largest file it takes."""
    return {format_event_handler(BulkUploadState.handle_upload): (bulk.SERVICE, bulk.MAX_BYTES),
            format_event_handler(PaymentsState.upload_barcode): (
                inscriptions.SERVICE, barcode_image.MAX_BYTES)}


def http_gates(asgi: ASGIApp) -> ASGIApp:
    return SecurityHeaders(UploadGate(asgi, upload_handlers))


app = rx.App(
    style={"font_family": theme.FONT_STACK, "color": theme.TEXT},
    stylesheets=["/occireflex.css"],
    head_components=[rx.script(src="/occireflex.js")],
    api_transformer=[api.build(), http_gates],
)
register_pages(app, PAGE_MODULES)
throttle_disk_state_purge()
# scale-out mode: a browser whose backend was killed keeps its state on the next one
use_failover_token_manager(app)
