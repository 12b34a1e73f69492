"""Authentication over HTTP against the real production process (spec §7, A3).

The service runs as in ``deployment`` (``python -m adapters.server``, secrets from
files, real Postgres and Redis), next to a scripted auth service that refuses every refresh,
so an expired access token can never become valid here. Checked:

* forged access tokens are refused before the first byte of a stream, with 403 ``auth``:
  tampered payload or signature, another key, the cookie's key, ``alg: none``, a non-HMAC
  algorithm (RS256, also as the classic HMAC-with-the-key confusion), wrong claim types;
* expired or not-yet-valid tokens whose refresh is impossible (expired cookie, the auth service
  says no) are refused; the cookie is checked as strictly as the token, and both are needed;
* every authenticated route (stream, history, connection counts, metrics) refuses the same way;
* a logout (``XADD logout``) ends the session's streams on two instances sharing one Redis and
  refuses the session afterwards on both, while another session of the same user stays;
* an instance with ``AUTOUPDATE_INTERNAL_ROUTES=false`` does not serve the unauthenticated
  internal routes at all.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
import time
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from redis.asyncio import Redis

from simulator.tokens import COOKIE_LIFETIME_SECONDS, DEV_COOKIE_KEY, DEV_TOKEN_KEY, DevCredentials, mint
from tests.integration.deployment import (
    SUPERADMIN,
    Deployment,
    Instance,
    Meeting,
    client,
    headers_of,
    run,
    running,
    stream,
)
from tests.integration.fake_service import FakeService, QuietHandler

pytestmark = pytest.mark.integration

INVALID = "Invalid auth token"
ANSWER_TIMEOUT = 15.0


# An auth service that answers what the test says.


class ScriptedAuth(FakeService):
    """``POST /internal/auth/authenticate`` answers ``status`` (with ``Authentication:
    new_token`` when that is set); ``stop()``/``start()`` keep the port, so a service configured
    with it can lose its auth service and get it back."""

    def __init__(self, status: int = 403, new_token: str = "", port: int | None = None) -> None:
        super().__init__(port)
        self.status = status
        self.new_token = new_token
        self.requests = 0

    def handler(self) -> type[QuietHandler]:
        auth = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                auth.requests += 1
                if self.path != "/internal/auth/authenticate":
                    self.send_error(404)
                    return
                body = b"" if auth.new_token else json.dumps({"message": "refused by the test"}).encode()
                self.send_response(auth.status)
                if auth.new_token:
                    self.send_header("Authentication", auth.new_token)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture(scope="module")
def refusing_auth() -> Iterator[ScriptedAuth]:
    """Refuses every refresh with 403, as the auth service does for a session it does not know."""
    with ScriptedAuth(403) as auth:
        yield auth


@pytest.fixture(scope="module")
def secured(deployment: Deployment, refusing_auth: ScriptedAuth) -> Iterator[Instance]:
    with running(
        Instance("secured", dataclasses.replace(deployment, auth_port=refusing_auth.port))
    ) as instance:
        yield instance


@pytest.fixture(scope="module")
def public(deployment: Deployment, refusing_auth: ScriptedAuth) -> Iterator[Instance]:
    """A second instance on the same Postgres and Redis, as reachable from outside: no
    internal routes."""
    instance = Instance("public", dataclasses.replace(deployment, auth_port=refusing_auth.port))
    instance.environment["AUTOUPDATE_INTERNAL_ROUTES"] = "false"
    with running(instance):
        yield instance


# Forged credentials.


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_b64(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def claims(user_id: Any, session: str = "forged", lifetime: int = 600, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"userId": user_id, "sessionId": session, "iat": now, "exp": now + lifetime, **extra}


def signed(payload: dict[str, Any], key: str | bytes = DEV_TOKEN_KEY, algorithm: str = "HS256") -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short development keys
        return jwt.encode(payload, key, algorithm=algorithm)


def unsigned(payload: dict[str, Any], alg: str = "none") -> str:
    """``alg: none``: no signature at all."""
    return f"{_json_b64({'alg': alg, 'typ': 'JWT'})}.{_json_b64(payload)}."


def confused(payload: dict[str, Any]) -> str:
    """Claims RS256 but is HMAC-signed with the token key (the algorithm-confusion attack on
    services that verify RS256 with a key they also use as an HMAC secret)."""
    signing_input = f"{_json_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_json_b64(payload)}"
    signature = hmac.new(DEV_TOKEN_KEY.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def rsa_signed(payload: dict[str, Any]) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(payload, key, algorithm="RS256")


def tampered_payload(token: str, **changes: Any) -> str:
    """The same header and signature over a payload with ``changes``."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{header}.{_json_b64({**decoded, **changes})}.{signature}"


def reheadered(token: str, alg: str) -> str:
    """Another ``alg`` in the header; payload and signature as they were."""
    _, payload, signature = token.split(".")
    return f"{_json_b64({'alg': alg, 'typ': 'JWT'})}.{payload}.{signature}"


