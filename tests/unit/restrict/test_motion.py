"""Read rules of motion and its satellites (block, category, change recommendation, comment and
comment section, editor, state, submitter, workflow, working group speaker) and personal_note:
the edge cases the shared vectors leave out (spec restrict §4, §6), lead-motion cycles (spec
R3, R5) and inconsistent data (spec R2)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from domain.api import explain, visible_keys
from tests import builders
from tests.builders import Data, group, member, obj


def world(*permissions: str, meeting: Data | None = None) -> Data:
    """Meeting 30 (admin group 2) with user 1 as meeting_user 10 in group 1337 holding
    ``permissions``; user 2 as meeting_user 20 without groups; motion state 3 without
    restrictions."""
    return (
        obj("organization/1")
        | builders.meeting(30, 60, admin_group_id=2, group_ids=[2, 1337], **(meeting or {}))
        | obj("group/2", meeting_id=30, admin_group_for_meeting_id=30)
        | group(1337, 30, *permissions, meeting_user_ids=[10])
        | member(1, 10, 30, 1337)
        | obj("user/2", meeting_user_ids=[20])
        | obj("meeting_user/20", user_id=2, meeting_id=30)
        | obj("motion_state/3", meeting_id=30)
    )


def motion(id: int, **fields: Any) -> Data:
    """A motion in meeting 30 with state 3 (unless overridden) and a title."""
    return obj(f"motion/{id}", **{"meeting_id": 30, "state_id": 3, "title": f"Motion {id}", **fields})


def sees(data: Data, key: str, user_id: int = 1) -> bool:
    return visible_keys(data, user_id, [key]) == {key}


# -- motion/C: lead motions --------------------------------------------------------------------


def test_lead_cycle_that_misses_the_motion_is_followed_once_and_allows() -> None:
    data = world("motion.can_see") | motion(1, lead_motion_id=2) | motion(2, lead_motion_id=3)
    data |= motion(3, lead_motion_id=2)
    assert sees(data, "motion/1/title")


def test_lead_cycle_that_misses_the_motion_hides_it_when_a_cycle_member_is_hidden() -> None:
    data = world("motion.can_see") | motion(1, lead_motion_id=2) | motion(2, lead_motion_id=3)
    data |= motion(3, lead_motion_id=2, state_id=4) | obj("motion_state/4", restrictions=["is_submitter"])
    assert not sees(data, "motion/1/title")


@pytest.mark.parametrize("hidden", [None, 3])
def test_lead_cycle_answers_do_not_depend_on_what_is_requested_together(hidden: int | None) -> None:
    data = world("motion.can_see") | obj("motion_state/4", meeting_id=30, restrictions=["is_submitter"])
    for id, lead in [(1, 2), (2, 3), (3, 1)]:
        data |= motion(id, lead_motion_id=lead, state_id=4 if id == hidden else 3)
    keys = [f"motion/{id}/title" for id in (1, 2, 3)]
    expected = set() if hidden else set(keys)
    for order in itertools.permutations(keys):
        assert visible_keys(data, 1, order) == expected
    for key in keys:
        assert sees(data, key) == bool(expected)


def test_long_lead_chain_is_walked_without_recursion() -> None:
    data = world("motion.can_see") | motion(1)
    for id in range(2, 5001):
        data |= motion(id, lead_motion_id=id - 1)
    assert sees(data, "motion/5000/title")


def test_explain_a_lead_cycle() -> None:
    data = world("motion.can_see") | motion(1, lead_motion_id=2) | motion(2, lead_motion_id=1)
    assert "motion/2/lead_motion_id" in str(explain(data, 1, "motion/1/title"))


# -- motion/C: the motion itself ---------------------------------------------------------------


def test_derived_copy_seen_with_can_see_only_does_not_reveal_the_origin() -> None:
    data = world() | motion(1, all_derived_motion_ids=[10]) | motion(10, meeting_id=31, state_id=7)
    data |= obj("meeting/31", committee_id=60) | obj("motion_state/7", meeting_id=31)
    data |= obj("group/1338", meeting_id=31, permissions=["motion.can_see"], meeting_user_ids=[11])
    data |= obj("meeting_user/11", user_id=1, meeting_id=31, group_ids=[1338])
    data["user/1/meeting_user_ids"] = [10, 11]
    assert not sees(data, "motion/1/title")
    data["group/1338/permissions"] = ["motion.can_see_origin"]
    assert sees(data, "motion/1/title")


def test_origin_seen_through_can_see_origin_still_obeys_its_state_restrictions() -> None:
    data = world() | motion(1, all_derived_motion_ids=[10]) | motion(10, meeting_id=31, state_id=7)
    data |= obj("meeting/31", committee_id=60) | obj("motion_state/7", meeting_id=31)
    data |= obj("group/1338", meeting_id=31, permissions=["motion.can_see_origin"], meeting_user_ids=[11])
    data |= obj("meeting_user/11", user_id=1, meeting_id=31, group_ids=[1338])
    data["user/1/meeting_user_ids"] = [10, 11]
    data["motion_state/3/restrictions"] = ["motion.can_see_internal"]
    assert not sees(data, "motion/1/title")


def test_state_restrictions_are_an_or_including_being_a_submitter() -> None:
    data = world("motion.can_see") | motion(1, submitter_ids=[5])
    data |= obj("motion_submitter/5", motion_id=1, meeting_user_id=20, meeting_id=30)
    data["motion_state/3/restrictions"] = ["motion.can_manage", "is_submitter"]
    assert not sees(data, "motion/1/title")
    data["motion_submitter/5/meeting_user_id"] = 10
    assert sees(data, "motion/1/title")


def test_locked_meeting_hides_motions_from_the_organization_manager() -> None:
    data = world(meeting={"locked_from_inside": True}) | motion(1)
    data["user/1/organization_management_level"] = "superadmin"
    assert not sees(data, "motion/1/title")
    data["meeting/30/locked_from_inside"] = False
    assert sees(data, "motion/1/title")


# -- motion A, B, D, E -------------------------------------------------------------------------


def test_mode_a_through_a_visible_origin() -> None:
    data = world("motion.can_see") | motion(1, all_origin_ids=[2], submitter_ids=[5]) | motion(2)
    data |= obj("motion_submitter/5", motion_id=1, meeting_user_id=20, meeting_id=30)
    data |= obj("motion_state/4", meeting_id=30, restrictions=["is_submitter"])
    data["motion/1/state_id"] = 4
    assert not sees(data, "motion/1/title")
    assert sees(data, "motion/1/id")


def test_mode_a_skips_deleted_references() -> None:
    data = world("motion.can_see") | motion(1, state_id=4, all_origin_ids=[2], all_derived_motion_ids=[3])
    data |= obj("motion_state/4", meeting_id=30, restrictions=["is_submitter"]) | motion(3)
    assert not sees(data, "motion/1/title")
    assert sees(data, "motion/1/id")


def test_mode_b_needs_can_manage_metadata_but_not_seeing_the_motion() -> None:
    data = world("motion.can_manage_metadata") | motion(1, editor_ids=[4], working_group_speaker_ids=[5])
    data |= obj("motion_state/4", meeting_id=30, restrictions=["is_submitter"])
    data["motion/1/state_id"] = 4
    data |= obj("motion_editor/4", motion_id=1, meeting_id=30, meeting_user_id=20)
    data |= obj("motion_working_group_speaker/5", motion_id=1, meeting_id=30, meeting_user_id=20)
    assert not sees(data, "motion/1/title")
    assert sees(data, "motion/1/editor_ids")
    assert sees(data, "motion/1/working_group_speaker_ids")


def test_mode_d_is_never_visible_even_to_admins() -> None:
    data = world() | motion(1, number_value=4, text_hash="x")
    data["meeting_user/10/group_ids"] = [2]
    assert sees(data, "motion/1/title")
    assert not sees(data, "motion/1/number_value")
    assert not sees(data, "motion/1/text_hash")


def test_mode_e_internal_state_is_visible_with_can_manage_metadata() -> None:
    data = world("motion.can_manage_metadata") | motion(1, recommendation_id=3)
    data |= obj("motion_state/3", is_internal=True, motion_recommendation_ids=[1])
    assert sees(data, "motion/1/recommendation_id")


# -- satellites --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permission", "visible"), [("motion.can_manage", True), ("motion.can_see", False), ("", False)]
)
def test_internal_motion_block(permission: str, visible: bool) -> None:
    data = world(permission) | obj("motion_block/1", meeting_id=30, internal=True)
    assert sees(data, "motion_block/1/id") == visible


@pytest.mark.parametrize(
    ("permission", "visible"), [("motion.can_manage_metadata", True), ("motion.can_see", False)]
)
@pytest.mark.parametrize("collection", ["motion_editor", "motion_working_group_speaker"])
def test_editors_and_working_group_speakers(collection: str, permission: str, visible: bool) -> None:
    data = (
        world(permission) | motion(1) | obj(f"{collection}/4", motion_id=1, meeting_id=30, meeting_user_id=20)
    )
    assert sees(data, f"{collection}/4/id") == visible


def test_comment_section_visible_to_motion_managers_without_groups() -> None:
    data = world("motion.can_manage") | obj("motion_comment_section/7", meeting_id=30, read_group_ids=[9])
    assert sees(data, "motion_comment_section/7/id")


def test_comment_has_no_motion_manager_shortcut_but_admins_are_in_every_group() -> None:
    data = world("motion.can_manage") | motion(1)
    data |= obj("motion_comment_section/7", meeting_id=30, read_group_ids=[9])
    data |= obj("motion_comment/8", motion_id=1, section_id=7, meeting_id=30)
    assert not sees(data, "motion_comment/8/id")
    data["meeting_user/10/group_ids"] = [2]
    assert sees(data, "motion_comment/8/id")


def test_change_recommendation_manager_sees_it_without_seeing_the_motion() -> None:
    data = world("motion.can_manage_metadata") | motion(1, state_id=4)
    data |= obj("motion_state/4", meeting_id=30, restrictions=["is_submitter"])
    data |= obj("motion_change_recommendation/6", motion_id=1, meeting_id=30, internal=True)
    assert not sees(data, "motion/1/title")
    assert sees(data, "motion_change_recommendation/6/id")


def test_own_personal_note_only() -> None:
    data = world() | obj("personal_note/1", meeting_user_id=10, meeting_id=30)
    data |= obj("personal_note/2", meeting_user_id=20, meeting_id=30)
    data["user/1/organization_management_level"] = "superadmin"
    assert visible_keys(data, 1, ["personal_note/1/id", "personal_note/2/id"]) == {"personal_note/1/id"}
    assert visible_keys(data, 2, ["personal_note/1/id", "personal_note/2/id"]) == {"personal_note/2/id"}


# -- inconsistent data: invisible, never an error (spec R2) ------------------------------------


def inconsistent_cases() -> dict[str, tuple[Data, str]]:
    base = world("motion.can_see")
    return {
        "missing lead motion": (base | motion(1, lead_motion_id=9), "motion/1/title"),
        "missing state": (base | motion(1, state_id=9), "motion/1/title"),
        "state without id": (base | motion(1) | {"motion/1/state_id": "3"}, "motion/1/title"),
        "restrictions not a list": (
            base | motion(1) | {"motion_state/3/restrictions": "is_submitter"},
            "motion/1/title",
        ),
        "missing submitter": (
            base | motion(1, submitter_ids=[5]) | {"motion_state/3/restrictions": ["is_submitter"]},
            "motion/1/title",
        ),
        "derived motion without meeting": (
            world() | motion(1, all_derived_motion_ids=[2]) | obj("motion/2"),
            "motion/1/title",
        ),
        "motion without meeting": (base | motion(1) | {"motion/1/meeting_id": None}, "motion/1/title"),
        "recommendation with missing state": (
            world("motion.can_see") | motion(1, recommendation_id=3) | {"motion/1/state_id": 9},
            "motion/1/recommendation_id",
        ),
        "comment without section": (
            base | motion(1) | obj("motion_comment/8", motion_id=1, meeting_id=30),
            "motion_comment/8/id",
        ),
        "comment with missing section": (
            base | motion(1) | obj("motion_comment/8", motion_id=1, section_id=7, meeting_id=30),
            "motion_comment/8/id",
        ),
        "submitter without motion": (
            base | obj("motion_submitter/5", meeting_id=30, meeting_user_id=10),
            "motion_submitter/5/id",
        ),
        "change recommendation of a motion with missing state": (
            base | motion(1, state_id=9) | obj("motion_change_recommendation/6", motion_id=1, meeting_id=30),
            "motion_change_recommendation/6/id",
        ),
        "block without meeting": (base | obj("motion_block/1"), "motion_block/1/id"),
        "internal flag not a boolean": (
            base | obj("motion_block/1", meeting_id=30, internal="yes"),
            "motion_block/1/id",
        ),
        "personal note without owner": (base | obj("personal_note/1", meeting_id=30), "personal_note/1/id"),
    }


@pytest.mark.parametrize("case", list(inconsistent_cases()))
def test_inconsistent_data_is_invisible(case: str) -> None:
    data, key = inconsistent_cases()[case]
    data = {k: v for k, v in data.items() if v is not None}
    assert not sees(data, key)
    assert "inconsistent data" in str(explain(data, 1, key))
