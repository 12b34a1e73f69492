"""The meeting generator: deterministic, sized as asked, realistic roles, consistent data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.consistency import check_consistency
from simulator.generate import generate_meeting, main

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "openslides"
SMALL = {"participants": 60, "motions": 20, "agenda_items": 10, "polls": 4}


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return generate_meeting(**SMALL)


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return generate_meeting()


def _members(export: dict[str, Any], group_name: str) -> list[int]:
    (group,) = (g for g in export["group"].values() if g["name"] == group_name)
    members: list[int] = group.get("meeting_user_ids", [])
    return members


def test_same_seed_gives_identical_output(small: dict[str, Any]) -> None:
    assert json.dumps(generate_meeting(**SMALL)) == json.dumps(small)


def test_different_seed_gives_different_output(small: dict[str, Any]) -> None:
    assert json.dumps(generate_meeting(**SMALL, seed=2)) != json.dumps(small)


def test_counts_match_the_parameters() -> None:
    export = generate_meeting(
        participants=80, motions=30, agenda_items=12, speakers_per_list=5, polls=7, projectors=3, seed=4
    )
    assert len(export["user"]) == len(export["meeting_user"]) == 80
    assert len(export["motion"]) == 30
    assert len(export["agenda_item"]) == 12
    assert len(export["speaker"]) == 12 * 5
    assert len(export["poll"]) == 7
    assert len(export["projector"]) == 3
    assert list(export["organization"]) == ["1"] and list(export["meeting"]) == ["1"]
    assert len(export["committee"]) == 1


def test_default_size_matches_the_benchmark_data(default: dict[str, Any]) -> None:
    assert len(default["meeting_user"]) == 2000
    assert len(default["motion"]) == 400
    assert len(default["agenda_item"]) == 150
    assert len(default["speaker"]) == 1500
    assert len(default["poll"]) == 30
    assert len(default["projector"]) == 2
    assert {"motion_submitter", "motion_category", "motion_block", "motion_comment_section"} <= set(default)
    assert {"motion_change_recommendation", "option", "vote", "projection", "personal_note"} <= set(default)


def test_role_mix_is_one_percent_admins_five_percent_staff(default: dict[str, Any]) -> None:
    assert len(_members(default, "Admin")) == 20
    assert len(_members(default, "Staff")) == 100
    assert len(_members(default, "Delegates")) == 1880
    assert _members(default, "Anonymous") == []
    memberships = [mu["group_ids"] for mu in default["meeting_user"].values()]
    assert all(len(groups) == 1 for groups in memberships)


def test_special_groups_and_public_access_are_set(small: dict[str, Any]) -> None:
    meeting = small["meeting"]["1"]
    names = {g["id"]: g["name"] for g in small["group"].values()}
    assert names[meeting["default_group_id"]] == "Delegates"
    assert names[meeting["admin_group_id"]] == "Admin"
    assert names[meeting["anonymous_group_id"]] == "Anonymous"
    assert meeting["enable_anonymous"] is True
    assert small["organization"]["1"]["enable_anonymous"] is True
    assert small["projector"][str(meeting["reference_projector_id"])]


def test_superadmin_is_user_1_and_in_the_admin_group(small: dict[str, Any]) -> None:
    admin = small["user"]["1"]
    assert admin["organization_management_level"] == "superadmin"
    assert admin["meeting_user_ids"] == [1]
    assert 1 in _members(small, "Admin")


def test_usernames_and_names_are_distinct(default: dict[str, Any]) -> None:
    users = list(default["user"].values())
    assert len({u["username"] for u in users}) == len(users)
    assert len({(u.get("first_name"), u["last_name"]) for u in users}) == len(users)


def test_group_permissions_exist_in_the_permission_list(small: dict[str, Any]) -> None:
    yaml = pytest.importorskip("yaml")
    path = SHARED / "meta" / "permission.yml"
    if not path.exists():
        pytest.skip(f"{path} not present")

    def names(tree: dict[str, Any] | None) -> set[str]:
        return set() if not tree else {n for key, sub in tree.items() for n in {key} | names(sub)}

    known = {f"{c}.{p}" for c, tree in yaml.safe_load(path.read_text()).items() for p in names(tree)}
    for group in small["group"].values():
        assert set(group["permissions"]) <= known, group["name"]
    staff = next(g for g in small["group"].values() if g["name"] == "Staff")
    assert {"motion.can_manage", "agenda_item.can_manage", "user.can_manage"} <= set(staff["permissions"])


def test_polls_cover_every_state(default: dict[str, Any]) -> None:
    polls = default["poll"].values()
    assert {p["state"] for p in polls} == {"created", "started", "finished", "published"}
    assert {p["content_object_id"].split("/")[0] for p in polls} == {"motion", "assignment", "topic"}
    started = [p for p in polls if p["state"] == "started"]
    assert all(not p.get("voted_ids") for p in started)


def _votes(export: dict[str, Any], poll: dict[str, Any]) -> list[dict[str, Any]]:
    options = [*poll.get("option_ids", []), poll["global_option_id"]]
    return [export["vote"][str(v)] for o in options for v in export["option"][str(o)].get("vote_ids", [])]


def test_default_polls_are_the_benchmark_polls(default: dict[str, Any]) -> None:
    """40 votes in every finished or published electronic poll, 3 electronic polls started."""
    polls = list(default["poll"].values())
    counted = [p for p in polls if p["state"] in ("finished", "published") and p["type"] != "analog"]
    assert len(counted) >= 10
    for poll in counted:
        assert len(poll["voted_ids"]) == len(set(poll["voted_ids"])) == 40, poll["id"]
        assert len(_votes(default, poll)) == 40
        assert poll["votescast"] == poll["votesvalid"] == "40.000000"
    started = [p for p in polls if p["state"] == "started"]
    assert len(started) == 3
    assert all(p["type"] != "analog" for p in started)
    assert {p["content_object_id"].split("/")[0] for p in started} == {"motion", "assignment"}


def test_started_polls_hold_what_the_datastore_holds_while_voting(default: dict[str, Any]) -> None:
    """A running poll's votes are in the vote service: no vote objects, voters or results yet."""
    for poll in (p for p in default["poll"].values() if p["state"] == "started"):
        assert not poll.get("voted_ids") and _votes(default, poll) == []
        assert poll.get("votescast") is None
    projected = [
        p["content_object_id"] for p in default["projection"].values() if p.get("current_projector_id")
    ]
    assert default["poll"]["1"]["state"] == "started" and "poll/1" in projected


