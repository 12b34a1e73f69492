"""Read rules of the organization-wide collections: organization, organization_tag, theme and
gender (spec restrict §4, upstream ``collection/{organization,organization_tag,theme,gender}.go``).

* organization A (name, texts, theme, …), theme A, gender A: everyone, also public access,
  because the login page and the anonymous client need them.
* organization B (committee_ids, archived meetings, e-voting switch, …): logged-in users.
* organization C (limits, user_ids): OML ≥ ``can_manage_users``.
* organization D (the SAML secrets): superadmins only.
* organization E (``published_mediafile_ids``): admins of any meeting or committee, or
  organization managers (the people who can use published organization files).
* organization_tag A: logged-in users.

None of these rules reads the object itself, so they never meet inconsistent data.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("organization", "A")
@rule("theme", "A")
@rule("gender", "A")
def everyone(ctx: RestrictContext, id: int) -> bool:
    """organization A, theme A, gender A: always, public access included."""
    return True


@rule("organization", "B")
@rule("organization_tag", "A")
def logged_in(ctx: RestrictContext, id: int) -> bool:
    """organization B, organization_tag A: any logged-in user (not public access)."""
    return ctx.logged_in


@rule("organization", "C")
def user_managers(ctx: RestrictContext, id: int) -> bool:
    """organization C: OML ≥ ``can_manage_users``."""
    return ctx.oml("can_manage_users")


@rule("organization", "D")
def superadmins(ctx: RestrictContext, id: int) -> bool:
    """organization D: OML ``superadmin``."""
    return ctx.oml("superadmin")


@rule("organization", "E")
def admins_anywhere(ctx: RestrictContext, id: int) -> bool:
    """organization E: ``isAdminInAnyMeetingOrCommitteeAdmin`` (spec §3.6)."""
    return ctx.admin_anywhere()
