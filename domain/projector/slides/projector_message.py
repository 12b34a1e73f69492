"""The ``projector_message`` slide (spec projector.md §7.14)."""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext
from domain.projector.registry import slide


@slide("projector_message")
def projector_message(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    coid = projection.content_object_id
    return {"message": ctx.obj(coid, "id", "message").get_str("message")}
