"""Which addresses a company's users may connect from (Administración de IP's): the rules
as the login and every event apply them.

A company with no rule for a channel admits any address there. A user with rules of their
own (for that channel) is held to those; every other user to the company-wide ones
(«Todos»). Portal rules apply to the desktop and phone browser, App rules to the App,
«ambos» to both. Each company's rules are kept in memory with the version that
``iprulesversion`` holds; the per-event stamp reads that version
(``actor_cache``), so a change is seen at every session's next event in every worker.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass

from sqlmodel import Session, select

from occireflex.domain import network
from occireflex.domain.errors import ValidationError
from occireflex.models import IpRule, IpRulesVersion

PORTAL, APP, BOTH = "portal", "app", "ambos"
CHANNELS = {PORTAL: "Portal", APP: "App", BOTH: "Portal y App"}

REFUSED = ("El ingreso desde la dirección IP {ip} no está autorizado para su usuario. "
           "Comuníquese con el administrador de su empresa.")


@dataclass(frozen=True)
class Rule:
    id: int
    user_id: int | None
    network: network.Network
    channel: str


def channel_kind(channel: str) -> str:
    """The rules' channel of a session's channel (web and responsive are the portal)."""
    return APP if channel == APP else PORTAL


def parse_network(raw: object) -> network.Network:
    """An address or CIDR range as the administrator typed it; ValidationError naming what
    is wrong."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise ValidationError("Ingrese una dirección IP (IPv4 o IPv6) o un rango CIDR.")
    if len(text) > 50:
        raise ValidationError("La dirección o rango es demasiado largo.")
    address_part, slash, prefix = text.partition("/")
    address = network.parse_address(address_part)
    if address is None or (address_part.strip() != address_part):
        raise ValidationError(f"«{text[:50]}» no es una dirección IPv4 ni IPv6 válida.")
    limit = address.max_prefixlen
    if slash and (not prefix.isdigit() or not 0 <= int(prefix) <= limit):
        raise ValidationError(f"El prefijo «/{prefix[:8]}» no es válido: para IPv{address.version} "
                              f"va de /1 a /{limit}.")
    if prefix and int(prefix) == 0:
        raise ValidationError("El rango /0 admite cualquier dirección: para no restringir, "
                              "elimine las reglas.")
    length = int(prefix) if prefix else limit
    result = ipaddress.ip_network(f"{address}/{length}", strict=False)
    if result.network_address != address:
        raise ValidationError(f"«{text}» tiene bits de equipo después del prefijo: el rango "
                              f"es {result}.")
    return result


def permits(rules: tuple[Rule, ...], user_id: int, kind: str, ip: str) -> bool:
    """Whether ``ip`` may be used by the user on channel ``kind`` (``PORTAL`` / ``APP``)."""
    applicable = [r for r in rules if r.channel in (kind, BOTH)]
    if not applicable:
        return True
    chosen = ([r for r in applicable if r.user_id == user_id]
              or [r for r in applicable if r.user_id is None])
    if not chosen:
        return True
    address = network.parse_address(ip)
    return any(network.contains(r.network, address) for r in chosen)


_lock = threading.Lock()
_cache: dict[int, tuple[int, tuple[Rule, ...]]] = {}


def version_of(db: Session, company_id: int) -> int | None:
    row = db.get(IpRulesVersion, company_id)
    return None if row is None else row.version


def company_rules(db: Session, company_id: int, version: int | None) -> tuple[Rule, ...]:
    """The company's rules, read from the database only when ``version`` (read before,
    by the caller's stamp) is not the one cached: the rules read are then at least as new
    as ``version``, and a newer version reloads them again."""
    if version is None:
        return ()
    with _lock:
        entry = _cache.get(company_id)
    if entry is not None and entry[0] == version:
        return entry[1]
    rows = db.exec(select(IpRule).where(IpRule.company_id == company_id)
                   .order_by(IpRule.id)).all()
    rules = tuple(Rule(r.id, r.user_id, ipaddress.ip_network(r.network), r.channel)
                  for r in rows)
    with _lock:
        _cache[company_id] = (version, rules)
    return rules


def allowed(db: Session, company_id: int, user_id: int, channel: str, ip: str,
            version: object = ...) -> bool:
    """Whether the user may act from ``ip`` on ``channel`` (a session's channel);
    ``version``: the company's rules version when the caller read it already."""
    if version is ...:
        version = version_of(db, company_id)
    return permits(company_rules(db, company_id, version), user_id, channel_kind(channel), ip)


def clear() -> None:
    with _lock:
        _cache.clear()