def test_default_has_five_elections_with_candidates_on_the_agenda(default: dict[str, Any]) -> None:
    assignments = list(default["assignment"].values())
    assert len(assignments) == 5
    assert len({a["title"] for a in assignments}) == 5
    for assignment in assignments:
        assert len(assignment["candidate_ids"]) == 4
        item = default["agenda_item"][str(assignment["agenda_item_id"])]
        assert item["content_object_id"] == f"assignment/{assignment['id']}"
        los = default["list_of_speakers"][str(assignment["list_of_speakers_id"])]
        assert len(los["speaker_ids"]) == 10
        assert len(assignment["poll_ids"]) == 1
    phases = {a["phase"] for a in assignments}
    assert "voting" in phases and "finished" in phases


def test_default_has_twenty_vote_delegations(default: dict[str, Any]) -> None:
    users = default["meeting_user"]
    delegated = {
        mu["id"]: mu["vote_delegated_to_id"] for mu in users.values() if mu.get("vote_delegated_to_id")
    }
    assert len(delegated) == 20
    delegates = set(_members(default, "Delegates"))
    present = {u["id"] for u in default["user"].values() if u.get("is_present_in_meeting_ids")}
    for giver, receiver in delegated.items():
        assert {giver, receiver} <= delegates
        assert giver not in present and receiver in present
        assert receiver not in delegated and giver in users[str(receiver)]["vote_delegations_from_ids"]


