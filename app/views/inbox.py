"""The inbox: each user's deadline notifications, marked read one by one or all at once.

The unread count is a Jinja global shown as a badge next to the user menu (the override of
``appbuilder/navbar_right.html``).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_babel import gettext, lazy_gettext

from app.services import notifications

PAGE_SIZE = 50


class InboxView(BaseView):
    """``/inbox/``: the signed-in user's notifications, newest first."""

    route_base = "/inbox"
    default_view = "list"
    class_permission_name = "Inbox"

    @expose("/")
    @has_access
    def list(self) -> Any:
        unread_only = request.args.get("unread") == "1"
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        items = notifications.inbox(
            g.user.id, unread_only=unread_only, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
        return self.render_template(
            "inbox/list.html",
            items=[(n, notifications.describe(n, gettext)) for n in items[:PAGE_SIZE]],
            has_more=len(items) > PAGE_SIZE,
            page=page,
            unread_only=unread_only,
            unread=notifications.unread_count(g.user.id),
        )

    @expose("/read", methods=["POST"])
    @has_access
    def mark_read(self) -> Any:
        if request.form.get("all") == "1":
            ids = None
        else:
            ids = [int(i) for i in request.form.getlist("id") if i.isdigit()]
        count = notifications.mark_read(g.user.id, ids)
        flash(gettext("%(count)s notifications marked read.", count=count), "info")
        return redirect(request.referrer or url_for("InboxView.list"))


def unread_badge() -> int:
    """The signed-in user's unread count for the navbar (0 for anonymous users)."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    try:
        return notifications.unread_count(user.id)
    except Exception:
        current_app.logger.exception("unread count failed")
        return 0


def register(appbuilder: AppBuilder) -> None:
    """Add the inbox to the menu and its unread count to every page."""
    appbuilder.add_view(InboxView, "Inbox", label=lazy_gettext("Inbox"), icon="fa-bell")
    current_app.jinja_env.globals["inbox_unread"] = unread_badge