def tampered_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{header}.{payload}.{flipped}{signature[1:]}"


def cookie_token(credentials: DevCredentials) -> str:
    return credentials.cookie.removeprefix("bearer%20")


def send(token: str | None, cookie: str | None, prefix: str = "bearer ") -> dict[str, str]:
    """Request headers with this access token and this refresh cookie JWT (None: left out)."""
    headers = {}
    if token is not None:
        headers["Authentication"] = prefix + token
    if cookie is not None:
        headers["Cookie"] = f"refreshId=bearer%20{cookie}"
    return headers


def case_headers(case: str, user: int) -> dict[str, str]:
    """The headers of one forged or unusable credential set (see ``CASES``)."""
    good = mint(user)
    token, cookie = good.authentication_header.removeprefix("bearer "), cookie_token(good)
    forged = claims(user)
    now = int(time.time())
    cookie_claims = {"sessionId": "forged", "userId": user, "exp": now + COOKIE_LIFETIME_SECONDS}
    return {
        "tampered payload (user id raised to the superadmin)": send(
            tampered_payload(token, userId=1), cookie
        ),
        "tampered signature": send(tampered_signature(token), cookie),
        "signed with another key": send(signed(forged, "not-the-token-key"), cookie),
        "signed with the cookie key": send(signed(forged, DEV_COOKIE_KEY), cookie),
        "alg none": send(unsigned(forged), cookie),
        "alg None": send(unsigned(forged, "None"), cookie),
        "alg RS256, HMAC-signed with the token key": send(confused(forged), cookie),
        "alg RS256, signed with an RSA key": send(rsa_signed(forged), cookie),
        "alg HS512 in the header, HS256 signature": send(reheadered(signed(forged), "HS512"), cookie),
        "userId not an int": send(signed(claims(str(user))), cookie),
        "no signature part": send(".".join(token.split(".")[:2]), cookie),
        "expired token, expired cookie": send(
            signed(claims(user, lifetime=-60)), signed({**cookie_claims, "exp": now - 60}, DEV_COOKIE_KEY)
        ),
        "valid token, no cookie": send(token, None),
        "no token, valid cookie": send(None, cookie),
        "capitalised Bearer prefix": send(token, cookie, prefix="Bearer "),
        "valid token, tampered cookie": send(token, tampered_payload(cookie, userId=1)),
        "valid token, cookie signed with the token key": send(token, signed(cookie_claims, DEV_TOKEN_KEY)),
        "valid token, cookie alg none": send(token, unsigned(cookie_claims)),
        "valid token, expired cookie": send(
            token, signed({**cookie_claims, "exp": now - 60}, DEV_COOKIE_KEY)
        ),
        "expired token, refresh refused by the auth service": send(
            signed(claims(user, lifetime=-60)), cookie
        ),
        "token not valid yet, refresh refused by the auth service": send(
            signed(claims(user, nbf=now + 600)), cookie
        ),
    }[case]


CASES: dict[str, str] = {
    "tampered payload (user id raised to the superadmin)": INVALID,
    "tampered signature": INVALID,
    "signed with another key": INVALID,
    "signed with the cookie key": INVALID,
    "alg none": INVALID,
    "alg None": INVALID,
    "alg RS256, HMAC-signed with the token key": INVALID,
    "alg RS256, signed with an RSA key": INVALID,
    "alg HS512 in the header, HS256 signature": INVALID,
    "userId not an int": INVALID,
    "no signature part": INVALID,
    "expired token, expired cookie": INVALID,
    "valid token, no cookie": "Can not find auth cookie",
    "no token, valid cookie": "Can not find auth token",
    "capitalised Bearer prefix": "Can not find auth token",
    "valid token, tampered cookie": INVALID,
    "valid token, cookie signed with the token key": INVALID,
    "valid token, cookie alg none": INVALID,
    "valid token, expired cookie": INVALID,
    "expired token, refresh refused by the auth service": "Invalid Session",
    "token not valid yet, refresh refused by the auth service": "Invalid Session",
}
"""Each unusable credential set and the message of its 403 ``auth`` error."""


