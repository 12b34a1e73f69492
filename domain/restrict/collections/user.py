"""Read rules of ``user`` (spec restrict §4 "user"). Y is the request user, X the requested
user. A user belongs to no meeting; meeting permissions are asked in X's meetings (the meetings
of ``user/meeting_user_ids``). "Managed committees" include the descendants of the committees
Y manages.

* A (name, profile, relations): OML ≥ can_manage_users; or Y = X; or X is in a committee Y
  manages (``user/committee_ids``); or one of X's meeting_users is visible (meeting_user/A).
* B (username, email, OML, …): OML ≥ can_manage_users; or Y = X; or X is in ``user_ids`` of a
  managed committee; or ``user.can_see_sensitive_data`` in one of X's meetings.
* D (``can_change_own_password``): OML ≥ can_manage_users, or ``user.can_manage`` in one of
  X's meetings. Y = X is not enough.
* E (committees, meetings, ``external``): logged in and (OML ≥ can_manage_users; or Y = X; or X
  in ``user_ids`` of a managed committee; or ``user.can_manage`` in one of X's meetings).
* F (``organization_id``): OML ≥ can_manage_users.
* G (``password``): never, not even for a superadmin.
* H (``default_password``): logged in, Y's OML rank at least X's, and (user/D or X in
  ``user_ids`` of a managed committee), so nobody reads the password of a higher-ranked user.
"""

from __future__ import annotations

from domain.restrict.context import Inconsistent, RestrictContext
from domain.restrict.registry import never, rule


def _meeting_users(ctx: RestrictContext, id: int) -> list[int]:
    """X's meeting_users; one that does not exist makes the data inconsistent."""
    meeting_users = ctx.ids("user", id, "meeting_user_ids")
    for meeting_user in meeting_users:
        if not ctx.exists("meeting_user", meeting_user):
            raise Inconsistent(f"user/{id}/meeting_user_ids contains missing meeting_user/{meeting_user}")
    return meeting_users


def _has_in_a_meeting(ctx: RestrictContext, id: int, permission: str) -> bool:
    """Whether Y has ``permission`` in one of X's meetings (asked meeting by meeting, in order)."""
    return any(
        ctx.perms_of("meeting_user", meeting_user).has(permission)
        for meeting_user in ctx.ids("user", id, "meeting_user_ids")
    )


def _in_managed_committee(ctx: RestrictContext, id: int) -> bool:
    """Whether X is in ``committee/user_ids`` of a committee Y manages (or a descendant)."""
    return any(id in ctx.ids("committee", c, "user_ids") for c in ctx.managed_committees())


@rule("user", "A")
def see_user(ctx: RestrictContext, id: int) -> bool:
    """Mode A: OML ≥ can_manage_users; Y = X; X's ``committee_ids`` meet the committees Y
    manages; or one of X's meeting_users is visible in meeting_user mode A."""
    if ctx.oml("can_manage_users") or ctx.is_me(id):
        return True
    if not ctx.managed_committees().isdisjoint(ctx.ids("user", id, "committee_ids")):
        return True
    return ctx.any_visible("meeting_user", "A", _meeting_users(ctx, id))


@rule("user", "B")
def see_personal_data(ctx: RestrictContext, id: int) -> bool:
    """Mode B: OML ≥ can_manage_users; Y = X; X in a managed committee's ``user_ids``; or
    ``user.can_see_sensitive_data`` in one of X's meetings. Seeing X in a meeting (mode A) is
    not enough."""
    if ctx.oml("can_manage_users"):
        return True
    if ctx.is_me(id) or _in_managed_committee(ctx, id):
        return True
    return _has_in_a_meeting(ctx, id, "user.can_see_sensitive_data")


@rule("user", "D")
def see_password_policy(ctx: RestrictContext, id: int) -> bool:
    """Mode D: OML ≥ can_manage_users, or ``user.can_manage`` in one of X's meetings. Y = X is
    deliberately not enough."""
    return ctx.oml("can_manage_users") or _has_in_a_meeting(ctx, id, "user.can_manage")


@rule("user", "E")
def see_memberships(ctx: RestrictContext, id: int) -> bool:
    """Mode E: logged in, and OML ≥ can_manage_users; Y = X; X in a managed committee's
    ``user_ids``; or ``user.can_manage`` in one of X's meetings."""
    if not ctx.logged_in:
        return False
    if ctx.oml("can_manage_users") or ctx.is_me(id) or _in_managed_committee(ctx, id):
        return True
    return _has_in_a_meeting(ctx, id, "user.can_manage")


@rule("user", "F")
def see_organization(ctx: RestrictContext, id: int) -> bool:
    """Mode F: OML ≥ can_manage_users (not even Y = X)."""
    return ctx.oml("can_manage_users")


rule("user", "G")(never)  # Mode G (the password hash): never, for nobody.


@rule("user", "H")
def see_default_password(ctx: RestrictContext, id: int) -> bool:
    """Mode H: logged in; Y's OML rank ≥ X's; and (user/D or X in a managed committee's
    ``user_ids``). Y = X alone is not enough."""
    if not ctx.logged_in or ctx.oml_rank() < ctx.oml_rank_of(id):
        return False
    return ctx.visible("user", "D", id) or _in_managed_committee(ctx, id)
