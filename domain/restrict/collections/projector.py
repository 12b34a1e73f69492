"""Read rules of projector, projection, projector_countdown and projector_message (spec restrict
§4, upstream ``collection/projector.go``, ``projection.go``, ``projector_countdown.go``,
``projector_message.go``).

* projector A (all fields): ``projector.can_manage``; otherwise never when ``is_internal``;
  otherwise ``projector.can_see``, or it is the meeting's reference projector and the user has
  ``meeting.can_see_autopilot``.
* projection A (all fields): ``projector.can_manage``; otherwise visible only while it is on a
  projector (``current_projector_id``) that is visible in mode A. Preview and history
  projections stay hidden from non-managers.
* projector_countdown A, projector_message A (all fields): ``projector.can_see``.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("projector", "A")
def see_projector(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``projector.can_manage``; or not ``is_internal`` and (``projector.can_see``, or
    reference projector and ``meeting.can_see_autopilot``)."""
    perms = ctx.perms_of("projector", id)
    if perms.has("projector.can_manage"):
        return True
    if ctx.flag("projector", id, "is_internal"):
        return False
    if perms.has("projector.can_see"):
        return True
    is_reference = ctx.id("projector", id, "used_as_reference_projector_meeting_id") != 0
    return is_reference and perms.has("meeting.can_see_autopilot")


@rule("projection", "A")
def see_projection(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``projector.can_manage``; or projector/A of ``current_projector_id`` (unset:
    not visible)."""
    if ctx.perms_of("projection", id).has("projector.can_manage"):
        return True
    projector = ctx.target("projection", id, "current_projector_id", "projector", required=False)
    return projector != 0 and ctx.visible("projector", "A", projector)


@rule("projector_countdown", "A")
def see_countdown(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``projector.can_see`` in the countdown's meeting."""
    return ctx.perms_of("projector_countdown", id).has("projector.can_see")


@rule("projector_message", "A")
def see_message(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``projector.can_see`` in the message's meeting."""
    return ctx.perms_of("projector_message", id).has("projector.can_see")
