"""Limits through the HTTP app: ids a request names, keys it names, and the keys of one user's
open connections; each a 400 ``limit`` naming it, before anything is computed or sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from adapters.auth_jwt import FakeAuthenticator
from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.limits import UserKeys
from domain.restrict.modes import Unrestricted
from tests.asgi_driver import Response, app_for, call
from tests.fakes import FlatDatastore

DATA = {f"user/{n}/{field}": value for n in (1, 2, 3) for field, value in (("id", n), ("username", f"u{n}"))}


def _service(**options: object) -> Service:
    engine = Autoupdate(Cache(FlatDatastore(DATA)), Unrestricted(), workers=1)
    return Service(engine, FakeAuthenticator(), **options)  # type: ignore[arg-type]


def _body(ids: list[int], fields: tuple[str, ...] = ("username",)) -> bytes:
    return json.dumps([{"collection": "user", "ids": ids, "fields": dict.fromkeys(fields)}]).encode()


def _error(response: Response) -> tuple[int, dict[str, str]]:
    return response.status, json.loads(response.body)["error"]


def test_more_ids_than_the_limit_is_a_clear_400() -> None:
    service = _service(max_request_ids=3)
    response = asyncio.run(call(app_for(service), "POST", "/system/autoupdate?single", _body([1, 2, 3, 4])))
    assert _error(response) == (
        400,
        {"type": "limit", "msg": "request names 4 ids, more than the limit of 3"},
    )
    assert service.engine.cache.statistics() == (0, 0)  # nothing was loaded


def test_ids_at_the_limit_are_served() -> None:
    service = _service(max_request_ids=3)
    response = asyncio.run(call(app_for(service), "POST", "/system/autoupdate?single", _body([1, 2, 3])))
    assert response.status == 200


def test_k_keys_count_as_ids() -> None:
    service = _service(max_request_ids=1)
    response = asyncio.run(call(app_for(service), "GET", "/system/autoupdate?single&k=user/1/id,user/2/id"))
    assert _error(response)[1]["msg"] == "request names 2 ids, more than the limit of 1"


def test_more_named_keys_than_max_keys_is_refused_before_computing() -> None:
    service = _service(max_keys=5)
    response = asyncio.run(
        call(app_for(service), "POST", "/system/autoupdate?single", _body([1, 2, 3], ("id", "username")))
    )
    assert _error(response) == (400, {"type": "limit", "msg": "request resolves to more than 5 keys"})
    assert service.engine.cache.statistics() == (0, 0)


def test_the_keys_of_one_users_open_streams_are_bounded() -> None:
    """Two streams of two keys each fit a limit of four; a third is refused while they are open
    and served once one of them ended."""

    async def main() -> None:
        service = _service(user_keys=UserKeys(4))
        app = app_for(service)
        path = "/system/autoupdate?k=user/1/username,user/2/username"
        open_streams = [asyncio.create_task(call(app, "GET", path)) for _ in range(2)]
        await _until(lambda: service.user_keys.of(1) == 4)
        refused = await call(app, "GET", "/system/autoupdate?k=user/3/username")
        assert _error(refused) == (
            400,
            {
                "type": "limit",
                "msg": "the open connections of user 1 would hold 5 keys, more than the limit of 4",
            },
        )
        open_streams[0].cancel()
        await _until(lambda: service.user_keys.of(1) == 2)
        served = await call(app, "GET", "/system/autoupdate?k=user/3/username", disconnect_after=1)
        assert (served.status, served.lines) == (200, [b'{"user/3/username":"u3"}'])
        open_streams[1].cancel()
        await asyncio.gather(*open_streams, return_exceptions=True)
        assert service.user_keys.of(1) == 0

    asyncio.run(main())


def test_a_waiting_longpoll_counts_while_it_waits() -> None:
    async def main() -> None:
        service = _service(user_keys=UserKeys(1))
        app = app_for(service)
        first = await call(app, "GET", "/system/autoupdate?longpolling&k=user/1/username")
        assert first.status == 200 and service.user_keys.of(1) == 0  # answered at once: given back
        multipart = {"content-type": "multipart/form-data; boundary=b"}
        waiting = asyncio.create_task(
            call(app, "POST", "/system/autoupdate", _longpoll_body(first), multipart)
        )
        await _until(lambda: service.user_keys.of(1) == 1)
        refused = await call(app, "GET", "/system/autoupdate?k=user/2/username")
        assert _error(refused)[1]["type"] == "limit"
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)

    asyncio.run(main())


async def _until(condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds (a bounded number of turns)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the app never reached the expected state")


def _longpoll_body(answer: Response) -> bytes:
    """The multipart body that sends the answer's hash state back with the same request."""
    state = answer.body.split(b'name="hash"\r\n\r\n')[1].split(b"\r\n")[0].decode()
    return (
        '--b\r\nContent-Disposition: form-data; name="request"\r\n\r\n'
        '[{"collection":"user","ids":[1],"fields":{"username":null}}]\r\n'
        f'--b\r\nContent-Disposition: form-data; name="hash"\r\n\r\n{state}\r\n--b--\r\n'
    ).encode()
