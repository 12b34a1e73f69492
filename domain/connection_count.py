"""Who may see the connection counts, and of which users (spec §3.6).

Organization managers see every user's counts; a meeting admin sees those of the members of
the meetings they administrate; nobody else sees any. Pure: it reads through a ``Reader``, so
the HTTP adapter runs it with ``run_complete`` like every other computation.
"""

from __future__ import annotations

from typing import Literal

from domain.reader import Reader

CountScope = frozenset[int] | None | Literal[False]
"""The user ids whose counts may be shown; ``None``: all of them; ``False``: not allowed."""

_ORGANIZATION_MANAGERS = frozenset({"can_manage_organization", "superadmin"})


def connection_count_scope(reader: Reader, user_id: int) -> CountScope:
    """The scope of the counts ``user_id`` may see."""
    if user_id == 0:
        return False
    if reader.get(f"user/{user_id}/organization_management_level") in _ORGANIZATION_MANAGERS:
        return None
    meeting_ids = {
        meeting_id
        for meeting_user_id in reader.get(f"user/{user_id}/meeting_user_ids") or ()
        for group_id in reader.get(f"meeting_user/{meeting_user_id}/group_ids") or ()
        if (meeting_id := reader.get(f"group/{group_id}/admin_group_for_meeting_id"))
    }
    if not meeting_ids:
        return False
    return frozenset(
        member
        for meeting_id in sorted(meeting_ids)
        for meeting_user_id in reader.get(f"meeting/{meeting_id}/meeting_user_ids") or ()
        if (member := reader.get(f"meeting_user/{meeting_user_id}/user_id"))
    )


def filter_counts(counts: dict[int, int], scope: CountScope) -> dict[int, int]:
    """A new dict with the counts of the users in ``scope``; ``counts`` stays untouched (A3)."""
    if scope is None:
        return dict(counts)
    if scope is False:
        return {}
    return {user_id: count for user_id, count in counts.items() if user_id in scope}
