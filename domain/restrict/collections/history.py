"""Read rules of history_entry and history_position (spec restrict §4, upstream
``collection/history_{entry,position}.go``).

* history_entry A (all fields): organization managers see every entry; others see entries of
  a meeting (``meeting_id``, optional) in which they have ``meeting.can_see_history``. Entries
  without a meeting (about users or organization objects) are for organization managers only.
* history_position A (all fields): visible when at least one of its entries
  (``entry_ids``) is visible, since a position only groups entries.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("history_entry", "A")
def see_entry(ctx: RestrictContext, id: int) -> bool:
    """history_entry A: OML ≥ ``can_manage_organization``; or ``meeting_id`` set and
    ``meeting.can_see_history`` there. A ``meeting_id`` pointing to no meeting is inconsistent."""
    if ctx.oml("can_manage_organization"):
        return True
    meeting = ctx.target("history_entry", id, "meeting_id", required=False)
    return meeting != 0 and ctx.perms(meeting).has("meeting.can_see_history")


@rule("history_position", "A")
def see_position(ctx: RestrictContext, id: int) -> bool:
    """history_position A: any of ``entry_ids`` is visible as history_entry/A."""
    return ctx.any_visible("history_entry", "A", ctx.ids("history_position", id, "entry_ids"))
