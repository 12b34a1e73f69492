"""Helpers for tests of several instances behind the proxy: streams through it, folding them,
and comparing them with fresh ``single`` answers.

A stream opened through the proxy says which instance serves it (``INSTANCE_HEADER``); a
folded stream (every message laid over the first, ``null`` removing a key) must equal a fresh
``single`` of the same request for the same user: the service's invariant, here across
instances, proxy and failures.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from simulator.requests import meeting_request
from simulator.tokens import DevCredentials
from tests.integration.deployment import MESSAGE_TIMEOUT, Stream, headers_of, stream
from tests.integration.proxy import INSTANCE_HEADER

MEETING = json.loads(meeting_request())
"""What a participant's client subscribes to in a meeting."""


@dataclass
class Subscriber:
    """One client's stream through the proxy and the data it holds so far."""

    credentials: DevCredentials | None
    body: Any = field(default_factory=lambda: MEETING)
    stream: Stream | None = None
    instance: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return headers_of(self.credentials) if self.credentials else {}

    async def first(self) -> None:
        """Take the first message as the data."""
        assert self.stream is not None
        self.data = await self.stream.next()

    async def converge(self, expected: dict[str, Any], within: float = MESSAGE_TIMEOUT) -> None:
        """Fold messages until the data equals ``expected``; fail with the difference if not."""
        assert self.stream is not None
        deadline = time.monotonic() + within
        while self.data != expected and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                fold(self.data, await self.stream.next(max(0.01, deadline - time.monotonic())))
        assert self.data == expected, f"the stream of {self.instance} did not converge"


def fold(data: dict[str, Any], message: dict[str, Any]) -> None:
    for key, value in message.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value


@contextlib.asynccontextmanager
async def subscribed(http: httpx.AsyncClient, subscriber: Subscriber) -> AsyncIterator[Subscriber]:
    """The subscriber's stream through ``http`` (a client of the proxy), its first message taken."""
    async with stream(http, "", subscriber.body, subscriber.headers) as opened:
        subscriber.stream = opened
        subscriber.instance = opened.response.headers[INSTANCE_HEADER]
        await subscriber.first()
        try:
            yield subscriber
        finally:
            subscriber.stream = None


async def single(http: httpx.AsyncClient, subscriber: Subscriber, url: str = "") -> dict[str, Any]:
    """A fresh ``single`` answer for the subscriber's user and request (through the proxy, or
    from the instance at ``url``)."""
    response = await http.post(
        f"{url}/system/autoupdate?single", content=json.dumps(subscriber.body), headers=subscriber.headers
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def cut_off(opened: Stream) -> None:
    """Wait until the response ends, cleanly or broken off (a killed instance)."""
    with contextlib.suppress(httpx.HTTPError):
        await opened.ends()
