"""Read rules of list_of_speakers and the objects that hang off it: speaker and
structure_level_list_of_speakers (spec restrict §4, upstream ``collection/list_of_speakers.go``,
``speaker.go``, ``structure_level_list_of_speakers.go``).

* list_of_speakers A: ``list_of_speakers.can_see`` or ``list_of_speakers.can_be_speaker`` in the
  list's *own* meeting. Upstream allows a whole batch when any meeting in it passes; Part A R3
  fixes that, so the answer for one list never depends on other lists.
* list_of_speakers B (``moderator_notes``): ``list_of_speakers.can_see_moderator_notes``.
* speaker A: ``list_of_speakers.can_see``; or ``can_be_speaker`` and the speaker is the user.
* structure_level_list_of_speakers A: its list of speakers is visible in mode A (decided per
  id, not with upstream's batch-size shortcut).

The content object of a list is not consulted (as upstream).
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("list_of_speakers", "A")
def see_list(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``list_of_speakers.can_see`` or ``can_be_speaker`` in the list's meeting (R3)."""
    perms = ctx.perms_of("list_of_speakers", id)
    return perms.has("list_of_speakers.can_see", "list_of_speakers.can_be_speaker")


@rule("list_of_speakers", "B")
def see_moderator_notes(ctx: RestrictContext, id: int) -> bool:
    """Mode B: ``list_of_speakers.can_see_moderator_notes`` in the list's meeting."""
    perms = ctx.perms_of("list_of_speakers", id)
    return perms.has("list_of_speakers.can_see_moderator_notes")


@rule("speaker", "A")
def see_speaker(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``list_of_speakers.can_see``; or ``list_of_speakers.can_be_speaker`` and the
    speaker's meeting_user belongs to the user (a speaker without one is nobody's own)."""
    perms = ctx.perms_of("speaker", id)
    if perms.has("list_of_speakers.can_see"):
        return True
    if not perms.has("list_of_speakers.can_be_speaker"):
        return False
    meeting_user = ctx.id("speaker", id, "meeting_user_id")
    if not meeting_user:
        return False
    return ctx.is_me(ctx.required_id("meeting_user", meeting_user, "user_id"))


@rule("structure_level_list_of_speakers", "A")
def see_structure_level_list(ctx: RestrictContext, id: int) -> bool:
    """Mode A: list_of_speakers/A of ``list_of_speakers_id`` (required)."""
    list_of_speakers = ctx.target("structure_level_list_of_speakers", id, "list_of_speakers_id")
    return ctx.visible("list_of_speakers", "A", list_of_speakers)