async def answer(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[int, str]:
    """Status and body of a request that may open a stream: for a 200 only the first line (a
    stream never ends by itself), else the whole body."""
    async with http.stream("GET", url, headers=headers) as response:
        if response.status_code == 200:
            async for line in response.aiter_lines():
                return 200, line
            return 200, ""
        await response.aread()
        return response.status_code, response.text


def test_forged_and_unusable_credentials_are_refused(
    secured: Instance, meeting: Meeting, refusing_auth: ScriptedAuth
) -> None:
    """Each case opens a stream (no ``single``): refused with 403 before the first byte, the
    error object as the whole body. The good credentials of the same user get their data."""
    user = meeting.delegate
    url = f"{secured.url}/system/autoupdate?k=user/{user}/username"
    username = meeting.obj("user", user)["username"]

    async def main() -> None:
        async with client() as http:
            status, line = await answer(http, url, headers_of(mint(user)))
            assert (status, json.loads(line)) == (200, {f"user/{user}/username": username})
            refused = {}
            for case in CASES:
                status, body = await answer(http, url, case_headers(case, user))
                assert body.endswith("}\n"), (case, body)
                refused[case] = (status, json.loads(body))
            expected = {case: (403, {"error": {"type": "auth", "msg": msg}}) for case, msg in CASES.items()}
            assert refused == expected

    refusing_auth.requests = 0
    run(main(), secured)
    # Only the two cases with a valid cookie and an expired or immature token ask the auth service.
    assert refusing_auth.requests == 2


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithms_are_accepted(secured: Instance, meeting: Meeting, algorithm: str) -> None:
    """As upstream: any HMAC variant signed with the right key verifies (spec §7.1)."""
    user = meeting.delegate
    good = mint(user)
    token = signed(claims(user, good.session_id), algorithm=algorithm)
    response = httpx.get(
        f"{secured.url}/system/autoupdate?single&k=user/{user}/id",
        headers=send(token, cookie_token(good)),
        timeout=ANSWER_TIMEOUT,
    )
    assert (response.status_code, response.json()) == (200, {f"user/{user}/id": user})


def test_every_authenticated_route_refuses_forged_credentials(secured: Instance, meeting: Meeting) -> None:
    forged = case_headers("tampered payload (user id raised to the superadmin)", meeting.delegate)
    admin = headers_of(mint(SUPERADMIN))
    routes = [
        "/system/autoupdate?single&k=user/1/username",
        "/system/autoupdate?longpolling&k=user/1/username",
        "/system/autoupdate?position=1&k=user/1/username",
        "/system/autoupdate/history_information?fqid=user/1",
        "/system/autoupdate/connection_count",
        "/service/autoupdate/connection_count",
        "/system/autoupdate/metrics",
    ]
    with httpx.Client(base_url=secured.url, timeout=ANSWER_TIMEOUT) as http:
        for route in routes:
            response = http.get(route, headers=forged)
            assert (route, response.status_code, response.json()) == (
                route,
                403,
                {"error": {"type": "auth", "msg": INVALID}},
            )
            assert http.get(route, headers=admin).status_code == 200, route


# Logout across instances.


def test_logout_ends_the_session_on_every_instance(
    secured: Instance, public: Instance, meeting: Meeting
) -> None:
    """Two instances share one Redis: one ``XADD logout`` ends the session's streams on both
    (no error line) and refuses the session on both afterwards; another session of the same
    user keeps its streams and works."""
    user = meeting.delegate
    leaving, staying = mint(user), mint(user)
    query = f"?k=user/{user}/username"
    username = meeting.obj("user", user)["username"]

    async def main() -> None:
        async with (
            client() as http,
            Redis(host=secured.redis.host, port=secured.redis.port) as redis,
            contextlib.AsyncExitStack() as streams,
        ):
            opened = {}
            for name, instance, credentials in [
                ("leaving@secured", secured, leaving),
                ("leaving@public", public, leaving),
                ("staying@secured", secured, staying),
                ("staying@public", public, staying),
            ]:
                opened[name] = await streams.enter_async_context(
                    stream(http, instance.url, headers=headers_of(credentials), query=query)
                )
                assert await opened[name].next() == {f"user/{user}/username": username}
            await redis.xadd("logout", {"sessionId": leaving.session_id})
            assert await opened["leaving@secured"].ends() == []
            assert await opened["leaving@public"].ends() == []
            await opened["staying@secured"].quiet(1.5)
            await opened["staying@public"].quiet(0.1)
            for instance in (secured, public):
                url = f"{instance.url}/system/autoupdate?single&k=user/{user}/username"
                refused = await http.get(url, headers=headers_of(leaving))
                assert (refused.status_code, refused.json()) == (
                    403,
                    {"error": {"type": "auth", "msg": "invalid session"}},
                )
                kept = await http.get(url, headers=headers_of(staying))
                assert (kept.status_code, kept.json()) == (200, {f"user/{user}/username": username})

    run(main(), secured, public)


# Internal routes.


def test_internal_routes_are_off_on_a_public_instance(secured: Instance, public: Instance) -> None:
    """``AUTOUPDATE_INTERNAL_ROUTES=false``: the routes that trust ``?user_id=`` do not exist
    (404); the internal instance serves them."""
    routes = [
        "/internal/autoupdate?user_id=1&single&k=user/1/username",
        "/internal/autoupdate/explain?user_id=1&key=user/1/username",
    ]
    with httpx.Client(timeout=ANSWER_TIMEOUT) as http:
        for route in routes:
            hidden = http.get(public.url + route)
            assert (hidden.status_code, hidden.text) == (404, "404 page not found\n"), route
            assert http.get(secured.url + route).status_code == 200, route
