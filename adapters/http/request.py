"""Reading an HTTP request from ASGI: query flags, headers, cookies, a size-limited body,
and the multipart body of longpolling."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from adapters.http.asgi import Receive, Scope
from domain.errors import InvalidError, LimitError


class ClientGone(Exception):
    """The client disconnected before the request was read; nothing is to be written."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    cookies: dict[str, str]

    @classmethod
    def from_scope(cls, scope: Scope) -> Request:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}; {value}" if name == "cookie" and name in headers else value
        return cls(
            method=scope.get("method", "GET").upper(),
            path=scope.get("path", ""),
            query=parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True),
            headers=headers,
            cookies=_cookies(headers.get("cookie", "")),
        )

    def flag(self, name: str) -> bool:
        """Flags count by presence: ``?single``, ``?single=0`` and ``?single=1`` are all set."""
        return name in self.query

    def first(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def is_multipart(self) -> bool:
        return self.headers.get("content-type", "").lower().startswith("multipart/")


def _cookies(header: str) -> dict[str, str]:
    cookie = SimpleCookie()
    try:
        cookie.load(header)
    except CookieError:
        return {}  # malformed cookies count as no cookie, as with Go's parser
    return {name: morsel.value for name, morsel in cookie.items()}


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes (spec A4)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise LimitError(f"request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def multipart_parts(content_type: str, body: bytes) -> tuple[bytes, str]:
    """The keys request (first part) and the hash state (second part) of a longpolling body."""
    document = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body
    try:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(document)
        multipart = message.is_multipart()
        parts = [part.get_payload(decode=True) for part in message.iter_parts()]
    except Exception as error:  # the stdlib parser raises IndexError & co. on hostile headers
        raise InvalidError(f"malformed multipart body: {error}") from error
    if not multipart:
        raise InvalidError("multipart body without parts")
    if len(parts) < 2:
        raise InvalidError("multipart body needs two parts: the keys request and the hash state")
    request, state = (p if isinstance(p, bytes) else b"" for p in parts[:2])
    return request, state.decode("ascii", errors="replace")
