"""The ``assignment`` slide: an election with its candidates (spec projector.md §7.2)."""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext, as_bool, as_ids, as_int, as_str
from domain.projector.registry import slide
from domain.projector.users import load_user


@slide("assignment")
def assignment(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    coid = projection.content_object_id
    values = ctx.obj(coid, "id", "title", "description", "number_poll_candidates", "candidate_ids")
    candidate_ids = as_ids(values["candidate_ids"], f"{coid}/candidate_ids") or []
    return {
        "title": as_str(values["title"], f"{coid}/title"),
        "description": as_str(values["description"], f"{coid}/description"),
        "number_poll_candidates": as_bool(values["number_poll_candidates"], f"{coid}/number_poll_candidates"),
        "candidates": _candidates(ctx, candidate_ids, projection.meeting_id) or None,
    }


def _candidates(ctx: SlideContext, candidate_ids: list[int], meeting_id: int) -> list[str]:
    """The candidates' names by weight; equal weights keep the stored order (a stable sort)."""
    candidates = []
    for candidate_id in candidate_ids:
        fqid = f"assignment_candidate/{candidate_id}"
        values = ctx.obj(fqid, "meeting_user_id", "weight")
        weight = as_int(values["weight"], f"{fqid}/weight")
        candidates.append((weight, as_int(values["meeting_user_id"], f"{fqid}/meeting_user_id")))
    candidates.sort(key=lambda candidate: candidate[0])
    names = []
    for _, meeting_user_id in candidates:
        user_id = ctx.get_int(f"meeting_user/{meeting_user_id}/user_id", must=True)
        names.append(load_user(ctx, user_id, meeting_id).representation(meeting_id))
    return names
