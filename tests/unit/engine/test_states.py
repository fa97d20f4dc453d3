"""The state table: illegal moves raise naming both states; terminal states have no exits;
random event sequences never reach an undeclared state."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.engine import TRANSITIONS, Event, next_state
from graphflow.errors import IllegalTransitionError
from graphflow.types import ProcessState


def test_terminal_states_have_no_exits() -> None:
    for state in ProcessState:
        exits = [event for (source, event) in TRANSITIONS if source is state]
        assert bool(exits) == (not state.is_terminal), state


def test_illegal_transition_names_both_states() -> None:
    with pytest.raises(IllegalTransitionError) as info:
        next_state(ProcessState.FINISHED, Event.START)
    assert "from finished to running" in str(info.value)
    with pytest.raises(IllegalTransitionError, match="from created to waiting"):
        next_state(ProcessState.CREATED, Event.WAIT)


def test_every_state_is_reachable_from_created() -> None:
    reached = {ProcessState.CREATED}
    frontier = [ProcessState.CREATED]
    while frontier:
        state = frontier.pop()
        for (source, _event), target in TRANSITIONS.items():
            if source is state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(ProcessState)


@given(st.lists(st.sampled_from(list(Event)), max_size=40))
def test_random_event_sequences(events: list[Event]) -> None:
    state = ProcessState.CREATED
    for event in events:
        try:
            new = next_state(state, event)
        except IllegalTransitionError:
            assert (state, event) not in TRANSITIONS
            continue
        assert not state.is_terminal
        assert new in ProcessState
        state = new
