"""Read rules of ``motion_state`` (spec restrict §4 "motion_state", upstream
``collection/motion_state.go``).

* A (all fields): ``motion.can_see`` in the state's meeting; or one of the state's motions is
  motion/C-visible. The second branch lets a user who sees a forwarded motion's origin (via
  ``motion.can_see_origin``, without ``motion.can_see`` there) also see its state.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("motion_state", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``motion.can_see``, or any motion in ``motion_ids`` is motion/C-visible."""
    if ctx.perms_of("motion_state", id).has("motion.can_see"):
        return True
    return ctx.any_visible("motion", "C", ctx.ids("motion_state", id, "motion_ids"))
