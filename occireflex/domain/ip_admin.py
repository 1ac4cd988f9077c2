"""Administración de IP's: the company's rules listed, added and removed by its
administrator (or a profile with the grant), each change confirmed with the token and
audited; the bank clears a company's list (``backoffice.clear_ip_rules``).

A change that would refuse the administrator's own current address on the portal is
refused unless they said they understand (``understood``): the screen shows the warning
and asks for «Entiendo» before the token (``preview``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import Session, select

from occireflex import catalog
from occireflex.domain import access, audit, auth, ip_rules, paging
from occireflex.domain.access import Actor
from occireflex.domain.errors import ValidationError
from occireflex.models import IpRule, IpRulesVersion, User

SERVICE = catalog.ADMINISTRACION_IPS
MAX_RULES = 200
ALL_USERS = "Todos"
NOT_FOUND = "La regla de IP no existe."
OWN_WARNING = ("Con este cambio su dirección actual quedaría por fuera de la lista del "
               "portal: su sesión terminaría en su próxima acción y no podría volver a "
               "ingresar desde ella.")
OWN_ADDRESS = OWN_WARNING + " ({ip}) Confirme que lo entiende para continuar."


class OwnAddressExcluded(ValidationError):
    pass


@dataclass(frozen=True)
class Draft:
    """A rule as it would be saved, and whether it would shut the actor out."""

    network: str
    user_id: int | None
    username: str
    channel: str
    description: str
    excludes_self: bool


def listing(db: Session, actor: Actor, number: object = 1,
            size: object = paging.PAGE_SIZES[0]) -> tuple[list[dict[str, str]], int]:
    """One page of the company's rules for the screen (display strings only), and the
    number of rules."""
    access.require(db, actor, SERVICE)
    mine = IpRule.company_id == actor.company_id
    total = db.exec(select(func.count()).select_from(IpRule).where(mine)).one()
    size = paging.page_size_of(size)
    number = paging.clamp_page(number, total, size)
    rows = db.exec(select(IpRule, User.username).outerjoin(User, User.id == IpRule.user_id)
                   .where(mine).order_by(IpRule.id)
                   .offset(paging.offset(number, size)).limit(size)).all()
    return [{"id": str(rule.id), "network": rule.network, "user": username or ALL_USERS,
             "channel": ip_rules.CHANNELS.get(rule.channel, rule.channel),
             "description": rule.description or "—"} for rule, username in rows], total


def user_choices(db: Session, actor: Actor) -> list[str]:
    access.require(db, actor, SERVICE)
    return list(db.exec(select(User.username).where(User.company_id == actor.company_id)
                        .order_by(User.username)).all())


def _current(db: Session, company_id: int) -> tuple[ip_rules.Rule, ...]:
    return ip_rules.company_rules(db, company_id, ip_rules.version_of(db, company_id))


def _excludes_self(actor: Actor, rules: tuple[ip_rules.Rule, ...]) -> bool:
    return not ip_rules.permits(rules, actor.user_id, ip_rules.PORTAL, actor.ip)


def preview(db: Session, actor: Actor, raw_network: object, raw_user: object,
            raw_channel: object, raw_description: object) -> Draft:
    """The rule validated (ValidationError naming what is wrong), before the token."""
    access.require(db, actor, SERVICE)
    net = ip_rules.parse_network(raw_network)
    if raw_channel not in ip_rules.CHANNELS:
        raise ValidationError("Elija el canal: Portal, App o ambos.")
    description = raw_description.strip() if isinstance(raw_description, str) else ""
    if len(description) > 80:
        raise ValidationError("La descripción admite hasta 80 caracteres.")
    user_id, username = None, ALL_USERS
    if raw_user not in (None, "", ALL_USERS):
        user = db.exec(select(User).where(User.company_id == actor.company_id,
                                          User.username == raw_user)).first() \
            if isinstance(raw_user, str) else None
        if user is None:
            access.deny(db, actor, f"usuario:{str(raw_user)[:40]}",
                        "El usuario no existe en su empresa.")
        user_id, username = user.id, user.username
    rules = _current(db, actor.company_id)
    if len(rules) >= MAX_RULES:
        raise ValidationError(f"La empresa ya tiene {MAX_RULES} reglas: elimine alguna antes.")
    if any(r.network == net and r.user_id == user_id and r.channel == raw_channel
           for r in rules):
        raise ValidationError(f"Ya existe una regla para {net} con el mismo usuario y canal.")
    after = rules + (ip_rules.Rule(0, user_id, net, raw_channel),)
    return Draft(str(net), user_id, username, raw_channel, description,
                 _excludes_self(actor, after))


def removal_excludes_self(db: Session, actor: Actor, rule_id: object) -> bool:
    """Whether removing the rule would shut the actor out (before the token)."""
    access.require(db, actor, SERVICE)
    rule = access.company_row(db, actor, IpRule, rule_id, "iprule", NOT_FOUND)
    return _excludes_self(actor, tuple(r for r in _current(db, actor.company_id)
                                       if r.id != rule.id))


def add(db: Session, actor: Actor, raw_network: object, raw_user: object, raw_channel: object,
        raw_description: object, code: object, *, understood: bool = False) -> IpRule:
    draft = preview(db, actor, raw_network, raw_user, raw_channel, raw_description)
    if draft.excludes_self and understood is not True:
        raise OwnAddressExcluded(OWN_ADDRESS.format(ip=actor.ip or "desconocida"))
    auth.confirm_with_token(db, actor, code, action="ip_regla_creada", target=draft.network)
    rule = IpRule(company_id=actor.company_id, user_id=draft.user_id, network=draft.network,
                  channel=draft.channel, description=draft.description,
                  created_by=actor.user_id)
    db.add(rule)
    db.flush()
    bump(db, actor.company_id)
    audit.record(db, "ip_regla_creada", company_id=actor.company_id, user_id=actor.user_id,
                 target=f"iprule:{rule.id}", after=_snapshot(draft.network, draft.username,
                                                             draft.channel, draft.description),
                 ip=actor.ip, channel=actor.channel)
    return rule


def remove(db: Session, actor: Actor, rule_id: object, code: object, *,
           understood: bool = False) -> None:
    access.require(db, actor, SERVICE)
    if removal_excludes_self(db, actor, rule_id) and understood is not True:
        raise OwnAddressExcluded(OWN_ADDRESS.format(ip=actor.ip or "desconocida"))
    rule = access.company_row(db, actor, IpRule, rule_id, "iprule", NOT_FOUND)
    auth.confirm_with_token(db, actor, code, action="ip_regla_eliminada",
                            target=f"iprule:{rule.id}")
    user = db.get(User, rule.user_id) if rule.user_id else None
    before = _snapshot(rule.network, user.username if user else ALL_USERS, rule.channel,
                       rule.description)
    db.delete(rule)
    bump(db, actor.company_id)
    audit.record(db, "ip_regla_eliminada", company_id=actor.company_id,
                 user_id=actor.user_id, target=f"iprule:{rule_id}", before=before,
                 ip=actor.ip, channel=actor.channel)


def clear_company(db: Session, company_id: int, channel: str) -> int:
    """Every rule of the company removed (the bank, when a company shut itself out)."""
    rows = db.exec(select(IpRule).where(IpRule.company_id == company_id)).all()
    db.execute(delete(IpRule).where(IpRule.company_id == company_id))
    bump(db, company_id)
    audit.record(db, "ip_reglas_limpiadas", company_id=company_id, target=f"{len(rows)} reglas",
                 before=[r.network for r in rows], after=[], channel=channel)
    return len(rows)


def bump(db: Session, company_id: int) -> None:
    """Raise the company's rules version (locked: concurrent changes take turns)."""
    row = db.exec(select(IpRulesVersion).where(IpRulesVersion.company_id == company_id)
                  .with_for_update()).first()
    if row is None:
        db.add(IpRulesVersion(company_id=company_id, version=1))
    else:
        row.version += 1
        db.add(row)
    db.flush()


def _snapshot(net: str, username: str, channel: str, description: str) -> dict[str, str]:
    return {"red": net, "usuario": username, "canal": ip_rules.CHANNELS.get(channel, channel),
            "descripcion": description}
