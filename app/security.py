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
_READ_HAZARDS = [
    ("Hazard", "can_read"),
    ("Hazards", "menu_access"),
    ("Hazard register", "menu_access"),
]
_WORK_ON_HAZARDS = [
    *_READ_HAZARDS,
    ("Hazard", "can_report"),
    ("Hazard", "can_transition"),
    ("Report a hazard", "menu_access"),
]

# Enterprises are readable, within scope, by everyone who works with them.
_READ_ENTERPRISES = [
    ("Enterprise", "can_list"),
    ("Enterprise", "can_show"),
    ("Reference data", "menu_access"),
    ("Enterprises", "menu_access"),
]

_READ_RESPONSIBILITIES = [
    ("Responsibility", "can_list"),
    ("Responsibility", "can_show"),
    ("Responsibilities", "menu_access"),
]

# The three lists: everyone with a scope may make and download them, within that scope.
_REPORTS = [
    ("Report", "can_read"),
    ("Report", "can_generate"),
    ("Reports", "menu_access"),
]

ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    roles.DISTRICT_SUPERVISOR: [
        *_SELF_SERVICE,
        *_INBOX,
        *_WORK_ON_HAZARDS,
        *_READ_ENTERPRISES,
        *_READ_RESPONSIBILITIES,
        *_REPORTS,
    ],
    roles.TOWNSHIP_INSPECTOR: [
        *_SELF_SERVICE,
        *_INBOX,
        *_WORK_ON_HAZARDS,
        *_READ_ENTERPRISES,
        *_READ_RESPONSIBILITIES,
        *_REPORTS,
    ],
    roles.GRID_MEMBER: [*_SELF_SERVICE, *_INBOX, *_WORK_ON_HAZARDS, *_REPORTS],
    roles.ENTERPRISE_OFFICER: [
        *_SELF_SERVICE,
        *_INBOX,
        *_WORK_ON_HAZARDS,
        *_READ_ENTERPRISES,
        *_REPORTS,
    ],
    roles.AUDITOR: [
        *_SELF_SERVICE,
        *_INBOX,
        *_READ_HAZARDS,
        *_READ_ENTERPRISES,
        *_READ_RESPONSIBILITIES,
        *_REPORTS,
    ],
    roles.SYSTEM: [],
}

# ---- REST API (issue 5) --------------------------------------------------------------------
# Kept in one block after the table so that parallel edits of the entries above merge cleanly.
# Reading is for everyone with a scope; reporting and transitions for those who work tickets
# (the lifecycle then decides, per ticket, which transitions each role may fire).
_API_READ = [
    ("HazardApi", "can_get"),
    ("RegionApi", "can_get"),
    ("EnterpriseApi", "can_get"),
    ("CategoryApi", "can_get"),
    ("DeterminationArticleApi", "can_get"),
    ("OpenApi", "can_get"),
    ("SwaggerView", "can_show"),
]
_API_READ += [("ReportApi", "can_get"), ("ReportApi", "can_post")]
_API_WORK = [*_API_READ, ("HazardApi", "can_post"), ("HazardApi", "can_transition")]
ROLE_PERMISSIONS[roles.DISTRICT_SUPERVISOR] += _API_WORK
ROLE_PERMISSIONS[roles.TOWNSHIP_INSPECTOR] += _API_WORK
ROLE_PERMISSIONS[roles.GRID_MEMBER] += _API_WORK
ROLE_PERMISSIONS[roles.ENTERPRISE_OFFICER] += _API_WORK
ROLE_PERMISSIONS[roles.AUDITOR] += _API_READ
# ---- end REST API ---------------------------------------------------------------------------

# ---- public reporting (issue 11) -------------------------------------------------------------
# The public pages need no permission (no login); the township and the district answer the
# reporter, the district records reward decisions (the domain checks scope per ticket).
ROLE_PERMISSIONS[roles.TOWNSHIP_INSPECTOR] += [("PublicReport", "can_reply")]
ROLE_PERMISSIONS[roles.DISTRICT_SUPERVISOR] += [
    ("PublicReport", "can_reply"),
    ("PublicReport", "can_reward"),
]
# ---- end public reporting --------------------------------------------------------------------
# ---- Ledger import (issue 12) ---------------------------------------------------------------
# Township inspectors (their township) and district supervisors bring in Excel ledgers;
# Admin has every permission anyway. The lifecycle checks role and scope again per row.
_LEDGER_IMPORT = [
    ("LedgerImport", "can_read"),
    ("LedgerImport", "can_import"),
    ("Import ledger", "menu_access"),
    ("LedgerImportApi", "can_get"),
    ("LedgerImportApi", "can_post"),
]
ROLE_PERMISSIONS[roles.DISTRICT_SUPERVISOR] += _LEDGER_IMPORT
ROLE_PERMISSIONS[roles.TOWNSHIP_INSPECTOR] += _LEDGER_IMPORT
# ---- end ledger import ----------------------------------------------------------------------


# ---- Oversight (issue 10) ------------------------------------------------------------------
# Every role opens the dashboard of its own scope first.
_OVERSIGHT = [
    ("Dashboard", "can_read"),
    ("Oversight", "menu_access"),
    ("Dashboard", "menu_access"),
    ("DashboardApi", "can_get"),
    ("HazardMap", "can_read"),
    ("Hazard map", "menu_access"),
    ("MapApi", "can_get"),
]
for _role in (
    roles.DISTRICT_SUPERVISOR,
    roles.TOWNSHIP_INSPECTOR,
    roles.GRID_MEMBER,
    roles.ENTERPRISE_OFFICER,
    roles.AUDITOR,
):
    ROLE_PERMISSIONS[_role] += _OVERSIGHT
# The published township ranking is read by the district, the townships and auditors.
_RANKING = [
    ("Ranking", "can_read"),
    ("Township ranking", "menu_access"),
    ("RankingApi", "can_get"),
]
for _role in (roles.DISTRICT_SUPERVISOR, roles.TOWNSHIP_INSPECTOR, roles.AUDITOR):
    ROLE_PERMISSIONS[_role] += _RANKING
# ---- end Oversight --------------------------------------------------------------------------
# ---- Data exchange (issue 15) ---------------------------------------------------------------
# The change feed: for integration accounts (other systems), and for whoever reads everything
# in their region anyway. Webhook subscribers, delivery log and code mapping are Admin's.
_EXCHANGE_READ = [("ExchangeApi", "can_get")]
ROLE_PERMISSIONS[roles.INTEGRATION] = [*_EXCHANGE_READ, ("OpenApi", "can_get")]
ROLE_PERMISSIONS[roles.DISTRICT_SUPERVISOR] += _EXCHANGE_READ
ROLE_PERMISSIONS[roles.AUDITOR] += _EXCHANGE_READ
# ---- end data exchange ----------------------------------------------------------------------
# ---- Proof for auditors (issue 13): the check of the timeline and of register files ----------
ROLE_PERMISSIONS[roles.AUDITOR] += [
    ("Proof", "can_read"),
    ("Proof", "can_verify"),
    ("Proof for auditors", "menu_access"),
]
# ---- end proof --------------------------------------------------------------------------------


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
