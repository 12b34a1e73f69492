"""Message bus port: the change stream written by the datastore writer, and logouts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class MessageBus(Protocol):
    """Two endless streams. Implementations retry on errors without losing entries."""

    def changes(self) -> AsyncIterator[dict[str, bytes]]:
        """Batches of raw ``ModifiedFields`` entries: field name → value bytes, later entries
        of one batch overriding earlier ones. Starts with entries written after the call."""
        ...

    def logouts(self) -> AsyncIterator[list[str]]:
        """Batches of session ids that were logged out."""
        ...
