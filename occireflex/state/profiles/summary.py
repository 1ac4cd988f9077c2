"""The permission tree's compact grant ids and the functionalities summary of a profile."""

from __future__ import annotations

import dataclasses

from occireflex import catalog
from occireflex.domain import profiles

# service index → its grant ids; module code → its service indexes
SERVICE_GRANT_IDS: tuple[tuple[int, ...], ...] = tuple(
    tuple(catalog.GRANT_ID[(s.code, a)] for a in catalog.ACTIONS if a in s.actions)
    for s in catalog.SERVICES
)
MODULE_SERVICES: dict[str, tuple[int, ...]] = {
    m.code: tuple(i for i, s in enumerate(catalog.SERVICES) if s.module == m.code)
    for m in catalog.MODULES
}
GRANT_SERVICE = {gid: si for si, ids in enumerate(SERVICE_GRANT_IDS) for gid in ids}
ACCESS_ID = {si: catalog.GRANT_ID[(s.code, catalog.ACCESO)]
              for si, s in enumerate(catalog.SERVICES)}


@dataclasses.dataclass
class ActionChip:
    label: str
    status: str  # kept | added | removed


@dataclasses.dataclass
class ServiceSummary:
    label: str
    status: str  # kept | added | removed | changed
    actions: list[ActionChip]


@dataclasses.dataclass
class ModuleSummary:
    name: str
    services: list[ServiceSummary]


def summarize(grants: profiles.GrantSet, added: profiles.GrantSet = frozenset(),
              removed: profiles.GrantSet = frozenset()) -> list[ModuleSummary]:
    """Functionalities grouped by module, with additions and removals marked."""
    shown = grants | removed
    modules = []
    for module in catalog.MODULES:
        services = []
        for service in catalog.services_of(module.code):
            chips = []
            for action in service.actions:
                pair = (service.code, action)
                if pair in shown:
                    status = "added" if pair in added else "removed" if pair in removed else "kept"
                    chips.append(ActionChip(catalog.ACTION_LABELS[action], status))
            if chips:
                kinds = {c.status for c in chips}
                status = kinds.pop() if len(kinds) == 1 else "changed"
                services.append(ServiceSummary(service.label, status, chips))
        if services:
            modules.append(ModuleSummary(module.name, services))
    return modules


def grant_index(value: object, size: int) -> int | None:
    """A list index sent by the browser: a real int (not bool) within range, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size:
        return value
    return None
