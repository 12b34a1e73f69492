"""The outcome of work others wait for: a value or an error, set once, awaited by many.

What a single-flight load or a member's first computation gives its waiters; an
``anyio.Event`` carries the moment, this the value.
"""

from __future__ import annotations

from typing import Generic, TypeVar, cast

import anyio

T = TypeVar("T")


class Outcome(Generic[T]):
    """Set once with :meth:`set_result` or :meth:`set_error`; :meth:`wait` returns or raises it."""

    __slots__ = ("_done", "_error", "_value")

    def __init__(self) -> None:
        self._done = anyio.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    def done(self) -> bool:
        return self._done.is_set()

    def set_result(self, value: T) -> None:
        self._value = value
        self._done.set()

    def set_error(self, error: BaseException) -> None:
        self._error = error
        self._done.set()

    async def wait(self) -> T:
        await self._done.wait()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)
