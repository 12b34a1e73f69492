"""Users of every kind, as the data makes them: who a case connects.

Lost updates showed up where a user's kind changes (joins the admin group, loses every group,
gets a second membership), so cases connect users of every kind, and several users of one
permission profile at once (they share a group; patches and moves between groups get used).
"""

from __future__ import annotations

import random
from typing import Any

from meta.permissions import IMPLIED
from simulator.verify.world import Refused, Txn, World

KINDS = (
    "anonymous",
    "superadmin",
    "organization manager",
    "committee manager",
    "meeting admin",
    "staff",
    "delegate",
    "no meeting",
    "locked out",
    "inactive",
)
_MANAGING = frozenset(p for p in IMPLIED if p.endswith(".can_manage"))


def kind_of(world: World, user_id: int) -> str:
    """The kind of a user on the current data (the first that applies, in :data:`KINDS` order)."""
    if user_id == 0:
        return "anonymous"
    user = world.get("user", user_id) or {}
    level = user.get("organization_management_level")
    if level == "superadmin":
        return "superadmin"
    if level in ("can_manage_organization", "can_manage_users"):
        return "organization manager"
    if user.get("committee_management_ids"):
        return "committee manager"
    if user.get("is_active") is False:
        return "inactive"
    memberships = [world.get("meeting_user", m) or {} for m in user.get("meeting_user_ids") or []]
    if not memberships:
        return "no meeting"
    if any(m.get("locked_out") for m in memberships):
        return "locked out"
    groups = [world.get("group", g) or {} for m in memberships for g in m.get("group_ids") or []]
    if any(g.get("admin_group_for_meeting_id") for g in groups):
        return "meeting admin"
    if any(_MANAGING & set(g.get("permissions") or ()) for g in groups):
        return "staff"
    return "delegate"


def by_kind(world: World) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {"anonymous": [0]}
    for user_id in world.ids("user"):
        found.setdefault(kind_of(world, user_id), []).append(user_id)
    return found


def pick_users(world: World, rng: random.Random, count: int) -> list[int]:
    """``count`` users (or fewer) of random kinds; a kind picked may bring two of its users, so
    that users of one profile stream together."""
    kinds = by_kind(world)
    chosen: list[int] = []
    names = sorted(kinds)
    while len(chosen) < count and names:
        users = [u for u in kinds[rng.choice(names)] if u not in chosen]
        if not users:
            names = [n for n in names if any(u not in chosen for u in kinds[n])]
            continue
        chosen.extend(rng.sample(users, min(len(users), rng.choice((1, 1, 2)))))
    return chosen[:count]


def describe(world: World, users: list[int]) -> dict[str, Any]:
    return {str(user): kind_of(world, user) for user in users}


def make_kind(world: World, rng: random.Random, kind: str) -> dict[str, Any]:
    """A write that turns a random member of a meeting into a user of ``kind`` (empty if the
    data has nobody to turn), so that every kind can be connected."""
    members = [u for u in world.ids("user") if (world.get("user", u) or {}).get("meeting_user_ids")]
    if not members:
        return {}
    user = rng.choice(members)
    obj = world.get("user", user) or {}
    meeting_user = rng.choice(obj["meeting_user_ids"])
    txn = Txn(world)
    try:
        if kind in ("superadmin", "organization manager"):
            level = (
                "superadmin"
                if kind == "superadmin"
                else rng.choice(["can_manage_organization", "can_manage_users"])
            )
            txn.set("user", user, "organization_management_level", level)
        elif kind == "committee manager" and world.ids("committee"):
            txn.link(
                "user", user, "committee_management_ids", "committee", rng.choice(world.ids("committee"))
            )
        elif kind == "inactive":
            txn.set("user", user, "is_active", False)
        elif kind == "locked out":
            txn.set("meeting_user", meeting_user, "locked_out", True)
        elif kind == "no meeting":
            txn.delete("meeting_user", meeting_user)
        elif kind in ("meeting admin", "staff", "delegate"):
            groups = _groups_of_kind(world, kind)
            if not groups:
                return {}
            for group in (world.get("meeting_user", meeting_user) or {}).get("group_ids") or []:
                txn.unlink("meeting_user", meeting_user, "group_ids", "group", group)
            txn.link("meeting_user", meeting_user, "group_ids", "group", rng.choice(groups))
        return txn.changes()
    except Refused:
        return {}


def _groups_of_kind(world: World, kind: str) -> list[int]:
    found = []
    for group_id in world.ids("group"):
        group = world.get("group", group_id) or {}
        admin = bool(group.get("admin_group_for_meeting_id"))
        managing = bool(_MANAGING & set(group.get("permissions") or ()))
        if (kind == "meeting admin") == admin and (kind == "staff") == (managing and not admin):
            found.append(group_id)
    return found
