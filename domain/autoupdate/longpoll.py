"""Longpolling: answer when the data differs from the state the client sent back.

Longpolls are rare and short, so each computes from scratch for its user (no group) and waits,
registered in the dependency index, until a key it read changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio

from domain.autoupdate.hashstate import decode_state, encode_state
from domain.autoupdate.index import DependencyIndex
from domain.autoupdate.member import encoded
from domain.autoupdate.message import Message
from domain.diff import diff
from domain.values import value_hash

Compute = Callable[[], Awaitable[tuple[dict[str, Any], set[str]]]]


class Waiter:
    """A longpolling request waiting for any of its keys to change."""

    def __init__(self) -> None:
        self.deps: set[str] = set()
        self.event = anyio.Event()

    def notify(self, changed: Iterable[str]) -> None:
        self.event.set()


async def longpoll(
    compute: Compute, index: DependencyIndex, slots: anyio.Semaphore, closing: anyio.Event, state: str
) -> tuple[Message, str]:
    """Wait until the client's ``state`` (see ``hashstate``) is outdated; the diff and the new
    state. ``compute``: the user's values and the keys read."""
    previous = decode_state(state)
    while not closing.is_set():
        waiter = Waiter()
        async with slots:
            values, reads = await compute()
            message, previous = diff(previous, encoded(values), value_hash)
            if message:
                return Message(message), encode_state(previous)
            index.update(waiter, reads)
        try:
            await _first(waiter.event, closing)
        finally:
            index.remove(waiter)
    return Message({}), encode_state(previous)  # shutting down: the client polls again elsewhere


async def _first(*events: anyio.Event) -> None:
    """Wait until any of ``events`` is set."""
    async with anyio.create_task_group() as waits:

        async def wait(event: anyio.Event) -> None:
            await event.wait()
            waits.cancel_scope.cancel()

        for event in events:
            waits.start_soon(wait, event)
