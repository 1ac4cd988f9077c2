"""«Carga Programación Automática» handlers, including forged calls."""

from __future__ import annotations

from sqlmodel import select

from occireflex.bulk_worker import run_process
from occireflex.domain import bulk
from occireflex.models import BulkFile, Enrollment

HEADER = ("Convenio;Referencia;Alias;Cuenta débito;Pago;Días antes;Monto máximo;"
          "Fecha inicio;Fecha fin\n")


class FakeUpload:
    def __init__(self, data: bytes, filename: str):
        self._data, self.filename = data, filename

    async def read(self, size: int = -1) -> bytes:
        return self._data if size < 0 else self._data[:size]


def _upload(b, name: str, data: bytes, filename: str = "carga.csv"):
    b.bulk.set_file_name(name)
    return b.bulk.handle_upload([FakeUpload(data, filename)])


def _process(b) -> None:
    """What the background task does: the worker-thread run, then the page update."""
    steps = []
    b.bulk._apply_outcome(run_process(b.bulk._file_id, lambda f, t: steps.append(f)))
    assert steps, "progress was reported"


def test_name_check_and_reuse(logged_in, db):
    b = logged_in("admin.demo")
    b.bulk.set_file_name("ServPubli")
    b.bulk.check_name()
    assert b.bulk.name_ok and b.bulk.name_message == "Nombre disponible."
    result = _upload(b, "ServPubli", (HEADER + "1001;0045999001;Sede;256098765;VENCIMIENTO;;"
                                      "1.000.000;;\n").encode())
    assert b.bulk.error == "" and b.bulk.busy and result
    stored = db.exec(select(BulkFile)).one()
    assert stored.state == bulk.RECIBIDO and stored.content.startswith(b"Convenio")
    b.bulk.set_file_name("serv publí")
    b.bulk.check_name()
    assert not b.bulk.name_ok and "ya fue usado" in b.bulk.name_message


def test_process_enrolls_all_or_nothing(logged_in, db):
    b = logged_in("admin.demo")
    _upload(b, "Buena", (HEADER + "1001;0045999002;Sede;256098765;VENCIMIENTO;;1.000.000;;\n"
                         ).encode())
    _process(b)
    assert b.bulk.outcome == "Procesado" and b.bulk.outcome_inscribed == 1
    assert db.exec(select(Enrollment).where(Enrollment.reference == "0045999002")).first()
    b2 = logged_in("prepara.demo")
    _upload(b2, "Mala", (HEADER + "1001;0045999003;Sede;256098765;VENCIMIENTO;;1.000.000;;\n"
                         "1001;12AB;Sede;256098765;VENCIMIENTO;;1.000.000;;\n").encode())
    _process(b2)
    assert b2.bulk.outcome == "Rechazado"
    assert b2.bulk.first_errors[0]["row"] == "3" and b2.bulk.first_errors[0]["column"]
    assert db.exec(select(Enrollment).where(Enrollment.reference == "0045999003")).first() is None


def test_forged_uploads_are_refused(logged_in, db):
    b = logged_in("admin.demo")
    b.bulk.handle_upload("nope")
    assert "Seleccione un archivo" in b.bulk.error
    _upload(b, "Vacía", b"", "vacia.csv")
    assert b.bulk.error and not b.bulk.busy
    _upload(b, "Binario", b"\x00\x01PK", "x.exe")
    assert b.bulk.error and not b.bulk.busy
    assert db.exec(select(BulkFile)).first() is None or all(
        f.state != bulk.PROCESADO for f in db.exec(select(BulkFile)).all())


def test_user_without_grant_cannot_upload_or_list(logged_in, db):
    b = logged_in("consulta.demo")
    _upload(b, "Colada", (HEADER + "1001;0045999004;x;256098765;VENCIMIENTO;;1;;\n").encode())
    assert "permiso" in b.bulk.error
    b.bulk.load_files()
    assert b.bulk.files == []
    assert db.exec(select(BulkFile)).first() is None


def test_reports_only_for_own_company(logged_in, db):
    b = logged_in("admin.demo")
    _upload(b, "Propia", (HEADER + "1001;12AB;x;256098765;VENCIMIENTO;;1;;\n").encode())
    _process(b)
    b.bulk.load_files()
    file_id = b.bulk.files[0]["id"]
    assert b.bulk.download_report(file_id) is not None
    other = logged_in("admin.otra")
    other.bulk.load_files()
    assert other.bulk.files == []
    other.bulk.download_report(file_id)
    assert other.bulk.error


def test_template_download_needs_the_grant(logged_in):
    assert logged_in("admin.demo").bulk.download_template() is not None
    refused = logged_in("consulta.demo")
    assert refused.bulk.download_template() is None and "permiso" in refused.bulk.error


def test_sidecar_processes_uploads_left_waiting(logged_in, db):
    from datetime import timedelta

    from occireflex.models import utcnow
    from occireflex.scheduler import process_stranded_uploads

    b = logged_in("admin.demo")
    _upload(b, "Olvidada", (HEADER + "1001;0045999005;x;256098765;VENCIMIENTO;;1.000.000;;\n"
                            ).encode())
    assert process_stranded_uploads(utcnow()) == 0  # just uploaded: the portal's task runs it
    assert process_stranded_uploads(utcnow() + timedelta(minutes=3)) == 1
    db.expire_all()
    assert db.exec(select(BulkFile)).one().state == bulk.PROCESADO


def test_uploaded_files_follow_their_own_consultas_grant(logged_in, db):
    from occireflex.models import Grant, Profile

    b = logged_in("prepara.demo")  # «Prepara y Autoriza»: Consultas and Transacciones
    b.bulk.load_files()
    assert b.bulk.error == ""
    profile = db.exec(select(Profile).where(Profile.name == "Prepara y Autoriza")).one()
    for grant in db.exec(select(Grant).where(Grant.profile_id == profile.id,
                                             Grant.service_code == bulk.FILES_SERVICE)):
        db.delete(grant)
    db.commit()
    b.bulk.load_files()
    assert "permiso" in b.bulk.error and b.bulk.files == []
