"""Key bindings of the prompt: Enter runs a finished statement, else starts a new line.

On top of prompt-toolkit's Emacs bindings (Ctrl-R history search, Ctrl-A/E, ...):

- Enter with a completion selected takes the completion and closes the menu;
- Enter runs the input when :func:`~graphflow.shell._splitter.is_complete` says it is
  finished (ends with ``;``, is a command, ``\\e``, ``exit``), else inserts a newline;
- Escape then Enter (Alt-Enter) runs the input as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prompt_toolkit.enums import DEFAULT_BUFFER
from prompt_toolkit.filters import completion_is_selected, has_focus
from prompt_toolkit.key_binding import KeyBindings

from graphflow.shell._splitter import is_complete

if TYPE_CHECKING:
    from prompt_toolkit.key_binding import KeyPressEvent

__all__ = ["key_bindings"]


def key_bindings() -> KeyBindings:
    """The shell's own bindings (merged after prompt-toolkit's, so they take priority)."""
    bindings = KeyBindings()
    # only in the input itself: in Ctrl-R search, Enter keeps its own meaning
    editing = has_focus(DEFAULT_BUFFER)

    @bindings.add("enter", filter=editing & completion_is_selected)
    def _take_completion(event: KeyPressEvent) -> None:
        event.current_buffer.complete_state = None

    @bindings.add("enter", filter=editing & ~completion_is_selected)
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    @bindings.add("escape", "enter", filter=editing)
    def _run_as_is(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    return bindings
