"""The ``projector_countdown`` slide (spec projector.md §7.13)."""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext
from domain.projector.registry import slide


@slide("projector_countdown")
def projector_countdown(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """The times are passed through as stored (``countdown_time`` may be a fractional timestamp);
    the warning time comes from the countdown's own meeting."""
    coid = projection.content_object_id
    values = ctx.obj(coid, "id", "description", "running", "default_time", "countdown_time", "meeting_id")
    meeting_id = values.get_int("meeting_id")
    warning_time = ctx.get_int(f"meeting/{meeting_id}/projector_countdown_warning_time", must=True)
    return {
        "description": values.get_str("description"),
        "running": values.get_bool("running"),
        "default_time": values["default_time"],
        "countdown_time": values["countdown_time"],
        "warning_time": warning_time,
    }
