"""Decisions kept between computations (``domain.restrict.memo``): a change forgets exactly the
decisions that read it, the ones that used those, and the meeting permissions it touched."""

from __future__ import annotations

from typing import Any

from domain.reader import FlatSource, Reader
from domain.restrict.memo import PERMS, DecisionKey, DecisionMemo
from domain.restrict.restricter import PermissionRestricter
from tests.builders import Data, group, member, obj


def world(**changes: Any) -> Data:
    """Meeting 1; user 1 is a delegate (group 2); motion 3 with agenda item 4, list of
    speakers 5 and submitter 8; user 1's personal note 6 on the motion."""
    data = (
        obj("organization/1")
        | obj("meeting/1", group_ids=[2])
        | group(
            2, 1, "motion.can_see", "agenda_item.can_see", "list_of_speakers.can_see", meeting_user_ids=[10]
        )
        | member(1, 10, 1, 2, personal_note_ids=[6])
        | obj(
            "motion/3",
            meeting_id=1,
            state_id=7,
            agenda_item_id=4,
            list_of_speakers_id=5,
            personal_note_ids=[6],
            submitter_ids=[8],
        )
        | obj("motion_submitter/8", meeting_id=1, motion_id=3)
        | obj("motion_state/7", meeting_id=1)
        | obj("agenda_item/4", meeting_id=1, content_object_id="motion/3")
        | obj("list_of_speakers/5", meeting_id=1, content_object_id="motion/3")
        | obj("personal_note/6", meeting_id=1, meeting_user_id=10, content_object_id="motion/3")
    )
    data.update(changes)
    return data


KEYS = ["motion/3/title", "list_of_speakers/5/closed", "personal_note/6/note", "motion_submitter/8/weight"]


def decide(data: Data, memo: DecisionMemo, user_id: int = 1) -> Data:
    restriction = PermissionRestricter().for_user(Reader(FlatSource(data)), user_id, memo=memo)
    return restriction.restrict({key: "value" for key in KEYS} | {"motion/3/agenda_item_id": 4})


def test_a_change_forgets_the_decisions_that_read_it_and_those_that_used_them() -> None:
    memo = DecisionMemo()
    decide(world(), memo)
    assert memo.decisions[("motion", "C", 3)] is True
    assert memo.decisions[("motion_submitter", "A", 8)] is True

    invalidated = memo.copy().invalidate(["motion_state/7/restrictions"])

    assert invalidated is not None
    gone, permissions = invalidated
    assert permissions == {}
    assert ("motion", "C", 3) in gone  # read the state
    assert ("motion_submitter", "A", 8) in gone  # used the motion's decision
    assert ("list_of_speakers", "A", 5) not in gone


def recheck(data: Data, memo: DecisionMemo, changed: list[str]) -> set[DecisionKey]:
    """What a change forgets, the meeting permissions' questions compared on ``data``."""
    invalidated = memo.invalidate(changed)
    assert invalidated is not None
    gone, permissions = invalidated
    restriction = PermissionRestricter().for_user(Reader(FlatSource(data)), 1, memo=memo)
    return gone | restriction.recheck(permissions)


def test_a_permission_change_forgets_only_what_asked_a_question_whose_answer_changed() -> None:
    memo = DecisionMemo()
    decide(world(), memo)
    assert 1 in memo.perms

    forgetting = memo.copy()
    invalidated = forgetting.invalidate(["group/2/permissions"])
    assert invalidated is not None
    gone, permissions = invalidated
    assert 1 not in forgetting.perms and set(permissions) == {1}
    assert not gone & {("motion", "C", 3), ("agenda_item", "A", 4), ("list_of_speakers", "A", 5)}

    # agenda_item.can_see_internal is asked only by the agenda item's decision
    more = world(
        **{
            "group/2/permissions": [
                "motion.can_see",
                "agenda_item.can_see_internal",
                "list_of_speakers.can_see",
            ]
        }
    )
    gone = recheck(more, memo.copy(), ["group/2/permissions"])
    assert ("agenda_item", "A", 4) in gone
    assert not gone & {("motion", "C", 3), ("list_of_speakers", "A", 5), ("motion_submitter", "A", 8)}

    # without motion.can_see the motion and what used its decision go
    fewer = world(**{"group/2/permissions": ["agenda_item.can_see", "list_of_speakers.can_see"]})
    gone = recheck(fewer, memo.copy(), ["group/2/permissions"])
    assert {("motion", "C", 3), ("motion_submitter", "A", 8)} <= gone
    assert ("agenda_item", "A", 4) not in gone

    # the same permissions in another order answer every question the same
    same = world(
        **{"group/2/permissions": ["list_of_speakers.can_see", "agenda_item.can_see", "motion.can_see"]}
    )
    assert recheck(same, memo.copy(), ["group/2/permissions"]) == set()


def test_forgetting_the_meeting_permissions_forgets_every_question_and_who_asked() -> None:
    memo = DecisionMemo()
    decide(world(), memo)

    gone = memo.copy().forget([("meeting", PERMS, 1)])

    assert {("motion", "C", 3), ("agenda_item", "A", 4), ("list_of_speakers", "A", 5)} <= gone


def test_decisions_taken_again_after_forgetting_equal_decisions_from_scratch() -> None:
    memo = DecisionMemo()
    decide(world(), memo)
    changed = world(**{"group/2/permissions": ["agenda_item.can_see"]})

    again = memo.copy()
    recheck(changed, again, ["group/2/permissions"])
    values = decide(changed, again)

    assert values == decide(changed, DecisionMemo())
    assert values["motion/3/title"] is None
    assert values["motion/3/agenda_item_id"] is None  # motion not visible: its fields neither


def test_an_unrelated_change_forgets_nothing_and_a_copy_leaves_the_original_alone() -> None:
    memo = DecisionMemo()
    decide(world(), memo)
    decisions = dict(memo.decisions)

    copy = memo.copy()
    assert copy.invalidate(["motion/3/title", "user/99/username"]) == (set(), {})
    copy.forget([("motion", "C", 3)])

    assert memo.decisions == decisions
    assert ("motion", "C", 3) not in copy.decisions


def test_users_of_names_the_users_identity_dependent_decisions_compared_with() -> None:
    memo = DecisionMemo()
    decide(world(), memo)

    assert memo.users_of([("personal_note", "A", 6)]) == {1}
    assert memo.users_of([("agenda_item", "A", 4)]) == set()
    memo.opaque.add(("agenda_item", "A", 4))
    assert memo.users_of([("agenda_item", "A", 4)]) is None


def test_a_decision_whose_meeting_permissions_could_not_be_computed_waits_for_them() -> None:
    """A decision that asked no question because the meeting's permissions could not be
    computed (the meeting is missing) is forgotten when what they read changes."""
    memo = DecisionMemo()
    broken = {key: value for key, value in world().items() if not key.startswith("meeting/1/")}
    assert decide(broken, memo)["motion/3/title"] is None
    assert 1 not in memo.perms

    gone = recheck(world(), memo.copy(), ["meeting/1/id"])

    assert ("list_of_speakers", "A", 5) in gone  # read no key of the meeting itself
