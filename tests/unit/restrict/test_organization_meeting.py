"""Read rules of organization, organization_tag, theme, gender, committee, meeting, group, tag,
point_of_order_category, history_entry, history_position, action_worker and import_preview:
the edge cases of spec restrict §6 that the shared vectors leave out, and inconsistent data
(spec R2: invisible, one warning, no exception)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.api import visible_keys
from domain.reader import FlatSource, Reader
from domain.restrict.restricter import PermissionRestricter
from tests import builders
from tests.builders import Data, meeting, obj


def sees(data: Data, user_id: int, key: str) -> bool:
    return key in visible_keys(data, user_id, [key])


def warnings(data: Data, user_id: int, key: str) -> list[str]:
    """The inconsistencies the restricter noted while deciding ``key``."""
    restriction = PermissionRestricter().for_user(Reader(FlatSource(data)), user_id)
    assert restriction.value(key, data[key]) is None
    return list(restriction.context.warnings)


def world(*, oml: str = "", member: bool = False, locked_out: bool = False, **meeting_fields: Any) -> Data:
    """Organization 1; committee 2 (child 3) holding meeting 30 (admin group 901, group 7),
    with group 8, tag 4, point-of-order category 5 and history entry 6 in it; user 1 with
    ``oml``, a member of meeting 30 (meeting_user 10 in group 7) if ``member``.
    ``meeting_fields`` sets further fields of meeting 30."""
    data = (
        obj(
            "organization/1",
            published_mediafile_ids=[],
            limit_of_users=5,
            saml_private_key="secret",
            enable_electronic_voting=True,
        )
        | obj(
            "committee/2", name="parent", child_ids=[3], all_child_ids=[3], meeting_ids=[30], manager_ids=[]
        )
        | obj("committee/3", name="child", parent_id=2, all_parent_ids=[2], manager_ids=[])
        | meeting(
            30,
            2,
            name="m",
            description="d",
            applause_enable=True,
            jitsi_domain="jitsi",
            location="here",
            admin_group_id=901,
            group_ids=[7, 901],
        )
        | obj("group/7", meeting_id=30, name="delegates")
        | obj("group/901", meeting_id=30, admin_group_for_meeting_id=30)
        | obj("tag/4", meeting_id=30)
        | obj("point_of_order_category/5", meeting_id=30)
        | obj("history_entry/6", meeting_id=30)
        | obj("user/1", organization_management_level=oml)
        | obj("meeting/30", **meeting_fields)
    )
    if member:
        data |= (
            builders.member(1, 10, 30, 7, locked_out=locked_out)
            | obj("group/7", meeting_user_ids=[10])
            | obj("meeting/30", meeting_user_ids=[10])
        )
    return data


def public(data: Data, *, organization: bool = True, meeting: bool = True) -> Data:
    """Public access switched on in the organization and/or meeting 30 (anonymous group 902)."""
    return data | {
        "organization/1/enable_anonymous": organization,
        "meeting/30/enable_anonymous": meeting,
        "meeting/30/anonymous_group_id": 902,
        "meeting/30/group_ids": [*data["meeting/30/group_ids"], 902],
        "group/902/id": 902,
        "group/902/meeting_id": 30,
        "group/902/anonymous_group_for_meeting_id": 30,
        "group/902/permissions": ["meeting.can_see_frontpage"],
    }


# -- organization, organization_tag, theme, gender ----------------------------------------------


def test_public_access_sees_organization_theme_and_gender_but_not_the_rest() -> None:
    data = world() | {"theme/1/id": 1, "gender/1/id": 1, "organization_tag/1/id": 1}
    requested = [
        "organization/1/id",
        "theme/1/id",
        "gender/1/id",
        "organization/1/enable_electronic_voting",
        "organization/1/limit_of_users",
        "organization/1/saml_private_key",
        "organization/1/published_mediafile_ids",
        "organization_tag/1/id",
    ]
    assert visible_keys(data, 0, requested) == {"organization/1/id", "theme/1/id", "gender/1/id"}


@pytest.mark.parametrize(
    ("oml", "expected"),
    [
        ("can_manage_users", {"organization/1/limit_of_users"}),
        ("can_manage_organization", {"organization/1/limit_of_users"}),
        ("superadmin", {"organization/1/limit_of_users", "organization/1/saml_private_key"}),
    ],
)
def test_organization_c_and_d_follow_the_management_level(oml: str, expected: set[str]) -> None:
    """C needs can_manage_users, D only superadmin (can_manage_organization is not enough)."""
    requested = ["organization/1/limit_of_users", "organization/1/saml_private_key"]
    assert visible_keys(world(oml=oml), 1, requested) == expected


def test_organization_e_for_meeting_admins_and_organization_managers() -> None:
    key = "organization/1/published_mediafile_ids"
    admin = world(member=True) | {"meeting_user/10/group_ids": [901], "group/901/meeting_user_ids": [10]}
    assert sees(admin, 1, key)
    assert sees(world(oml="can_manage_organization"), 1, key)
    assert not sees(world(oml="can_manage_users"), 1, key)
    assert not sees(world(member=True), 1, key)


def test_organization_e_ignores_locks_as_upstream() -> None:
    """Being "admin somewhere" counts the admin group even when locked out of a locked meeting."""
    admin = world(member=True, locked_out=True, locked_from_inside=True) | {
        "meeting_user/10/group_ids": [901],
        "group/901/meeting_user_ids": [10],
    }
    assert sees(admin, 1, "organization/1/published_mediafile_ids")


# -- committee -----------------------------------------------------------------------------------


def test_committee_a_for_members_and_managers_of_an_ancestor() -> None:
    member = world() | {"committee/3/user_ids": [1], "user/1/committee_ids": [3]}
    assert sees(member, 1, "committee/3/name")
    assert not sees(member, 1, "committee/2/name")
    manager = world() | {"user/1/committee_management_ids": [2], "committee/2/manager_ids": [1]}
    assert visible_keys(manager, 1, ["committee/2/name", "committee/3/name"]) == {
        "committee/2/name",
        "committee/3/name",
    }
    assert not sees(world(), 0, "committee/2/name")


def test_committee_b_not_for_user_managers_or_members() -> None:
    assert not sees(world(oml="can_manage_users"), 1, "committee/2/manager_ids")
    member = world() | {"committee/2/user_ids": [1], "user/1/committee_ids": [2]}
    assert not sees(member, 1, "committee/2/manager_ids")


def test_committee_b_for_a_managed_forwarding_partner_in_either_direction() -> None:
    data = world() | {
        "committee/9/id": 9,
        "committee/9/manager_ids": [1],
        "user/1/committee_management_ids": [9],
    }
    receiving = data | {"committee/2/receive_forwardings_from_committee_ids": [9]}
    assert sees(receiving, 1, "committee/2/manager_ids")
    forwarding = data | {"committee/2/forward_to_committee_ids": [9]}
    assert sees(forwarding, 1, "committee/2/manager_ids")
    assert not sees(data, 1, "committee/2/manager_ids")


def test_committee_b_for_a_manager_of_the_parent_with_two_children() -> None:
    data = world() | {
        "committee/2/child_ids": [3, 4],
        "committee/2/all_child_ids": [3, 4],
        "committee/4/id": 4,
        "committee/4/manager_ids": [],
        "user/1/committee_management_ids": [2],
    }
    assert visible_keys(data, 1, ["committee/3/manager_ids", "committee/4/manager_ids"]) == {
        "committee/3/manager_ids",
        "committee/4/manager_ids",
    }


# -- meeting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("organization", "meeting", "expected"), [(True, True, True), (True, False, False), (False, True, False)]
)
def test_meeting_b_public_access_needs_both_switches(
    organization: bool, meeting: bool, expected: bool
) -> None:
    """Public access opens the meeting to anonymous and logged-in users alike."""
    data = public(world(), organization=organization, meeting=meeting)
    assert sees(data, 0, "meeting/30/description") is expected
    assert sees(data, 1, "meeting/30/description") is expected


def test_meeting_b_for_organization_managers_unless_locked_out_or_locked() -> None:
    key = "meeting/30/description"
    assert sees(world(oml="can_manage_organization"), 1, key)
    assert not sees(world(oml="superadmin", member=True, locked_out=True), 1, key)
    assert not sees(world(oml="superadmin", locked_from_inside=True), 1, key)


def test_meeting_b_membership_beats_the_lock_but_not_locked_out() -> None:
    key = "meeting/30/description"
    assert sees(world(member=True, locked_from_inside=True), 1, key)
    assert not sees(public(world(member=True, locked_out=True)), 1, key)


def test_meeting_b_a_meeting_user_without_groups_is_no_member() -> None:
    data = world(member=True) | {"meeting_user/10/group_ids": [], "group/7/meeting_user_ids": []}
    assert not sees(data, 1, "meeting/30/description")


def test_meeting_b_template_needs_some_committee_management() -> None:
    template = world(template_for_organization_id=1)
    assert not sees(template, 1, "meeting/30/description")
    other = template | {"committee/9/id": 9, "user/1/committee_management_ids": [9]}
    assert sees(other, 1, "meeting/30/description")


def test_meeting_c_needs_the_frontpage_permission() -> None:
    assert not sees(world(member=True), 1, "meeting/30/applause_enable")
    assert sees(public(world()), 0, "meeting/30/applause_enable")


def test_meeting_e_in_a_locked_meeting_only_for_superadmins() -> None:
    key = "meeting/30/jitsi_domain"
    assert sees(world(oml="superadmin", locked_from_inside=True), 1, key)
    assert not sees(world(oml="can_manage_organization", locked_from_inside=True), 1, key)
    assert sees(world(member=True), 1, key)


def test_meeting_f_for_organization_and_committee_managers_even_when_locked() -> None:
    key = "meeting/30/location"
    assert sees(world(oml="can_manage_organization", locked_from_inside=True), 1, key)
    assert sees(world(oml="can_manage_organization", member=True, locked_out=True), 1, key)
    assert not sees(world(oml="can_manage_users"), 1, key)
    child_manager = world(locked_from_inside=True) | {"user/1/committee_management_ids": [3]}
    assert not sees(child_manager, 1, key)
    assert sees(world(member=True), 1, key)


def test_meeting_without_committee_is_invisible_in_b_and_f_but_not_a() -> None:
    data = world(oml="can_manage_users", member=True)
    del data["meeting/30/committee_id"]
    requested = ["meeting/30/name", "meeting/30/description", "meeting/30/location"]
    assert visible_keys(data, 1, requested) == {"meeting/30/name"}
    assert any("committee_id" in warning for warning in warnings(data, 1, "meeting/30/description"))


def test_meeting_b_malformed_switches_are_inconsistent_not_public() -> None:
    data = public(world()) | {"meeting/30/enable_anonymous": "false"}
    assert not sees(data, 0, "meeting/30/description")
    locked = world(oml="can_manage_organization", locked_from_inside="yes")
    assert not sees(locked, 1, "meeting/30/description")
    assert any("not a boolean" in warning for warning in warnings(locked, 1, "meeting/30/description"))


# -- group, tag, point_of_order_category ---------------------------------------------------------


def test_public_access_sees_group_tag_and_category_of_a_public_meeting() -> None:
    requested = ["group/7/name", "tag/4/id", "point_of_order_category/5/id"]
    assert visible_keys(public(world()), 0, requested) == set(requested)
    assert visible_keys(world(), 0, requested) == set()


def test_organization_managers_see_groups_and_tags_of_locked_meetings_but_no_categories() -> None:
    data = world(oml="can_manage_organization", locked_from_inside=True)
    requested = ["group/7/name", "tag/4/id", "point_of_order_category/5/id"]
    assert visible_keys(data, 1, requested) == {"group/7/name", "tag/4/id"}


@pytest.mark.parametrize("key", ["group/7/name", "tag/4/id", "point_of_order_category/5/id"])
def test_meeting_objects_without_an_existing_meeting_are_invisible(key: str) -> None:
    collection, id, _ = key.split("/")
    no_meeting = world(member=True)
    del no_meeting[f"{collection}/{id}/meeting_id"]
    assert not sees(no_meeting, 1, key)
    assert warnings(no_meeting, 1, key)
    dangling = world(member=True) | {f"{collection}/{id}/meeting_id": 99}
    assert not sees(dangling, 1, key)
    assert any("missing meeting/99" in warning for warning in warnings(dangling, 1, key))


# -- history -------------------------------------------------------------------------------------


def test_history_entry_needs_can_see_history_in_its_meeting() -> None:
    data = world(member=True) | {"history_entry/7/id": 7}
    requested = ["history_entry/6/id", "history_entry/7/id"]
    assert visible_keys(data, 1, requested) == set()
    allowed = data | {"group/7/permissions": ["meeting.can_see_history"]}
    assert visible_keys(allowed, 1, requested) == {"history_entry/6/id"}


def test_history_entry_with_a_missing_meeting_is_inconsistent() -> None:
    data = world(member=True) | {"history_entry/6/meeting_id": 99}
    assert not sees(data, 1, "history_entry/6/id")
    assert warnings(data, 1, "history_entry/6/id")


def test_history_position_needs_a_visible_entry() -> None:
    data = world(member=True) | {
        "group/7/permissions": ["meeting.can_see_history"],
        "history_entry/7/id": 7,
        "history_position/1/id": 1,
        "history_position/1/entry_ids": [7, 6],
        "history_position/2/id": 2,
        "history_position/2/entry_ids": [7],
        "history_position/3/id": 3,
    }
    requested = ["history_position/1/id", "history_position/2/id", "history_position/3/id"]
    assert visible_keys(data, 1, requested) == {"history_position/1/id"}


# -- action_worker, import_preview ---------------------------------------------------------------


def test_action_worker_only_for_its_owner_never_public() -> None:
    data = world() | {"action_worker/1/id": 1, "action_worker/1/user_id": 1}
    assert sees(data, 1, "action_worker/1/id")
    assert not sees(data | {"user/2/id": 2}, 2, "action_worker/1/id")
    assert not sees(data, 0, "action_worker/1/id")


def test_action_worker_without_owner_is_inconsistent() -> None:
    data = world(oml="superadmin") | {"action_worker/1/id": 1}
    assert not sees(data, 1, "action_worker/1/id")
    assert warnings(data, 1, "action_worker/1/id")


def test_import_preview_not_even_for_superadmins() -> None:
    data = world(oml="superadmin") | {"import_preview/1/id": 1}
    assert not sees(data, 1, "import_preview/1/id")


def test_decisions_made_inside_a_cycle_are_not_memoized() -> None:
    """A rule that reaches back into a decision in progress gets "not visible" for it; what it
    decided on that assumption must not be reused for a later, independent question (R5)."""
    from domain.reader import FlatSource, Reader
    from domain.restrict.context import RestrictContext

    calls: list[str] = []

    def a(ctx: RestrictContext, id: int) -> bool:
        calls.append("a")
        return ctx.visible("b", "A", id) or True

    def b(ctx: RestrictContext, id: int) -> bool:
        calls.append("b")
        return ctx.visible("a", "A", id)

    data = {"a/1/id": 1, "b/1/id": 1}
    ctx = RestrictContext(Reader(FlatSource(data)), 1, {("a", "A"): a, ("b", "A"): b})
    assert ctx.visible("a", "A", 1)
    assert ctx.visible("b", "A", 1)  # evaluated again, now a is known visible
    assert calls == ["a", "b", "b"]


def test_malformed_permission_data_fails_closed_without_exceptions() -> None:
    """Bad values in the data the permission model reads never raise and never open anything."""
    from domain.api import visible_keys

    base = {
        "organization/1/id": 1,
        "organization/1/enable_anonymous": True,
        "meeting/1/id": 1,
        "meeting/1/committee_id": 1,
        "meeting/1/enable_anonymous": True,
        "meeting/1/anonymous_group_id": 9,
        "group/9/id": 9,
        "group/9/meeting_id": 1,
        "group/9/permissions": ["agenda_item.can_see"],
        "agenda_item/1/id": 1,
        "agenda_item/1/meeting_id": 1,
        "user/1/id": 1,
        "user/1/meeting_user_ids": [1],
        "meeting_user/1/id": 1,
        "meeting_user/1/meeting_id": 1,
        "meeting_user/1/user_id": 1,
        "meeting_user/1/group_ids": [9],
    }
    key = ["agenda_item/1/id"]
    assert visible_keys(base, 0, key) == set(key)
    assert visible_keys(base, 1, key) == set(key)
    for broken in (
        {"group/9/permissions": 5},
        {"group/9/permissions": "agenda_item.can_see"},
        {"meeting/1/enable_anonymous": "false", "meeting_user/1/group_ids": []},
        {"meeting/1/committee_id": [1]},
        {"meeting_user/1/locked_out": "yes"},
    ):
        data = {**base, **broken}
        assert visible_keys(data, 1, key) == set(), broken
    no_meeting = {k: v for k, v in base.items() if not k.startswith("meeting/")}
    assert visible_keys(no_meeting, 1, key) == set()
