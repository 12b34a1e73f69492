"""Vote-count port: live votes of started polls, from the vote service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import msgspec


class VoteMessage(msgspec.Struct, frozen=True):
    """One message of the vote service: poll id → (user id → vote string or None), or None when
    the poll is gone. ``reset`` marks the first message after a (re)connect: the full state."""

    polls: dict[int, dict[str, Any] | None]
    reset: bool = False


class VoteCounts(Protocol):
    def live_votes(self) -> AsyncIterator[VoteMessage]:
        """Endless: reconnects by itself (every second while the service is down)."""
        ...
