"""What every area's rules raise when a form breaks them: messages by field."""

from __future__ import annotations

from typing import Any, Self


class FieldErrors(Exception):
    """A rule was broken. ``errors`` maps a form's field (or ``None`` for the whole form) to its
    messages, which are lazy: they are translated when shown."""

    def __init__(self, errors: dict[str | None, list[Any]]) -> None:
        self.errors = errors
        super().__init__(errors)

    @classmethod
    def single(cls, message: Any, field: str | None = None) -> Self:
        return cls({field: [message]})

    @property
    def messages(self) -> list[str]:
        return [str(m) for messages in self.errors.values() for m in messages]

    def __str__(self) -> str:
        return " ".join(self.messages)
