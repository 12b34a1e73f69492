"""Authentication as the first step of a route: the identity, or the 403 already answered."""

from __future__ import annotations

from adapters.http.asgi import Send, respond
from adapters.http.errors import classify
from adapters.http.request import Request
from adapters.http.service import Service
from ports.auth import Identity


async def authenticated(service: Service, request: Request, send: Send) -> Identity | None:
    """Who is asking; ``None`` when authentication failed and the error was sent."""
    try:
        return await service.authenticator.authenticate(request.headers, request.cookies)
    except Exception as error:
        status, body = classify(error)
        await respond(send, status, body)
        return None


def refreshed(identity: Identity) -> list[tuple[bytes, bytes]]:
    """The ``Authentication`` response header when the access token was refreshed (spec §7.3)."""
    if not identity.refreshed_token:
        return []
    return [(b"authentication", identity.refreshed_token.encode("latin-1"))]
