"""Which kind of user somebody is, derived from the data, and a search over users by name and kind.

Developers ask "what does a delegate see?" far more often than "what does user 117 see?".
The roles are not stored anywhere; they follow from the same facts the permission rules read:
the organization management level, the groups of each meeting membership, the meeting's admin
group and the groups' permissions. Pure: it reads through a ``Reader`` (run it with
``run_complete``), like every other computation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, get_args

from domain.reader import Reader

Role = Literal["anonymous", "superadmin", "meeting admin", "staff", "delegate"]
ROLES: tuple[Role, ...] = get_args(Role)

ANONYMOUS_NAME = "Anonymous (public access)"
ORGANIZATION_ID = 1


def meeting_role(reader: Reader, meeting_user_id: int) -> dict[str, Any] | None:
    """The role of one meeting membership: admin (in the meeting's admin group), staff (a group
    that may manage something) or delegate (any other member); None without a meeting."""
    meeting_id = reader.get(f"meeting_user/{meeting_user_id}/meeting_id")
    if not meeting_id:
        return None
    group_ids = reader.get(f"meeting_user/{meeting_user_id}/group_ids") or []
    admin_group = reader.get(f"meeting/{meeting_id}/admin_group_id")
    permissions = {p for g in group_ids for p in reader.get(f"group/{g}/permissions") or ()}
    role: Role
    if admin_group in group_ids:
        role = "meeting admin"
    elif any(permission.endswith(".can_manage") for permission in permissions):
        role = "staff"
    else:
        role = "delegate"
    return {
        "meeting_id": meeting_id,
        "meeting": reader.get(f"meeting/{meeting_id}/name") or "",
        "role": role,
        "groups": [reader.get(f"group/{g}/name") or f"group/{g}" for g in group_ids],
    }


def describe_user(reader: Reader, user_id: int) -> dict[str, Any]:
    """Name, roles (strongest first) and meeting memberships of a user (0: public access)."""
    if user_id == 0:
        return {"user_id": 0, "name": ANONYMOUS_NAME, "username": "", "roles": ["anonymous"], "meetings": []}
    level = reader.get(f"user/{user_id}/organization_management_level")
    meetings = [
        found
        for meeting_user_id in reader.get(f"user/{user_id}/meeting_user_ids") or ()
        if (found := meeting_role(reader, meeting_user_id)) is not None
    ]
    kinds = {meeting["role"] for meeting in meetings}
    roles = (["superadmin"] if level == "superadmin" else []) + [r for r in ROLES if r in kinds]
    return {
        "user_id": user_id,
        "name": display_name(reader, user_id),
        "username": reader.get(f"user/{user_id}/username") or "",
        "organization_management_level": level,
        "roles": roles,
        "meetings": meetings,
    }


def display_name(reader: Reader, user_id: int) -> str:
    parts = (reader.get(f"user/{user_id}/{name}") for name in ("title", "first_name", "last_name"))
    return " ".join(part for part in parts if part) or reader.get(f"user/{user_id}/username") or ""


def search_users(
    reader: Reader, text: str = "", role: Role | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Users whose name, username or id contains ``text`` (case-insensitive) and who have
    ``role``, by id, at most ``limit``. Public access (user 0) is the one ``anonymous`` user."""
    needle = text.strip().lower()
    found: list[dict[str, Any]] = []
    for user_id in _candidates(reader):
        if len(found) >= limit:
            break
        if needle and needle not in _search_text(reader, user_id):
            continue
        described = describe_user(reader, user_id)
        if role is None or role in described["roles"]:
            found.append(described)
    return found


def _candidates(reader: Reader) -> Iterator[int]:
    yield 0
    yield from sorted(reader.get(f"organization/{ORGANIZATION_ID}/user_ids") or ())


def _search_text(reader: Reader, user_id: int) -> str:
    if user_id == 0:
        return f"0 {ANONYMOUS_NAME}".lower()
    names = (reader.get(f"user/{user_id}/{name}") or "" for name in ("username", "first_name", "last_name"))
    return f"{user_id} {' '.join(names)} {display_name(reader, user_id)}".lower()
