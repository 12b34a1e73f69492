"""The ``projector_message`` slide (spec projector.md §7.14)."""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext, as_str
from domain.projector.registry import slide


@slide("projector_message")
def projector_message(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    coid = projection.content_object_id
    return {"message": as_str(ctx.obj(coid, "id", "message")["message"], f"{coid}/message")}
