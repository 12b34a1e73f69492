"""One computation of a request for a user, run until it has read a complete, consistent state.

The computation itself is synchronous (it never awaits), so it always sees one state of the
cache; a change batch can only land between runs. A run that hit objects the cache lacks is
discarded, the objects are loaded in one batch, and the computation runs again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, Protocol, TypeVar

from domain.errors import AuthError, ClientError
from domain.keysbuilder import KeysRequest, resolve
from domain.reader import Reader
from domain.restrict import Restricter, RestrictingReader, UserRestriction

T = TypeVar("T")

MAX_ROUNDS = 200
"""Each round loads at least one new object, so this bounds only pathological cases."""


class ComputationError(RuntimeError):
    """A computation kept finding objects to load (or the cache was reset under it)."""


class LoadingSource(Protocol):
    """A data source that can load what a computation found missing (the cache, a snapshot)."""

    def lookup(self, fqid: str) -> Any: ...

    async def load(self, fqids: Iterable[str]) -> None: ...

    async def calculate(self, keys: Iterable[str]) -> None: ...


async def run_complete(cache: LoadingSource, compute: Callable[[Reader], T]) -> tuple[T, set[str]]:
    """Run ``compute`` until it reads nothing missing; return its result and the keys it read."""
    result, reader = await run_complete_reader(cache, compute)
    return result, reader.reads


async def run_complete_reader(cache: LoadingSource, compute: Callable[[Reader], T]) -> tuple[T, Reader]:
    """Like :func:`run_complete`, returning the reader of the complete run."""
    for _ in range(MAX_ROUNDS):
        reader = Reader(cache)
        try:
            result = compute(reader)
        except ClientError:
            if reader.complete:
                raise
            await _fill(cache, reader)
            continue
        if reader.complete:
            return result, reader
        await _fill(cache, reader)
    raise ComputationError(f"computation did not settle after {MAX_ROUNDS} rounds")


async def _fill(source: LoadingSource, reader: Reader) -> None:
    if reader.missing:
        await source.load(reader.missing)
    if reader.pending:
        await source.calculate(reader.pending)


def user_values(
    reader: Reader,
    restricter: Restricter,
    user_id: int,
    request: KeysRequest,
    max_keys: int,
    *,
    require_user: bool = True,
) -> dict[str, Any]:
    """Every key of the request with the value ``user_id`` may see (``None``: nothing).

    ``require_user``: the request user must exist in the data read (not so for past positions).
    """
    if require_user:
        require_existing_user(reader, user_id)
    return restricted_values(reader, restricter.for_user(reader, user_id), request, max_keys)


def restricted_values(
    reader: Reader, restriction: UserRestriction, request: KeysRequest, max_keys: int
) -> dict[str, Any]:
    """Resolve the request through the restriction, then restrict every key's value."""
    keys = resolve(request, RestrictingReader(reader, restriction), max_keys=max_keys)
    raw = reader.get_many(keys)
    values = restriction.restrict(raw)
    if reader.complete:
        restriction.report()
    return values


def is_meeting_admin(reader: Reader, user_id: int) -> bool:
    """Whether the user is in the admin group of any meeting (their recomputes skip the queue)."""
    if user_id == 0:
        return False
    for meeting_user_id in reader.get(f"user/{user_id}/meeting_user_ids") or ():
        for group_id in reader.get(f"meeting_user/{meeting_user_id}/group_ids") or ():
            if reader.get(f"group/{group_id}/admin_group_for_meeting_id"):
                return True
    return False


def profile_of(reader: Reader, restricter: Restricter, user_id: int) -> Hashable:
    """The user's permission profile (which group serves it); raises ``AuthError`` for a user
    that does not exist."""
    require_existing_user(reader, user_id)
    return restricter.profile(reader, user_id)


def require_existing_user(reader: Reader, user_id: int) -> None:
    """A request user who does not exist is an auth error (spec A5)."""
    if user_id != 0 and not reader.exists(f"user/{user_id}"):
        raise AuthError("Your user account does not exist anymore.")
