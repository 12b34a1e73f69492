"""Visibility of data at a past position (``?position=N``, spec A6).

The history rules upstream used for this feature, expressed as one rule per collection and
mode so that the generic relation filtering of the restricter applies unchanged:

* public access (user 0) sees nothing;
* organization managers (``can_manage_organization`` or higher) see everything;
* a meeting admin (judged on the *current* data, passed in) sees the objects that belonged to
  that meeting at the position, and the users who were members of it;
* ``theme``, ``organization``, ``organization_tag`` and ``mediafile`` are visible to every
  meeting admin; ``committee`` only to organization managers;
* nobody sees ``user/*/password``; a personal note is visible only to its owner.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext, Rule
from domain.schema import COLLECTIONS, modes

ADMIN_WIDE = frozenset({"theme", "organization", "organization_tag", "mediafile"})


def history_rules(
    user_id: int, orga_manager: bool, admin_meetings: frozenset[int]
) -> dict[tuple[str, str], Rule]:
    """The rules for one user, given what the current data says about them."""

    def object_rule(collection: str) -> Rule:
        def at_position(ctx: RestrictContext, id: int) -> bool:
            if user_id == 0:
                return False
            if collection == "personal_note":
                meeting_user = ctx.id("personal_note", id, "meeting_user_id")
                return bool(meeting_user) and ctx.id("meeting_user", meeting_user, "user_id") == user_id
            if orga_manager:
                return True
            if collection == "committee":
                return False
            if collection in ADMIN_WIDE:
                return bool(admin_meetings)
            if collection == "meeting":
                return id in admin_meetings
            if collection == "user":
                return bool(admin_meetings.intersection(ctx.ids("user", id, "meeting_ids")))
            return ctx.id(collection, id, "meeting_id") in admin_meetings

        at_position.__name__ = f"history_{collection}"
        return at_position

    def never(ctx: RestrictContext, id: int) -> bool:
        return False

    rules = {(c, m): object_rule(c) for c in COLLECTIONS for m in modes(c)}
    rules[("user", COLLECTIONS["user"]["password"].mode)] = never
    return rules


def admin_meetings(ctx: RestrictContext) -> frozenset[int]:
    """The meetings whose admin group the user is in (on the data ``ctx`` reads)."""
    meetings = set()
    for meeting_user in ctx.ids("user", ctx.user_id, "meeting_user_ids"):
        meeting = ctx.id("meeting_user", meeting_user, "meeting_id")
        admin_group = ctx.id("meeting", meeting, "admin_group_id") if meeting else 0
        if admin_group and admin_group in ctx.ids("meeting_user", meeting_user, "group_ids"):
            meetings.add(meeting)
    return frozenset(meetings)


def may_see_history(ctx: RestrictContext, collection: str, id: int) -> bool:
    """``history_information`` access (spec A7): ``meeting.can_see_history`` in the object's
    meeting; for objects without a meeting (or no longer existing), organization managers."""
    meeting = id if collection == "meeting" else ctx.get(collection, id, "meeting_id")
    if type(meeting) is int and meeting > 0 and ctx.exists("meeting", meeting):
        return ctx.perms(meeting).has("meeting.can_see_history")
    return ctx.oml("can_manage_organization")
