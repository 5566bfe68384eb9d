"""Every message the code can show has a Chinese translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def code_msgids() -> set[str]:
    found = extract_from_dir(
        str(ROOT / "app"),
        method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
        keywords={"N_": None, "_": None, "gettext": None, "lazy_gettext": None},
    )
    return {
        message for _file, _line, message, _comments, _context in found if isinstance(message, str)
    }


def test_every_message_in_the_code_is_translated_to_chinese() -> None:
    with open(ROOT / "app/translations/zh/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = sorted(m for m in code_msgids() if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_translations_keep_their_placeholders() -> None:
    with open(ROOT / "app/translations/zh/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id
