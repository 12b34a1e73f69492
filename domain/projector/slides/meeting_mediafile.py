"""The ``meeting_mediafile`` slide: which file to show (spec projector.md §7.9)."""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext
from domain.projector.registry import slide


@slide("meeting_mediafile")
def meeting_mediafile(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """The mediafile's id (not the meeting mediafile's: the client loads the file by it) and type."""
    coid = projection.content_object_id
    mediafile_id = ctx.obj(coid, "id", "mediafile_id").get_int("mediafile_id")
    fqid = f"mediafile/{mediafile_id}"
    values = ctx.obj(fqid, "id", "mimetype")
    return {
        "id": values.get_int("id"),
        "mimetype": values.get_str("mimetype"),
    }
