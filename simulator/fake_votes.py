"""An in-process vote service for the simulator and tests (implements ``ports.votes.VoteCounts``).

It speaks the same message protocol as the real vote service's ``live_votes`` stream: the full
state first, then one message per change, so everything downstream runs unchanged offline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from ports.votes import VoteMessage


class FakeVoteService:
    """Started polls and their votes; every subscriber gets every change, in order."""

    def __init__(self) -> None:
        self._polls: dict[int, dict[str, str | None]] = {}
        self._subscribers: set[asyncio.Queue[VoteMessage]] = set()

    def start_poll(self, poll_id: int) -> None:
        if poll_id not in self._polls:
            self._polls[poll_id] = {}
            self._publish({poll_id: {}})

    def vote(self, poll_id: int, user_id: int, value: str | None) -> None:
        """Record a vote; ``value`` ``None`` means the vote itself is not shown (only that the
        user voted). Raises ``KeyError`` for a poll that is not started."""
        votes = self._polls[poll_id]
        votes[str(user_id)] = value
        self._publish({poll_id: {str(user_id): value}})

    def stop_poll(self, poll_id: int) -> None:
        if self._polls.pop(poll_id, None) is not None:
            self._publish({poll_id: None})

    async def live_votes(self) -> AsyncGenerator[VoteMessage, None]:
        """The full state (``reset``), then every change until the iteration is closed."""
        queue: asyncio.Queue[VoteMessage] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            full: dict[int, dict[str, Any] | None] = {
                poll_id: dict(votes) for poll_id, votes in self._polls.items()
            }
            yield VoteMessage(full, reset=True)
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)

    def _publish(self, polls: dict[int, dict[str, str | None] | None]) -> None:
        message = VoteMessage(polls)
        for queue in self._subscribers:
            queue.put_nowait(message)
