"""Auth port: who is asking, and when their session ends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import msgspec


class Identity(msgspec.Struct, frozen=True):
    """The result of authenticating one request. ``user_id`` 0 is public access."""

    user_id: int
    session_id: str = ""
    refreshed_token: str | None = None
    """A new access token to send back in the ``Authentication`` response header."""


class Authenticator(Protocol):
    async def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        """Check the ``Authentication`` header and the ``refreshId`` cookie.

        Raises ``domain.errors.AuthError`` (403) for a rejected request.
        """
        ...

    async def wait_logout(self, session_id: str) -> None:
        """Return when the session is logged out; never returns for public access ("")."""
        ...
