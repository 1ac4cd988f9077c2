"""A bulk file is processed by ``python -m occireflex.bulk_worker`` in a process of its own
(the server's GIL stays free for other users' events): progress and outcome come back as
JSON lines, the database holds the result."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlmodel import select

from occireflex.bulk_worker import outcome_of
from occireflex.domain import access, bulk
from occireflex.models import BulkFile, Enrollment
from tests.domain.test_sweep import db_url
from tests.helpers import login

HEADER = ("Convenio;Referencia;Alias;Cuenta débito;Pago;Días antes;Monto máximo;"
          "Fecha inicio;Fecha fin\n")


def _worker(engine, file_id: object) -> tuple[int, list[dict]]:
    env = {**os.environ, "OCCIREFLEX_DB_URL": db_url(engine)}
    done = subprocess.run([sys.executable, "-m", "occireflex.bulk_worker", str(file_id)],
                          env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def _register(db, name: str, body: str) -> int:
    actor = access.load_actor(db, login(db, "admin.demo").session_token)
    row = bulk.register(db, actor, name, "carga.csv", (HEADER + body).encode())
    db.commit()
    return row.id


def test_the_worker_process_enrolls_a_valid_file_and_reports_progress(demo, db):
    file_id = _register(db, "Worker OK", "1001;0045999001;Sede;256098765;VENCIMIENTO;;"
                                         "1.000.000;;\n")
    code, lines = _worker(demo, file_id)
    assert code == 0
    progress = [m["progress"] for m in lines if "progress" in m]
    assert progress and progress == sorted(progress) and progress[-1] == 1.0
    state, rows, inscribed, message, errors = outcome_of(lines[-1])
    assert (state, rows, inscribed, errors) == (bulk.PROCESADO, 1, 1, [])
    db.expire_all()
    assert db.exec(select(BulkFile)).one().state == bulk.PROCESADO
    assert db.exec(select(Enrollment).where(Enrollment.reference == "0045999001")).one()


def test_the_worker_process_rejects_a_bad_file_naming_row_and_column(demo, db):
    file_id = _register(db, "Worker mal", "1001;0045999001;Sede;256098765;CUANDO;;"
                                          "1.000.000;;\n")
    code, lines = _worker(demo, file_id)
    assert code == 0
    state, _rows, inscribed, message, errors = outcome_of(lines[-1])
    assert state == bulk.RECHAZADO and inscribed == 0
    assert errors[0].row == 2 and errors[0].column == "Pago" and errors[0].value == "CUANDO"
    db.expire_all()
    assert db.exec(select(Enrollment).where(Enrollment.reference == "0045999001")).first() \
        is None


def test_the_worker_refuses_a_bad_argument_and_a_file_taken_twice(demo, db):
    assert _worker(demo, "x")[0] == 2
    file_id = _register(db, "Worker dos", "1001;0045999001;Sede;256098765;VENCIMIENTO;;"
                                          "1.000.000;;\n")
    assert _worker(demo, file_id)[0] == 0
    code, lines = _worker(demo, file_id)  # already processed: nothing done again
    assert code == 0 and outcome_of(lines[-1])[3] == "El archivo ya está siendo procesado."
