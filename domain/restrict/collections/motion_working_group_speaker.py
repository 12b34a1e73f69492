"""Read rules of ``motion_working_group_speaker`` (spec restrict §4
"motion_working_group_speaker", upstream ``collection/motion_working_group_speaker.go``).

* A (all fields): ``motion.can_manage_metadata`` in the speaker's meeting, the same permission
  as motion/B (``motion/working_group_speaker_ids``). It does not require seeing the motion
  (as upstream).
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("motion_working_group_speaker", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``motion.can_manage_metadata`` in the speaker's meeting."""
    meeting = ctx.meeting_of("motion_working_group_speaker", id)
    return ctx.perms(meeting).has("motion.can_manage_metadata")
