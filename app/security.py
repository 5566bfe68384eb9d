"""SafeLoop's security manager and the role definitions (permissions declared as data)."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager

from app.domain import roles

# Every signed-in user may see and change their own profile, password and language.
_SELF_SERVICE = [
    ("UserDBModelView", "can_userinfo"),
    ("UserInfoEditView", "can_this_form_get"),
    ("UserInfoEditView", "can_this_form_post"),
    ("ResetMyPasswordView", "can_this_form_get"),
    ("ResetMyPasswordView", "can_this_form_post"),
]

# Everyone who signs in has an inbox of deadline notifications.
_INBOX = [("Inbox", "can_list"), ("Inbox", "can_mark_read"), ("Inbox", "menu_access")]

# Role name -> (view menu, permission) pairs. `flask safeloop init` makes the database match
# this exactly; screens of later releases add their pairs here and nowhere else.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    roles.DISTRICT_SUPERVISOR: [*_SELF_SERVICE, *_INBOX],
    roles.TOWNSHIP_INSPECTOR: [*_SELF_SERVICE, *_INBOX],
    roles.GRID_MEMBER: [*_SELF_SERVICE, *_INBOX],
    roles.ENTERPRISE_OFFICER: [*_SELF_SERVICE, *_INBOX],
    roles.AUDITOR: [*_SELF_SERVICE, *_INBOX],
    roles.SYSTEM: [],
}


class SafeLoopSecurityManager(SecurityManager):
    """FAB's SQLAlchemy security manager plus SafeLoop's role synchronisation."""

    def sync_role_definitions(self) -> None:
        """Create every SafeLoop role and give it exactly the permissions of ROLE_PERMISSIONS.

        Admin keeps all permissions (FAB grants them on ``add_permissions``). Pairs naming a
        view that is not registered are skipped, so the definitions may run ahead of screens.
        """
        for role_name, pairs in ROLE_PERMISSIONS.items():
            role = self.add_role(role_name)
            wanted = []
            for view_menu, permission in pairs:
                pvm = self.find_permission_view_menu(permission, view_menu)
                if pvm is not None:
                    wanted.append(pvm)
            role.permissions = wanted
        self.session.commit()
