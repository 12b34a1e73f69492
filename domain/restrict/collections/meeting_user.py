"""Read rules of ``meeting_user``, a user's membership in one meeting (spec restrict §4
"meeting_user"). Y is the request user, X the requested meeting_user.

* A (profile: number, groups, delegations, linked objects): ``user.can_see`` in X's meeting; or
  X is Y's own; or X and Y are vote-delegation partners in that meeting; or an object linked to
  X is visible to Y (a submitted, supported or edited motion, a speech, a chat message, …).
  Someone you can see acting in the meeting must not be anonymous to you.
* B (``personal_note_ids``): X is Y's own.
* C (``user_id``, ``meeting_id``): OML ≥ can_manage_organization (even in meetings locked from
  inside), or meeting_user/A.
* D (``comment``): OML ≥ can_manage_users, or ``user.can_manage`` in X's meeting.
* E (``locked_out``): ``user.can_see_sensitive_data`` in X's meeting, or X is Y's own.

Only Y's own lock (``perms``) matters; a locked-out X stays visible.
"""

from __future__ import annotations

from domain.restrict.context import Inconsistent, RestrictContext
from domain.restrict.registry import rule

LINKED_OBJECTS: tuple[tuple[str, str, str, str], ...] = (
    ("meeting_user", "motion_submitter_ids", "motion_submitter", "A"),
    ("meeting_user", "supported_motion_ids", "motion", "C"),
    ("meeting_user", "motion_editor_ids", "motion_editor", "A"),
    ("meeting_user", "motion_working_group_speaker_ids", "motion_working_group_speaker", "A"),
    ("user", "option_ids", "option", "A"),
    ("meeting_user", "assignment_candidate_ids", "assignment_candidate", "A"),
    ("meeting_user", "speaker_ids", "speaker", "A"),
    ("user", "poll_voted_ids", "poll", "A"),
    ("user", "vote_ids", "vote", "A"),
    ("meeting_user", "chat_message_ids", "chat_message", "A"),
)
"""Objects whose visibility reveals X, in upstream's order: (owner, list field, target
collection, target mode). Owner ``user`` means the list is read from X's user and spans all
of that user's meetings, as upstream does."""


def _user_of(ctx: RestrictContext, meeting_user_id: int) -> int:
    """The required ``user_id`` of a meeting_user."""
    return ctx.required_id("meeting_user", meeting_user_id, "user_id")


@rule("meeting_user", "A")
def see_meeting_user(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``user.can_see`` in the meeting; or X belongs to Y; or X delegated their vote to
    Y or Y to X (in this meeting); or any linked object of X is visible (``LINKED_OBJECTS``)."""
    meeting_id = ctx.meeting_of("meeting_user", id)
    if ctx.perms(meeting_id).has("user.can_see"):
        return True
    user_id = _user_of(ctx, id)
    if ctx.is_me(user_id) or _delegation_partner(ctx, id):
        return True
    return _linked_object_visible(ctx, id, user_id)


def _delegation_partner(ctx: RestrictContext, id: int) -> bool:
    """Whether X delegated their vote to Y's meeting_user, or received Y's delegation (the
    delegation partners are meeting_users of X's meeting, so their user is Y)."""
    delegated_to = ctx.id("meeting_user", id, "vote_delegated_to_id")
    if delegated_to and ctx.is_me(ctx.id("meeting_user", delegated_to, "user_id")):
        return True
    return any(
        ctx.is_me(ctx.id("meeting_user", delegator, "user_id"))
        for delegator in ctx.ids("meeting_user", id, "vote_delegations_from_ids")
    )


def _linked_object_visible(ctx: RestrictContext, id: int, user_id: int) -> bool:
    """Whether one of X's linked objects is visible, checked in upstream's order. X's user is
    read only when a user-level list is reached (as upstream, where a missing user fails)."""
    user_checked = False
    for owner, field, collection, mode in LINKED_OBJECTS:
        owner_id = id
        if owner == "user":
            if not user_checked and not ctx.exists("user", user_id):
                raise Inconsistent(f"meeting_user/{id}/user_id points to a missing user/{user_id}")
            user_checked = True
            owner_id = user_id
        if ctx.any_visible(collection, mode, ctx.ids(owner, owner_id, field)):
            return True
    return False


@rule("meeting_user", "B")
def see_personal_notes(ctx: RestrictContext, id: int) -> bool:
    """Mode B: X is Y's own meeting_user (no admin override: personal notes are private)."""
    return ctx.is_me(_user_of(ctx, id))


@rule("meeting_user", "C")
def see_relations(ctx: RestrictContext, id: int) -> bool:
    """Mode C: OML ≥ can_manage_organization, so orga managers see who is in a meeting even
    if it is locked from inside; otherwise meeting_user/A."""
    return ctx.oml("can_manage_organization") or ctx.visible("meeting_user", "A", id)


@rule("meeting_user", "D")
def see_comment(ctx: RestrictContext, id: int) -> bool:
    """Mode D: OML ≥ can_manage_users, or ``user.can_manage`` in X's meeting."""
    if ctx.oml("can_manage_users"):
        return True
    return ctx.perms_of("meeting_user", id).has("user.can_manage")


@rule("meeting_user", "E")
def see_sensitive(ctx: RestrictContext, id: int) -> bool:
    """Mode E: ``user.can_see_sensitive_data`` in X's meeting, or X is Y's own."""
    if ctx.perms_of("meeting_user", id).has("user.can_see_sensitive_data"):
        return True
    return ctx.is_me(_user_of(ctx, id))
