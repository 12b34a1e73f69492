"""The JWT authenticator: the decision table of spec §7.2, the refresh through the auth service
(§7.3, against an in-memory transport) and logouts (§7.4); plus the fake and simulator variants."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt
import pytest

from adapters.auth_jwt import (
    AuthServiceError,
    DefaultUserAuthenticator,
    FakeAuthenticator,
    JwtAuthenticator,
)
from adapters.logouts import LoggedOutSessions
from domain.errors import AuthError
from ports.auth import Authenticator, Identity

TOKEN_KEY = b"token-key-" + b"t" * 54
COOKIE_KEY = b"cookie-key-" + b"c" * 53
AUTH_URL = "http://auth:9004"
DAY = 24 * 60 * 60
"""Valid or not yet valid for a day: parameters are made when pytest collects, and a whole run
may take longer than the ten minutes of a real access token."""
Handler = Callable[[httpx.Request], httpx.Response]


def token(
    user_id: Any = 5, session: Any = "s1", *, key: bytes = TOKEN_KEY, alg: str = "HS256", **claims: Any
) -> str:
    payload: dict[str, Any] = {"sessionId": session, "exp": int(time.time()) + DAY, **claims}
    if user_id is not None:
        payload["userId"] = user_id
    return jwt.encode(payload, key, algorithm=alg)


def expired_token(user_id: int = 5, session: str = "s1") -> str:
    return token(user_id, session, exp=int(time.time()) - 60)


def cookie(*, key: bytes = COOKIE_KEY, **claims: Any) -> str:
    return "bearer%20" + jwt.encode({"sessionId": "s1", **claims}, key, algorithm="HS256")


def credentials(access: str, refresh: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    return {"authentication": f"bearer {access}"}, {"refreshId": refresh if refresh is not None else cookie()}


def unexpected_call(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the auth service must not be called: {request.url}")


def authenticator(
    handler: Handler = unexpected_call, clock: Callable[[], float] = time.monotonic
) -> JwtAuthenticator:
    return JwtAuthenticator(
        TOKEN_KEY, COOKIE_KEY, AUTH_URL, transport=httpx.MockTransport(handler), clock=clock
    )


def run(auth: Authenticator, headers: dict[str, str], cookies: dict[str, str]) -> Identity:
    async def main() -> Identity:
        try:
            return await auth.authenticate(headers, cookies)
        finally:
            if isinstance(auth, JwtAuthenticator):
                await auth.aclose()

    return asyncio.run(main())


def rejected(headers: dict[str, str], cookies: dict[str, str], handler: Handler = unexpected_call) -> str:
    with pytest.raises(AuthError) as info:
        run(authenticator(handler), headers, cookies)
    assert (info.value.type, info.value.status) == ("auth", 403)
    return info.value.msg


# Decision table (§7.2)


def test_no_token_and_no_cookie_is_public_access() -> None:
    assert run(authenticator(), {}, {}) == Identity(user_id=0)


def test_token_without_cookie() -> None:
    assert rejected({"authentication": f"bearer {token()}"}, {}) == "Can not find auth cookie"


def test_cookie_without_token() -> None:
    assert rejected({}, {"refreshId": cookie()}) == "Can not find auth token"


@pytest.mark.parametrize("header", ["Bearer abc", "bearerabc", "abc", "BEARER abc"])
def test_header_without_the_exact_lower_case_prefix_is_no_token(header: str) -> None:
    assert run(authenticator(), {"authentication": header}, {}) == Identity(user_id=0)
    assert rejected({"authentication": header}, {"refreshId": cookie()}) == "Can not find auth token"


def test_empty_cookie_is_no_cookie() -> None:
    assert run(authenticator(), {}, {"refreshId": ""}) == Identity(user_id=0)
    assert run(authenticator(), {}, {"refreshId": "bearer%20"}) == Identity(user_id=0)


@pytest.mark.parametrize("header_name", ["authentication", "Authentication"])
def test_valid_token_and_cookie(header_name: str) -> None:
    headers = {header_name: f"bearer {token(7, 'abc')}"}
    assert run(authenticator(), headers, {"refreshId": cookie()}) == Identity(user_id=7, session_id="abc")


@pytest.mark.parametrize("prefix", ["bearer%20", "bearer ", ""])
def test_cookie_prefix_is_optional(prefix: str) -> None:
    raw = cookie().removeprefix("bearer%20")
    assert run(authenticator(), *credentials(token(), prefix + raw)).user_id == 5


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmac_algorithms_verify(alg: str) -> None:
    assert run(authenticator(), *credentials(token(alg=alg))).user_id == 5


@pytest.mark.parametrize(
    "refresh",
    [
        cookie(key=b"another-cookie-key-" + b"a" * 46),
        cookie(key=TOKEN_KEY),
        cookie(exp=int(time.time()) - 60),
        cookie(nbf=int(time.time()) + DAY),
        "bearer%20not-a-jwt",
    ],
    ids=["wrong-key", "token-key", "expired", "not-yet-valid", "garbage"],
)
def test_invalid_cookie(refresh: str) -> None:
    assert rejected(*credentials(token(), refresh)) == "Invalid auth token"


def _unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join(part(json.dumps(item).encode()) for item in (header, payload)) + "." + part(signature)


def _tampered() -> str:
    head, _, signature = token(5).split(".")
    claims = base64.urlsafe_b64encode(json.dumps({"userId": 1, "sessionId": "s1"}).encode())
    return f"{head}.{claims.rstrip(b'=').decode()}.{signature}"


@pytest.mark.parametrize(
    "access",
    [
        token(key=COOKIE_KEY),
        _tampered(),
        _unsigned({"alg": "none", "typ": "JWT"}, {"userId": 1, "sessionId": "s1"}),
        _unsigned({"alg": "RS256", "typ": "JWT"}, {"userId": 1, "sessionId": "s1"}, b"x" * 32),
        jwt.encode({"userId": 1}, "", algorithm="none"),
        token(user_id="1"),
        token(user_id=True),
        token(session=3),
        "",
        "a.b.c",
    ],
    ids=[
        "cookie-key",
        "tampered",
        "alg-none",
        "alg-rs256",
        "pyjwt-none",
        "string-user",
        "bool-user",
        "int-session",
        "empty",
        "junk",
    ],
)
def test_invalid_token(access: str) -> None:
    assert rejected(*credentials(access)) == "Invalid auth token"


def test_expired_token_with_a_bad_signature_is_invalid_without_asking_the_auth_service() -> None:
    forged = jwt.encode({"userId": 5, "sessionId": "s1", "exp": 1}, b"x" * 64, algorithm="HS256")
    assert rejected(*credentials(forged)) == "Invalid auth token"


@pytest.mark.parametrize("access", [token(user_id=0), token(user_id=None)], ids=["zero", "missing"])
def test_token_without_user_is_public_access(access: str) -> None:
    assert run(authenticator(), *credentials(access)) == Identity(user_id=0)


# Refresh (§7.3)


def refreshing(status: int, headers: dict[str, str] | None = None, body: bytes = b"{}") -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body)

    return handler


def test_expired_token_is_refreshed_by_the_auth_service() -> None:
    old = expired_token(9, "s9")
    refresh = cookie()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Authentication": "bearer new-token"}, json={"success": True})

    identity = run(authenticator(handler), *credentials(old, refresh))
    assert identity == Identity(user_id=9, session_id="s9", refreshed_token="bearer new-token")
    [request] = seen
    assert (request.method, str(request.url)) == ("POST", "http://auth:9004/internal/auth/authenticate")
    assert request.headers["authentication"] == f"bearer {old}"
    assert request.headers["cookie"] == f"refreshId={refresh}"
    assert request.content == b""


def test_not_yet_valid_token_is_refreshed() -> None:
    early = token(4, "s4", nbf=int(time.time()) + DAY)
    handler = refreshing(200, {"Authentication": "bearer fresh"})
    assert run(authenticator(handler), *credentials(early)) == Identity(4, "s4", "bearer fresh")


def test_refresh_without_new_token_reports_the_auth_service_message() -> None:
    handler = refreshing(200, body=b'{"success": false, "message": "Not signed in!"}')
    assert rejected(*credentials(expired_token()), handler=handler) == "Not signed in!"


def test_refresh_without_new_token_or_message() -> None:
    assert rejected(*credentials(expired_token()), handler=refreshing(200)) == "Can not refresh token"


def test_refresh_refused_by_the_auth_service() -> None:
    assert rejected(*credentials(expired_token()), handler=refreshing(403)) == "Invalid Session"


@pytest.mark.parametrize(
    "handler",
    [
        refreshing(500),
        refreshing(401),
        refreshing(200, body=b"<html>"),
        refreshing(200, body=b'{"message": 1}'),
    ],
    ids=["500", "401", "not-json", "message-not-a-string"],
)
def test_auth_service_failure_is_a_server_error(handler: Handler) -> None:
    with pytest.raises(AuthServiceError):
        run(authenticator(handler), *credentials(expired_token()))


def test_unreachable_auth_service_is_a_server_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(AuthServiceError, match="can not reach the auth service"):
        run(authenticator(handler), *credentials(expired_token()))


def test_cookies_set_by_the_auth_service_are_not_sent_with_later_refreshes() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["cookie"])
        return httpx.Response(200, headers={"Authentication": "bearer n", "Set-Cookie": "leak=1; Path=/"})

    auth = authenticator(handler)

    async def main() -> None:
        for _ in range(2):
            await auth.authenticate(*credentials(expired_token()))
        await auth.aclose()

    asyncio.run(main())
    assert all(value.startswith("refreshId=") and "leak" not in value for value in sent)


# Logouts (§7.4)


def until_done(*awaitables: Awaitable[None], timeout: float = 1.0) -> None:
    async def main() -> None:
        await asyncio.wait_for(asyncio.gather(*awaitables), timeout)

    asyncio.run(main())


def test_logout_wakes_the_waiters_and_refuses_the_session_afterwards() -> None:
    auth = authenticator()
    woken: list[str] = []

    async def scenario() -> None:
        async def wait(session: str) -> None:
            await auth.wait_logout(session)
            woken.append(session)

        waiters = [asyncio.create_task(wait("s1")) for _ in range(3)]
        other = asyncio.create_task(wait("s2"))
        await asyncio.sleep(0)
        auth.feed_logouts(["s1"])
        await asyncio.gather(*waiters)
        assert woken == ["s1"] * 3
        assert not other.done()
        other.cancel()
        await asyncio.sleep(0)

        with pytest.raises(AuthError, match="invalid session"):
            await auth.authenticate(*credentials(token(5, "s1")))
        assert await auth.authenticate(*credentials(token(5, "s2"))) == Identity(5, "s2")
        await auth.aclose()

    until_done(scenario())


def test_logged_out_session_with_expired_token_is_refused_without_a_refresh() -> None:
    auth = authenticator()
    auth.feed_logouts(["s1"])
    with pytest.raises(AuthError, match="invalid session"):
        run(auth, *credentials(expired_token(5, "s1")))


def test_waiting_for_an_already_logged_out_session_returns_at_once() -> None:
    auth = authenticator()
    auth.feed_logouts(["s1"])
    until_done(auth.wait_logout("s1"))


def test_public_access_never_logs_out() -> None:
    auth = authenticator()

    async def scenario() -> None:
        waiter = asyncio.create_task(auth.wait_logout(""))
        auth.feed_logouts([""])
        await asyncio.sleep(0.01)
        assert not waiter.done()
        waiter.cancel()

    until_done(scenario())


def test_waiters_that_leave_free_their_session_entry() -> None:
    sessions = LoggedOutSessions()

    async def scenario() -> None:
        tasks = [asyncio.create_task(sessions.wait(f"s{i % 10}")) for i in range(1000)]
        await asyncio.sleep(0)
        assert sessions.waited_sessions == 10
        sessions.add(["s0", "s1"])
        await asyncio.sleep(0)
        assert sessions.waited_sessions == 8
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert sessions.waited_sessions == 0

    until_done(scenario())


def test_logouts_are_forgotten_after_fifteen_minutes() -> None:
    now = [1000.0]
    sessions = LoggedOutSessions(clock=lambda: now[0])
    sessions.add(["s1", "s2"])
    now[0] += 10
    sessions.add(["s1"])  # a second logout of s1 counts from now
    now[0] += 15 * 60 - 10
    assert "s2" not in sessions
    assert "s1" in sessions
    now[0] += 10
    assert "s1" not in sessions


def test_forgotten_logout_no_longer_refuses_the_session() -> None:
    now = [1000.0]
    auth = authenticator(clock=lambda: now[0])
    auth.feed_logouts(["s1"])
    now[0] += 15 * 60
    assert run(auth, *credentials(token(5, "s1"))) == Identity(5, "s1")


# The other authenticators


def test_fake_authenticator_makes_everybody_user_one_forever() -> None:
    fake = FakeAuthenticator()
    assert run(fake, {}, {}) == Identity(user_id=1)
    assert run(fake, {"authentication": "bearer junk"}, {}) == Identity(user_id=1)

    async def scenario() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(fake.wait_logout(""), 0.01)

    asyncio.run(scenario())


def test_default_user_for_requests_without_credentials() -> None:
    assert run(DefaultUserAuthenticator(authenticator(), 3), {}, {}) == Identity(user_id=3)
    assert run(DefaultUserAuthenticator(authenticator()), *credentials(token(7, "x"))) == Identity(7, "x")
    with pytest.raises(AuthError, match="Can not find auth token"):
        run(DefaultUserAuthenticator(authenticator()), {}, {"refreshId": cookie()})


def test_default_user_authenticator_passes_logouts_through() -> None:
    inner = authenticator()
    outer = DefaultUserAuthenticator(inner)

    async def scenario() -> None:
        waiter = asyncio.create_task(outer.wait_logout("s1"))
        await asyncio.sleep(0)
        inner.feed_logouts(["s1"])
        await waiter

    until_done(scenario())
