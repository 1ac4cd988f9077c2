"""The house rules of docs/ARCHITECTURE.md, read from the source: a change that breaks one
fails here, not in a reviewer's memory."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "occireflex"
MAX_LINES = 460  # «small modules, about 450 lines at most»


def _modules(folder: str = "") -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import of ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_domain_never_imports_reflex():
    offenders = [_name(p) for p in _modules("domain")
                 for module, _ in _imports(p) if module.split(".")[0] in ("reflex", "reflex_base")]
    assert offenders == []


def test_pages_import_no_page_and_declare_no_state():
    offenders = []
    for path in _modules("pages"):
        offenders += [f"{_name(path)} imports {m}" for m, names in _imports(path)
                      if m.startswith("occireflex.pages")
                      or (m == "occireflex" and "pages" in names)]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{_name(path)} declares {node.name}" for node in ast.walk(tree)
                      if isinstance(node, ast.ClassDef)]
    assert offenders == []


def test_no_state_commits():
    """Commits are decided by the unit of work (db.py), never by a state handler."""
    offenders = []
    for path in _modules("state"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit"):
                offenders.append(f"{_name(path)}:{node.lineno}")
    assert offenders == []


def test_no_module_imports_another_modules_private_names():
    offenders = [f"{_name(p)} imports {m}.{n}" for p in _modules()
                 for m, names in _imports(p) if m.startswith("occireflex")
                 for n in names if n.startswith("_") and not n.startswith("__")]
    assert offenders == []


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


BLOCKING_CALLS = {"session_scope", "identified_work", "_perform", "_actor"}


def _is_rx_event(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "event"


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_no_event_runs_database_work_on_the_event_loop():
    # a plain ``@rx.event`` runs on the loop every user shares: database work goes through
    # ``@handler`` or ``@blocking`` (state/handler.py), or ``await off_loop(...)``
    offenders = []
    for path in _modules("state"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not any(_is_rx_event(d) for d in node.decorator_list):
                continue
            offenders += [f"{_name(path)}:{call.lineno} {node.name} → {_called_name(call)}"
                          for call in ast.walk(node) if isinstance(call, ast.Call)
                          and _called_name(call) in BLOCKING_CALLS]
    assert offenders == []


def test_events_that_run_off_the_loop_are_awaited_when_called_directly():
    # ``@handler``/``@blocking`` events are coroutines: called from another event without
    # ``await`` they would never run (Reflex drops a returned coroutine)
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in _modules("state")}
    coroutine_events = {
        node.name for tree in trees.values() for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (isinstance(node, ast.AsyncFunctionDef) or any(
            _called_name(ast.Call(func=d, args=[], keywords=[])) in ("handler", "blocking")
            or (isinstance(d, ast.Call) and _called_name(d) in ("handler", "blocking"))
            for d in node.decorator_list))}
    offenders = []
    for path, tree in trees.items():
        awaited = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Await)}
        offenders += [f"{_name(path)}:{n.lineno} self.{n.func.attr}()" for n in ast.walk(tree)
                      if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                      and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"
                      and n.func.attr in coroutine_events and id(n) not in awaited]
    assert offenders == []
