"""Connection-count store port: per-instance counts shared between service instances."""

from __future__ import annotations

from typing import Protocol


class ConnectionCountStore(Protocol):
    async def save(self, name: str, instance: str, counts: dict[int, int]) -> None:
        """Store this instance's counts (user id → open connections) under ``name``."""
        ...

    async def load(self, name: str, max_age_seconds: float) -> dict[int, int]:
        """Sum of the counts of every instance saved within ``max_age_seconds``."""
        ...
