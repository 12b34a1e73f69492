"""Read rules of ``motion_category`` (spec restrict §4 "motion_category", upstream
``collection/motion_category.go``).

* A (all fields): ``motion.can_see`` in the category's meeting. Categories are meeting
  configuration; who sees motions at all may see how they are organised.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("motion_category", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``motion.can_see`` in the category's meeting."""
    return ctx.perms_of("motion_category", id).has("motion.can_see")
