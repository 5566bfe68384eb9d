"""Public reporting (群众举报): tracking codes, what the public sees, reporter protection, rewards.

A member of the public reports without an account; the report becomes an ordinary ticket with
source 群众举报 (the lifecycle's rules apply). This module holds what is particular to it:
the tracking code the reporter keeps, the plain words the tracking page uses for each step,
the protection of the reporter's identity and the reward decision's rules (安全生产领域举报
奖励办法: an amount within configured bounds, by default 3,000 to 300,000 yuan).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain import roles
from app.domain.errors import ConflictError, ForbiddenError
from app.domain.fields import FieldSpec, Kind, field_error, parse_fields
from app.domain.lifecycle import Action
from app.domain.messages import N_, Message
from app.domain.scope import Actor, scope_of, ticket_in_scope
from app.domain.vocabulary import Source, State

# No look-alikes (0/O, 1/I/L, 5/S, 2/Z, 8/B): 25 symbols, 12 of them are ~56 bits of chance.
TRACKING_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
TRACKING_LENGTH = 12
TRACKING_GROUP = 4


def new_tracking_code() -> str:
    """A random tracking code (never derived from ids or time, so it cannot be enumerated)."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(raw: str | None) -> str | None:
    """The code as stored, from what a person typed (case, spaces and dashes ignored).

    None when it cannot be a tracking code; callers answer exactly as for an unknown code.
    """
    text = "".join((raw or "").split()).replace("-", "").upper()
    if len(text) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in text):
        return None
    return text


def format_tracking_code(code: str) -> str:
    """``ABCD-EFGH-JKMN``: groups of four, easy to read out and write down."""
    return "-".join(code[i : i + TRACKING_GROUP] for i in range(0, len(code), TRACKING_GROUP))


# --------------------------------------------------------------------------- the form

PUBLIC_REPORT_FIELDS = (
    FieldSpec("description", Kind.LONG_TEXT, N_("What did you see?"), max_length=2000),
    FieldSpec("township_id", Kind.ID, N_("Township or street")),
    FieldSpec("address", Kind.TEXT, N_("Address or place"), required=False, max_length=300),
    FieldSpec("latitude", Kind.DECIMAL, N_("Latitude"), required=False),
    FieldSpec("longitude", Kind.DECIMAL, N_("Longitude"), required=False),
    FieldSpec("enterprise_name", Kind.TEXT, N_("Enterprise name (if known)"), required=False),
    FieldSpec("reporter_name", Kind.TEXT, N_("Your name"), required=False, max_length=80),
    FieldSpec("reporter_phone", Kind.TEXT, N_("Your phone"), required=False, max_length=40),
    FieldSpec("consent", Kind.BOOL, N_("I agree")),
)

TITLE_LENGTH = 40
_PHONE_CHARACTERS = set("0123456789+- ")


def parse_public_report(data: Mapping[str, Any]) -> dict[str, Any]:
    """Check what the public form sent; raise one InvalidError naming every problem."""
    clean = parse_fields(PUBLIC_REPORT_FIELDS, data)
    if clean["consent"] is not True:
        raise field_error(
            "consent", Message(N_("Please read and accept the statement to send your report."))
        )
    phone = clean["reporter_phone"]
    if phone and (set(phone) - _PHONE_CHARACTERS or sum(ch.isdigit() for ch in phone) < 5):
        raise field_error("reporter_phone", Message(N_("Please enter a valid phone number.")))
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = clean[name]
        if value is not None and not Decimal(low) <= value <= Decimal(high):
            raise field_error(name, Message(N_("The location is not a valid point.")))
    return clean


def ticket_data(clean: Mapping[str, Any], enterprise_id: int | None) -> dict[str, Any]:
    """The lifecycle's report data for a public report (a title made from what they saw)."""
    description: str = clean["description"]
    first_line = description.splitlines()[0].strip() if description.strip() else description
    title = first_line[:TITLE_LENGTH] + ("…" if len(first_line) > TITLE_LENGTH else "")
    data: dict[str, Any] = {
        "title": title,
        "description": description,
        "address": clean["address"],
        "latitude": clean["latitude"],
        "longitude": clean["longitude"],
        "source": Source.PUBLIC_REPORT.value,
    }
    if enterprise_id is not None:
        data["enterprise_id"] = enterprise_id
    else:
        data["region_id"] = clean["township_id"]
    return data


# --------------------------------------------------------------------------- what the public sees

# Each state of the ticket, in the plain words of the tracking page.
PUBLIC_STATE = {
    State.REPORTED: N_("Received, being checked by the township"),
    State.CONFIRMED: N_("Confirmed as a hazard, being dealt with"),
    State.CONTROLLED: N_("Confirmed as a hazard, being dealt with"),
    State.RECTIFYING: N_("Being rectified"),
    State.PENDING_VERIFICATION: N_("Rectification done, being checked"),
    State.CLOSED: N_("Rectified and closed"),
    State.REJECTED: N_("Not accepted"),
    State.MERGED: N_("Merged with an earlier report of the same hazard"),
}

