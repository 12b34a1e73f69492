"""Change recommendations and amendments of the ``motion`` slide (spec projector.md §7.10).

Split from :mod:`domain.projector.slides.motion` to keep both modules small; this module
registers no slide. Both lists come out as upstream's Go structs encode them: every key always
present, zero values for unset fields, ``null`` for a list that ends up empty.
"""

from __future__ import annotations

from typing import Any

from domain.projector.context import SlideContext, SlideError

_CHANGE_RECOMMENDATION_FIELDS = (
    "id",
    "rejected",
    "type",
    "other_description",
    "line_from",
    "line_to",
    "text",
    "creation_time",
    "internal",
)
_AMENDMENT_FIELDS = (
    "id",
    "title",
    "number",
    "meeting_id",
    "amendment_paragraphs",
    "state_id",
    "recommendation_id",
    "change_recommendation_ids",
)
_DO_MERGE = "do_merge"
_UNDEFINED = "undefined"


def change_recommendations(ctx: SlideContext, ids: list[int] | None) -> list[dict[str, Any]] | None:
    """The public change recommendations in stored order; ``None`` (Go nil) when none is left.

    Internal ones are left out: the projector shows what the audience may see.
    """
    entries = [entry for entry in (_change_recommendation(ctx, id_) for id_ in ids or []) if entry]
    return entries or None


def _change_recommendation(ctx: SlideContext, id_: int) -> dict[str, Any] | None:
    """One change recommendation, or ``None`` if it is internal.

    Upstream decodes ``internal`` from its raw value, so an unset ``internal`` fails instead of
    meaning false (spec §8 D8, kept: the backend always writes it).
    """
    fqid = f"motion_change_recommendation/{id_}"
    values = ctx.obj(fqid, *_CHANGE_RECOMMENDATION_FIELDS)
    if values["internal"] is None:
        raise SlideError(f"{fqid}/internal: no value")
    if values.get_bool("internal"):
        return None  # upstream skips it before decoding the other fields
    return {
        "id": values.get_int("id"),
        "rejected": values.get_bool("rejected"),
        "type": values.get_str("type"),
        "other_description": values.get_str("other_description"),
        "line_from": values.get_int("line_from"),
        "line_to": values.get_int("line_to"),
        "text": values.get_str("text"),
        "creation_time": values.get_int("creation_time"),
    }


def amendments(ctx: SlideContext, ids: list[int]) -> list[dict[str, Any]]:
    """The amendments of the motion in stored order, with how to merge each into the text."""
    return [_amendment(ctx, id_) for id_ in ids]


def _amendment(ctx: SlideContext, id_: int) -> dict[str, Any]:
    fqid = f"motion/{id_}"
    values = ctx.obj(fqid, *_AMENDMENT_FIELDS)
    amendment_id = values.get_int("id")
    title = values.get_str("title")
    number = values.get_str("number")
    values.get_int("meeting_id")  # read and type-checked, as upstream does
    state_id = values.get_int("state_id")
    recommendation_id = values.get_int("recommendation_id")
    cr_ids = values.get_ids("change_recommendation_ids")
    into_final, into_diff = _merge(ctx, state_id, recommendation_id)
    return {
        "id": amendment_id,
        "title": title,
        "number": number,
        "amendment_paragraphs": values["amendment_paragraphs"],  # raw JSON; unset: null (§3.4)
        "change_recommendations": change_recommendations(ctx, cr_ids),
        "merge_amendment_into_final": into_final,
        "merge_amendment_into_diff": into_diff,
    }


def _merge(ctx: SlideContext, state_id: int, recommendation_id: int) -> tuple[str, str]:
    """``(merge_amendment_into_final, merge_amendment_into_diff)`` of an amendment.

    The state decides the final text; the diff view also merges an amendment whose state is
    undecided when its recommendation says so. The state must exist (a state id of 0 fails).
    """
    into_final = _merge_setting(ctx, state_id)
    if into_final == _DO_MERGE:
        return _DO_MERGE, _DO_MERGE
    if into_final == "do_not_merge" or recommendation_id == 0:
        return _UNDEFINED, _UNDEFINED
    into_diff = _DO_MERGE if _merge_setting(ctx, recommendation_id) == _DO_MERGE else _UNDEFINED
    return _UNDEFINED, into_diff


def _merge_setting(ctx: SlideContext, state_id: int) -> str:
    return ctx.get_str(f"motion_state/{state_id}/merge_amendment_into_final", must=True)
