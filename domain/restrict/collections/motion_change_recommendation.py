"""Read rules of ``motion_change_recommendation`` (spec restrict §4
"motion_change_recommendation", upstream ``collection/motion_change_recommendation.go``).

* A (all fields): ``motion.can_manage_metadata`` in the recommendation's meeting sees every
  recommendation, even of a motion it cannot see (as upstream). Others need to see the motion
  (motion/C), and neither the recommendation (``internal``) nor the motion's state
  (``is_internal``) may be internal.
"""

from __future__ import annotations

from domain.restrict.collections.motion import state_of
from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("motion_change_recommendation", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``motion.can_manage_metadata``; or motion/C of ``motion_id``, the recommendation
    not internal and the motion's state not internal."""
    meeting = ctx.meeting_of("motion_change_recommendation", id)
    if ctx.perms(meeting).has("motion.can_manage_metadata"):
        return True
    motion = ctx.required_id("motion_change_recommendation", id, "motion_id")
    if not ctx.visible("motion", "C", motion):
        return False
    if ctx.flag("motion_change_recommendation", id, "internal"):
        return False
    return not ctx.flag("motion_state", state_of(ctx, motion), "is_internal")
