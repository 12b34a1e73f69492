"""Read rules of structure_level (spec restrict §4 structure_level, upstream
``collection/structure_level.go``).

Mode A (all fields): ``list_of_speakers.can_see`` in the meeting; otherwise visible when at
least one of its ``meeting_user_ids`` is visible in meeting_user mode A (so users see the
structure levels of the participants they may see).
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("structure_level", "A")
def see_structure_level(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``list_of_speakers.can_see``; or any of ``meeting_user_ids`` is meeting_user/A."""
    if ctx.perms_of("structure_level", id).has("list_of_speakers.can_see"):
        return True
    return ctx.any_visible("meeting_user", "A", ctx.ids("structure_level", id, "meeting_user_ids"))
