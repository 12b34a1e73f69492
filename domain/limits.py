"""Limits on what one request and one user can make the service hold (spec A4).

Checked before anything is computed where the request alone tells (ids it names, keys it names
directly); the keys of one user's open connections are summed in a :class:`UserKeys` ledger.
Each limit gives a ``LimitError`` (400 ``limit``) that names it.
"""

from __future__ import annotations

from domain.errors import LimitError
from domain.keysbuilder import KeysRequest

DEFAULT_MAX_REQUEST_IDS = 100_000
"""``MAX_REQUEST_IDS``: a client names a handful of ids; relations reach the rest."""
DEFAULT_MAX_USER_KEYS = 1_000_000
"""``MAX_USER_KEYS``: all of a user's connections may hold what one may (``MAX_KEYS``); a
delegate's meeting request is about 46,000 keys."""
PUBLIC_ACCESS = 0
"""Every anonymous client is user 0, so their sum is no one user's: the ledger skips it."""


def named_ids(request: KeysRequest) -> int:
    """The ids the request names (``k`` keys count one each)."""
    return sum(len(part.ids) for part in request.requests)


def named_keys(request: KeysRequest) -> int:
    """The keys the request names directly (ids times fields): it resolves to at least these."""
    return sum(len(part.ids) * len(part.fields) for part in request.requests)


def check_request(request: KeysRequest, max_ids: int, max_keys: int) -> None:
    """Raise ``LimitError`` for a request that names more than ``max_ids`` ids, or more keys
    than one connection may resolve to (``MAX_KEYS``), before it costs anything."""
    ids = named_ids(request)
    if ids > max_ids:
        raise LimitError(f"request names {ids} ids, more than the limit of {max_ids}")
    keys = named_keys(request)
    if keys > max_keys:
        raise LimitError(f"request resolves to more than {max_keys} keys")


class UserKeys:
    """The keys of each user's open connections, bounded by ``max_keys`` per user."""

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self._by_user: dict[int, int] = {}

    def take(self, user_id: int, keys: int) -> None:
        """Count ``keys`` more for ``user_id``; raise ``LimitError`` (counting nothing) if the
        user's total would exceed the limit."""
        if user_id == PUBLIC_ACCESS:
            return
        total = self._by_user.get(user_id, 0) + keys
        if total > self.max_keys:
            raise LimitError(
                f"the open connections of user {user_id} would hold {total} keys, "
                f"more than the limit of {self.max_keys}"
            )
        self._by_user[user_id] = total

    def give_back(self, user_id: int, keys: int) -> None:
        """The connection that took ``keys`` ended."""
        if user_id == PUBLIC_ACCESS:
            return
        total = self._by_user.pop(user_id, 0) - keys
        if total > 0:
            self._by_user[user_id] = total

    def of(self, user_id: int) -> int:
        return self._by_user.get(user_id, 0)
