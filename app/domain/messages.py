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

# Which language a translate function speaks: the zh catalog translates this msgid as "zh".
# Data an administrator types in two languages (field labels) picks its text by it.
LANGUAGE_PROBE = N_("language of administrator labels: en")


@dataclass(frozen=True)
class LocalText:
    """Text an administrator gave in Chinese and English (not a msgid of the catalog)."""

    zh: str
    en: str = ""

    def render(self, gettext: Translate) -> str:
        """The text in the language of ``gettext`` (Chinese when no English was given)."""
        if gettext(LANGUAGE_PROBE) == "zh" or not self.en:
            return self.zh
        return self.en

    def __str__(self) -> str:
        return self.en or self.zh


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
            key: label_text(value, gettext)
            if key in self.translated_params or isinstance(value, LocalText)
            else value
            for key, value in self.params.items()
        }
        text = gettext(self.msgid)
        return text % values if values else text

    def __str__(self) -> str:
        return self.render()


def label_text(label: str | LocalText, gettext: Translate) -> str:
    """A field label in the language of ``gettext``: a msgid, or an administrator's text."""
    return label.render(gettext) if isinstance(label, LocalText) else gettext(str(label))
