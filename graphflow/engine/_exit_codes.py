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
        """A copy whose message has ``{placeholders}`` filled in.

        Raises:
            ValueError: a placeholder of the message was not given, or there is no
                message (as in AiiDA).
        """
        if self.message is None:
            raise ValueError(f"exit code {self.label or self.status} has no message to format")
        try:
            message = self.message.format(**kwargs)
        except (KeyError, IndexError) as exc:
            raise ValueError(
                f"exit code {self.label or self.status}: the message {self.message!r} needs "
                f"{exc} to be filled in; given: {sorted(kwargs) or 'nothing'}"
            ) from None
        return self._replace(message=message)


class ExitCodesNamespace:
    """Exit codes by label as attributes (``exit_codes.ERROR_X``), items and a mapping's
    views, and by label or status via call (``exit_codes(300)``), as AiiDA's."""

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

    def __call__(self, identifier: int | str) -> ExitCode:
        """The exit code with this status or label; ValueError when there is none."""
        if isinstance(identifier, str) and not identifier.strip().isdigit():
            if identifier in self._codes:
                return self._codes[identifier]
            known = ", ".join(sorted(self._codes)) or "none"
            raise ValueError(f"no exit code labelled {identifier!r} (known: {known})")
        status = int(identifier)
        for code in self._codes.values():
            if code.status == status:
                return code
        raise ValueError(f"no exit code with status {status}")

    def __iter__(self) -> Iterator[str]:
        """The labels, as a mapping's keys."""
        return iter(self._codes)

    def keys(self) -> list[str]:
        return list(self._codes)

    def values(self) -> list[ExitCode]:
        return list(self._codes.values())

    def items(self) -> list[tuple[str, ExitCode]]:
        return list(self._codes.items())

    def __contains__(self, label: object) -> bool:
        return label in self._codes

    def __len__(self) -> int:
        return len(self._codes)
