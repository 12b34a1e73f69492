"""Local connection counts per user, for ``/system/autoupdate/connection_count`` and metrics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

STREAM = "connections_stream"
LONGPOLLING = "connections_longpolling"


class ConnectionCounter:
    """Open requests per user id and kind; entries stay at 0 once seen (as upstream)."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[int, int]] = {STREAM: {}, LONGPOLLING: {}}

    @contextmanager
    def counted(self, kind: str, user_id: int) -> Iterator[None]:
        counts = self.counts[kind]
        counts[user_id] = counts.get(user_id, 0) + 1
        try:
            yield
        finally:
            counts[user_id] -= 1

    def snapshot(self, kind: str) -> dict[int, int]:
        """A copy: filtering it never changes the live counters (spec A3)."""
        return dict(self.counts[kind])
