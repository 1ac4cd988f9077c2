"""The virtual token's state machine, pure: every state × every event, the valid ones
lead where the diagram says and every other one is refused with its reason."""

from __future__ import annotations

import pytest

from occireflex.domain.tokens import states as ts
from occireflex.domain.tokens.states import VirtualState as V

S, A, L, B = ts.SIN_TOKEN, ts.ACTIVO, ts.LIBERADO, ts.BLOQUEADO
STATES = [V(s, p) for s in (S, A, L, B) for p in (False, True)]

# (state, pending, event) → the next VirtualState, or the refusal message
EXPECTED: dict[tuple[str, bool, str], V | str] = {}
for s in (S, A, L, B):
    EXPECTED[(s, True, ts.SOLICITAR_LIBERACION)] = ts.ALREADY_PENDING
    for event in (ts.APROBAR, ts.RECHAZAR, ts.EXPIRAR, ts.CANCELAR):
        EXPECTED[(s, False, event)] = ts.NOT_PENDING
    EXPECTED[(s, True, ts.APROBAR)] = V(L)
    EXPECTED[(s, True, ts.RECHAZAR)] = V(s)
    EXPECTED[(s, True, ts.EXPIRAR)] = V(s)
    EXPECTED[(s, True, ts.CANCELAR)] = V(s)  # the token stays where it was
    for event in (ts.ENROLAR, ts.ACTIVAR):
        EXPECTED[(s, True, event)] = ts.WAIT_APPROVAL
    for pending in (False, True):
        EXPECTED[(s, pending, ts.HABILITAR_BANCO)] = V(L) if s == B else ts.NOT_BLOCKED
        EXPECTED[(s, pending, ts.BLOQUEAR)] = (
            ts.NOTHING_TO_BLOCK if s == S else ts.ALREADY_BLOCKED if s == B else V(B))
EXPECTED.update({
    (S, False, ts.SOLICITAR_LIBERACION): V(S, True),
    (A, False, ts.SOLICITAR_LIBERACION): V(A, True),
    (L, False, ts.SOLICITAR_LIBERACION): V(L, True),
    (B, False, ts.SOLICITAR_LIBERACION): ts.BLOCKED_NO_RELEASE,
    (S, False, ts.ENROLAR): ts.NOT_RELEASED,
    (A, False, ts.ENROLAR): ts.ALREADY_ACTIVE,
    (L, False, ts.ENROLAR): V(L),
    (B, False, ts.ENROLAR): ts.BLOCKED_NO_ENROLL,
    (S, False, ts.ACTIVAR): ts.NOT_RELEASED,
    (A, False, ts.ACTIVAR): ts.ALREADY_ACTIVE,
    (L, False, ts.ACTIVAR): V(A),
    (B, False, ts.ACTIVAR): ts.BLOCKED_NO_ENROLL,
})


def test_the_expected_table_covers_every_state_and_event():
    assert len(EXPECTED) == len(STATES) * len(ts.EVENTS) == 72


@pytest.mark.parametrize(("state", "pending", "event"), sorted(EXPECTED))
def test_transition(state, pending, event):
    expected = EXPECTED[(state, pending, event)]
    if isinstance(expected, V):
        assert ts.transition(V(state, pending), event) == expected
    else:
        with pytest.raises(ts.InvalidTransition) as exc:
            ts.transition(V(state, pending), event)
        assert exc.value.message == expected


@pytest.mark.parametrize("event", ["", "borrar", None, 3])
def test_unknown_events_and_states_are_refused(event):
    with pytest.raises(ts.InvalidTransition):
        ts.transition(V(A), event)
    with pytest.raises(ts.InvalidTransition):
        ts.transition(V("inventado"), ts.BLOQUEAR)


def test_labels_of_the_grid():
    assert [V(s).label for s in (S, A, L, B)] == ["Sin token", "Activo", "Liberado", "Bloqueado"]
    assert V(A, True).label == "Pendiente de autorización"


def test_allowed_actions_follow_the_transitions():
    assert ts.allowed_actions(V(S)) == (ts.LIBERAR,)
    assert ts.allowed_actions(V(A)) == (ts.LIBERAR, ts.BLOQUEAR_ACCION)
    assert ts.allowed_actions(V(L)) == (ts.LIBERAR, ts.BLOQUEAR_ACCION)
    assert ts.allowed_actions(V(A, True)) == (ts.BLOQUEAR_ACCION,)
    assert ts.allowed_actions(V(S, True)) == ()
    assert ts.allowed_actions(V(B)) == ()


def test_each_action_has_its_own_causales():
    assert ts.check_reason(ts.LIBERAR, "solo_semilla") == "solo_semilla"
    assert ts.check_reason(ts.BLOQUEAR_ACCION, "perdida_robo") == "perdida_robo"
    assert set(ts.REASONS[ts.LIBERAR].values()) >= {
        "Cambio de dispositivo", "Reinstalación de la App", "Solo liberación de semilla"}
    assert set(ts.REASONS[ts.BLOQUEAR_ACCION].values()) == {
        "Pérdida o robo del dispositivo", "Retiro del usuario", "Sospecha de fraude"}
    for action, reason in ((ts.LIBERAR, "perdida_robo"), (ts.BLOQUEAR_ACCION, "solo_semilla"),
                           (ts.LIBERAR, ""), (ts.LIBERAR, None), (ts.LIBERAR, ["solo_semilla"]),
                           ("borrar", "solo_semilla"), (None, None), ([ts.LIBERAR], "x"),
                           ({}, {})):
        with pytest.raises(ts.InvalidTransition):
            ts.check_reason(action, reason)
