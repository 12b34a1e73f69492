"""Read rules of ``motion_editor`` (spec restrict §4 "motion_editor", upstream
``collection/motion_editor.go``).

* A (all fields): ``motion.can_manage_metadata`` in the editor's meeting, the same permission
  as motion/B (``motion/editor_ids``). It does not require seeing the motion (as upstream).
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("motion_editor", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``motion.can_manage_metadata`` in the editor's meeting."""
    return ctx.perms_of("motion_editor", id).has("motion.can_manage_metadata")
