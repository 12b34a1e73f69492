"""The ``user`` slide: a user's name with structure levels (spec projector.md §7.16).

models.yml does not list users as projectable, but upstream registers the slide, so it works.
"""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext
from domain.projector.registry import slide
from domain.projector.slides.titles import fqid_id
from domain.projector.users import load_user


@slide("user")
def user(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """The projection's meeting picks the structure levels; a user without any name is a FAIL."""
    meeting_id = projection.meeting_id
    loaded = load_user(ctx, fqid_id(projection.content_object_id), meeting_id)
    return {"user": loaded.representation(meeting_id)}
