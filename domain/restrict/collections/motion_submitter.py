"""Read rules of ``motion_submitter`` (spec restrict §4 "motion_submitter", upstream
``collection/motion_submitter.go``).

* A (all fields): the submitter's motion is motion/C-visible ("can see motion"): who may read
  a motion may know who submitted it.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("motion_submitter", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: motion/C of the required ``motion_id``."""
    return ctx.visible("motion", "C", ctx.required_id("motion_submitter", id, "motion_id"))
