"""The explorer's routes under ``/internal/autoupdate/``: the page and its assets, user search,
the schema for completion, and writes where the composition root gave the service a writer.

The JSON routes answer errors with the error object and their real status, like the other
internal routes. Without a writer (production), ``write`` does not exist: 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import msgspec

from adapters.http.asgi import Receive, Send, respond
from adapters.http.errors import classify
from adapters.http.explorer import static_files
from adapters.http.request import ClientGone, Request, read_body
from adapters.http.service import Service
from domain.autoupdate.compute import run_complete
from domain.errors import ClientError, JSONError
from domain.keys import KeyParseError, parse_key
from domain.schema import COLLECTIONS, field
from domain.user_roles import ROLES, search_users
from ports.writer import ChangeWriter

PREFIX = "/internal/autoupdate/"
PAGE = "explorer"
JSON = b"application/json"
MAX_USERS = 100


async def handle(service: Service, request: Request, receive: Receive, send: Send) -> bool:
    """Answer the request if it is one of the explorer's routes; False if it is not."""
    if not request.path.startswith(PREFIX):
        return False
    name = request.path.removeprefix(PREFIX)
    if name == PAGE:
        return await static_files.serve("", send)
    if name == f"{PAGE}/":
        await static_files.redirect(send, PREFIX + PAGE)
        return True
    if name.startswith(f"{PAGE}/"):
        return await static_files.serve(name.removeprefix(f"{PAGE}/"), send)
    if name == "users":
        await _answer(send, lambda: users(service, request))
    elif name == "schema":
        await respond(send, 200, schema_json(), JSON)
    elif name == "write" and (writer := service.writer) is not None:
        await _answer(send, lambda: write(writer, request, receive, service.max_body_size))
    else:
        return False
    return True


async def _answer(send: Send, route: Callable[[], Awaitable[Any]]) -> None:
    try:
        data = await route()
    except ClientGone:
        return
    except Exception as error:
        status, body = classify(error)
        await respond(send, status, body, JSON)
        return
    await respond(send, 200, msgspec.json.encode(data) + b"\n", JSON)


async def users(service: Service, request: Request) -> list[dict[str, Any]]:
    """``GET users?q=TEXT&role=ROLE&limit=N``: users by name and role (see ``domain.user_roles``)."""
    role = request.first("role") or None
    if role is not None and role not in ROLES:
        raise ClientError(f"role must be one of {', '.join(ROLES)}, not {role}", type="invalid_request")
    raw_limit = request.first("limit") or "20"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_USERS:
        raise ClientError(f"limit must be a number from 1 to {MAX_USERS}", type="invalid_request")
    text = request.first("q") or ""
    found, _ = await run_complete(
        service.engine.cache,
        lambda reader: search_users(reader, text, role, int(raw_limit)),
    )
    return found


@cache
def schema_json() -> bytes:
    """Every collection with its fields: type and, for relations, the targets
    (``collection/reverse_field``), as the page needs them to complete requests."""
    collections = {
        name: {
            field_name: {"type": f.type, "to": list(f.to)} if f.to else {"type": f.type}
            for field_name, f in sorted(fields.items())
        }
        for name, fields in sorted(COLLECTIONS.items())
    }
    return msgspec.json.encode(collections) + b"\n"


async def write(writer: ChangeWriter, request: Request, receive: Receive, limit: int) -> dict[str, Any]:
    """``POST write`` with a JSON object ``key → value`` (``null`` deletes): one change, written
    and announced as the datastore writer does."""
    if request.method != "POST":
        raise ClientError("write takes POST: a JSON object key → value", type="invalid_request", status=405)
    changes = parse_write(await read_body(receive, limit))
    entry = await writer.write(changes)
    return {"id": entry, "keys": sorted(changes)}


def parse_write(raw: bytes) -> dict[str, Any]:
    """The change map of a write body; every key must name a field of the data model."""
    try:
        changes = msgspec.json.decode(raw)
    except msgspec.DecodeError as error:
        raise JSONError(f"write body is not JSON: {error}") from None
    if not isinstance(changes, dict) or not changes:
        raise ClientError("write body must be a non-empty JSON object key → value", type="invalid_request")
    for key in changes:
        try:
            collection, id, name = parse_key(key)
        except KeyParseError:
            raise ClientError(f"invalid key: {key}", type="invalid_request") from None
        if id <= 0 or field(collection, name) is None:
            raise ClientError(f"{key} is not a field of the data model", type="invalid_request")
    return changes
