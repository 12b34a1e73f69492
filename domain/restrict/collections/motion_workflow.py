"""Read rules of ``motion_workflow`` (spec restrict §4 "motion_workflow", upstream
``collection/motion_workflow.go``).

* A (all fields): ``motion.can_see`` in the workflow's meeting.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("motion_workflow", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``motion.can_see`` in the workflow's meeting."""
    return ctx.perms_of("motion_workflow", id).has("motion.can_see")
