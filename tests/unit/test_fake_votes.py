"""The in-process vote service: full state first, then every change to every subscriber."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from domain.live_votes import LiveVotes
from ports.votes import VoteCounts, VoteMessage
from simulator.fake_votes import FakeVoteService


async def _next(stream: AsyncIterator[VoteMessage]) -> VoteMessage:
    async with asyncio.timeout(2):
        return await anext(stream)


def test_first_message_is_the_full_state() -> None:
    async def scenario() -> VoteMessage:
        votes = FakeVoteService()
        votes.start_poll(5)
        votes.vote(5, 42, None)
        votes.start_poll(6)
        return await _next(votes.live_votes())

    assert asyncio.run(scenario()) == VoteMessage({5: {"42": None}, 6: {}}, reset=True)


def test_changes_follow_one_message_each_in_order() -> None:
    async def scenario() -> list[VoteMessage]:
        votes = FakeVoteService()
        stream = votes.live_votes()
        await _next(stream)
        votes.start_poll(5)
        votes.vote(5, 42, '{"value":"Y"}')
        votes.stop_poll(5)
        return [await _next(stream) for _ in range(3)]

    assert asyncio.run(scenario()) == [
        VoteMessage({5: {}}),
        VoteMessage({5: {"42": '{"value":"Y"}'}}),
        VoteMessage({5: None}),
    ]


def test_every_subscriber_gets_every_change_and_closed_ones_are_forgotten() -> None:
    async def scenario() -> None:
        votes = FakeVoteService()
        first, second = votes.live_votes(), votes.live_votes()
        await _next(first)
        await _next(second)
        votes.start_poll(1)
        assert await _next(first) == await _next(second) == VoteMessage({1: {}})
        await first.aclose()
        votes.vote(1, 2, "x")
        assert await _next(second) == VoteMessage({1: {"2": "x"}})
        await second.aclose()
        assert not votes._subscribers

    asyncio.run(scenario())


def test_voting_on_a_poll_that_is_not_started_fails() -> None:
    with pytest.raises(KeyError):
        FakeVoteService().vote(1, 2, None)


def test_repeated_start_and_stop_publish_nothing_new() -> None:
    async def scenario() -> VoteMessage:
        votes = FakeVoteService()
        stream = votes.live_votes()
        await _next(stream)
        votes.start_poll(1)
        votes.start_poll(1)
        votes.stop_poll(2)
        votes.vote(1, 3, "v")
        await _next(stream)
        return await _next(stream)

    assert asyncio.run(scenario()) == VoteMessage({1: {"3": "v"}})


def test_feeds_the_live_votes_state_machine() -> None:
    async def scenario() -> list[dict[str, object]]:
        fake = FakeVoteService()
        votes: VoteCounts = fake
        fake.start_poll(5)
        state = LiveVotes()
        stream = votes.live_votes()
        changes = [state.apply(await _next(stream))]
        fake.vote(5, 7, None)
        changes.append(state.apply(await _next(stream)))
        return changes

    assert asyncio.run(scenario()) == [
        {"poll/5/live_votes": {}},
        {"poll/5/live_votes": {"7": None}},
    ]
