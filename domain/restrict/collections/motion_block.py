"""Read rules of ``motion_block`` (spec restrict §4 "motion_block", upstream
``collection/motion_block.go``).

* A (all fields): ``motion.can_manage`` sees every block; ``motion.can_see`` sees blocks that
  are not ``internal``. Internal blocks are a managers' working tool.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("motion_block", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``motion.can_manage``; or ``motion.can_see`` and the block is not internal."""
    perms = ctx.perms_of("motion_block", id)
    if perms.has("motion.can_manage"):
        return True
    return perms.has("motion.can_see") and not ctx.flag("motion_block", id, "internal")
