"""Row scope for FAB views: one filter from the scope module, and the lookups FAB leaves open.

FAB applies ``base_filters`` to list, show, edit and delete, but ``action``, ``action_post``
and ``MasterDetailView`` fetch rows by primary key without them, and its generic
``download/<filename>`` serves any file of the upload folder. ``ScopedModelView`` closes those
paths; every SafeLoop ModelView derives from it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, request
from flask_appbuilder import ModelView, expose
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext

from app.domain.scope import Actor, scope_of
from app.services.actors import actor_for
from app.services.scoping import scope_clause
from app.views.dates import date_input_fields


def current_actor() -> Actor:
    """The signed-in user as the domain's Actor (computed once per request)."""
    actor = g.get("safeloop_actor")
    # Keyed by user: a test client may send several users' requests in one app context.
    if actor is None or actor.user_id != g.user.id:
        actor = actor_for(g.user)
        g.safeloop_actor = actor
    return actor


class ScopeFilter(BaseFilter):
    """Rows of the view's model that the current user may see (and not soft-deleted ones)."""

    name = "scope"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        model = self.model
        if hasattr(model, "deleted_at"):
            query = query.filter(model.deleted_at.is_(None))
        return query.filter(scope_clause(model, scope_of(current_actor())))


SCOPE_FILTERS = [["id", ScopeFilter, lambda: None]]


class ScopedModelView(ModelView):
    """A ModelView whose every row lookup goes through the scope filter."""

    base_filters = SCOPE_FILTERS
    # FAB's download/<filename> is not scoped: attachments have their own endpoint.
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]

    # What one row is (lazy_gettext("Enterprise")): the list, add, edit and show screens are
    # titled with it in the user's language (FAB would write "Add Enterprise" in English).
    noun: Any = None

    def _init_titles(self) -> None:
        if self.noun is not None:
            titles = {
                "list_title": lazy_gettext("%(noun)s list", noun=self.noun),
                "add_title": lazy_gettext("Add %(noun)s", noun=self.noun),
                "edit_title": lazy_gettext("Edit %(noun)s", noun=self.noun),
                "show_title": lazy_gettext("%(noun)s details", noun=self.noun),
            }
            for name, title in titles.items():
                if not getattr(self, name, None):
                    setattr(self, name, title)
        super()._init_titles()

    def _init_forms(self) -> None:
        # Date columns as the browser's date input (app.views.dates), unless the view gives
        # its own field; FAB reads the extra fields when it builds the add and edit forms.
        own_add: dict[str, Any] = getattr(self, "add_form_extra_fields", None) or {}
        own_edit: dict[str, Any] = getattr(self, "edit_form_extra_fields", None) or {}
        self.add_form_extra_fields = {**date_input_fields(self, self.add_columns), **own_add}
        self.edit_form_extra_fields = {**date_input_fields(self, self.edit_columns), **own_edit}
        super()._init_forms()

    def prepare(self, item: Any) -> None:
        """Fill what a row derives from its fields before it is saved (add and edit alike)."""

    def pre_add(self, item: Any) -> None:
        self.prepare(item)

    def pre_update(self, item: Any) -> None:
        self.prepare(item)

    def scoped_item(self, pk: Any) -> Any:
        """The row ``pk`` if the current user may see it; otherwise 404."""
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return item

    # Same routes as FAB's (re-exposed: an override without @expose would drop them).
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: Any) -> Any:
        if name not in self.actions:
            abort(404)
        self.scoped_item(pk)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self) -> Any:
        if request.form.get("action") not in self.actions:
            abort(404)
        for pk in request.form.getlist("rowid"):
            self.scoped_item(pk)
        return super().action_post()
