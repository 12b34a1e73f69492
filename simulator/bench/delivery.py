"""Which write each stream message belongs to, decided after the run from what the driver saw.

B2 sends its writes on a schedule without waiting for their delivery, so a stream's messages
cannot be told apart by time alone. The service sends a stream's messages in write order, and
one message may carry several writes. So, walking a stream's messages in order, a message
belongs to the writes already sent when it arrived, not older than the writes of the stream's
previous message, whose changed keys (their ``ModifiedFields`` entry) it carries. A message
that carries no key of any of them (a change of visibility only) belongs to the oldest of them
and is counted as ``guessed``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import msgspec


@dataclass
class Delivery:
    """Per write (in sending order), the arrival time of its message on each stream that got one."""

    arrivals: list[list[float]]
    guessed: int = 0
    """Messages that carried no changed key of a pending write (attributed to the oldest)."""
    unsent: int = 0
    """Messages that arrived before any write was sent (not attributed)."""
    extra: int = 0
    """Further messages after the stream's message of the newest sent write (not attributed)."""

    @property
    def done(self) -> list[float | None]:
        """Per write, when the last stream got its message (None: no stream got one)."""
        return [max(times) if times else None for times in self.arrivals]


@dataclass
class MessageKeys:
    """The keys of each distinct message line among ``relevant`` (the keys the writes changed;
    None: all), decoded once: equal lines share one entry, and thousands of streams' messages
    keep only the few keys that matter."""

    relevant: frozenset[str] | None = None
    _known: dict[bytes, frozenset[str]] = field(default_factory=dict)

    def __call__(self, line: bytes) -> frozenset[str]:
        keys = self._known.get(line)
        if keys is None:
            try:
                message = msgspec.json.decode(line)
            except msgspec.DecodeError:
                message = None
            keys = frozenset(message) if isinstance(message, dict) else frozenset()
            if self.relevant is not None:
                keys &= self.relevant
            self._known[line] = keys
        return keys


def attribute(
    streams: Sequence[Sequence[tuple[float, bytes]]],
    sent: Sequence[float],
    changed: Sequence[frozenset[str]],
    keys_of: Callable[[bytes], frozenset[str]],
) -> Delivery:
    """Attribute every stream's messages (arrival time, line) to the writes sent at ``sent``
    (ascending) that changed the keys ``changed``."""
    delivery = Delivery([[] for _ in sent])
    for messages in streams:
        oldest = 0  # no message of this stream belongs to a write before this one
        for arrived, line in messages:
            newest = bisect.bisect_right(sent, arrived) - 1
            if newest < 0:
                delivery.unsent += 1
                continue
            if oldest > newest:
                delivery.extra += 1
                continue
            keys = keys_of(line)
            carried = [index for index in range(oldest, newest + 1) if keys & changed[index]]
            if not carried:
                carried = [oldest]
                delivery.guessed += 1
            for index in carried:
                delivery.arrivals[index].append(arrived)
            oldest = carried[-1] + 1
    return delivery
