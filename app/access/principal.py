"""The principal of a request and the policy: every access rule of riskreg lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.errors import Forbidden


class Role(StrEnum):
    """What a token may do."""

    ADMIN = "admin"  # everything, including services and tokens
    EDITOR = "editor"  # create and review risks in its own services; read them
    AUDITOR = "auditor"  # read everything, history and as-of included; write nothing


class Action(StrEnum):
    """What a request wants to do."""

    READ = "read"
    WRITE = "write"
    AUDIT = "audit"  # the whole audit trail and its verification
    ADMINISTER = "administer"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the token's name, role and services (empty: every service)."""

    name: str
    role: Role
    services: frozenset[str] = frozenset()

    def sees_every_service(self) -> bool:
        """True when no service limit applies to reading (an editor always has one)."""
        return self.role in (Role.ADMIN, Role.AUDITOR)

    def readable_services(self) -> frozenset[str] | None:
        """The service codes this principal may read, or None for all of them."""
        return None if self.sees_every_service() else self.services

    def readable_among(self, asked: Sequence[str] | None) -> list[str] | None:
        """The asked service codes this principal may read (None asked: every one it may read;
        None returned: every service)."""
        readable = self.readable_services()
        if asked is not None:
            return list(asked) if readable is None else [code for code in asked if code in readable]
        return sorted(readable) if readable is not None else None

    def may(self, action: Action, service_code: str | None = None) -> bool:
        """Whether the policy allows `action` (on `service_code` when given)."""
        if self.role is Role.ADMIN:
            return True
        if action is Action.ADMINISTER:
            return False
        if self.role is Role.AUDITOR:
            return action in (Action.READ, Action.AUDIT)
        if action is Action.AUDIT:
            return False
        # An editor: only within its services (an editor token with no service reads nothing).
        return service_code is not None and service_code in self.services

    def may_use_route(self, action: Action) -> bool:
        """Whether the role may use a route of this kind at all (before any object is known)."""
        if self.role is Role.ADMIN:
            return True
        if action is Action.ADMINISTER:
            return False
        if self.role is Role.AUDITOR:
            return action is not Action.WRITE
        return action is not Action.AUDIT

    def require(self, action: Action, service_code: str | None = None) -> None:
        """Raise Forbidden unless the policy allows `action`."""
        if not self.may(action, service_code):
            raise Forbidden(f"a token with role {self.role.value} may not {action.value} here")

    def require_route(self, action: Action) -> None:
        """Raise Forbidden unless the role may use routes of this kind."""
        if not self.may_use_route(action):
            raise Forbidden(f"a token with role {self.role.value} may not {action.value}")


#: The principal of work done from the command line on the server itself.
SYSTEM = Principal(name="system (command line)", role=Role.ADMIN)
