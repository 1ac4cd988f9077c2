"""Messages to users out of band (domain/outbox.py): written with the change, sent by the
sidecar through a real SMTP server (aiosmtpd) or as .eml files, retried, never lost or sent
twice (issue 13, point 6)."""

from __future__ import annotations

import dataclasses
import socket
import stat
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from occireflex.domain import outbox
from occireflex.models import OutboxMessage, User


class Inbox:
    def __init__(self):
        self.received: list = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch, tmp_path):
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    monkeypatch.setattr(outbox, "settings", dataclasses.replace(
        outbox.settings, smtp_url=f"smtp://127.0.0.1:{port}", instance_dir=tmp_path))
    inbox.start, inbox.stop = controller.start, controller.stop
    yield inbox
    if getattr(controller, "server", None) is not None:
        controller.stop()


def _user(db, username="admin.demo") -> User:
    return db.exec(select(User).where(User.username == username)).one()


def test_a_message_exists_only_if_its_change_was_committed_and_arrives_once(demo, db, smtp,
                                                                             pinned_clock):
    smtp.start()
    outbox.enqueue(db, _user(db), "clave_cambiada", "Su clave fue cambiada", "Texto uno")
    db.rollback()  # the change failed: no message
    outbox.enqueue(db, _user(db), "clave_cambiada", "Su clave fue cambiada", "Texto dos")
    db.commit()
    assert outbox.deliver_due(db) == outbox.Delivery(sent=1)
    assert outbox.deliver_due(db) == outbox.Delivery()  # nothing twice
    [mail] = smtp.received
    assert mail["Subject"] == "Su clave fue cambiada" and mail["To"] == "admin.demo@example.com"
    assert mail.get_payload().strip() == "Texto dos"
    row = db.exec(select(OutboxMessage)).one()
    assert row.sent_at is not None and row.attempts == 1


def test_a_failed_send_is_kept_and_retried_later(demo, db, smtp, pinned_clock, caplog):
    outbox.enqueue(db, _user(db), "clave_temporal", "Su clave temporal", "clave: k7-secreta")
    db.commit()
    assert outbox.deliver_due(db) == outbox.Delivery(failed=1)  # the server is down
    row = db.exec(select(OutboxMessage)).one()
    assert row.sent_at is None and row.attempts == 1 and "ConnectionRefusedError" in \
        row.last_error
    assert "k7-secreta" not in caplog.text  # never the body in a log
    smtp.start()
    assert outbox.deliver_due(db) == outbox.Delivery()  # not due yet: a minute later
    pinned_clock.advance(timedelta(minutes=1))
    assert outbox.deliver_due(db) == outbox.Delivery(sent=1)
    assert [m["Subject"] for m in smtp.received] == ["Su clave temporal"]


def test_a_message_claimed_by_another_sender_is_left_to_it(demo, db, smtp, pinned_clock):
    smtp.start()
    message = outbox.enqueue(db, _user(db), "clave_cambiada", "Asunto", "Texto")
    db.commit()
    message.claimed_until = pinned_clock.now + timedelta(minutes=2)
    db.add(message)
    db.commit()
    assert outbox.deliver_due(db) == outbox.Delivery() and smtp.received == []
    pinned_clock.advance(timedelta(minutes=3))  # that sender died: the claim lapses
    assert outbox.deliver_due(db) == outbox.Delivery(sent=1)


def test_without_smtp_messages_are_eml_files_only_their_owner_reads(demo, db, monkeypatch,
                                                                    tmp_path):
    monkeypatch.setattr(outbox, "settings", dataclasses.replace(
        outbox.settings, smtp_url="", instance_dir=tmp_path))
    outbox.enqueue(db, _user(db), "clave_temporal", "Su clave temporal", "clave: k7-secreta")
    db.commit()
    assert outbox.deliver_due(db) == outbox.Delivery(sent=1)
    [path] = (tmp_path / "outbox").iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"k7-secreta" in path.read_bytes()
    lines = outbox.listing(db)
    assert "Su clave temporal" in lines[0] and "enviado" in lines[0]
    assert "k7-secreta" not in "\n".join(lines)


def test_a_user_without_email_keeps_the_message_pending_with_the_reason(demo, db, smtp):
    smtp.start()
    user = _user(db)
    user.email = ""
    db.add(user)
    db.commit()
    outbox.enqueue(db, user, "clave_cambiada", "Asunto", "Texto")
    db.commit()
    assert outbox.deliver_due(db) == outbox.Delivery(failed=1)
    assert "no tiene correo" in db.exec(select(OutboxMessage)).one().last_error


def test_the_outbox_command_sends_what_is_due_and_lists_subjects(demo, db, smtp, capsys):
    from occireflex.cli import main

    smtp.start()
    outbox.enqueue(db, _user(db), "clave_temporal", "Su clave temporal", "clave: k7-secreta")
    db.commit()
    assert main(["outbox", "--pendientes"]) == 0
    assert "pendiente (intentos 0)" in capsys.readouterr().out
    assert main(["outbox", "--enviar"]) == 0
    out = capsys.readouterr().out
    assert "Enviados 1" in out and "Su clave temporal" in out and "k7-secreta" not in out
    assert len(smtp.received) == 1
