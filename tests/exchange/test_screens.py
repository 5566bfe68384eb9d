"""The admin adds a webhook on the screen, a ticket changes, the delivery log shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from app.domain.exchange import decode_cursor
from app.models import Hazard, WebhookDelivery, WebhookSubscriber
from app.receiver import Receiver
from app.services import webhooks
from app.services.exchange import changes_for
from app.services.transaction import session
from tests.factories import build_world, confirm, report


def test_an_admin_adds_a_webhook_and_reads_its_deliveries_in_the_log(
    in_app: Any, login: Callable[[str], FlaskClient]
) -> None:
    receiver = Receiver("screen-secret").start()
    try:
        with in_app():
            world = build_world()
            report(world)  # reported before the subscriber: not sent
            hazard_id = report(world, title="配电箱未接地").id
        admin = login("admin")
        form = {
            "name": "本地接收端",
            "url": receiver.url,
            "events": "confirmed,closed",
            "secret": "screen-secret",
            "active": "y",
        }
        refused = admin.post("/webhooksubscriberview/add", data={**form, "events": "confirmd"})
        assert "confirmd" in refused.get_data(as_text=True)
        refused = admin.post("/webhooksubscriberview/add", data={**form, "url": "file:///etc"})
        assert "http://" in refused.get_data(as_text=True)
        admin.post("/webhooksubscriberview/add", data=form)
        with in_app():
            subscriber = session().query(WebhookSubscriber).one()
            assert subscriber.events == "confirmed closed"
            code = confirm(world, session().get(Hazard, hazard_id)).code
            webhooks.dispatch(subscriber.id)
            assert webhooks.deliver_due(subscriber.id) == 1
            delivery_id = session().query(WebhookDelivery).one().id
            subscriber_id = subscriber.id
            # How far it followed the feed, as the feed's own cursor: nothing after it yet.
            position = session().get(WebhookSubscriber, subscriber_id).feed_position
            district = world["district"]
            assert changes_for(district, decode_cursor(position), 100).changes == []
        shown = admin.get(f"/webhooksubscriberview/show/{subscriber_id}").get_data(as_text=True)
        assert "变更流位置" in shown and position in shown and position != "0-0"
        assert [e["ticket"]["code"] for e in receiver.events] == [code]
        page = admin.get("/webhookdeliveryview/list/").get_data(as_text=True)
        assert "已送达" in page and code in page
        shown = admin.get(f"/webhookdeliveryview/show/{delivery_id}").get_data(as_text=True)
        assert "confirmed" in shown and "200" in shown
        # Others do not see the log at all.
        assert login("district").get("/webhookdeliveryview/list/").status_code == 403
    finally:
        receiver.stop()
