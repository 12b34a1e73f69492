"""Read rules of assignment and assignment_candidate (spec restrict §4, upstream
``collection/assignment.go``, ``assignment_candidate.go``).

* assignment A (all fields): ``assignment.can_see`` in the meeting.
* assignment_candidate A (all fields): its assignment is visible in mode A. ``assignment_id``
  is required; a candidate without one, or of a missing assignment, is inconsistent data and
  therefore invisible (spec R2).
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("assignment", "A")
def see_assignment(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``assignment.can_see`` in the assignment's meeting."""
    return ctx.perms_of("assignment", id).has("assignment.can_see")


@rule("assignment_candidate", "A")
def see_candidate(ctx: RestrictContext, id: int) -> bool:
    """Mode A: assignment/A of ``assignment_id``."""
    assignment = ctx.target("assignment_candidate", id, "assignment_id")
    return ctx.visible("assignment", "A", assignment)
