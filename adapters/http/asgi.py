"""The ASGI vocabulary this package uses, and small helpers to answer with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

OCTET_STREAM = b"application/octet-stream"
NO_STORE = (b"cache-control", b"no-store, max-age=0")


async def start(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def body(send: Send, data: bytes, *, more: bool = False) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": more})


async def respond(
    send: Send,
    status: int,
    data: bytes,
    content_type: bytes = OCTET_STREAM,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """A complete response in one go."""
    await start(send, status, [(b"content-type", content_type), NO_STORE, *(headers or ())])
    await body(send, data)
