"""Perfiles (Administración > Usuarios > Perfiles): list, create/modify tree, view/assign."""

from occireflex.state.profiles.form import LIST_ROUTE, ProfileFormState
from occireflex.state.profiles.listing import ProfilesListState
from occireflex.state.profiles.summary import ModuleSummary, summarize
from occireflex.state.profiles.view import ProfileViewState

__all__ = ["LIST_ROUTE", "ModuleSummary", "ProfileFormState", "ProfileViewState",
           "ProfilesListState", "summarize"]
