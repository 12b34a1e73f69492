"""Read rules of user and meeting_user: the edge cases the shared vectors leave out (spec restrict
§4 "user" / "meeting_user", §6) and inconsistent data (spec R2).

The world: meeting 30 (committee 60) and meeting 40 (committee 61, a child of committee 70).
The request user 1 is in meeting 30 as meeting_user 10 (group 1337 with the given permissions);
user 2 is in meeting 30 as meeting_user 20, with the values the test requests.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.api import visible_keys
from tests.builders import Data, group, meeting, member, obj

USER_KEYS = {
    "A": "user/2/first_name",
    "B": "user/2/email",
    "D": "user/2/can_change_own_password",
    "E": "user/2/external",
    "F": "user/2/organization_id",
    "G": "user/2/password",
    "H": "user/2/default_password",
}
MEETING_USER_KEYS = {
    "A": "meeting_user/20/number",
    "B": "meeting_user/20/personal_note_ids",
    "C": "meeting_user/20/meeting_id",
    "D": "meeting_user/20/comment",
    "E": "meeting_user/20/locked_out",
}


def world(*permissions: str, **extra: Any) -> Data:
    """The world of the module docstring; ``extra`` keys (``__`` for ``/``) are added or replace
    values, and a value of ``None`` removes the key."""
    data = (
        obj("organization/1", committee_ids=[60, 61, 70])
        | meeting(30, 60, group_ids=[1337], meeting_user_ids=[10, 20])
        | meeting(40, 61)
        | obj("committee/61", parent_id=70)
        | obj("committee/70", child_ids=[61], all_child_ids=[61])
        | group(1337, 30, *permissions, meeting_user_ids=[10])
        | member(1, 10, 30, 1337)
        | obj(
            "user/2",
            meeting_user_ids=[20],
            first_name="Ada",
            email="ada@example.org",
            can_change_own_password=True,
            external=False,
            organization_id=1,
            password="hash",
            default_password="secret",
        )
        | obj(
            "meeting_user/20",
            user_id=2,
            meeting_id=30,
            number="7",
            personal_note_ids=[99],
            comment="comment",
            locked_out=False,
        )
        | obj("personal_note/99", meeting_user_id=20, meeting_id=30)
    )
    for name, value in extra.items():
        key = name.replace("__", "/")
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def user_modes(data: Data, user_id: int = 1) -> str:
    """The modes of user 2 that ``user_id`` may see, e.g. ``"ABE"``."""
    visible = visible_keys(data, user_id, USER_KEYS.values())
    return "".join(mode for mode, key in USER_KEYS.items() if key in visible)


def meeting_user_modes(data: Data, user_id: int = 1) -> str:
    """The modes of meeting_user 20 that ``user_id`` may see."""
    visible = visible_keys(data, user_id, MEETING_USER_KEYS.values())
    return "".join(mode for mode, key in MEETING_USER_KEYS.items() if key in visible)


# -- meeting_user --------------------------------------------------------------------------------


def test_meeting_user_hidden_without_permissions() -> None:
    assert meeting_user_modes(world()) == ""


def test_user_can_see_shows_profile_but_not_comment_or_lock() -> None:
    assert meeting_user_modes(world("user.can_see")) == "AC"


def test_user_manager_sees_comment_but_not_the_profile() -> None:
    """OML can_manage_users grants mode D only; it makes nobody a meeting admin."""
    data = world(user__1__organization_management_level="can_manage_users")
    assert meeting_user_modes(data) == "D"


def test_committee_manager_of_another_committee_sees_nothing() -> None:
    data = world(user__1__committee_management_ids=[61])
    assert meeting_user_modes(data) == ""


def test_committee_manager_of_the_meeting_is_admin_there() -> None:
    assert meeting_user_modes(world(user__1__committee_management_ids=[60])) == "ACDE"


def test_orga_manager_sees_relations_in_a_locked_meeting_only() -> None:
    data = world(
        user__1__organization_management_level="can_manage_organization",
        meeting__30__locked_from_inside=True,
    )
    assert meeting_user_modes(data) == "CD"


def test_sensitive_data_shows_lock_state() -> None:
    assert meeting_user_modes(world("user.can_see_sensitive_data")) == "ACE"


def test_own_meeting_user_without_permissions() -> None:
    data = world(meeting_user__20__user_id=1, user__1__meeting_user_ids=[10, 20])
    assert meeting_user_modes(data) == "ABCE"


def test_personal_notes_are_private_even_for_admins() -> None:
    data = world(user__1__organization_management_level="superadmin")
    assert meeting_user_modes(data) == "ACDE"


@pytest.mark.parametrize(
    "delegation",
    [
        {"meeting_user__20__vote_delegated_to_id": 10},
        {"meeting_user__20__vote_delegations_from_ids": [10]},
    ],
    ids=["X delegated to Y", "Y delegated to X"],
)
def test_vote_delegation_partners_see_each_other(delegation: dict[str, Any]) -> None:
    assert meeting_user_modes(world(**delegation)) == "AC"
    assert user_modes(world(**delegation)) == "A"


def test_delegation_to_a_meeting_user_of_another_user_does_not_count() -> None:
    data = world(meeting_user__20__vote_delegated_to_id=30, meeting_user__30__id=30)
    assert meeting_user_modes(data) == ""


def test_locked_out_request_user_loses_user_can_see() -> None:
    data = world("user.can_see", meeting_user__10__locked_out=True)
    assert meeting_user_modes(data) == ""


def test_locked_out_member_stays_visible() -> None:
    data = world("user.can_see", meeting_user__20__locked_out=True)
    assert meeting_user_modes(data) == "AC"
    assert user_modes(data) == "A"


def test_anonymous_with_public_access() -> None:
    data = world(
        "user.can_see",
        organization__1__enable_anonymous=True,
        meeting__30__enable_anonymous=True,
        meeting__30__anonymous_group_id=1337,
    )
    assert meeting_user_modes(data, user_id=0) == "AC"
    assert user_modes(data, user_id=0) == "A"


def test_a_vote_in_another_meeting_reveals_the_user_in_every_meeting() -> None:
    """``user/poll_voted_ids`` is user-level: a visible poll in meeting 40 reveals user 2's
    meeting_user in meeting 30, where user 1 has no permission at all."""
    data = world(
        user__2__poll_voted_ids=[5],
        poll__5__id=5,
        poll__5__meeting_id=40,
        poll__5__content_object_id="topic/6",
        topic__6__id=6,
        topic__6__meeting_id=40,
        topic__6__agenda_item_id=7,
        agenda_item__7__id=7,
        agenda_item__7__meeting_id=40,
        agenda_item__7__content_object_id="topic/6",
        user__1__committee_management_ids=[61],
    )
    assert meeting_user_modes(data) == "AC"


# -- user ----------------------------------------------------------------------------------------


def test_own_user_without_permissions() -> None:
    """Y = X shows modes A, B and E, but not D, F or H."""
    assert user_modes(world(), user_id=2) == "ABE"


def test_user_can_see_does_not_show_personal_data() -> None:
    assert user_modes(world("user.can_see")) == "A"


def test_sensitive_data_shows_personal_data() -> None:
    assert user_modes(world("user.can_see_sensitive_data")) == "AB"


def test_user_can_manage_in_a_meeting_of_the_user() -> None:
    assert user_modes(world("user.can_manage")) == "ABDEH"


def test_user_manager() -> None:
    assert user_modes(world(user__1__organization_management_level="can_manage_users")) == "ABDEFH"


def test_superadmin_never_sees_the_password() -> None:
    data = world(user__1__organization_management_level="superadmin")
    assert user_modes(data) == "ABDEFH"


def test_committee_manager_of_a_parent_committee() -> None:
    """Managing committee 70 manages its child 61; user 2 is a member of committee 61."""
    data = world(user__1__committee_management_ids=[70], user__2__committee_ids=[61])
    data["committee/61/user_ids"] = [2]
    assert user_modes(data) == "ABEH"


def test_committee_membership_is_read_from_both_sides() -> None:
    """Mode A reads ``user/committee_ids``; modes B, E and H read ``committee/user_ids``."""
    only_user_side = world(user__1__committee_management_ids=[61], user__2__committee_ids=[61])
    assert user_modes(only_user_side) == "A"
    only_committee_side = world(user__1__committee_management_ids=[61], committee__61__user_ids=[2])
    assert user_modes(only_committee_side) == "BEH"


def test_committee_manager_does_not_see_a_higher_ranked_default_password() -> None:
    data = world(
        user__1__committee_management_ids=[61],
        committee__61__user_ids=[2],
        user__2__organization_management_level="can_manage_users",
    )
    assert user_modes(data) == "BE"


def test_unknown_organization_management_level_ranks_above_superadmin() -> None:
    data = world(
        user__1__organization_management_level="superadmin",
        user__2__organization_management_level="emperor",
    )
    assert user_modes(data) == "ABDEF"


def test_anonymous_sees_no_user_field_without_public_access() -> None:
    assert user_modes(world("user.can_manage"), user_id=0) == ""


# -- inconsistent data (spec R2): invisible, never an error --------------------------------------


@pytest.mark.parametrize(
    ("data", "user_id", "modes"),
    [
        (world(meeting_user__20__meeting_id=None), 2, "B"),
        (world(meeting_user__20__meeting_id="30"), 2, "B"),
        (world("user.can_see", meeting_user__20__user_id=None), 1, "AC"),
        (world(meeting_user__20__vote_delegations_from_ids=10), 1, ""),
        (
            world(
                meeting_user__20__vote_delegations_from_ids=10,
                user__1__organization_management_level="can_manage_users",
            ),
            1,
            "D",
        ),
    ],
    ids=[
        "no meeting: only the own personal notes",
        "meeting not an id",
        "no user: decided by user.can_see before it is read",
        "delegations not a list",
        "delegations not a list: OML decides mode D without reading",
    ],
)
def test_inconsistent_meeting_user_is_invisible(data: Data, user_id: int, modes: str) -> None:
    assert meeting_user_modes(data, user_id) == modes


def test_meeting_user_of_a_missing_user_is_invisible_when_its_user_is_needed() -> None:
    data = world(meeting_user__20__user_id=404, meeting_user__20__vote_delegated_to_id=10)
    assert meeting_user_modes(data) == "AC"  # decided by the delegation before the user is read
    data = world(meeting_user__20__user_id=404)
    assert meeting_user_modes(data) == ""


@pytest.mark.parametrize(
    "change",
    [
        {"user__2__meeting_user_ids": [404, 20]},
        {"user__2__meeting_user_ids": "20"},
        {"meeting_user__20__meeting_id": None},
    ],
    ids=["dangling meeting_user", "meeting_user_ids not a list", "meeting_user without meeting"],
)
def test_inconsistent_user_is_invisible_in_meeting_modes(change: dict[str, Any]) -> None:
    """As upstream, X's meeting_users are asked in order, so a broken one hides X only if no
    earlier one decided; mode A asks them all at once (upstream's batch)."""
    assert user_modes(world("user.can_manage", **change)) == ""


def test_inconsistent_meeting_user_does_not_hide_what_is_decided_before() -> None:
    """Y = X and committee membership decide before X's meeting_users are read."""
    assert user_modes(world(user__2__meeting_user_ids=[404]), user_id=2) == "ABE"


def test_malformed_organization_management_level_hides_the_default_password() -> None:
    data = world("user.can_manage", user__2__organization_management_level=["superadmin"])
    assert user_modes(data) == "ABDE"


def test_broken_meeting_user_after_a_granting_one() -> None:
    """Meeting modes stop at the first meeting that grants; mode A checks all meeting_users."""
    data = world("user.can_manage", user__2__meeting_user_ids=[20, 404])
    assert user_modes(data) == "BDEH"
