"""``GET /system/autoupdate/history_information?fqid=…`` (spec A7): the positions that touched an
object and carry information, for users allowed to see that object's history."""

from __future__ import annotations

import re

import msgspec

from adapters.http.asgi import Send, respond
from adapters.http.errors import classify
from adapters.http.identity import refreshed
from adapters.http.request import Request
from adapters.http.service import Service
from domain.autoupdate.compute import run_complete
from domain.errors import ClientError
from domain.restrict.context import RestrictContext
from domain.restrict.history import may_see_history
from ports.auth import Identity

FQID = re.compile(r"([a-z]+|[a-z][a-z_]*[a-z])/[1-9][0-9]*")


async def history_information(service: Service, identity: Identity, request: Request, send: Send) -> None:
    try:
        body = await _entries(service, identity.user_id, request.first("fqid"))
    except Exception as error:
        status, line = classify(error)
        await respond(send, status, line, headers=refreshed(identity))
        return
    await respond(send, 200, body, b"application/json", refreshed(identity))


async def _entries(service: Service, user_id: int, fqid: str | None) -> bytes:
    if fqid is None:
        raise ClientError("missing query parameter fqid", type="invalid_request")
    if not FQID.fullmatch(fqid):
        raise ClientError(f"invalid fqid: {fqid}", type="invalid_input")
    datastore = service.engine.cache.datastore
    entries = await datastore.history_information(fqid)
    if entries is None:
        raise ClientError(f"{fqid} does not exist", type="not_exist")
    collection, _, raw_id = fqid.partition("/")
    allowed, _ = await run_complete(
        service.engine.cache,
        lambda reader: may_see_history(RestrictContext(reader, user_id, {}), collection, int(raw_id)),
    )
    if not allowed:
        raise ClientError(
            f"you are not allowed to see the history of {fqid}", type="permission_denied", status=403
        )
    return msgspec.json.encode({fqid: entries}) + b"\n"
