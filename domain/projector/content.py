"""``projection/<id>/content``: pick the slide for a projection and run it (spec §3).

Failures are contained (spec P4): any error while computing a slide gives the error envelope
for that projection and one log line; it never affects other projections or connections.
"""

from __future__ import annotations

import logging
from typing import Any

from domain.projector.context import Projection, SlideContext, SlideError, SlideRegistry
from domain.reader import Reader

log = logging.getLogger("autoupdate.projector")


def calculate(reader: Reader, projection_id: int, registry: SlideRegistry) -> Any:
    """The content of a projection: the slide object with ``collection``, ``None`` (not on a
    projector, or no such projection) or the error envelope."""
    key = f"projection/{projection_id}/content"
    ctx = SlideContext(reader, registry)
    try:
        return _content(ctx, projection_id)
    except Exception as error:  # P4: whatever a slide does wrong stays with this projection
        if reader.complete:
            level = logging.INFO if isinstance(error, SlideError) else logging.ERROR
            log.log(level, "calculating key %s: %s", key, error, exc_info=not isinstance(error, SlideError))
        return {"error": f"calculating key {key}"}


def _content(ctx: SlideContext, projection_id: int) -> Any:
    fqid = f"projection/{projection_id}"
    fields = ("type", "content_object_id", "meeting_id", "options", "current_projector_id")
    values = {field: ctx.get(f"{fqid}/{field}") for field in fields}
    if not ctx.exists(fqid):
        return None
    projection = Projection(
        id=projection_id,
        type=ctx.get_str(f"{fqid}/type"),
        content_object_id=ctx.get_str(f"{fqid}/content_object_id"),
        meeting_id=ctx.get_int(f"{fqid}/meeting_id"),
        options=values["options"],
        current_projector_id=ctx.get_int(f"{fqid}/current_projector_id"),
    )
    if projection.current_projector_id == 0:
        return None
    if projection.content_object_id == "":
        log.info("Bug in Backend: %s has no content_object_id", fqid)
        return None
    parts = projection.content_object_id.split("/")
    if len(parts) != 2:
        raise SlideError(f"invalid content_object_id {projection.content_object_id!r}")
    name = projection.type if projection.type and parts[0] == "meeting" else parts[0]
    slide = ctx.registry.slides.get(name)
    if slide is None:
        raise SlideError(f"unknown slide {name}")
    body = slide(ctx, projection)
    body["collection"] = name
    return body
