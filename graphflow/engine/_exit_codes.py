"""Exit codes (paper, section 2.1.3): a process's known failure modes, by label and status.

Kept apart from the spec so that the outline (``return_(code)``) and the spec can both
use them without importing each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ExitCode", "ExitCodesNamespace"]


class ExitCode(NamedTuple):
    """A known failure mode: ``status`` (0 is success), a ``message`` and a ``label``."""

    status: int = 0
    message: str | None = None
    label: str | None = None

    def format(self, **kwargs: Any) -> ExitCode:
        """A copy whose message has ``{placeholders}`` filled in."""
        message = self.message.format(**kwargs) if self.message else self.message
        return self._replace(message=message)


class ExitCodesNamespace:
    """Exit codes by label as attributes (``exit_codes.ERROR_X``), and by status via call."""

    def __init__(self) -> None:
        self._codes: dict[str, ExitCode] = {}

    def add(self, code: ExitCode) -> None:
        assert code.label is not None
        self._codes[code.label] = code

    def __getattr__(self, label: str) -> ExitCode:
        if label.startswith("_"):
            raise AttributeError(label)
        try:
            return self._codes[label]
        except KeyError:
            known = ", ".join(sorted(self._codes)) or "none"
            raise AttributeError(f"no exit code labelled {label!r} (known: {known})") from None

    def __getitem__(self, label: str) -> ExitCode:
        return self.__getattr__(label)

    def __call__(self, status: int) -> ExitCode:
        for code in self._codes.values():
            if code.status == status:
                return code
        raise KeyError(f"no exit code with status {status}")

    def __iter__(self) -> Iterator[ExitCode]:
        return iter(sorted(self._codes.values()))

    def __contains__(self, label: object) -> bool:
        return label in self._codes

    def __len__(self) -> int:
        return len(self._codes)
