"""The permission model: organization and committee management levels, and what a user may do
in a meeting (spec restrict §3). Rules ask these questions through the context."""

from __future__ import annotations

from collections.abc import Iterable

from meta.permissions import IMPLIED

OML_RANK = {"": 0, "can_manage_users": 1, "can_manage_organization": 2, "superadmin": 3}
"""Organization management levels, lowest to highest."""
UNKNOWN_OML_RANK = 4
"""Upstream ranks a level it does not know above superadmin (user mode H)."""


def oml_at_least(level: object, wanted: str) -> bool:
    """Whether the organization management level ``level`` includes ``wanted``."""
    return isinstance(level, str) and level in OML_RANK and OML_RANK[level] >= OML_RANK[wanted]


def expand(permissions: Iterable[str]) -> frozenset[str]:
    """Permissions with everything they imply (permission.yml); unknown ones stay as they are."""
    result: set[str] = set()
    for permission in permissions:
        result |= IMPLIED.get(permission, {permission})
    return frozenset(result)


class Permission:
    """What one user may do in one meeting.

    Three shapes, as upstream: nothing (not a member, locked out, no public access); admin
    (everything, in every group); or the expanded permissions of the user's groups.
    """

    __slots__ = ("group_ids", "is_admin", "permissions")

    def __init__(
        self, group_ids: Iterable[int] = (), permissions: Iterable[str] = (), *, admin: bool = False
    ):
        self.group_ids = frozenset(group_ids)
        self.permissions = expand(permissions)
        self.is_admin = admin

    def has(self, *permissions: str) -> bool:
        """Whether any of ``permissions`` is granted."""
        return self.is_admin or any(p in self.permissions for p in permissions)

    def in_group(self, group_ids: Iterable[int]) -> bool:
        """Whether the user is in one of ``group_ids`` (admins are in every group)."""
        return self.is_admin or any(g in self.group_ids for g in group_ids)

    def __repr__(self) -> str:
        if self.is_admin:
            return "Permission(admin)"
        return f"Permission(groups={sorted(self.group_ids)}, permissions={sorted(self.permissions)})"


NOTHING = Permission()
ADMIN = Permission(admin=True)
