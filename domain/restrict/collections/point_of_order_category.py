"""Read rules of point_of_order_category (spec restrict §4 point_of_order_category, upstream
``collection/point_of_order_category.go``).

Mode A (all fields): whoever can see the meeting (meeting/B). Unlike group and tag there is no
organization-manager shortcut, so a locked meeting hides its categories from them too.
"""

from __future__ import annotations

from domain.restrict.collections.meeting import sees_meeting_of
from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("point_of_order_category", "A")
def see_category(ctx: RestrictContext, id: int) -> bool:
    """Mode A: meeting/B of ``meeting_id``."""
    return sees_meeting_of(ctx, "point_of_order_category", id)
