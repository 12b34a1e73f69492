"""Drive the ASGI app in-process, as Granian would, and collect what it sends.

A streaming response never ends by itself, so the driver can disconnect the client after a
given number of body chunks, like a client that reads the first message and leaves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from adapters.http.app import AutoupdateApp
from adapters.http.asgi import Message
from adapters.http.service import Service


@dataclass
class Response:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def lines(self) -> list[bytes]:
        return [line for line in self.body.split(b"\n") if line]


def app_for(service: Service) -> AutoupdateApp:
    async def build() -> Service:
        return service

    return AutoupdateApp(build)


async def call(
    app: AutoupdateApp,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    disconnect_after: int | None = None,
) -> Response:
    """Send one request; disconnect after ``disconnect_after`` non-empty body chunks."""
    target, _, query = path.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": target,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    response = Response()
    gone = asyncio.Event()
    sent_body = False

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body or b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            response.status = message["status"]
            response.headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            if message.get("body"):
                response.chunks.append(message["body"])
            if disconnect_after is not None and len(response.chunks) >= disconnect_after:
                gone.set()

    async with asyncio.timeout(5):
        await app(scope, receive, send)
    return response
