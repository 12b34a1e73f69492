"""The simulator's in-process auth service: a new access token for a valid cookie of the token's
session, as the OpenSlides auth service refreshes one (spec §7.3); 403 for anything else."""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt

from adapters.config import DEV_COOKIE_KEY, DEV_TOKEN_KEY
from simulator.fake_auth import REFRESH_PATH, FakeAuthService
from simulator.tokens import mint


def refresh(authentication: str, cookie: str, path: str = REFRESH_PATH) -> httpx.Response:
    async def ask() -> httpx.Response:
        transport = FakeAuthService(DEV_TOKEN_KEY, DEV_COOKIE_KEY, lifetime_seconds=300)
        async with httpx.AsyncClient(base_url="http://auth:9004", transport=transport) as client:
            headers = {"Authentication": authentication, "Cookie": f"refreshId={cookie}"}
            return await client.post(path, headers=headers)

    return asyncio.run(ask())


def test_expired_token_with_its_sessions_cookie_gets_a_new_token() -> None:
    expired = mint(7, session_id="s7", lifetime_seconds=0, now=time.time() - 60)
    answer = refresh(expired.authentication_header, expired.cookie)
    assert answer.status_code == 200
    scheme, _, token = answer.headers["Authentication"].partition(" ")
    claims = jwt.decode(token, DEV_TOKEN_KEY, algorithms=["HS256"])
    assert (scheme, claims["userId"], claims["sessionId"], claims["exp"] - claims["iat"]) == (
        "bearer",
        7,
        "s7",
        300,
    )


def test_cookie_of_another_session_is_refused() -> None:
    expired, other = mint(7, lifetime_seconds=0), mint(7)
    assert refresh(expired.authentication_header, other.cookie).status_code == 403


def test_invalid_cookie_or_token_is_refused() -> None:
    good = mint(7, lifetime_seconds=0)
    forged = mint(7, session_id=good.session_id, cookie_key="another-key", token_key="another-key")
    assert refresh(good.authentication_header, forged.cookie).status_code == 403
    assert refresh(forged.authentication_header, good.cookie).status_code == 403
    assert refresh(good.authentication_header, "bearer%20garbage").status_code == 403


def test_other_paths_are_not_found() -> None:
    good = mint(7)
    assert refresh(good.authentication_header, good.cookie, path="/internal/auth/other").status_code == 404
