"""Read rules of group (spec restrict §4 group, upstream ``collection/group.go``).

Mode A (all fields): organization managers see every group, also of locked meetings (they
administrate meetings without entering them); everyone else sees the groups of the meetings
they can see (meeting/B).
"""

from __future__ import annotations

from domain.restrict.collections.meeting import sees_meeting_of
from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("group", "A")
def see_group(ctx: RestrictContext, id: int) -> bool:
    """Mode A: OML ≥ ``can_manage_organization``; or meeting/B of ``meeting_id``."""
    return ctx.oml("can_manage_organization") or sees_meeting_of(ctx, "group", id)
