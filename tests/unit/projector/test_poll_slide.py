"""The poll slide (spec projector.md §7.12) where the shared vectors do not reach: the enriched
single votes of V-P1, the decided Go panics (D4, D6) and the decoding of options, entitled
users and live votes.

The registry holds only the poll slide and the titlers it needs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.api import projection_content
from domain.projector.context import SlideRegistry
from domain.projector.slides import poll, titles

REGISTRY = SlideRegistry(
    slides={"poll": poll.poll},
    titlers={"topic": titles.topic_title, "user": titles.user_title},
)
ERROR = {"error": "calculating key projection/1/content"}
USER_1 = {"id": 1, "title": "Billy", "first_name": "Bob", "last_name": "Buckingham"}
USER_6 = {"id": 6, "first_name": "Shawn", "last_name": ""}


def _data(**changes: Any) -> dict[str, Any]:
    """A published poll on topic 1 with options 1 (weight 10) and 2 (weight 3), global option 3,
    entitled group 7 (meeting users 1111 → user 6, 1112 → user 1); ``None`` deletes a key."""
    data: dict[str, Any] = {
        "topic/1/id": 1,
        "topic/1/title": "Venue",
        "poll/1/id": 1,
        "poll/1/content_object_id": "topic/1",
        "poll/1/title": "Poll",
        "poll/1/type": "named",
        "poll/1/state": "published",
        "poll/1/option_ids": [1, 2],
        "poll/1/global_option_id": 3,
        "poll/1/pollmethod": "YNA",
        "poll/1/meeting_id": 1,
        "poll/1/entitled_group_ids": [7],
        "option/1/id": 1,
        "option/1/text": "First",
        "option/1/weight": 10,
        "option/1/yes": "4.000000",
        "option/2/id": 2,
        "option/2/text": "Second",
        "option/2/weight": 3,
        "option/3/id": 3,
        "option/3/yes": "1.000000",
        "group/7/id": 7,
        "group/7/meeting_user_ids": [1111, 1112],
        "meeting_user/1111/id": 1111,
        "meeting_user/1111/user_id": 6,
        "meeting_user/1111/meeting_id": 1,
        "meeting_user/1111/structure_level_ids": [1],
        "meeting_user/1112/id": 1112,
        "meeting_user/1112/user_id": 1,
        "meeting_user/1112/meeting_id": 1,
        "structure_level/1/id": 1,
        "structure_level/1/name": "Birmingham",
        "user/1/id": 1,
        "user/1/title": "Billy",
        "user/1/first_name": "Bob",
        "user/1/last_name": "Buckingham",
        "user/1/is_present_in_meeting_ids": [1],
        "user/6/id": 6,
        "user/6/first_name": "Shawn",
        "user/6/last_name": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _content(data: dict[str, Any], options: Any = None) -> Any:
    projection = {
        "projection/1/id": 1,
        "projection/1/content_object_id": "poll/1",
        "projection/1/meeting_id": 1,
        "projection/1/current_projector_id": 1,
    }
    if options is not None:
        projection["projection/1/options"] = options
    return projection_content({**data, **projection}, 1, REGISTRY)


SINGLE = {"single_votes": True}
AT_STOP: list[dict[str, Any]] = [
    {"voted": True, "present": True, "user_id": 1, "vote_delegated_to_user_id": None},
    {"voted": False, "present": True, "user_id": 4, "user_merged_into_id": 6},
    {"voted": False},
]


def test_single_votes_enrich_the_entitled_users_at_stop_and_the_options() -> None:
    """Spec §9.3 V-P1: merged users resolve to the target, entries without a user id are dropped,
    a vote without a user has null ``user_id``/``user``."""
    data = _data(
        **{
            "poll/1/entitled_users_at_stop": AT_STOP,
            "option/1/vote_ids": [50, 51],
            "vote/50/id": 50,
            "vote/50/user_id": 1,
            "vote/50/value": "Y",
            "vote/51/id": 51,
            "vote/51/value": "N",
        }
    )

    content = _content(data, SINGLE)

    assert content["entitled_users_at_stop"] == [
        {**AT_STOP[0], "meeting_user_id": 1112, "user": USER_1},
        {**AT_STOP[1], "meeting_user_id": 1111, "structure_level_id": 1, "user": USER_6},
    ]
    assert content["entitled_structure_levels"] == {"1": "Birmingham"}
    second, first = content["options"]
    assert "votes" not in second
    assert first["votes"] == [
        {"user_id": 1, "user": USER_1, "value": "Y"},
        {"user_id": None, "user": None, "value": "N"},
    ]
    assert content["global_option"] == {"yes": "1.000000", "no": "", "abstain": ""}


def test_an_entitled_user_outside_the_entitled_groups_gets_no_meeting_user() -> None:
    data = _data(**{"poll/1/entitled_users_at_stop": [{"user_id": 1}], "poll/1/entitled_group_ids": None})

    content = _content(data, SINGLE)

    assert content["entitled_users_at_stop"] == [{"user_id": 1, "user": USER_1}]
    assert "entitled_structure_levels" not in content


@pytest.mark.parametrize("at_stop", [[], [{"voted": True}], [None]])
def test_no_entitled_user_left_gives_null(at_stop: list[Any]) -> None:
    content = _content(_data(**{"poll/1/entitled_users_at_stop": at_stop}), SINGLE)

    assert content["entitled_users_at_stop"] is None
    assert "entitled_structure_levels" not in content


def test_without_single_votes_entitled_users_at_stop_is_passed_through() -> None:
    content = _content(_data(**{"poll/1/entitled_users_at_stop": AT_STOP}))

    assert content["entitled_users_at_stop"] == AT_STOP
    assert "entitled_structure_levels" not in content


@pytest.mark.parametrize(
    "entry",
    [
        {"user_id": "1"},  # D6
        {"user_id": None},  # D6
        {"user_id": 1, "user_merged_into_id": None},  # D6: the key counts even when null
        {"user_id": True},
        {"user_id": 99},  # no such user
    ],
)
def test_an_entitled_user_without_an_integer_user_id_gives_the_error_envelope(entry: dict[str, Any]) -> None:
    assert _content(_data(**{"poll/1/entitled_users_at_stop": [entry]}), SINGLE) == ERROR


@pytest.mark.parametrize("at_stop", [{"1": True}, "x", [1]])
def test_entitled_users_at_stop_must_be_a_list_of_objects_with_single_votes(at_stop: Any) -> None:
    assert _content(_data(**{"poll/1/entitled_users_at_stop": at_stop}), SINGLE) == ERROR


@pytest.mark.parametrize(
    "changes",
    [
        {"option/3/id": None, "option/3/yes": None},  # the global option is missing (D4)
        {"poll/1/global_option_id": None},  # option/0 never exists
        {"option/2/weight": None},  # D4
        {"option/2/weight": "3"},
        {"option/1/yes": 4},
        {"option/7/id": 7, "poll/1/option_ids": [1, 7]},  # no weight (D4)
        {"poll/1/content_object_id": None},  # no titler for ""
        {"poll/1/id": None},  # the poll is gone
    ],
)
def test_broken_data_gives_the_error_envelope(changes: dict[str, Any]) -> None:
    assert _content(_data(**changes)) == ERROR
    assert _content(_data(**changes), SINGLE) == ERROR


@pytest.mark.parametrize("options", ["x", [1], {"single_votes": "yes"}])
def test_projection_options_that_do_not_decode_give_the_error_envelope(options: Any) -> None:
    assert _content(_data(), options) == ERROR


def test_options_are_sorted_by_weight_then_id_and_null_without_options() -> None:
    data = _data(**{"option/2/weight": 10.0, "option/1/yes": None})  # 10.0: an integer (D7)

    assert _content(data)["options"] == [{"text": "First"}, {"text": "Second"}]
    assert _content(_data(**{"poll/1/option_ids": []}))["options"] is None


def _live(**changes: Any) -> dict[str, Any]:
    return _data(**{"poll/1/state": "started", "poll/1/live_voting_enabled": True, **changes})


def test_live_voting_shows_the_entitled_users_with_their_live_votes() -> None:
    votes = {"1": json.dumps({"value": {"1": "Y"}, "weight": "2.000000"}), "6": None, "99": "null"}

    content = _content(_live(**{"poll/1/live_votes": votes}), SINGLE)

    assert content["entitled_users"] == {
        "6": {"user_data": USER_6, "structure_level_id": 1, "present": False},
        "1": {"user_data": USER_1, "votes": {"1": "Y"}, "present": True, "weight": "2.000000"},
    }
    assert content["entitled_structure_levels"] == {"1": "Birmingham"}
    assert {"pollmethod", "is_pseudoanonymized"} & set(content) == {"pollmethod"}
    assert not {"global_option", "votesvalid", "entitled_users_at_stop"} & set(content)


@pytest.mark.parametrize(
    ("vote", "expected"),
    [
        ("null", {"votes": None, "weight": ""}),  # upstream decodes null into an empty vote
        ('{"value": 1}', {"votes": 1, "weight": ""}),
        ("", {}),  # no vote
    ],
)
def test_a_live_vote_without_value_or_weight(vote: str, expected: dict[str, Any]) -> None:
    entry = _content(_live(**{"poll/1/live_votes": {"1": vote}}), SINGLE)["entitled_users"]["1"]

    assert {key: entry[key] for key in ("votes", "weight") if key in entry} == expected


@pytest.mark.parametrize(
    "live_votes",
    [[1], {"x": None}, {"1": 5}, {"1": "{"}, {"1": "[1]"}, {"1": '{"weight": 1}'}],
)
def test_live_votes_that_do_not_decode_give_the_error_envelope(live_votes: Any) -> None:
    assert _content(_live(**{"poll/1/live_votes": live_votes}), SINGLE) == ERROR


def test_live_voting_without_single_votes_has_no_entitled_users() -> None:
    """Spec §9.3 V-P2: ``pollmethod`` is there, the vote counts are not."""
    content = _content(_live(**{"poll/1/state": "created", "poll/1/entitled_group_ids": None}))

    assert "entitled_users" not in content
    assert content["pollmethod"] == "YNA"
    assert not {"votesvalid", "votesinvalid", "votescast", "global_option"} & set(content)


def test_a_published_poll_without_entitled_users_at_stop_shows_the_groups_without_live_votes() -> None:
    """``live_votes`` is not read for a published poll, so no entitled user has a vote."""
    data = _live(**{"poll/1/state": "published", "poll/1/live_votes": {"1": '{"value": "Y"}'}})

    entitled = _content(data, SINGLE)["entitled_users"]

    assert entitled == {
        "6": {"user_data": USER_6, "structure_level_id": 1, "present": False},
        "1": {"user_data": USER_1, "present": True},
    }
