"""Read rules of ``poll`` (spec restrict §4 "poll"), and the "can manage poll" helper that
option and vote share (they ask poll/A through the context).

A poll belongs to its content object (a motion, an assignment or a topic): seeing the poll
means seeing that object, and managing it needs the content object's own poll permission.

* A: the content object is visible (motion/C, assignment/A, topic/A).
* B (results): ``published`` → mode A; ``finished`` → can manage the poll; otherwise never.
* C (``live_votes``): only while ``started``, for users who may watch the vote progress or
  manage the poll.
* D (``votescast``): like B, but a finished poll is also visible to list-of-speakers managers.
"""

from __future__ import annotations

from domain.restrict.context import Inconsistent, RestrictContext
from domain.restrict.registry import rule

CONTENT_OBJECT_MODE = {"motion": "C", "assignment": "A", "topic": "A"}
"""The mode in which a poll's content object must be visible for the poll to be (motion/C is
"can see motion"; upstream calls ``Motion.see`` directly)."""

MANAGE_PERMISSION = {
    "motion": "motion.can_manage_polls",
    "assignment": "assignment.can_manage_polls",
    "topic": "poll.can_manage",
}
"""The permission that lets a user manage a poll, by the collection of its content object."""


def content_object(ctx: RestrictContext, poll_id: int) -> tuple[str, int]:
    """The poll's required ``content_object_id`` as (collection, id). Another collection than
    motion, assignment or topic, or a missing object, is inconsistent data (upstream raises)."""
    fqid = ctx.required("poll", poll_id, "content_object_id")
    collection, _, raw_id = str(fqid).partition("/")
    valid_id = raw_id.isascii() and raw_id.isdigit() and int(raw_id) > 0
    if collection not in CONTENT_OBJECT_MODE or not valid_id:
        raise Inconsistent(f"poll/{poll_id}/content_object_id is not supported: {fqid!r}")
    if not ctx.exists(collection, int(raw_id)):
        raise Inconsistent(f"poll/{poll_id}/content_object_id points to a missing {fqid}")
    return collection, int(raw_id)


def can_manage_poll(ctx: RestrictContext, poll_id: int) -> bool:
    """Whether the user may manage the poll: the content object's poll permission in the
    content object's meeting. Deliberately no visibility check: upstream shows results of a
    finished poll to its managers even when they cannot see the content object."""
    collection, object_id = content_object(ctx, poll_id)
    meeting_id = ctx.meeting_of(collection, object_id)
    return ctx.perms(meeting_id).has(MANAGE_PERMISSION[collection])


def state(ctx: RestrictContext, poll_id: int) -> str:
    """The poll's state; unset reads as ``""`` (a state no rule opens)."""
    value = ctx.get("poll", poll_id, "state")
    return value if isinstance(value, str) else ""


def results_visible(ctx: RestrictContext, poll_id: int, collection: str, id: int) -> bool:
    """The rule of a poll's results: ``published`` → ``collection/id`` in mode A; ``finished`` →
    can manage the poll (without seeing it); any other state → never, so results stay hidden
    while voting runs."""
    match state(ctx, poll_id):
        case "published":
            return ctx.visible(collection, "A", id)
        case "finished":
            return can_manage_poll(ctx, poll_id)
        case _:
            return False


@rule("poll", "A")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode A: the content object is visible (motion/C, assignment/A or topic/A)."""
    collection, object_id = content_object(ctx, id)
    return ctx.visible(collection, CONTENT_OBJECT_MODE[collection], object_id)


@rule("poll", "B")
def see_results(ctx: RestrictContext, id: int) -> bool:
    """Mode B: ``published`` → poll/A; ``finished`` → can manage the poll (without seeing
    it); any other state → never, so results stay hidden while voting runs."""
    return results_visible(ctx, id, "poll", id)


@rule("poll", "C")
def see_live_votes(ctx: RestrictContext, id: int) -> bool:
    """Mode C (``live_votes``): the poll is ``started``, and the user has (``user.can_see``
    and ``list_of_speakers.can_manage``) or ``poll.can_see_progress`` in the poll's meeting,
    or can manage the poll."""
    if state(ctx, id) != "started":
        return False
    perms = ctx.perms_of("poll", id)
    if perms.has("user.can_see") and perms.has("list_of_speakers.can_manage"):
        return True
    return perms.has("poll.can_see_progress") or can_manage_poll(ctx, id)


@rule("poll", "D")
def see_votes_cast(ctx: RestrictContext, id: int) -> bool:
    """Mode D (``votescast``): ``published`` → poll/A; ``finished`` → can manage the poll or
    ``list_of_speakers.can_manage`` in the poll's meeting; any other state → never."""
    match state(ctx, id):
        case "published":
            return ctx.visible("poll", "A", id)
        case "finished":
            if can_manage_poll(ctx, id):
                return True
            return ctx.perms_of("poll", id).has("list_of_speakers.can_manage")
        case _:
            return False
