"""Per write, the delay caused by earlier writes (queueing) apart from its own processing.

The driver sees the service only from outside (it must measure upstream's service too), so
this is an estimate from the times it observes: the service cannot start on write i before
it finished write i-1, so write i queued for ``max(0, done[i-1] - sent[i])``, where
``done[i-1]`` is when the last stream got write i-1's message (or, if write i-1 reached no
stream, the previous known ``done``), at most the write's whole latency; its processing is the
rest of its latency (``done[i] - sent[i]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds from XADD to the last stream's message, split in two (None: no stream got one)."""

    latency: float | None
    queueing: float | None
    processing: float | None


def split(sent: Sequence[float], done: Sequence[float | None]) -> list[Timing]:
    """Latency, queueing and processing per write, from when each write was sent and when
    the last stream got its message."""
    timings: list[Timing] = []
    previous: float | None = None
    for sent_at, done_at in zip(sent, done, strict=True):
        if done_at is None:
            timings.append(Timing(None, None, None))
            continue
        latency = done_at - sent_at
        queueing = 0.0 if previous is None else min(latency, max(0.0, previous - sent_at))
        timings.append(Timing(latency, queueing, latency - queueing))
        previous = done_at
    return timings