# The steps of the timeline the public sees; every other event (who, extensions, escalation,
# edits, attachments) is internal.
PUBLIC_STEPS = {
    Action.REPORT: N_("Report received"),
    Action.CONFIRM: N_("Confirmed as a hazard"),
    Action.REJECT: N_("Not accepted"),
    Action.CONTROL: N_("Interim control measures taken"),
    Action.PLAN: N_("Rectification plan filed"),
    Action.SUBMIT: N_("Rectification reported done"),
    Action.SEND_BACK: N_("Rectification sent back for more work"),
    Action.VERIFY: N_("Checked and closed"),
    Action.REOPEN: N_("Reopened"),
    Action.MERGE: N_("Merged with an earlier report of the same hazard"),
}


def public_step(action: str) -> str | None:
    """The plain words for an event of the timeline, or None when the public does not see it."""
    try:
        return PUBLIC_STEPS.get(Action(action))
    except ValueError:
        return None


# --------------------------------------------------------------------------- who sees what


def may_see_reporter(actor: Actor, ticket: Any) -> bool:
    """Only the inspectors and district supervisors responsible for the ticket's township."""
    return actor.has_role(roles.TOWNSHIP_INSPECTOR, roles.DISTRICT_SUPERVISOR) and ticket_in_scope(
        scope_of(actor), ticket
    )


def may_reply(actor: Actor, ticket: Any) -> bool:
    """The township answers the reporter (its inspectors, or the district above them)."""
    return may_see_reporter(actor, ticket)


def may_decide_reward(actor: Actor, ticket: Any) -> bool:
    """The district records reward decisions."""
    return actor.has_role(roles.DISTRICT_SUPERVISOR) and ticket_in_scope(scope_of(actor), ticket)


REPLY = "reply"
REWARD = "reward"


def staff_refusal(actor: Actor, ticket: Any, purpose: str) -> ForbiddenError | None:
    """Why ``actor`` may not reply to the reporter of / decide the reward for ``ticket``."""
    if purpose == REWARD and not may_decide_reward(actor, ticket):
        return ForbiddenError(Message(N_("Only the district records reward decisions.")))
    if purpose == REPLY and not may_reply(actor, ticket):
        return ForbiddenError(
            Message(N_("Only the township's inspectors and the district reply to the public."))
        )
    return None


# --------------------------------------------------------------------------- replies and rewards

PUBLIC_REPLY_FIELDS = (
    FieldSpec(
        "text",
        Kind.LONG_TEXT,
        N_("Reply to the reporter"),
        max_length=2000,
        help=N_("The reporter reads this on the tracking page; write nothing internal."),
    ),
)

REWARD_FIELDS = (
    FieldSpec("eligible", Kind.BOOL, N_("Eligible for a reward")),
    FieldSpec(
        "amount",
        Kind.DECIMAL,
        N_("Amount (yuan)"),
        required=False,
        help=N_("Within the configured bounds; empty when not eligible."),
    ),
    FieldSpec("decided_on", Kind.DATE, N_("Decided on")),
    FieldSpec("reason", Kind.LONG_TEXT, N_("Reason")),
)


@dataclass(frozen=True)
class RewardBounds:
    """The configured range of a reward, in yuan (举报奖励办法: 3,000 to 300,000)."""

    minimum: Decimal = Decimal(3000)
    maximum: Decimal = Decimal(300000)


def decide_reward(
    actor: Actor,
    ticket: Any,
    led_to_confirmed_hazard: bool,
    already_decided: bool,
    data: Mapping[str, Any],
    bounds: RewardBounds,
    today: date,
) -> dict[str, Any]:
    """Check a reward decision and return its values (eligible, amount, decided_on, reason)."""
    refused = staff_refusal(actor, ticket, REWARD)
    if refused is not None:
        raise refused
    if already_decided:
        raise ConflictError(Message(N_("A reward decision is already recorded for this report.")))
    clean = parse_fields(REWARD_FIELDS, data)
    if clean["decided_on"] > today:
        raise field_error("decided_on", Message(N_("This date cannot be in the future.")))
    amount = clean["amount"]
    if clean["eligible"]:
        if not led_to_confirmed_hazard:
            raise field_error(
                "eligible",
                Message(N_("Only a report that led to a confirmed hazard can be rewarded.")),
            )
        if amount is None or not bounds.minimum <= amount <= bounds.maximum:
            raise field_error(
                "amount",
                Message(
                    N_("The amount must be between %(minimum)s and %(maximum)s yuan."),
                    {"minimum": f"{bounds.minimum:,.0f}", "maximum": f"{bounds.maximum:,.0f}"},
                ),
            )
        amount = amount.quantize(Decimal("0.01"))
    elif amount is not None:
        raise field_error("amount", Message(N_("A report that is not eligible gets no amount.")))
    return {
        "eligible": clean["eligible"],
        "amount": amount,
        "decided_on": clean["decided_on"],
        "reason": clean["reason"],
    }
