"""Read rules of ``motion`` (spec restrict §4 "motion", upstream ``collection/motion.go``), and
the helpers that the motion satellites share (:func:`is_submitter`, :func:`state_of`).

* C, "can see motion" (almost every field): the user sees the motion itself (see
  :func:`can_see_own`) and every lead motion up the ``lead_motion_id`` chain.
* A (ids and the origin/derived links): motion/C, or any motion in ``all_origin_ids`` or
  ``all_derived_motion_ids`` is motion/C-visible, so forwarding trees stay navigable.
* B (``editor_ids``, ``working_group_speaker_ids``): ``motion.can_manage_metadata`` in the
  meeting; it does not require seeing the motion (as upstream).
* D (``number_value``, ``text_hash``): never.
* E (``recommendation_id``): motion/C, and ``motion.can_manage_metadata`` or a state that is
  not ``is_internal``.

Lead-motion cycles (spec R3): the chain is followed until it reaches a motion it has already
passed, i.e. once around a cycle and no further. Upstream loops forever on a cycle that does
not pass through the starting motion; here the motion is then visible iff every motion on the
way and on the cycle is visible on its own.
"""

from __future__ import annotations

from domain.restrict.context import Inconsistent, RestrictContext
from domain.restrict.registry import never, rule


@rule("motion", "C")
def see(ctx: RestrictContext, id: int) -> bool:
    """Mode C: the motion is visible on its own and so is every lead motion up the chain."""
    return all(can_see_own(ctx, motion) for motion in _lead_chain(ctx, id))


@rule("motion", "A")
def see_or_see_related(ctx: RestrictContext, id: int) -> bool:
    """Mode A: motion/C, or a motion in ``all_origin_ids`` / ``all_derived_motion_ids`` is
    motion/C-visible. Deleted references are ignored (as upstream)."""
    if ctx.visible("motion", "C", id):
        return True
    related = ctx.ids("motion", id, "all_origin_ids") + ctx.ids("motion", id, "all_derived_motion_ids")
    return ctx.any_visible("motion", "C", dict.fromkeys(related))


@rule("motion", "B")
def see_metadata_managers(ctx: RestrictContext, id: int) -> bool:
    """Mode B: ``motion.can_manage_metadata`` in the motion's meeting."""
    return ctx.perms_of("motion", id).has("motion.can_manage_metadata")


rule("motion", "D")(never)  # Mode D: never; these fields are for the backend only.


@rule("motion", "E")
def see_recommendation(ctx: RestrictContext, id: int) -> bool:
    """Mode E: motion/C, and ``motion.can_manage_metadata`` or the state is not internal
    (an internal state hides the recommendation from ordinary readers)."""
    if not ctx.visible("motion", "C", id):
        return False
    if ctx.perms_of("motion", id).has("motion.can_manage_metadata"):
        return True
    return not ctx.flag("motion_state", state_of(ctx, id), "is_internal")


def can_see_own(ctx: RestrictContext, id: int) -> bool:
    """Whether the user sees the motion itself, ignoring its lead motions.

    Admins of the meeting see every motion. Others need ``motion.can_see``, or (meeting not
    locked from inside) ``motion.can_see_origin`` in the meeting of a derived copy, so that a
    meeting that receives forwarded motions can look at their origin. Then the state's
    restrictions apply as an OR: any listed permission held in the motion's meeting, or being
    a submitter if ``is_submitter`` is listed; no restrictions let everyone through.
    """
    meeting = ctx.target("motion", id, "meeting_id")
    perms = ctx.perms(meeting)
    if perms.is_admin:
        return True
    if not perms.has("motion.can_see"):
        if ctx.flag("meeting", meeting, "locked_from_inside"):
            return False
        derived = ctx.ids("motion", id, "all_derived_motion_ids")
        derived_meetings = [ctx.meeting_of("motion", motion) for motion in derived]
        if not any(ctx.perms(m).has("motion.can_see_origin") for m in derived_meetings):
            return False
    restrictions = _restrictions(ctx, state_of(ctx, id))
    if not restrictions:
        return True
    if any(perms.has(r) for r in restrictions if r != "is_submitter"):
        return True
    return "is_submitter" in restrictions and is_submitter(ctx, id)


def is_submitter(ctx: RestrictContext, motion_id: int) -> bool:
    """Whether the user is one of the motion's submitters (through their meeting_user)."""
    for submitter in ctx.ids("motion", motion_id, "submitter_ids"):
        meeting_user = ctx.required_id("motion_submitter", submitter, "meeting_user_id")
        if ctx.is_me(ctx.required_id("meeting_user", meeting_user, "user_id")):
            return True
    return False


def state_of(ctx: RestrictContext, motion_id: int) -> int:
    """The motion's required, existing state."""
    return ctx.target("motion", motion_id, "state_id", "motion_state")


def _restrictions(ctx: RestrictContext, state: int) -> list[str]:
    """The state's restrictions: permission names and ``is_submitter`` (unset = none)."""
    value = ctx.get("motion_state", state, "restrictions")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise Inconsistent(f"motion_state/{state}/restrictions is not a list of strings: {value!r}")
    return value


def _lead_chain(ctx: RestrictContext, id: int) -> list[int]:
    """The motion and its lead motions, nearest first, up to one without a lead or back at a
    motion already in the chain (a cycle is followed once around, spec R3). Walked in a loop,
    not by asking for the lead's motion/C, so that neither a cycle nor a long chain recurses."""
    chain = [id]
    seen = {id}
    lead = ctx.id("motion", id, "lead_motion_id")
    while lead and lead not in seen:
        if not ctx.exists("motion", lead):
            raise Inconsistent(f"motion/{chain[-1]}/lead_motion_id points to the missing motion/{lead}")
        chain.append(lead)
        seen.add(lead)
        lead = ctx.id("motion", lead, "lead_motion_id")
    return chain
