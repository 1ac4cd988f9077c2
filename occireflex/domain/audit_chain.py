"""The tamper-evident audit trail (issue 14): every company's events form a hash chain.

Each event carries its chain (the company, 0 for events of no company), its position
``seq`` (1, 2, 3… with no gap), the previous event's hash and its own: SHA-256 over a
canonical encoding of the chain, position, previous hash and every field. The links are
set when the transaction that wrote the events commits (``link``, called by the session's
``before_commit`` hook for ORM events and directly by the bulk writers), after locking the
chain's head row: concurrent writers of one company take turns, on SQLite and PostgreSQL,
and the head is locked last in every transaction, so it adds no deadlock. So editing,
deleting or reordering a row breaks the chain where it happened; a deleted tail is seen
against the head and against the anchors the scheduler signs with the audit key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from occireflex.models import AuditAnchor, AuditEvent, AuditHead, utcnow
from occireflex.settings import settings

GENESIS = "0" * 64
FIELDS = ("company_id", "user_id", "action", "target", "outcome", "before", "after", "ip",
          "channel")
PENDING = "occireflex.audit_pending"  # the session's events not linked yet (Session.info)


def chain_of(company_id: int | None) -> int:
    return company_id or 0


def _instant(value: datetime | str) -> str:
    """One text for an instant whatever the database gave back (SQLite: naive text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(row: dict[str, Any]) -> str:
    """The event's hash: its chain, position, previous hash, moment and fields."""
    canonical = [row["chain"], row["seq"], row["prev_hash"], _instant(row["created_at"]),
                 *(row[name] for name in FIELDS)]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _reserve(conn: Connection, chain: int, count: int) -> tuple[int, str]:
    """Take ``count`` positions at the chain's head (its row stays locked until the
    transaction ends): the last position used before them and its hash."""
    bump = (update(AuditHead).where(AuditHead.chain == chain)
            .values(seq=AuditHead.seq + count).returning(AuditHead.seq, AuditHead.hash))
    row = conn.execute(bump).first()
    if row is None:  # the chain's first event: create its head (another writer may race)
        dialect = conn.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        conn.execute(dialect_insert(AuditHead).values(chain=chain, seq=0, hash=GENESIS)
                     .on_conflict_do_nothing())
        row = conn.execute(bump).first()
    return row.seq - count, row.hash


def link(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Give ``rows`` (AuditEvent columns, ``created_at`` set) their links, in order; the
    chains are locked in ascending order, so two writers never wait for each other."""
    by_chain: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_chain.setdefault(chain_of(row["company_id"]), []).append(row)
    for chain in sorted(by_chain):
        items = by_chain[chain]
        last, previous = _reserve(conn, chain, len(items))
        for position, row in enumerate(items, last + 1):
            row.update(chain=chain, seq=position, prev_hash=previous)
            row["hash"] = previous = digest(row)
        conn.execute(update(AuditHead).where(AuditHead.chain == chain).values(hash=previous))


def note(session: Session, event: AuditEvent) -> None:
    """An event added to ``session``: linked when the session commits."""
    session.info.setdefault(PENDING, []).append(event)


def _link_pending(session: Session) -> None:
    events = session.info.pop(PENDING, None)
    if not events:
        return
    rows = [{"created_at": e.created_at, **{n: getattr(e, n) for n in FIELDS}} for e in events]
    link(session.connection(), rows)
    for event, row in zip(events, rows, strict=True):
        event.chain, event.seq, event.prev_hash, event.hash = (
            row["chain"], row["seq"], row["prev_hash"], row["hash"])


def _forget_pending(session: Session, *_args) -> None:
    session.info.pop(PENDING, None)


def install() -> None:
    """Hook the sessions: link at commit, forget on rollback (once per process)."""
    from sqlalchemy import event

    if not event.contains(Session, "before_commit", _link_pending):
        event.listen(Session, "before_commit", _link_pending)
        event.listen(Session, "after_rollback", _forget_pending)


# Verification --------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    chain: int
    events: int
    broken_seq: int | None = None  # the first position that does not hold
    event_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None and not self.reason

    def message(self) -> str:
        if self.intact:
            return f"Registro íntegro: {self.events} eventos verificados."
        where = f" en el evento {self.broken_seq}" if self.broken_seq is not None else ""
        return f"Registro alterado{where}: {self.reason}"


_COLUMNS = [AuditEvent.id, AuditEvent.created_at, AuditEvent.chain, AuditEvent.seq,
            AuditEvent.prev_hash, AuditEvent.hash,
            *(getattr(AuditEvent, name) for name in FIELDS)]


def verify(db: Session, chain: int) -> Verdict:
    """Walk the chain in order: positions without gaps, each previous hash the one before,
    each hash recomputed; then the head and the signed anchors."""
    conn = db.connection()
    expected_seq, previous, count, event_id = 1, GENESIS, 0, None
    rows = conn.execute(select(*_COLUMNS).where(AuditEvent.chain == chain)
                        .order_by(AuditEvent.seq).execution_options(yield_per=2000))
    for row in rows:
        data = row._asdict()
        event_id = data["id"]
        if data["seq"] != expected_seq:
            return Verdict(chain, count, expected_seq, event_id,
                           "falta un evento o el orden fue cambiado.")
        if data["prev_hash"] != previous:
            return Verdict(chain, count, data["seq"], event_id,
                           "no sigue al evento anterior (orden cambiado o evento borrado).")
        if digest(data) != data["hash"]:
            return Verdict(chain, count, data["seq"], event_id, "su contenido fue modificado.")
        previous, expected_seq, count = data["hash"], expected_seq + 1, count + 1
    loose = conn.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.chain.is_(None),
        AuditEvent.company_id.is_(None) if chain == 0 else AuditEvent.company_id == chain)
    ).scalar()
    if loose:
        return Verdict(chain, count, None, None,
                       f"hay {loose} evento(s) fuera de la cadena (insertados a mano).")
    head = conn.execute(select(AuditHead.seq, AuditHead.hash)
                        .where(AuditHead.chain == chain)).first()
    if head is not None and (head.seq, head.hash) != (count, previous):
        return Verdict(chain, count, count + 1, None,
                       f"faltan los eventos del final (la cadena llegaba al {head.seq}).")
    for anchor in conn.execute(select(AuditAnchor).where(AuditAnchor.chain == chain)
                               .order_by(AuditAnchor.seq)):
        if not hmac.compare_digest(anchor.signature, _sign(anchor.chain, anchor.seq,
                                                           anchor.hash)):
            return Verdict(chain, count, None, None, "un ancla no tiene una firma válida.")
        if anchor.seq > count:
            return Verdict(chain, count, count + 1, None,
                           f"faltan los eventos del final (un ancla firmada llega al "
                           f"{anchor.seq}).")
        stored = conn.execute(select(AuditEvent.hash).where(
            AuditEvent.chain == chain, AuditEvent.seq == anchor.seq)).scalar()
        if stored != anchor.hash:
            return Verdict(chain, count, anchor.seq, None,
                           "no coincide con el ancla firmada.")
    return Verdict(chain, count)


def chains(db: Session) -> list[int]:
    return list(db.connection().execute(select(AuditHead.chain).order_by(AuditHead.chain))
                .scalars())


# Anchors -------------------------------------------------------------------------------

def _sign(chain: int, seq: int, hash_: str) -> str:
    message = f"ancla:{chain}:{seq}:{hash_}".encode()
    return hmac.new(settings.audit_key, message, hashlib.sha256).hexdigest()


def anchor_heads(db: Session, now: datetime | None = None) -> int:
    """Sign and append every chain's head that moved since its last anchor (the
    scheduler's step); returns how many anchors were written. The caller commits."""
    now = now or utcnow()
    conn = db.connection()
    latest = dict(conn.execute(select(AuditAnchor.chain, func.max(AuditAnchor.seq))
                               .group_by(AuditAnchor.chain)).all())
    heads = conn.execute(select(AuditHead.chain, AuditHead.seq, AuditHead.hash)).all()
    fresh = [{"chain": h.chain, "seq": h.seq, "hash": h.hash, "created_at": now,
              "signature": _sign(h.chain, h.seq, h.hash)}
             for h in heads if h.seq > latest.get(h.chain, 0)]
    if fresh:
        conn.execute(insert(AuditAnchor), fresh)
    return len(fresh)
