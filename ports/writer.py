"""Writer port: an optional way to change data, for development instances only.

Production never writes (the datastore writer of OpenSlides does); the simulator can, and its
composition root hands a writer to the HTTP layer so the explorer page can make writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class ChangeWriter(Protocol):
    async def write(self, changes: Mapping[str, Any]) -> str:
        """Write ``key → JSON value`` (``None`` deletes) as one change and announce it as the
        datastore writer does; return the id of the announcement. The change reaches readers
        through the message bus, so it may not be visible yet when this returns."""
        ...
