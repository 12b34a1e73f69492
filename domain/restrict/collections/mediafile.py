"""Read rules of mediafile and meeting_mediafile (spec restrict §4, upstream
``collection/mediafile.go``, ``meeting_mediafile.go``).

* mediafile A (all fields), first match wins:
  1. owned by the organization and the user has OML ≥ can_manage_organization;
  2. it has a ``token`` (organization-wide logos and fonts; anonymous users too);
  3. published to the organization's meetings and the user is an admin in any meeting or
     manages any committee (spec §3.6);
  4. an unpublished organization file: not visible;
  5. otherwise visible when any of its ``meeting_mediafile_ids`` is visible in mode A.
  Meeting-owned files have no OML shortcut: orga managers see them through rule 5.
* meeting_mediafile A (all fields): only for users who can see the meeting (meeting/B); then
  a meeting admin; or the file is used as a logo or font of a meeting; or it is on a visible
  projection; or ``mediafile.can_see`` and (``is_public`` or the user is in one of
  ``inherited_access_group_ids``). ``mediafile.can_manage`` alone does not bypass the access
  groups, and ``access_group_ids`` (not inherited) is not consulted.
"""

from __future__ import annotations

from domain.restrict.context import Inconsistent, RestrictContext
from domain.restrict.registry import rule
from meta.schema import COLLECTIONS

LOGO_AND_FONT_FIELDS = tuple(
    name
    for name in COLLECTIONS["meeting_mediafile"]
    if name.startswith(("used_as_logo_", "used_as_font_")) and name.endswith("_in_meeting_id")
)
"""The 16 ``used_as_{logo,font}_*_in_meeting_id`` fields, taken from the schema (spec R4): a
file in any of these roles is shown to everyone who can see the meeting."""


@rule("mediafile", "A")
def see_mediafile(ctx: RestrictContext, id: int) -> bool:
    """Mode A: orga manager for organization files; or a ``token``; or published and the user
    is admin somewhere; or (unless an unpublished organization file) any meeting_mediafile/A."""
    owned_by_organization = _owner_collection(ctx, id) == "organization"
    if owned_by_organization and ctx.oml("can_manage_organization"):
        return True
    token = ctx.get("mediafile", id, "token")
    if token is not None and not isinstance(token, str):
        raise Inconsistent(f"mediafile/{id}/token is not a string: {token!r}")
    if token:
        return True
    published = ctx.id("mediafile", id, "published_to_meetings_in_organization_id") != 0
    if published and ctx.admin_anywhere():
        return True
    if owned_by_organization and not published:
        return False
    return ctx.any_visible("meeting_mediafile", "A", ctx.ids("mediafile", id, "meeting_mediafile_ids"))


@rule("meeting_mediafile", "A")
def see_meeting_mediafile(ctx: RestrictContext, id: int) -> bool:
    """Mode A: meeting/B required; then admin; or used as logo/font; or on a visible
    projection; or ``mediafile.can_see`` and (``is_public`` or in an inherited access group)."""
    meeting = ctx.meeting_of("meeting_mediafile", id)
    if not ctx.visible("meeting", "B", meeting):
        return False
    perms = ctx.perms(meeting)
    if perms.is_admin:
        return True
    if any(ctx.id("meeting_mediafile", id, name) for name in LOGO_AND_FONT_FIELDS):
        return True
    if ctx.any_visible("projection", "A", ctx.ids("meeting_mediafile", id, "projection_ids")):
        return True
    if not perms.has("mediafile.can_see"):
        return False
    is_public = ctx.required("meeting_mediafile", id, "is_public")
    if not isinstance(is_public, bool):
        raise Inconsistent(f"meeting_mediafile/{id}/is_public is not a boolean: {is_public!r}")
    return is_public or perms.in_group(ctx.ids("meeting_mediafile", id, "inherited_access_group_ids"))


def _owner_collection(ctx: RestrictContext, id: int) -> str:
    """The collection of the required generic ``owner_id`` ("organization/1", "meeting/7")."""
    owner = ctx.required("mediafile", id, "owner_id")
    collection, _, owner_id = owner.partition("/") if isinstance(owner, str) else ("", "", "")
    if collection not in ("organization", "meeting") or not owner_id.isdigit():
        raise Inconsistent(f"mediafile/{id}/owner_id is not an organization or meeting: {owner!r}")
    return collection
