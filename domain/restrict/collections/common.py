"""Helpers that rules of several collections share (spec restrict §3.6). Registers no rule.

* :func:`admin_in_any_meeting_or_committee`: upstream ``isAdminInAnyMeetingOrCommitteeAdmin``
  (organization/E and mediafile).

Booleans are read strictly with ``ctx.flag`` everywhere, so a malformed value never opens anything.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext


def admin_in_any_meeting_or_committee(ctx: RestrictContext) -> bool:
    """Whether the user is an organization manager, manages any committee, or is in the admin
    group of any meeting.

    As upstream, this deliberately ignores ``meeting_user/locked_out`` and
    ``meeting/locked_from_inside``: it asks "is this person an admin somewhere", not "may they
    act in that meeting". A group that does not exist is no admin group.
    """
    if ctx.user_id == 0:
        return False
    if ctx.oml("can_manage_organization"):
        return True
    if ctx.ids("user", ctx.user_id, "committee_management_ids"):
        return True
    return any(
        ctx.id("group", group, "admin_group_for_meeting_id")
        for meeting_user in ctx.ids("user", ctx.user_id, "meeting_user_ids")
        for group in ctx.ids("meeting_user", meeting_user, "group_ids")
    )
