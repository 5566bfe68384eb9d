"""User-facing messages of the domain, translatable without importing Flask.

The domain speaks in English message ids (gettext msgids); whoever shows a message passes the
active ``gettext`` to :meth:`Message.render`, so the same refusal reads in Chinese or English.
``N_`` only marks a string for extraction by ``pybabel extract``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(msgid: str) -> str:
    """Mark ``msgid`` for translation extraction; returns it unchanged."""
    return msgid


Translate = Callable[[str], str]


def _identity(msgid: str) -> str:
    return msgid


@dataclass(frozen=True)
class Message:
    """A translatable message: an English msgid with ``%(name)s`` placeholders and their values.

    Placeholder values that are themselves msgids (labels, state names) are listed in
    ``translated_params`` and translated too, so "字段 标题 必填" reads fully in one language.
    """

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    translated_params: tuple[str, ...] = ()

    def render(self, gettext: Translate = _identity) -> str:
        """Return the message in the language of ``gettext`` (English without one)."""
        values = {
            key: gettext(str(value)) if key in self.translated_params else value
            for key, value in self.params.items()
        }
        text = gettext(self.msgid)
        return text % values if values else text

    def __str__(self) -> str:
        return self.render()