def test_delegated_votes_are_cast_by_the_proxy() -> None:
    export = generate_meeting(**SMALL, votes_per_poll=1000, delegations=5, started_polls=0)
    delegated = {mu["id"]: mu.get("vote_delegated_to_id") for mu in export["meeting_user"].values()}
    named = [v for v in export["vote"].values() if v.get("user_id")]
    proxied = [v for v in named if delegated.get(v["user_id"])]
    assert proxied and all(v["delegated_user_id"] == delegated[v["user_id"]] for v in proxied)
    assert all(v["delegated_user_id"] == v["user_id"] for v in named if v not in proxied)


def test_new_parameters_give_the_asked_counts() -> None:
    export = generate_meeting(
        **SMALL | {"agenda_items": 30, "polls": 12},
        votes_per_poll=7,
        assignments=3,
        started_polls=2,
        delegations=4,
    )
    polls = list(export["poll"].values())
    assert len([p for p in polls if p["state"] == "started"]) == 2
    counted = [p for p in polls if p["state"] in ("finished", "published") and p["type"] != "analog"]
    assert counted and all(len(p["voted_ids"]) == len(_votes(export, p)) == 7 for p in counted)
    assert len(export["assignment"]) == 3 and len(export["agenda_item"]) == 30
    assert all(a["candidate_ids"] and a["agenda_item_id"] for a in export["assignment"].values())
    assert sum(1 for mu in export["meeting_user"].values() if mu.get("vote_delegated_to_id")) == 4
    assert check_consistency(export) == []


def test_new_parameters_are_deterministic_and_used() -> None:
    sizes = SMALL | {
        "agenda_items": 30,
        "polls": 12,
        "votes_per_poll": 5,
        "assignments": 2,
        "started_polls": 1,
        "delegations": 3,
    }
    export = generate_meeting(**sizes, seed=7)
    assert json.dumps(generate_meeting(**sizes, seed=7)) == json.dumps(export)
    for name, value in (("votes_per_poll", 6), ("assignments", 1), ("started_polls", 2), ("delegations", 4)):
        assert json.dumps(generate_meeting(**sizes | {name: value}, seed=7)) != json.dumps(export), name


def test_a_third_of_the_electronic_polls_at_most_are_started(small: dict[str, Any]) -> None:
    """Small meetings keep finished and published polls: 1 of the 4 polls started, not 3."""
    states = [p["state"] for p in small["poll"].values()]
    assert states.count("started") == 1 and {"finished", "published"} <= set(states)
    one = generate_meeting(participants=8, motions=3, agenda_items=3, polls=1)
    assert [p["state"] for p in one["poll"].values()] == ["started"]
    assert all(p["state"] != "started" for p in generate_meeting(**SMALL, started_polls=0)["poll"].values())


def test_counts_beyond_what_the_meeting_allows_are_capped() -> None:
    """More votes, delegations or started polls than the meeting can have: as many as it can."""
    export = generate_meeting(
        participants=12,
        motions=3,
        agenda_items=4,
        polls=6,
        votes_per_poll=500,
        assignments=9,
        delegations=500,
    )
    assert len(export["assignment"]) == 1  # one from 4 agenda items on, then a tenth of them
    absent = [
        u["id"]
        for u in export["user"].values()
        if not u.get("is_present_in_meeting_ids") and u["id"] in _members(export, "Delegates")
    ]
    assert sum(1 for mu in export["meeting_user"].values() if mu.get("vote_delegated_to_id")) == len(absent)
    counted = [
        p
        for p in export["poll"].values()
        if p["state"] in ("finished", "published") and p["type"] != "analog"
    ]
    assert all(len(p["voted_ids"]) == len(_members(export, "Delegates")) for p in counted)
    assert check_consistency(export) == []


def test_projectors_show_a_motion_and_the_current_list_of_speakers(default: dict[str, Any]) -> None:
    current = [p for p in default["projection"].values() if p.get("current_projector_id")]
    assert any(p["content_object_id"].startswith("motion/") for p in current)
    assert any(p.get("type") == "current_los" for p in current)


