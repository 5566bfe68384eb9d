"""Data exchange screens (Admin): webhook subscribers, their delivery log, the code mapping."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from flask import flash, redirect
from flask_appbuilder import AppBuilder
from flask_appbuilder.actions import action
from flask_babel import gettext, lazy_gettext
from wtforms.validators import ValidationError

from app.domain.exchange import (
    CODE_KIND_LABELS,
    DELIVERY_STATUS_LABELS,
    WEBHOOK_EVENTS,
    CodeKind,
    DeliveryStatus,
    parse_events,
)
from app.models import ExchangeCode, RobotChannel, WebhookDelivery, WebhookSubscriber
from app.services import webhooks
from app.services.robots import ROBOT_KINDS
from app.views.filters import SafeLoopInterface
from app.views.reference import NO_DELETE, ReferenceDataView


def _items(items: Any) -> list[Any]:
    return items if isinstance(items, list) else [items]


def url_validator(form: Any, field: Any) -> None:
    if not str(field.data or "").lower().startswith(("http://", "https://")):
        raise ValidationError(gettext("Enter an http:// or https:// address."))


def events_validator(form: Any, field: Any) -> None:
    chosen, unknown = parse_events(field.data or "")
    if unknown or not chosen:
        raise ValidationError(
            gettext(
                "Unknown events: %(unknown)s. Choose among: * %(known)s",
                unknown=" ".join(unknown) or "-",
                known=" ".join(WEBHOOK_EVENTS),
            )
        )
    field.data = " ".join(chosen)


def one_of(kinds: Sequence[str]) -> Callable[[Any, Any], None]:
    """A form validator: the field holds one of ``kinds``."""

    def validate(form: Any, field: Any) -> None:
        if field.data not in kinds:
            raise ValidationError(gettext("Choose one of: %(kinds)s", kinds=", ".join(kinds)))

    return validate


class WebhookSubscriberView(ReferenceDataView):
    """Systems that receive signed posts about the tickets of a region."""

    noun = lazy_gettext("Webhook subscriber")

    datamodel = SafeLoopInterface(WebhookSubscriber)
    class_permission_name = "WebhookSubscriber"
    base_permissions = NO_DELETE
    list_columns = ["name", "url", "events", "region", "active", "paused_at"]
    show_columns = [
        "name",
        "url",
        "events",
        "region",
        "secret",
        "active",
        "paused_at",
        "pause_reason",
        "feed_position",
        "created_at",
    ]
    add_columns = ["name", "url", "events", "region", "secret", "active"]
    edit_columns = add_columns
    label_columns = {
        "name": lazy_gettext("Name"),
        "url": lazy_gettext("URL"),
        "events": lazy_gettext("Events"),
        "region": lazy_gettext("Region"),
        "secret": lazy_gettext("Signing secret"),
        "active": lazy_gettext("Active"),
        "paused_at": lazy_gettext("Paused at"),
        "pause_reason": lazy_gettext("Why paused"),
        "feed_position": lazy_gettext("Change feed position"),
        "created_at": lazy_gettext("Created at"),
    }
    description_columns = {
        "events": lazy_gettext(
            "Space separated: * (all) or reported confirmed rejected controlled planned "
            "submitted sent_back reopened supervised overdue escalated merged deleted closed "
            "changed"
        ),
        "secret": lazy_gettext(
            "The receiver checks the X-SafeLoop-Signature header (sha256=HMAC of the body) "
            "with it; left empty, a random one is made."
        ),
        "region": lazy_gettext("Only tickets of this region (empty: the whole district)."),
        "feed_position": lazy_gettext(
            "The change feed's cursor up to which changes were turned into deliveries (the "
            "delivery log shows each one)."
        ),
    }
    validators_columns = {"url": [url_validator], "events": [events_validator]}

    def prepare(self, item: WebhookSubscriber) -> None:
        if not (item.secret or "").strip():
            item.secret = secrets.token_urlsafe(32)

    def pre_add(self, item: WebhookSubscriber) -> None:
        super().pre_add(item)
        # A new subscriber hears of changes from now on.
        webhooks.start_from_now(item)

    @action(
        "resume",
        lazy_gettext("Resume"),
        lazy_gettext("Resume the selected subscribers?"),
        "fa-play",
    )
    def resume(self, items: Any) -> Any:
        again = 0
        for item in _items(items):
            again += webhooks.resume_with_failed(item)
        flash(gettext("Resumed; %(count)s failed deliveries are due again.", count=again), "info")
        return redirect(self.get_redirect())

    @action("send_now", lazy_gettext("Send now"), None, "fa-paper-plane")
    def send_now(self, items: Any) -> Any:
        from app.jobs import deliver_webhooks
        from app.services.background import enqueue

        if enqueue(deliver_webhooks) is None:
            flash(gettext("The job service cannot be reached; not queued."), "danger")
        else:
            flash(gettext("Queued: due deliveries are sent now."), "info")
        return redirect(self.get_redirect())


def _status_label(value: str) -> str:
    return gettext(DELIVERY_STATUS_LABELS[DeliveryStatus(value)])


class WebhookDeliveryView(ReferenceDataView):
    """The delivery log: every event for every subscriber, with each attempt's outcome."""

    noun = lazy_gettext("Webhook delivery")

    datamodel = SafeLoopInterface(WebhookDelivery)
    class_permission_name = "WebhookDelivery"
    base_permissions = ["can_list", "can_show"]
    base_order = ("id", "desc")
    list_columns = [
        "created_at",
        "subscriber",
        "event",
        "hazard",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    show_columns = [*list_columns, "event_id", "body"]
    search_columns = ["subscriber", "status", "event"]
    label_columns = {
        "created_at": lazy_gettext("Created at"),
        "subscriber": lazy_gettext("Subscriber"),
        "event": lazy_gettext("Event"),
        "event_id": lazy_gettext("Event id"),
        "hazard": lazy_gettext("Hazard"),
        "status": lazy_gettext("Status"),
        "attempts": lazy_gettext("Attempts"),
        "response_code": lazy_gettext("Response code"),
        "last_error": lazy_gettext("Last error"),
        "next_attempt_at": lazy_gettext("Next attempt"),
        "delivered_at": lazy_gettext("Delivered at"),
        "body": lazy_gettext("Body"),
    }
    formatters_columns = {"status": _status_label}

    @action(
        "resend",
        lazy_gettext("Send again"),
        lazy_gettext("Send the selected failed deliveries again?"),
        "fa-repeat",
    )
    def resend(self, items: Any) -> Any:
        count = webhooks.resend([item.id for item in _items(items)])
        flash(
            gettext(
                "%(count)s failed deliveries will be sent again; delivered ones never are.",
                count=count,
            ),
            "info",
        )
        return redirect(self.get_redirect())


class ExchangeCodeView(ReferenceDataView):
    """Our states, grades, sources, categories -> the national specification's codes."""

    noun = lazy_gettext("Exchange code")

    datamodel = SafeLoopInterface(ExchangeCode)
    class_permission_name = "ExchangeCode"
    base_permissions = NO_DELETE
    list_columns = ["kind", "value", "code", "note"]
    add_columns = ["kind", "value", "code", "note"]
    edit_columns = ["code", "note"]
    search_columns = ["kind", "value", "code"]
    base_order = ("kind", "asc")
    label_columns = {
        "kind": lazy_gettext("Kind"),
        "value": lazy_gettext("Our value"),
        "code": lazy_gettext("Code in the specification"),
        "note": lazy_gettext("Note"),
    }
    description_columns = {
        "kind": lazy_gettext("state, grade, source, category or supervision_level"),
        "value": lazy_gettext("e.g. the state 'confirmed' or the category code 'XC05'"),
    }
    formatters_columns = {"kind": lambda value: gettext(CODE_KIND_LABELS[CodeKind(value)])}
    validators_columns = {"kind": [one_of([kind.value for kind in CodeKind])]}


class RobotChannelView(ReferenceDataView):
    """DingTalk / WeCom group robots that get each region's deadline digests."""

    noun = lazy_gettext("Messaging robot")

    datamodel = SafeLoopInterface(RobotChannel)
    class_permission_name = "RobotChannel"
    base_permissions = NO_DELETE
    list_columns = ["name", "kind", "region", "webhook_url", "active"]
    add_columns = ["name", "kind", "region", "webhook_url", "secret", "active"]
    edit_columns = add_columns
    show_columns = add_columns
    label_columns = {
        "name": lazy_gettext("Name"),
        "kind": lazy_gettext("Platform"),
        "region": lazy_gettext("Region"),
        "webhook_url": lazy_gettext("Robot webhook URL"),
        "secret": lazy_gettext("Signing secret"),
        "active": lazy_gettext("Active"),
    }
    description_columns = {
        "kind": lazy_gettext("dingtalk (钉钉, also the government edition) or wecom (企业微信)"),
        "secret": lazy_gettext("DingTalk only: the robot's 加签 secret (SEC…)."),
        "region": lazy_gettext("The robot gets the digest of this region's tickets."),
    }
    validators_columns = {"kind": [one_of(ROBOT_KINDS)], "webhook_url": [url_validator]}


def register(appbuilder: AppBuilder) -> None:
    category = {
        "category": "Data exchange",
        "category_label": lazy_gettext("Data exchange"),
        "category_icon": "fa-exchange",
    }
    appbuilder.add_view(
        WebhookSubscriberView,
        "Webhook subscribers",
        label=lazy_gettext("Webhook subscribers"),
        icon="fa-plug",
        **category,
    )
    appbuilder.add_view(
        WebhookDeliveryView,
        "Webhook deliveries",
        label=lazy_gettext("Webhook deliveries"),
        icon="fa-list",
        **category,
    )
    appbuilder.add_view(
        RobotChannelView,
        "Messaging robots",
        label=lazy_gettext("Messaging robots"),
        icon="fa-comments",
        **category,
    )
    appbuilder.add_view(
        ExchangeCodeView,
        "Exchange codes",
        label=lazy_gettext("Exchange codes"),
        icon="fa-code",
        **category,
    )
