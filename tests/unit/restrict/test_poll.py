"""Read rules of poll, option, poll_candidate_list, poll_candidate and vote: the edge cases the
shared vectors leave out (spec restrict §4, §6) and inconsistent data (spec R2)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.api import explain
from tests.builders import Data, group, meeting, member, obj, sees

RESULT_KEYS = ["poll/1/votes_raw", "poll/1/votescast", "option/2/abstain", "vote/8/user_token"]


def world(*permissions: str, content: str = "topic/5", state: str = "") -> Data:
    """Meeting 30 with user 1 in group 1337 holding ``permissions``; poll 1 on ``content`` with
    option 2 (voted by user 5 in vote 8, candidate list 11 with candidate 12) and global option 4.
    The topic, motion and assignment the poll can belong to all live in meeting 30."""
    data = (
        obj("organization/1")
        | meeting(30, 60, group_ids=[1337], meeting_user_ids=[10])
        | group(1337, 30, *permissions, meeting_user_ids=[10])
        | member(1, 10, 30, 1337)
        | obj("user/5")
        | obj("topic/5", meeting_id=30, agenda_item_id=7)
        | obj("agenda_item/7", meeting_id=30, content_object_id="topic/5")
        | obj("assignment/1", meeting_id=30)
        | obj("motion/1", meeting_id=30, state_id=3)
        | obj("motion_state/3", meeting_id=30)
        | obj(
            "poll/1",
            meeting_id=30,
            content_object_id=content,
            option_ids=[2],
            global_option_id=4,
            votes_raw="raw",
            votescast="1.000000",
            live_votes={"5": "vote"},
        )
        | obj("option/2", meeting_id=30, poll_id=1, abstain="0.000000", vote_ids=[8])
        | obj("option/4", meeting_id=30, used_as_global_option_in_poll_id=1, abstain="0.000000")
        | obj("vote/8", meeting_id=30, option_id=2, user_id=5, user_token="token")
        | obj("poll_candidate_list/11", meeting_id=30, option_id=2)
        | obj("poll_candidate/12", meeting_id=30, poll_candidate_list_id=11)
    )
    if state:
        data["poll/1/state"] = state
    return data


@pytest.mark.parametrize(
    ("content", "permission", "expected"),
    [
        ("motion/1", "motion.can_manage_polls", True),
        ("motion/1", "motion.can_manage", False),
        ("assignment/1", "assignment.can_manage_polls", True),
        ("assignment/1", "assignment.can_manage", False),
        ("topic/5", "poll.can_manage", True),
        ("topic/5", "motion.can_manage_polls", False),
    ],
)
def test_managing_a_poll_takes_the_poll_permission_of_its_content_object(
    content: str, permission: str, expected: bool
) -> None:
    data = world(permission, content=content, state="finished")
    assert (sees(data, "poll/1/votes_raw") == {"poll/1/votes_raw"}) is expected


def test_managers_see_finished_results_without_seeing_the_poll() -> None:
    data = world("poll.can_manage", state="finished")
    assert sees(data, "poll/1/id", *RESULT_KEYS) == {
        "poll/1/votes_raw",
        "poll/1/votescast",
        "vote/8/user_token",
    }


def test_managers_who_see_the_poll_see_unpublished_option_counts() -> None:
    data = world("poll.can_manage", "agenda_item.can_see", state="finished")
    assert sees(data, "option/2/abstain", "option/4/abstain") == {
        "option/2/abstain",
        "option/4/abstain",
    }


def test_published_results_follow_the_poll_visibility() -> None:
    data = world("agenda_item.can_see", state="published")
    assert sees(data, *RESULT_KEYS, "option/4/abstain") == {*RESULT_KEYS, "option/4/abstain"}
    hidden_topic = world("agenda_item.can_see", state="published") | {"agenda_item/7/is_hidden": True}
    assert sees(hidden_topic, *RESULT_KEYS, "option/4/abstain") == set()


def test_finished_results_stay_hidden_from_those_who_only_see_the_poll() -> None:
    data = world("agenda_item.can_see", "poll.can_see_progress", state="finished")
    assert sees(data, "poll/1/id", *RESULT_KEYS) == {"poll/1/id"}


def test_votes_cast_of_a_finished_poll_are_open_to_list_of_speakers_managers() -> None:
    data = world("list_of_speakers.can_manage", content="assignment/1", state="finished")
    assert sees(data, "poll/1/votescast", "poll/1/votes_raw") == {"poll/1/votescast"}


@pytest.mark.parametrize("state", ["", "created", "started"])
def test_results_stay_hidden_before_the_poll_is_finished_even_for_admins(state: str) -> None:
    """Only the option counts are open to managers in every state."""
    data = world(state=state) | {"user/1/organization_management_level": "superadmin"}
    assert sees(data, "poll/1/id", *RESULT_KEYS) == {"poll/1/id", "option/2/abstain"}


@pytest.mark.parametrize(
    ("content", "permissions", "expected"),
    [
        ("motion/1", ["motion.can_manage_polls"], True),
        ("assignment/1", ["assignment.can_manage_polls"], True),
        ("topic/5", ["poll.can_manage"], True),
        ("assignment/1", ["poll.can_see_progress"], True),
        ("topic/5", ["list_of_speakers.can_manage"], False),
        ("topic/5", ["assignment.can_manage_polls"], False),
    ],
)
def test_live_votes_of_a_started_poll(content: str, permissions: list[str], expected: bool) -> None:
    data = world(*permissions, content=content, state="started")
    assert (sees(data, "poll/1/live_votes") == {"poll/1/live_votes"}) is expected


def test_live_votes_are_gone_once_the_poll_is_finished() -> None:
    data = world(state="finished") | {"user/1/organization_management_level": "superadmin"}
    assert sees(data, "poll/1/live_votes") == set()


def test_ballot_parts_of_a_global_option_follow_the_poll() -> None:
    data = world("agenda_item.can_see") | {
        "poll_candidate_list/11/option_id": 4,
        "option/2/vote_ids": [],
        "option/4/vote_ids": [8],
        "vote/8/option_id": 4,
    }
    keys = ["option/4/id", "poll_candidate_list/11/id", "poll_candidate/12/id", "vote/8/id"]
    assert sees(data, *keys) == set(keys[:3])
    assert sees(data | {"vote/8/user_id": 1}, *keys) == set(keys)
    assert sees(world(), *keys) == set()


def test_voters_see_their_vote_but_not_its_token_while_unfinished() -> None:
    data = world("agenda_item.can_see", state="started")
    voter = data | {"vote/8/user_id": 1}
    assert sees(voter, "vote/8/id", "vote/8/user_token") == {"vote/8/id"}
    delegate = data | {"vote/8/delegated_user_id": 1}
    assert sees(delegate, "vote/8/id", "vote/8/user_token") == {"vote/8/id"}


def test_own_vote_needs_a_visible_poll() -> None:
    data = world(state="started") | {"vote/8/user_id": 1}
    assert sees(data, "vote/8/id") == set()


def test_public_access_never_counts_as_the_voter_of_an_anonymous_vote() -> None:
    data = world(state="started") | {
        "organization/1/enable_anonymous": True,
        "meeting/30/enable_anonymous": True,
        "meeting/30/anonymous_group_id": 1337,
        "group/1337/permissions": ["agenda_item.can_see"],
    }
    del data["vote/8/user_id"]
    assert sees(data, "poll/1/id", "vote/8/id", user=0) == {"poll/1/id"}


def test_an_answer_does_not_depend_on_the_other_requested_keys() -> None:
    data = world("poll.can_manage", state="finished")
    keys = ["option/2/abstain", "vote/8/id", "vote/8/user_token", "poll/1/votes_raw", "poll/1/id"]
    together = sees(data, *keys)
    assert together == {key for key in keys if sees(data, key)}
    assert together == {"vote/8/user_token", "poll/1/votes_raw"}


@pytest.mark.parametrize(
    ("change", "hidden"),
    [
        ({"poll/1/content_object_id": None}, "poll/1/id"),
        ({"poll/1/content_object_id": "meeting/30"}, "poll/1/id"),
        ({"poll/1/content_object_id": "topic/99"}, "poll/1/id"),
        ({"poll/1/content_object_id": "topic/five"}, "poll/1/id"),
        ({"poll/1/content_object_id": "topic/0"}, "poll/1/id"),
        ({"poll/1/content_object_id": 5}, "poll/1/id"),
        ({"poll/1/content_object_id": None, "poll/1/state": "finished"}, "poll/1/votes_raw"),
        ({"topic/5/meeting_id": None, "poll/1/state": "finished"}, "poll/1/votes_raw"),
        ({"poll/1/meeting_id": None, "poll/1/state": "started"}, "poll/1/live_votes"),
        ({"option/2/poll_id": None}, "option/2/id"),
        ({"option/2/poll_id": "1"}, "option/2/id"),
        ({"vote/8/option_id": None}, "vote/8/id"),
        ({"vote/8/option_id": 99}, "vote/8/id"),
        ({"option/2/poll_id": 99}, "option/2/id"),
        ({"poll_candidate_list/11/option_id": 99}, "poll_candidate_list/11/id"),
        ({"poll_candidate/12/poll_candidate_list_id": 99}, "poll_candidate/12/id"),
        ({"vote/8/option_id": None, "poll/1/state": "finished"}, "vote/8/user_token"),
        ({"poll_candidate_list/11/option_id": None}, "poll_candidate_list/11/id"),
        ({"poll_candidate/12/poll_candidate_list_id": None}, "poll_candidate/12/id"),
    ],
)
def test_inconsistent_data_hides_the_object_and_nothing_else(change: dict[str, Any], hidden: str) -> None:
    data = world("agenda_item.can_see", "poll.can_manage", "poll.can_see_progress")
    for key, value in change.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    assert sees(data, hidden, "agenda_item/7/id") == {"agenda_item/7/id"}
    assert "inconsistent data" in str(explain(data, 1, hidden))
