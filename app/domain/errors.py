"""Typed refusals of the domain; views and APIs translate each class to one HTTP status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.messages import Message, Translate


class DomainError(Exception):
    """A refusal that names its problem; nothing was changed when one is raised."""

    http_status = 400

    def __init__(self, message: Message) -> None:
        super().__init__(message.render())
        self.message = message

    def render(self, gettext: Translate) -> str:
        """The refusal in the language of ``gettext``."""
        return self.message.render(gettext)


class NotFoundError(DomainError):
    """Unknown object or transition, or one outside the actor's scope (never revealed)."""

    http_status = 404


class ForbiddenError(DomainError):
    """The actor's role or relation to the ticket does not allow this."""

    http_status = 403


class ConflictError(DomainError):
    """Wrong state, stale version or double submit; carries what the ticket is now."""

    http_status = 409

    def __init__(
        self,
        message: Message,
        *,
        current_state: str | None = None,
        current_version: int | None = None,
    ) -> None:
        super().__init__(message)
        self.current_state = current_state
        self.current_version = current_version


class InvalidError(DomainError):
    """Missing or invalid data; ``field_errors`` maps each field name to its message."""

    http_status = 422

    def __init__(self, message: Message, field_errors: Mapping[str, Message] | None = None) -> None:
        super().__init__(message)
        self.field_errors: dict[str, Message] = dict(field_errors or {})

    def render_fields(self, gettext: Translate) -> dict[str, str]:
        """Each field's problem in the language of ``gettext``."""
        return {name: msg.render(gettext) for name, msg in self.field_errors.items()}

    def __repr__(self) -> str:
        fields: Any = {k: str(v) for k, v in self.field_errors.items()}
        return f"InvalidError({self.message}, {fields})"
