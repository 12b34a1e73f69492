"""``/system/autoupdate`` and ``/internal/autoupdate``: stream, ``single`` and longpolling.

Errors before the first byte get their real status (spec A3); after it, one error line ends
the response. The client leaving, or its session being logged out, stops everything at once.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable

import anyio

from adapters.http.asgi import NO_STORE, OCTET_STREAM, Receive, Send, body, respond, start
from adapters.http.compress import wire_line
from adapters.http.counting import LONGPOLLING, STREAM
from adapters.http.errors import classify
from adapters.http.identity import refreshed
from adapters.http.request import ClientGone, Request, multipart_parts, read_body
from adapters.http.service import Service
from domain.autoupdate import Message, Subscription
from domain.errors import ClientError
from domain.keysbuilder import KeysRequest, parse_k, parse_many
from domain.limits import check_request, named_keys
from ports.auth import Identity

log = logging.getLogger("autoupdate.http")

HEARTBEAT = Message({})
END_SECONDS = 5
"""How long finishing a response may wait for the client."""
DROP_SECONDS = 5
"""How long a client whose backlog overflowed may still take to read what was queued."""

Authenticate = Callable[[Request], Awaitable[Identity]]


async def handle(
    service: Service,
    authenticate: Authenticate,
    counted: bool,
    request: Request,
    receive: Receive,
    send: Send,
) -> None:
    """Serve one autoupdate request in the mode its query asks for."""
    if request.method not in ("GET", "POST"):
        await _error(
            send,
            ClientError("Invalid request: only GET or POST requests are supported", type="invalid_request"),
        )
        return
    try:
        identity = await authenticate(request)
        raw = await read_body(receive, service.max_body_size)
        longpolling = request.flag("longpolling") or request.is_multipart
        state = ""
        if request.is_multipart:
            raw, state = multipart_parts(request.headers["content-type"], raw)
        keys = parse_k(request.first("k") or "").concat(parse_many(raw, max_depth=service.max_request_depth))
        check_request(keys, service.max_request_ids, service.max_keys)
        position = _position(request)
    except ClientGone:
        return
    except Exception as error:
        await _error(send, error)
        return
    headers = [(b"content-type", OCTET_STREAM), NO_STORE]
    headers.extend(refreshed(identity))
    compress = request.flag("compress")
    kind = LONGPOLLING if longpolling else STREAM
    with service.counter.counted(kind, identity.user_id) if counted else contextlib.nullcontext():
        if position is not None:
            at = service.engine.single_at(identity.user_id, keys, position)
            await _single(at, headers, compress, send)
        elif request.flag("single"):
            await _single(service.engine.single(identity.user_id, keys), headers, compress, send)
        elif longpolling:
            await _until_gone(receive, _longpoll(service, identity, keys, state, headers, compress, send))
        else:
            await _stream(service, identity, keys, headers, compress, receive, send)


def _position(request: Request) -> int | None:
    """``?position=N`` (spec A6): a positive integer; it implies ``single``."""
    raw = request.first("position")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) == 0:
        raise ClientError(f"position has to be a positive integer, not {raw}", type="invalid_input")
    return int(raw)


async def _single(
    computation: Awaitable[Message], headers: list[tuple[bytes, bytes]], compress: bool, send: Send
) -> None:
    try:
        message = await computation
    except Exception as error:
        await _error(send, error)
        return
    await start(send, 200, headers)
    await body(send, wire_line(message, compress))


async def _longpoll(
    service: Service,
    identity: Identity,
    keys: KeysRequest,
    state: str,
    headers: list[tuple[bytes, bytes]],
    compress: bool,
    send: Send,
) -> None:
    held = named_keys(keys)
    try:
        service.user_keys.take(identity.user_id, held)
    except Exception as error:
        await _error(send, error)
        return
    try:
        message, new_state = await service.engine.longpoll(identity.user_id, keys, state)
    except Exception as error:
        await _error(send, error)
        return
    finally:
        service.user_keys.give_back(identity.user_id, held)
    boundary = secrets.token_hex(30).encode()
    headers = [(b"content-type", b"multipart/form-data; boundary=" + boundary), NO_STORE, *headers[2:]]
    parts = (
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="data"\r\n\r\n'
        + wire_line(message, compress)
        + b"\r\n"
        + b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="hash"\r\n\r\n'
        + new_state.encode()
        + b"\r\n--"
        + boundary
        + b"--\r\n"
    )
    await start(send, 200, headers)
    await body(send, parts)


async def _stream(
    service: Service,
    identity: Identity,
    keys: KeysRequest,
    headers: list[tuple[bytes, bytes]],
    compress: bool,
    receive: Receive,
    send: Send,
) -> None:
    async def run() -> None:
        try:
            subscription = await service.engine.subscribe(identity.user_id, keys)
        except Exception as error:
            await _error(send, error)
            return
        first = [await subscription.next()]  # queued by subscribe; the pump takes it out
        held = max(named_keys(keys), len(first[0]))
        try:
            service.user_keys.take(identity.user_id, held)
        except Exception as error:
            subscription.close()
            await _error(send, error)
            return
        dropped = False
        try:
            await start(send, 200, headers)
            dropped = await _pump(subscription, first, service.heartbeat_seconds, compress, send)
        finally:
            service.user_keys.give_back(identity.user_id, held)
            subscription.close()
            if not dropped:
                with anyio.move_on_after(END_SECONDS, shield=True):
                    await _end(send)

    logout = service.authenticator.wait_logout(identity.session_id) if identity.session_id else None
    await _until_gone(receive, run(), logout)


async def _pump(
    subscription: Subscription, first: list[Message], heartbeat: float, compress: bool, send: Send
) -> bool:
    """Write the message in ``first`` (taken out, so that nothing keeps a stream's megabyte
    first message once written), then messages as they come, ``{}`` after ``heartbeat``
    seconds of silence.

    When the client's backlog overflows, its subscription ends: what is queued is still written
    and the response ends cleanly, unless a write still waits for the client after
    ``DROP_SECONDS``; then the client is dropped at once. Returns whether that happened."""
    with anyio.CancelScope() as scope:

        def drop_later() -> None:
            scope.deadline = min(scope.deadline, anyio.current_time() + DROP_SECONDS)

        subscription.on_overflow = drop_later
        await body(send, wire_line(first.pop(), compress), more=True)
        await _write_messages(subscription, heartbeat, compress, send)
    if scope.cancelled_caught:
        log.warning("disconnecting a client that does not read its stream (user %s)", subscription.user_id)
    return scope.cancelled_caught


async def _write_messages(subscription: Subscription, heartbeat: float, compress: bool, send: Send) -> None:
    while True:
        message = HEARTBEAT
        with anyio.move_on_after(heartbeat):
            try:
                message = await subscription.next()
            except anyio.EndOfStream:
                break
            except Exception as error:
                _, line = classify(error)
                await body(send, line, more=True)
                break
        await body(send, wire_line(message, compress), more=True)


async def _end(send: Send) -> None:
    """Finish a started response (the stream ended, or the session was logged out)."""
    try:
        await body(send, b"")
    except Exception:  # the client is already gone
        log.debug("could not finish a response", exc_info=True)


async def _until_gone(receive: Receive, work: Awaitable[None], logout: Awaitable[None] | None = None) -> None:
    """Run ``work`` until it ends, the client disconnects, or the session is logged out."""
    async with anyio.create_task_group() as group:

        async def watch(awaitable: Awaitable[object]) -> None:
            await awaitable
            group.cancel_scope.cancel()

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        group.start_soon(watch, disconnected())
        if logout is not None:
            group.start_soon(watch, logout)
        await work
        group.cancel_scope.cancel()


async def _error(send: Send, error: BaseException) -> None:
    status, line = classify(error)
    await respond(send, status, line)
