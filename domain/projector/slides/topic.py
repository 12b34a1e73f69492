"""The ``topic`` slide (spec projector.md §7.15)."""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext
from domain.projector.registry import slide


@slide("topic")
def topic(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """Title, text and the agenda item's number (``""`` without an agenda item).

    The key is ``item_number`` here, unlike the titlers' ``agenda_item_number``.
    """
    coid = projection.content_object_id
    values = ctx.obj(coid, "id", "title", "text", "agenda_item_id")
    agenda_item_id = values.get_int("agenda_item_id")
    item_number = ""
    if agenda_item_id > 0:
        item_number = ctx.get_str(f"agenda_item/{agenda_item_id}/item_number", must=True)
    return {
        "title": values.get_str("title"),
        "text": values.get_str("text"),
        "item_number": item_number,
    }
