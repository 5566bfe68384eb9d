"""The FAB role names of DOMAIN.md, used by the lifecycle, the scope rules and the seed."""

from __future__ import annotations

from app.domain.messages import N_

ADMIN = "Admin"
DISTRICT_SUPERVISOR = "District Supervisor"
TOWNSHIP_INSPECTOR = "Township Inspector"
GRID_MEMBER = "Grid Member"
ENTERPRISE_OFFICER = "Enterprise Safety Officer"
AUDITOR = "Auditor"
# The role of the user background jobs act as (deadline sweep, escalation).
SYSTEM = "System"
# Other systems (a provincial platform, the grassroots governance platform) reading the change
# feed: like an auditor, read-only over the region the account was given.
INTEGRATION = "Integration"

ALL_ROLES = (
    ADMIN,
    DISTRICT_SUPERVISOR,
    TOWNSHIP_INSPECTOR,
    GRID_MEMBER,
    ENTERPRISE_OFFICER,
    AUDITOR,
)

ROLE_LABELS = {
    ADMIN: N_("Admin"),
    DISTRICT_SUPERVISOR: N_("District Supervisor"),
    TOWNSHIP_INSPECTOR: N_("Township Inspector"),
    GRID_MEMBER: N_("Grid Member"),
    ENTERPRISE_OFFICER: N_("Enterprise Safety Officer"),
    AUDITOR: N_("Auditor"),
    SYSTEM: N_("System"),
    INTEGRATION: N_("Integration"),
}
