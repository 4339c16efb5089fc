"""People who sign in with the council's identity provider: who they are and what their groups give.

A person's name in the audit trail comes from the ID token's claims ("Jane Smith
<jane.smith@council.gov.uk>"); their role and services come only from their groups, through
RISKREG_OIDC_GROUPS. Several groups combine: the highest role (admin, then editor, then
auditor) and every service any of them names. A person in no mapped group gets nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from app.access.principal import Principal, Role
from app.config import GroupGrant

#: The order in which roles win when a person's groups give several: what they may change.
_RANK = {Role.AUDITOR: 1, Role.EDITOR: 2, Role.ADMIN: 3}
#: The audit trail keeps an actor's name in 200 characters.
NAME_LIMIT = 200


def groups_of(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The group ids a token's `claim` lists (a list of strings, or one string), or none."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def principal_of(groups: list[str], grants: Mapping[str, GroupGrant], name: str) -> Principal | None:
    """What a person called `name` in `groups` may do, or None when no group is mapped."""
    granted = [grants[group] for group in groups if group in grants]
    if not granted:
        return None
    role = max((Role(grant.role) for grant in granted), key=_RANK.__getitem__)
    services: frozenset[str] = frozenset()
    if role is Role.EDITOR:
        services = frozenset(code for grant in granted for code in grant.services)
    return Principal(name=name, role=role, services=services)


def display_name(claims: Mapping[str, Any]) -> str:
    """The name the audit trail gives a person: "Name <email>" from the claims `name`, `email`
    and `preferred_username` (Entra ID's sign-in name), as much of it as is there; `sub` else."""
    name = _clean(claims.get("name"))
    username = _clean(claims.get("preferred_username"))
    email = _clean(claims.get("email")) or (username if "@" in username else "")
    if not name:
        name = username if username and username != email else ""
    if name and email:
        shown = f"{name} <{email}>"
        if len(shown) > NAME_LIMIT:
            shown = f"{name[: max(NAME_LIMIT - len(email) - 4, 1)]}… <{email}>"
    else:
        shown = name or email or f"subject {_clean(claims.get('sub'))}"
    return shown[:NAME_LIMIT]


def _clean(value: Any) -> str:
    """A claim as one line of printable text (no control characters), or ''."""
    if not isinstance(value, str):
        return ""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in value)
    return " ".join(text.split())
