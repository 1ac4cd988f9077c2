"""One bulk file processed in a process of its own: ``python -m occireflex.bulk_worker ID``.

Parsing and validating 100,000 rows is seconds of pure Python. In a thread of the server it
held the GIL that the event loop and the event threads need: while a file was processed,
other users' pages took up to 4 s (bench/load.py --background bulk). A child process has
its own interpreter, and a file that exhausts memory takes only the child down.

It reads the same settings as the server (environment, instance folder) and writes JSON
lines on stdout: ``{"progress": fraction, "text": …}`` while working, then
``{"outcome": [state, rows, inscribed, message, first_errors]}``.
"""

from __future__ import annotations

import dataclasses
import json
import sys

from occireflex.db import session_scope
from occireflex.domain import bulk

Outcome = tuple[str, int, int, str, list[bulk.RowError]]


def run_process(file_id: int, note) -> Outcome:
    """Process the file; (state, rows, inscribed, message, first errors)."""
    with session_scope() as db:
        result = bulk.process(db, file_id, progress=note)
        if result is None:
            return "", 0, 0, "El archivo ya está siendo procesado.", []
        errors = bulk.first_errors(result.report or b"") if result.state == bulk.RECHAZADO \
            else []
        return result.state, result.rows, result.inscribed, result.message, errors


def outcome_of(message: dict) -> Outcome | None:
    """The outcome a stdout line carries, or None for a progress line."""
    if "outcome" not in message:
        return None
    state, rows, inscribed, text, errors = message["outcome"]
    return state, rows, inscribed, text, [bulk.RowError(**e) for e in errors]


def _print(message: dict) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("uso: python -m occireflex.bulk_worker ID_DEL_ARCHIVO", file=sys.stderr)
        return 2
    state, rows, inscribed, text, errors = run_process(
        int(argv[1]), lambda fraction, note: _print({"progress": fraction, "text": note}))
    _print({"outcome": [state, rows, inscribed, text,
                        [dataclasses.asdict(e) for e in errors]]})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
