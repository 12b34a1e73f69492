"""The ``assignment`` slide: an election with its candidates (spec projector.md §7.2)."""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext
from domain.projector.registry import slide
from domain.projector.users import load_user


@slide("assignment")
def assignment(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    coid = projection.content_object_id
    values = ctx.obj(coid, "id", "title", "description", "number_poll_candidates", "candidate_ids")
    candidate_ids = values.get_ids("candidate_ids") or []
    return {
        "title": values.get_str("title"),
        "description": values.get_str("description"),
        "number_poll_candidates": values.get_bool("number_poll_candidates"),
        "candidates": _candidates(ctx, candidate_ids, projection.meeting_id) or None,
    }


def _candidates(ctx: SlideContext, candidate_ids: list[int], meeting_id: int) -> list[str]:
    """The candidates' names by weight; equal weights keep the stored order (a stable sort)."""
    candidates = []
    for candidate_id in candidate_ids:
        fqid = f"assignment_candidate/{candidate_id}"
        values = ctx.obj(fqid, "meeting_user_id", "weight")
        weight = values.get_int("weight")
        candidates.append((weight, values.get_int("meeting_user_id")))
    candidates.sort(key=lambda candidate: candidate[0])
    names = []
    for _, meeting_user_id in candidates:
        user_id = ctx.get_int(f"meeting_user/{meeting_user_id}/user_id", must=True)
        names.append(load_user(ctx, user_id, meeting_id).representation(meeting_id))
    return names