def test_zero_consistency_problems_at_small_size(small: dict[str, Any]) -> None:
    assert check_consistency(small) == []


def test_zero_consistency_problems_at_default_size(default: dict[str, Any]) -> None:
    assert check_consistency(default) == []


def test_zero_consistency_problems_at_tiny_sizes() -> None:
    export = generate_meeting(
        participants=3, motions=1, agenda_items=1, speakers_per_list=5, polls=3, projectors=1
    )
    assert check_consistency(export) == []


def test_output_survives_a_json_round_trip(small: dict[str, Any]) -> None:
    assert json.loads(json.dumps(small)) == small
    assert small["_migration_index"] > 0


def test_consistency_check_reports_one_sided_relations(small: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(small))
    motion = broken["motion"]["1"]
    broken["motion_state"][str(motion["state_id"])]["motion_ids"].remove(1)
    del broken["motion"]["2"]["title"]
    broken["motion"]["3"]["no_such_field"] = 1
    problems = check_consistency(broken)
    assert any(p.startswith("motion/1/state_id:") and "does not contain 1" in p for p in problems)
    assert "motion/2/title: required field is not set" in problems
    assert "motion/3/no_such_field: unknown field" in problems


def test_consistency_check_on_the_real_export() -> None:
    path = SHARED / "data" / "example-data.json"
    if not path.exists():
        pytest.skip(f"{path} not present")
    problems = check_consistency(json.loads(path.read_text(encoding="utf-8")))
    print(f"example-data.json: {len(problems)} problems", *problems, sep="\n")


def test_invalid_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="participants"):
        generate_meeting(participants=2)
    with pytest.raises(ValueError, match="agenda_items"):
        generate_meeting(agenda_items=0)
    with pytest.raises(ValueError, match="votes_per_poll, delegations must not be negative"):
        generate_meeting(votes_per_poll=-1, delegations=-2)


def test_command_line_writes_the_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "meeting.json"
    argv = ["--participants", "30", "--motions", "5", "--agenda-items", "6", "--polls", "2", "--seed", "3"]
    assert main([*argv, "-o", str(out)]) == 0
    export = json.loads(out.read_text(encoding="utf-8"))
    assert len(export["user"]) == 30
    assert export == generate_meeting(participants=30, motions=5, agenda_items=6, polls=2, seed=3)
    assert "user 30" in capsys.readouterr().err


def test_command_line_takes_the_benchmark_options(tmp_path: Path) -> None:
    out = tmp_path / "meeting.json"
    sizes = ["--participants", "30", "--motions", "5", "--agenda-items", "8", "--polls", "6"]
    extra = ["--votes-per-poll", "4", "--assignments", "2", "--started-polls", "1", "--delegations", "2"]
    assert main([*sizes, *extra, "-o", str(out)]) == 0
    expected = generate_meeting(
        participants=30,
        motions=5,
        agenda_items=8,
        polls=6,
        votes_per_poll=4,
        assignments=2,
        started_polls=1,
        delegations=2,
    )
    assert json.loads(out.read_text(encoding="utf-8")) == expected


def test_command_line_refuses_negative_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--started-polls", "-1"]) == 2
    assert capsys.readouterr().err == "generate: started_polls must not be negative\n"


def test_restricted_motions_are_in_a_draft_state_only_submitters_and_managers_see() -> None:
    export = generate_meeting(**SMALL, restricted_motions=3)
    assert check_consistency(export) == []
    (draft,) = (s for s in export["motion_state"].values() if s.get("restrictions"))
    assert draft["name"] == "draft" and "is_submitter" in draft["restrictions"]
    assert len(draft["motion_ids"]) == 3
    assert all(export["motion"][str(m)].get("submitter_ids") for m in draft["motion_ids"])
    plain = generate_meeting(**SMALL)
    assert not any(s.get("restrictions") for s in plain["motion_state"].values())
