"""Identifiers: the unified social credit code (GB 32100-2015) and hazard ticket codes."""

from __future__ import annotations

import re

from app.domain.errors import InvalidError
from app.domain.messages import N_, Message

# GB 32100-2015 uses 31 characters: digits and capitals without I, O, Z, S, V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a credit code whose first 17 characters are ``first17``."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """Upper-case and strip a typed credit code (offices type them in either case)."""
    return raw.strip().upper()


def credit_code_problem(code: str) -> Message | None:
    """Why ``code`` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return Message(
            N_("A unified social credit code has 18 characters, this one has %(count)s."),
            {"count": len(code)},
        )
    if not _CREDIT_CODE_SHAPE.match(code):
        return Message(
            N_(
                "A unified social credit code uses digits and capital letters except I, O, Z, S"
                " and V, with the administrative division code (6 digits) in positions 3-8."
            )
        )
    if credit_code_check_character(code[:17]) != code[17]:
        return Message(
            N_("The check character of credit code %(code)s is wrong (GB 32100-2015)."),
            {"code": code},
        )
    return None


def validate_credit_code(raw: str) -> str:
    """Return the normalised code, or raise :class:`InvalidError` naming the problem."""
    code = normalise_credit_code(raw)
    problem = credit_code_problem(code)
    if problem is not None:
        raise InvalidError(problem, {"credit_code": problem})
    return code


TICKET_CODE_PREFIX = "YH"


def format_ticket_code(township_code: str, year: int, sequence: int) -> str:
    """The human-readable ticket code ``YH-<township code>-<year>-<seq>`` (seq zero-padded)."""
    return f"{TICKET_CODE_PREFIX}-{township_code}-{year}-{sequence:05d}"
