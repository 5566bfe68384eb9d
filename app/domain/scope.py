"""Who sees which rows: the scope rules of DOMAIN.md as plain data.

An :class:`Actor` is the acting user reduced to what the rules need. :func:`scope_of` turns it
into a :class:`Scope` (a union of simple rules); ``app.services.scoping`` turns a scope into a
SQLAlchemy filter for queries, and :func:`ticket_in_scope` checks one loaded object. Both read
the same rules, so a list and a detail page can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from app.domain import roles
from app.domain.vocabulary import RegionLevel


@dataclass(frozen=True)
class Actor:
    """The user a command runs for: id, display name, FAB role names and assigned scope."""

    user_id: int
    name: str
    roles: frozenset[str]
    region_id: int | None = None
    region_level: RegionLevel | None = None
    enterprise_id: int | None = None

    def has_role(self, *names: str) -> bool:
        """True when the actor holds any of ``names``."""
        return any(name in self.roles for name in names)


@dataclass(frozen=True)
class RegionRule:
    """Rows whose region at ``level`` is ``region_id`` (e.g. township_id == 7)."""

    level: RegionLevel
    region_id: int


@dataclass(frozen=True)
class EnterpriseRule:
    """Rows of one enterprise."""

    enterprise_id: int


@dataclass(frozen=True)
class ReporterRule:
    """Tickets the user reported themselves (a grid member follows up on them anywhere)."""

    user_id: int


Rule = RegionRule | EnterpriseRule | ReporterRule


@dataclass(frozen=True)
class Scope:
    """A union of rules; ``everything`` short-circuits, no rules means nothing."""

    everything: bool = False
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.rules


EVERYTHING = Scope(everything=True)
NOTHING = Scope()

_REGION_ROLES = (
    roles.DISTRICT_SUPERVISOR,
    roles.TOWNSHIP_INSPECTOR,
    roles.GRID_MEMBER,
    roles.AUDITOR,
    roles.INTEGRATION,
)


def scope_of(actor: Actor) -> Scope:
    """The rows ``actor`` may see, from their roles and assigned region or enterprise."""
    if actor.has_role(roles.ADMIN, roles.SYSTEM):
        return EVERYTHING
    rules: list[Rule] = []
    if actor.has_role(*_REGION_ROLES) and actor.region_id and actor.region_level:
        rules.append(RegionRule(actor.region_level, actor.region_id))
    if actor.has_role(roles.ENTERPRISE_OFFICER) and actor.enterprise_id:
        rules.append(EnterpriseRule(actor.enterprise_id))
    if actor.has_role(roles.GRID_MEMBER):
        rules.append(ReporterRule(actor.user_id))
    return Scope(rules=tuple(rules))


class Placed(Protocol):
    """Anything located in the region tree (a ticket, an enterprise)."""

    district_id: int | None
    township_id: int | None
    village_id: int | None
    grid_id: int | None


def region_column(level: RegionLevel) -> str:
    """The attribute/column that holds a row's region at ``level``."""
    return f"{level.value}_id"


def _matches(rule: Rule, obj: object) -> bool:
    if isinstance(rule, RegionRule):
        return getattr(obj, region_column(rule.level), None) == rule.region_id
    if isinstance(rule, EnterpriseRule):
        return getattr(obj, "enterprise_id", None) == rule.enterprise_id
    return getattr(obj, "reported_by_id", None) == rule.user_id


def ticket_in_scope(scope: Scope, obj: object) -> bool:
    """Whether one loaded ticket (or enterprise, attachment owner …) lies in ``scope``."""
    if scope.everything:
        return True
    return any(_matches(rule, obj) for rule in scope.rules)
