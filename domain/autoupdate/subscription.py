"""One open stream: a bounded queue of messages between its group and the HTTP response."""

from __future__ import annotations

from collections.abc import Callable

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from domain.autoupdate.message import Message


class SlowConsumer(Exception):
    """The client did not read its messages fast enough; its stream was ended."""


class Subscription:
    """Messages for one connection. The first message is queued before it is handed out.

    Iterate with :meth:`next`; it raises ``anyio.EndOfStream`` when the stream ended normally,
    or the error that ended it. Call :meth:`close` when the client leaves.
    """

    def __init__(self, user_id: int, max_queue: int, on_close: Callable[[Subscription], None]) -> None:
        self.user_id = user_id
        self.greeted = False
        self.error: BaseException | None = None
        self.on_overflow: Callable[[], None] | None = None
        """Called when the client is disconnected for not reading (e.g. to abort a write that
        waits for it)."""
        self._on_close = on_close
        send, receive = anyio.create_memory_object_stream[Message](max_queue)
        self._send: MemoryObjectSendStream[Message] = send
        self._receive: MemoryObjectReceiveStream[Message] = receive

    def push(self, message: Message) -> None:
        """Queue a message; a client that lets the backlog overflow is disconnected."""
        try:
            self._send.send_nowait(message)
        except anyio.WouldBlock:
            self.end(SlowConsumer(f"more than {self._send.statistics().max_buffer_size} messages queued"))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass

    def end(self, error: BaseException | None = None) -> None:
        """End the stream (after the queued messages), optionally with an error."""
        if error is not None and self.error is None:
            self.error = error
            if isinstance(error, SlowConsumer) and self.on_overflow is not None:
                self.on_overflow()
        self._send.close()
        self._on_close(self)

    async def next(self) -> Message:
        try:
            return await self._receive.receive()
        except anyio.EndOfStream:
            if self.error is not None:
                raise self.error from None
            raise

    def next_nowait(self) -> Message:
        """The next queued message (raises ``anyio.WouldBlock`` if none is queued)."""
        return self._receive.receive_nowait()

    def queued(self) -> int:
        return self._receive.statistics().current_buffer_used

    def close(self) -> None:
        """The client left: free everything at once."""
        self._receive.close()
        self.end()
