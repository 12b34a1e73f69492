"""The ``motion_block`` slide: a block of motions with their recommendations (spec projector.md §7.11)."""

from __future__ import annotations

from typing import Any

from domain.projector.context import Fields, Projection, SlideContext
from domain.projector.registry import slide
from domain.projector.slides.titles import motion_title


@slide("motion_block")
def motion_block(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    coid = projection.content_object_id
    values = ctx.obj(coid, "title", "motion_ids")
    referenced: dict[str, Any] = {}
    motions = [_motion(ctx, motion_id, referenced) for motion_id in values.get_ids("motion_ids") or []]
    return {
        "title": values.get_str("title"),
        "motions": motions or None,
        "referenced": referenced,
    }


def _motion(ctx: SlideContext, motion_id: int, referenced: dict[str, Any]) -> dict[str, Any]:
    """One motion's entry; adds the motions its recommendation extension refers to to ``referenced``."""
    fqid = f"motion/{motion_id}"
    fields = ("title", "number", "agenda_item_id", "recommendation_id", "recommendation_extension")
    values = ctx.obj(fqid, *fields, "recommendation_extension_reference_ids", "meeting_id")
    entry: dict[str, Any] = {
        "title": values.get_str("title"),
        "number": values.get_str("number"),
    }
    recommendation = _recommendation(ctx, values, referenced)
    agenda_item_id = values.get_int("agenda_item_id")
    if agenda_item_id > 0:
        item_number = ctx.get_str(f"agenda_item/{agenda_item_id}/item_number", must=True)
        if item_number:
            entry["agenda_item_number"] = item_number
    entry.update(recommendation)
    return entry


def _recommendation(ctx: SlideContext, motion: Fields, referenced: dict[str, Any]) -> dict[str, Any]:
    """The recommendation keys of a motion's entry (none without a recommendation).

    Upstream collects the referenced motions whether or not the extension is shown, and uses
    the motion titler for every reference, whatever its collection.
    """
    recommendation_id = motion.get_int("recommendation_id")
    if recommendation_id <= 0:
        return {}
    state_fqid = f"motion_state/{recommendation_id}"
    state = ctx.obj(state_fqid, "recommendation_label", "css_class", "show_recommendation_extension_field")
    result: dict[str, Any] = {
        "recommendation": {
            "recommendation_label": state.get_str("recommendation_label"),
            "css_class": state.get_str("css_class"),
        }
    }
    if state.get_bool("show_recommendation_extension_field"):
        result["recommendation_extension"] = motion.get_str("recommendation_extension")
    meeting_id = motion.get_int("meeting_id")
    for reference in motion.get_strs("recommendation_extension_reference_ids") or []:
        referenced[reference] = motion_title(ctx, reference, "", meeting_id)
    return result
