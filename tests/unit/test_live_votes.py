"""The live-votes state machine: full state on reset, merges, deletions (spec §5.9)."""

from __future__ import annotations

import json

from domain.live_votes import LiveVotes
from domain.values import encode
from ports.votes import VoteMessage


def test_first_full_state_emits_every_poll() -> None:
    votes = LiveVotes()
    changed = votes.apply(VoteMessage({5: {"43": "yes", "42": None}, 6: {}}, reset=True))
    assert changed == {"poll/5/live_votes": {"42": None, "43": "yes"}, "poll/6/live_votes": {}}


def test_user_ids_are_sorted_as_strings_like_go_encodes_them() -> None:
    votes = LiveVotes()
    changed = votes.apply(VoteMessage({5: {"9": "a", "10": "b", "100": None}}, reset=True))
    assert encode(changed["poll/5/live_votes"]) == b'{"10":"b","100":null,"9":"a"}'


def test_entries_are_merged_never_removed() -> None:
    votes = LiveVotes()
    votes.apply(VoteMessage({5: {"42": None}}, reset=True))
    changed = votes.apply(VoteMessage({5: {"43": "no", "42": "yes"}}))
    assert changed == {"poll/5/live_votes": {"42": "yes", "43": "no"}}
    changed = votes.apply(VoteMessage({5: {}}))
    assert changed == {}
    assert votes.value(5) == {"42": "yes", "43": "no"}


def test_null_poll_deletes_it() -> None:
    votes = LiveVotes()
    votes.apply(VoteMessage({5: {"42": "yes"}, 6: {"1": None}}, reset=True))
    assert votes.apply(VoteMessage({5: None})) == {"poll/5/live_votes": None}
    assert votes.value(5) is None
    assert votes.value(6) == {"1": None}


def test_deleting_an_unknown_poll_changes_nothing() -> None:
    votes = LiveVotes()
    votes.apply(VoteMessage({}, reset=True))
    assert votes.apply(VoteMessage({7: None})) == {}


def test_new_poll_after_start() -> None:
    votes = LiveVotes()
    votes.apply(VoteMessage({}, reset=True))
    assert votes.apply(VoteMessage({8: {}})) == {"poll/8/live_votes": {}}


def test_reset_drops_polls_missing_from_the_new_full_state() -> None:
    votes = LiveVotes()
    votes.apply(VoteMessage({5: {"42": "yes"}, 6: {"1": None}, 7: {}}, reset=True))
    changed = votes.apply(VoteMessage({6: {"1": None}, 7: {"2": "x"}}, reset=True))
    assert changed == {"poll/5/live_votes": None, "poll/7/live_votes": {"2": "x"}}


def test_reset_forgets_entries_the_new_state_lacks() -> None:
    votes = LiveVotes()
    votes.apply(VoteMessage({5: {"42": "yes", "43": "no"}}, reset=True))
    changed = votes.apply(VoteMessage({5: {"43": "no"}}, reset=True))
    assert changed == {"poll/5/live_votes": {"43": "no"}}


def test_values_are_json_objects_for_the_wire() -> None:
    votes = LiveVotes()
    votes.apply(VoteMessage({5: {"42": '{"value":"Y"}'}}, reset=True))
    assert json.loads(encode(votes.value(5))) == {"42": '{"value":"Y"}'}
