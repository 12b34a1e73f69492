"""Read rules of committee (spec restrict §4 committee, upstream ``collection/committee.go``).

* Mode A (name, meetings, members, tree, …): OML ≥ ``can_manage_users``; or the user manages
  the committee (directly or through an ancestor); or the user is a member
  (``committee/user_ids``).
* Mode B (manager_ids, native_user_ids, the forwarding lists): OML ≥
  ``can_manage_organization``; or the user manages the committee or one of its forwarding
  partners (``forward_to_committee_ids`` / ``receive_forwardings_from_committee_ids``), since
  managers of a partner need to know whom they forward to. Membership alone does not grant B.
  (Upstream ignores read errors on the two lists; here a malformed list makes B invisible,
  unless the user manages the committee itself, which is checked first.)
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("committee", "A")
def see_committee(ctx: RestrictContext, id: int) -> bool:
    """Mode A: OML ≥ ``can_manage_users``; or CML(committee); or Y ∈ ``committee/user_ids``."""
    if ctx.oml("can_manage_users") or id in ctx.managed_committees():
        return True
    return ctx.me_among(ctx.ids("committee", id, "user_ids"))


@rule("committee", "B")
def see_management(ctx: RestrictContext, id: int) -> bool:
    """Mode B: OML ≥ ``can_manage_organization``; or Y manages this committee or one in its
    ``forward_to_committee_ids`` / ``receive_forwardings_from_committee_ids``."""
    if ctx.oml("can_manage_organization"):
        return True
    managed = ctx.managed_committees()
    if id in managed:
        return True
    partners = ctx.ids("committee", id, "forward_to_committee_ids") + ctx.ids(
        "committee", id, "receive_forwardings_from_committee_ids"
    )
    return not managed.isdisjoint(partners)
