"""Development credentials, so a simulated or local service can be called as any user.

They are the tokens the OpenSlides auth service would issue (spec §7.1), signed with the
development secrets every OpenSlides service uses when ``OPENSLIDES_DEVELOPMENT=true``
(spec §7.7): an access token for the ``Authentication`` header and a refresh token for the
``refreshId`` cookie.
"""

from __future__ import annotations

import secrets
import shlex
import time
import warnings
from dataclasses import dataclass

import jwt

DEV_TOKEN_KEY = "auth-dev-token-key"
DEV_COOKIE_KEY = "auth-dev-cookie-key"
ACCESS_LIFETIME_SECONDS = 10 * 60
"""How long an access token is valid, as the auth service issues them."""
COOKIE_LIFETIME_SECONDS = 24 * 60 * 60
"""The refresh cookie outlives many access tokens, as the auth service's does."""


@dataclass(frozen=True)
class DevCredentials:
    """What a logged-in client sends: the ``Authentication`` header and the ``refreshId`` cookie."""

    user_id: int
    session_id: str
    authentication_header: str
    """Value of the ``Authentication`` header: ``bearer <jwt>``."""
    cookie: str
    """Value of the ``refreshId`` cookie: ``bearer%20<jwt>``."""

    def curl_args(self) -> tuple[str, str]:
        """The two curl options, shell-quoted, ready to paste after ``curl``."""
        return (
            f"-H {shlex.quote(f'Authentication: {self.authentication_header}')}",
            f"-b {shlex.quote(f'refreshId={self.cookie}')}",
        )


def mint(
    user_id: int,
    *,
    session_id: str | None = None,
    token_key: str | bytes = DEV_TOKEN_KEY,
    cookie_key: str | bytes = DEV_COOKIE_KEY,
    lifetime_seconds: int = ACCESS_LIFETIME_SECONDS,
    now: float | None = None,
) -> DevCredentials:
    """Sign fresh HS256 credentials for ``user_id``; a new random session unless one is given."""
    issued = int(time.time() if now is None else now)
    session = secrets.token_hex(16) if session_id is None else session_id
    access = access_token(user_id, session, token_key, lifetime_seconds=lifetime_seconds, now=issued)
    refresh = _sign(
        {"sessionId": session, "userId": user_id, "exp": issued + COOKIE_LIFETIME_SECONDS}, cookie_key
    )
    return DevCredentials(user_id, session, f"bearer {access}", f"bearer%20{refresh}")


def access_token(
    user_id: int,
    session_id: str,
    key: str | bytes,
    *,
    lifetime_seconds: int = ACCESS_LIFETIME_SECONDS,
    now: float | None = None,
) -> str:
    """An access token (the JWT without ``bearer ``) as the auth service signs it."""
    issued = int(time.time() if now is None else now)
    return _sign(
        {"userId": user_id, "sessionId": session_id, "iat": issued, "exp": issued + lifetime_seconds}, key
    )


def _sign(claims: dict[str, object], key: str | bytes) -> str:
    with warnings.catch_warnings():
        # The development keys are shorter than RFC 7518 recommends; they are fixed by upstream.
        warnings.filterwarnings("ignore", message="The HMAC key is")
        return jwt.encode(claims, key, algorithm="HS256")
