"""Deadline digests to DingTalk (钉钉, incl. the government edition) and WeCom (企业微信) robots.

The same rule as e-mail: after a sweep, each region's robot gets one Markdown message listing
the tickets of its region that the sweep told people about (reminders, overdue marks,
escalations), with links; a robot gets at most one digest per sweep, however often the job
runs. DingTalk robots with 加签 get ``timestamp`` and ``sign`` on the URL as DingTalk's robot
documentation specifies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.domain.exchange import dingtalk_signed_url
from app.domain.messages import N_, Message, Translate
from app.models import Hazard, Notification, RobotChannel, RobotDigest
from app.services import clock
from app.services.notifications import describe
from app.services.scoping import scope_clause
from app.services.transaction import atomic, session
from app.services.webhooks import post, region_scope

DINGTALK = "dingtalk"
WECOM = "wecom"
ROBOT_KINDS = (DINGTALK, WECOM)
# A long digest lists the first tickets and a count of the rest: at most this many lines, and
# at most WeCom's 4096 bytes of Markdown (UTF-8; DingTalk takes more).
MOST_LINES = 20
MOST_BYTES = 4096


class RobotDigestError(ConnectionError):
    """Some robots refused or could not be reached: transient, so the job is retried (the
    robots that got their digest are skipped then)."""


@dataclass(frozen=True)
class Digest:
    title: str
    text: str
    tickets: int


def digest_notifications(robot: RobotChannel, sweep_id: str) -> list[Notification]:
    """The sweep's notifications about tickets of the robot's region, one per ticket and step
    (several people told about one ticket make one line)."""
    rows = session().scalars(
        sa.select(Notification)
        .join(Hazard, Hazard.id == Notification.hazard_id)
        .where(Notification.sweep_id == sweep_id, scope_clause(Hazard, region_scope(robot.region)))
        .order_by(Notification.hazard_id, Notification.step, Notification.id)
    )
    unique: dict[tuple[int, str], Notification] = {}
    for notification in rows:
        unique.setdefault((notification.hazard_id, notification.step), notification)
    return list(unique.values())


def hazard_link(hazard_id: int) -> str:
    return f"{current_app.config['SAFELOOP_BASE_URL'].rstrip('/')}/hazard/show/{hazard_id}"


def build_digest(
    robot: RobotChannel, notifications: Sequence[Notification], gettext: Translate
) -> Digest:
    """The Markdown message: a heading, one linked line per ticket, and what was left out."""
    tickets = len({n.hazard_id for n in notifications})
    title = Message(
        N_("SafeLoop deadlines: %(count)s hazards in %(region)s"),
        {"count": tickets, "region": robot.region.name},
    ).render(gettext)
    head = [f"#### {title}", ""]

    def more(count: int) -> list[str]:
        if not count:
            return []
        text = Message(N_("… and %(count)s more; see the inbox."), {"count": count})
        return [f"- {text.render(gettext)}"]

    def size(lines: list[str]) -> int:
        return len("\n".join(lines).encode("utf-8"))

    shown: list[str] = []
    for notification in notifications[:MOST_LINES]:
        line = f"- [{describe(notification, gettext)}]({hazard_link(notification.hazard_id)})"
        left = len(notifications) - len(shown) - 1
        if size([*head, *shown, line, *more(left)]) > MOST_BYTES:
            break
        shown.append(line)
    lines = [*head, *shown, *more(len(notifications) - len(shown))]
    return Digest(title, "\n".join(lines), tickets)


def robot_request(robot: RobotChannel, digest: Digest) -> tuple[str, dict[str, object]]:
    """The URL and JSON body of a Markdown message for the robot's platform."""
    if robot.kind == DINGTALK:
        url = robot.webhook_url
        if robot.secret:
            url = dingtalk_signed_url(url, robot.secret)
        return url, {
            "msgtype": "markdown",
            "markdown": {"title": digest.title, "text": digest.text},
        }
    return robot.webhook_url, {"msgtype": "markdown", "markdown": {"content": digest.text}}


def _claim(robot_id: int, sweep_id: str, tickets: int) -> int | None:
    """Record the digest as sent (before sending: never twice); None when it was already."""
    try:
        with atomic() as current:
            claim = RobotDigest(
                robot_id=robot_id, sweep_id=sweep_id, sent_at=clock.now(), tickets=tickets
            )
            current.add(claim)
            current.flush()
            return claim.id
    except IntegrityError:
        return None


def send_robot_digests(sweep_id: str, gettext: Translate) -> int:
    """Send each active robot its region's digest of sweep ``sweep_id``; return how many.

    A robot that fails loses its claim (so a retry of the job sends it) and the others go on;
    the failures are raised together at the end.
    """
    timeout = float(current_app.config["SAFELOOP_WEBHOOK_TIMEOUT"])
    robots = session().scalars(sa.select(RobotChannel).where(RobotChannel.active.is_(True)))
    sent = 0
    failures: list[str] = []
    for robot in list(robots):
        notifications = digest_notifications(robot, sweep_id)
        if not notifications:
            continue
        digest = build_digest(robot, notifications, gettext)
        claim_id = _claim(robot.id, sweep_id, digest.tickets)
        if claim_id is None:
            continue
        url, body = robot_request(robot, digest)
        outcome = post(
            url,
            json.dumps(body, ensure_ascii=False).encode("utf-8"),
            {"Content-Type": "application/json; charset=utf-8"},
            timeout,
        )
        error = outcome.error or _platform_error(outcome.body)
        if outcome.ok and error is None:
            sent += 1
            continue
        with atomic() as current:
            current.execute(sa.delete(RobotDigest).where(RobotDigest.id == claim_id))
        failures.append(f"{robot.name}: {error or outcome.response_code}")
    if failures:
        raise RobotDigestError("; ".join(failures))
    return sent


def _platform_error(answer: str) -> str | None:
    """DingTalk and WeCom answer 200 with ``{"errcode": 0}``; another code is a refusal."""
    try:
        errcode = json.loads(answer or "{}").get("errcode", 0)
    except (ValueError, AttributeError):
        return None
    if errcode in (0, None):
        return None
    return f"errcode {errcode}: {json.loads(answer).get('errmsg', '')}"


def has_robots() -> bool:
    """Whether any robot is configured (the sweep job then queues the robot digests)."""
    query = sa.select(RobotChannel.id).where(RobotChannel.active.is_(True)).limit(1)
    return session().execute(query).first() is not None
