"""«Crear Usuario» / «Modificar» of Configuración de Usuarios: the form, «Continuar» (the
domain checks everything but the token), the confirmation with «Ingrese Token», and for a
new user the outcome (where the temporary password went; a virtual token's activation code,
shown once)."""

from __future__ import annotations

import reflex as rx

from occireflex.domain.access import Actor
from occireflex.domain.errors import DomainError
from occireflex.domain.users import changes, listing
from occireflex.domain.users.changes import UserData
from occireflex.state.handler import handler
from occireflex.state.inputs import id_or_raw, to_int, token_code
from occireflex.state.portal import PortalState
from occireflex.state.users.grid import CONFIG_ROUTE

TEXT_FIELDS = {"username": 40, "document_number": 20, "full_name": 130, "email": 130,
               "phone": 20, "serial": 30}
DOCUMENTS = [{"value": k, "label": v} for k, v in listing.document_options()]


class UserFormState(PortalState):
    user_id: int = 0  # 0 while creating
    stage: str = "form"  # form | confirm | done
    error: str = ""
    problem: str = ""  # why this user cannot be modified by the actor
    is_self: bool = False
    actor_is_admin: bool = False
    username: str = ""
    document_type: str = "CC"
    document_number: str = ""
    full_name: str = ""
    email: str = ""
    phone: str = ""
    role: str = "perfil"  # perfil | admin
    profile_id: str = ""
    channel_portal: bool = True
    channel_app: bool = True
    token_kind: str = "fisico"
    serial: str = ""
    token_label: str = ""
    profiles: list[dict[str, str]] = []
    summary: list[dict[str, str]] = []  # the confirmation's lines (or the changes)
    created_email: str = ""
    activation_code: str = ""
    activation_expires: str = ""
    _version: str = ""

    @rx.var
    def documents(self) -> list[dict[str, str]]:
        return DOCUMENTS

    def _common(self, actor: Actor, db) -> None:
        self.stage, self.error, self.problem, self.summary = "form", "", "", []
        self.activation_code = self.activation_expires = self.created_email = ""
        self.actor_is_admin = actor.is_admin
        self.profiles = [{"value": str(i), "label": n}
                         for i, n in listing.profile_options(db, actor)]

    def _not_loaded(self, exc: DomainError) -> None:
        self.error, self.stage, self.profiles = exc.message, "form", []

    @handler(error=_not_loaded)
    def load_new(self, actor: Actor, db):
        if self._resumed and self.user_id == 0 and self.stage == "form":
            return  # a reconnect keeps the form being filled
        self._common(actor, db)
        self.user_id, self.is_self, self._version, self.token_label = 0, False, "", ""
        self.username = self.document_number = self.full_name = self.email = ""
        self.phone = self.serial = self.profile_id = ""
        self.document_type, self.role, self.token_kind = "CC", "perfil", "fisico"
        self.channel_portal = self.channel_app = True

    @handler(error=_not_loaded)
    def load_existing(self, actor: Actor, db):
        wanted = to_int(self.router.url.query_parameters.get("id"))
        if self._resumed and self.user_id == wanted and self.stage != "done":
            return
        self._common(actor, db)
        detail = listing.user_detail(db, actor, changes.SERVICE,
                                     id_or_raw(self.router.url.query_parameters.get("id")))
        row = detail.row
        self.user_id, self.is_self, self.problem = row.id, row.is_self, row.problem
        self.username, self.full_name = row.username, row.full_name
        self.document_type = detail.document_type or "CC"
        self.document_number, self.email, self.phone = detail.document_number, row.email, \
            row.phone
        self.role = "admin" if detail.is_admin else "perfil"
        self.profile_id = str(detail.profile_id) if detail.profile_id else ""
        self.channel_portal, self.channel_app = detail.channel_portal, detail.channel_app
        self.token_label, self._version = row.token, detail.version
        if detail.profile_id and all(p["value"] != self.profile_id for p in self.profiles):
            self.profiles = [*self.profiles, {"value": self.profile_id, "label": row.profile}]

    # the controlled choices (the text fields travel with «Continuar»)
    @rx.event
    def set_document_type(self, value: str):
        if any(d["value"] == value for d in DOCUMENTS):
            self.document_type = value

    @rx.event
    def set_role(self, value: str):
        if value in ("perfil", "admin") and not self.is_self:
            self.role = value

    @rx.event
    def set_profile(self, value: str):
        if not self.is_self and any(p["value"] == value for p in self.profiles):
            self.profile_id = value

    @rx.event
    def set_channel_portal(self, value: bool):
        if not self.is_self:
            self.channel_portal = value is True

    @rx.event
    def set_channel_app(self, value: bool):
        if not self.is_self:
            self.channel_app = value is True

    @rx.event
    def set_token_kind(self, value: str):
        if value in changes.TOKEN_KINDS:
            self.token_kind = value

    def _take(self, form_data: object) -> None:
        data = form_data if isinstance(form_data, dict) else {}
        for name, limit in TEXT_FIELDS.items():
            if name == "username" and self.user_id:
                continue
            value = data.get(name)
            setattr(self, name, value[:limit] if isinstance(value, str) else "")

    def _data(self) -> UserData:
        return UserData(self.username, self.document_type, self.document_number,
                        self.full_name, self.email, self.phone, self.role == "admin",
                        to_int(self.profile_id) or 0, self.channel_portal, self.channel_app)

    @handler
    def continue_to_confirm(self, actor: Actor, db, form_data: dict):
        self._take(form_data)
        if self.user_id:
            _user, data, _before, found = changes.check_update(db, actor, self.user_id,
                                                                self._data())
            self.summary = [{"label": k.capitalize(), "old": old, "new": new}
                            for k, (old, new) in found.items()]
        else:
            data, fob = changes.check_new(db, actor, self._data(), self.token_kind,
                                          self.serial)
            profile = next((p["label"] for p in self.profiles
                            if p["value"] == str(data.profile_id)), "")
            self.summary = [
                {"label": label, "old": "", "new": value} for label, value in (
                    ("Usuario", data.username),
                    ("Documento", f"{data.document_type} {data.document_number}"),
                    ("Nombre", data.full_name), ("Correo", data.email),
                    ("Celular", data.phone),
                    ("Perfil", "Administrador" if data.is_admin else profile),
                    ("Canales", changes.channels_label(data.channel_portal, data.channel_app)),
                    ("Token", f"Físico {fob}" if fob else "Virtual (se activa en la App)"))]
        self.error, self.stage = "", "confirm"

    @rx.event
    def back_to_form(self):
        self.stage, self.error = "form", ""

    def _not_saved(self, exc: DomainError) -> None:
        self.error = exc.message

    @handler(error=_not_saved)
    def confirm(self, actor: Actor, db, form_data: dict):
        if self.stage != "confirm":
            return None
        code = token_code(form_data)
        if self.user_id:
            changes.update_user(db, actor, self.user_id, self._version, self._data(), code)
            self.stage = "form"
            return [rx.redirect(CONFIG_ROUTE),
                    rx.toast.success(f"Usuario {self.username} modificado correctamente.")]
        made = changes.create_user(db, actor, self._data(), self.token_kind, self.serial, code)
        self.created_email, self.token_label = made.email, made.token
        self.activation_code, self.activation_expires = (made.activation_code,
                                                         made.activation_expires)
        self.error, self.stage = "", "done"
        return None
