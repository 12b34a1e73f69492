"""Roles follow from the data the permission rules read: management level, the meeting's admin
group, groups that may manage something; the search filters by name and role."""

from __future__ import annotations

from typing import Any

from domain.reader import FlatSource, Reader
from domain.user_roles import describe_user, search_users

DATA: dict[str, Any] = {
    "organization/1/user_ids": [5, 4, 3, 2, 1],
    "meeting/1/id": 1,
    "meeting/1/name": "Plenary",
    "meeting/1/admin_group_id": 2,
    "group/1/name": "Delegates",
    "group/1/permissions": ["motion.can_see", "user.can_see"],
    "group/2/name": "Admin",
    "group/2/permissions": [],
    "group/3/name": "Staff",
    "group/3/permissions": ["motion.can_see", "motion.can_manage"],
}
USERS = {1: ("Ada", "superadmin", None), 2: ("Bea", None, 2), 3: ("Cem", None, 3), 4: ("Dan", None, 1)}
USERS[5] = ("Eve", None, None)
for user_id, (name, level, group) in USERS.items():
    DATA[f"user/{user_id}/id"] = user_id
    DATA[f"user/{user_id}/username"] = name.lower()
    DATA[f"user/{user_id}/first_name"] = name
    DATA[f"user/{user_id}/last_name"] = "Example"
    if level:
        DATA[f"user/{user_id}/organization_management_level"] = level
    if group:
        DATA[f"user/{user_id}/meeting_user_ids"] = [user_id]
        DATA[f"meeting_user/{user_id}/meeting_id"] = 1
        DATA[f"meeting_user/{user_id}/group_ids"] = [group]


def reader() -> Reader:
    return Reader(FlatSource(DATA))


def test_roles_come_from_level_admin_group_and_managing_permissions() -> None:
    roles = {user_id: describe_user(reader(), user_id)["roles"] for user_id in (0, *USERS)}
    assert roles == {
        0: ["anonymous"],
        1: ["superadmin"],
        2: ["meeting admin"],
        3: ["staff"],
        4: ["delegate"],
        5: [],
    }


def test_a_membership_names_its_meeting_and_groups() -> None:
    described = describe_user(reader(), 3)
    assert described["name"] == "Cem Example"
    assert described["meetings"] == [
        {"meeting_id": 1, "meeting": "Plenary", "role": "staff", "groups": ["Staff"]}
    ]


def test_search_by_role_name_and_id() -> None:
    def ids(**query: Any) -> list[int]:
        return [user["user_id"] for user in search_users(reader(), **query)]

    assert ids() == [0, 1, 2, 3, 4, 5]
    assert ids(role="delegate") == [4]
    assert ids(role="anonymous") == [0]
    assert ids(text="bea") == [2]
    assert ids(text="EXAMPLE", limit=2) == [1, 2]
    assert ids(text="5") == [5]
    assert ids(text="public") == [0]
