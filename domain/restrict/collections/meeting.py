"""Read rules of meeting (spec restrict §4 meeting, upstream ``collection/meeting.go``).

* Mode A (id, name, committee_id, …): everyone, also public access, so that meeting lists and
  references can show names.
* Mode B (almost every field): "can see the meeting", with its own membership test rather than
  the meeting permissions (see :func:`can_see_meeting`). Many collections delegate to it;
  :func:`sees_meeting_of` is the shorthand for "the meeting of this object is visible".
* Mode C (welcome page, conference and applause settings): ``meeting.can_see_frontpage``.
* Mode E (jitsi settings): superadmins, even in locked meetings; otherwise mode B.
* Mode F (dates, location, archive state, ``locked_from_inside``, …): organization managers
  and managers of the meeting's committee, even in locked meetings; otherwise mode B. They
  need these fields to administrate meetings they cannot enter.

Upstream's mode D (``meeting.can_see_livestream``) is not implemented: no field uses it.
``committee_id`` is required: a meeting without it is inconsistent and invisible in B and F.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


def sees_meeting_of(ctx: RestrictContext, collection: str, id: int) -> bool:
    """Whether the user can see (meeting/B) the meeting of ``collection/id``. The object must
    have a meeting that exists; otherwise it is inconsistent data (upstream raises)."""
    return ctx.visible("meeting", "B", ctx.target(collection, id, "meeting_id"))


@rule("meeting", "A")
def everyone(ctx: RestrictContext, id: int) -> bool:
    """Mode A: always, public access included."""
    return True


@rule("meeting", "B")
def can_see_meeting(ctx: RestrictContext, id: int) -> bool:
    """Mode B, "can see the meeting", in this order:

    1. a locked-out member sees nothing, whatever else they are;
    2. a member (the user's meeting_user is in ``group/meeting_user_ids`` of one of the
       meeting's groups; a meeting_user without groups is no member) sees it;
    3. nobody else sees a meeting ``locked_from_inside``;
    4. public access (on in the organization and the meeting) or OML ≥
       ``can_manage_organization``;
    5. a manager of the meeting's committee (or an ancestor), or of any committee if the
       meeting is a template (``template_for_organization_id`` set).
    """
    committee = ctx.required_id("meeting", id, "committee_id")
    member, locked_out, group_ids = ctx.membership(id)
    if member:
        if locked_out:
            return False
        if not set(group_ids).isdisjoint(ctx.ids("meeting", id, "group_ids")):
            return True
    if ctx.flag("meeting", id, "locked_from_inside"):
        return False
    public = ctx.flag("organization", 1, "enable_anonymous") and ctx.flag("meeting", id, "enable_anonymous")
    if public or ctx.oml("can_manage_organization"):
        return True
    managed = ctx.managed_committees()
    if committee in managed:
        return True
    return bool(managed) and ctx.id("meeting", id, "template_for_organization_id") != 0


@rule("meeting", "C")
def see_frontpage(ctx: RestrictContext, id: int) -> bool:
    """Mode C: ``meeting.can_see_frontpage`` in the meeting."""
    return ctx.perms(id).has("meeting.can_see_frontpage")


@rule("meeting", "E")
def see_conference_secrets(ctx: RestrictContext, id: int) -> bool:
    """Mode E: OML ``superadmin`` (even in a locked meeting); or meeting/B."""
    return ctx.oml("superadmin") or ctx.visible("meeting", "B", id)


@rule("meeting", "F")
def see_administration(ctx: RestrictContext, id: int) -> bool:
    """Mode F: OML ≥ ``can_manage_organization`` (even locked or locked out); or CML of the
    meeting's committee (even locked); or meeting/B."""
    if ctx.oml("can_manage_organization"):
        return True
    if ctx.required_id("meeting", id, "committee_id") in ctx.managed_committees():
        return True
    return ctx.visible("meeting", "B", id)
