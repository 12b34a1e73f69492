"""Vote-count port: live votes of started polls, from the vote service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol


class VoteCounts(Protocol):
    def live_votes(self) -> AsyncIterator[dict[int, dict[str, Any] | None]]:
        """Messages of the vote service: poll id → (user id → vote string or None), or None
        when the poll is gone. The first message after each (re)connect is the full state."""
        ...
