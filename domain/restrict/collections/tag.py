"""Read rules of tag (spec restrict §4 tag, upstream ``collection/tag.go``).

Mode A (all fields): organization managers see every tag, also of locked meetings; everyone
else sees the tags of the meetings they can see (meeting/B).
"""

from __future__ import annotations

from domain.restrict.collections.meeting import sees_meeting_of
from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("tag", "A")
def see_tag(ctx: RestrictContext, id: int) -> bool:
    """Mode A: OML ≥ ``can_manage_organization``; or meeting/B of ``meeting_id``."""
    return ctx.oml("can_manage_organization") or sees_meeting_of(ctx, "tag", id)
