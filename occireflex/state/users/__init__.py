"""Administración > Usuarios: Configuración de Usuarios (grid, «Crear Usuario»,
«Modificar»), Cambio de Clave para Usuarios and Activación/Inactivación. Thin: the domain
(``occireflex.domain.users``) decides who may act on whom; the user a dialog acts on lives
in a backend var, never an id sent with the token code."""

from occireflex.state.users.form import UserFormState
from occireflex.state.users.grid import CONFIG_ROUTE, UsersListState
from occireflex.state.users.lifecycle import ActivationState, ResetState

__all__ = ["CONFIG_ROUTE", "ActivationState", "ResetState", "UserFormState", "UsersListState"]
