"""The restrict step: what a user may see of the values a computation reads.

The keysbuilder follows relations through a :class:`RestrictingReader`, so relation values are
already filtered when they are followed, and the final values pass the same filter. The rules
per collection are plugged in behind the :class:`Restricter` protocol.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from domain.reader import Reader

if TYPE_CHECKING:
    from domain.restrict.identity import IdentityFacts
    from domain.restrict.memo import DecisionMemo, Inherited
    from domain.restrict.permission import Permission


class UserRestriction(Protocol):
    """The restriction for one user within one computation (it may memoize decisions)."""

    def restrict(self, values: dict[str, Any]) -> dict[str, Any]:
        """The same keys; a value the user may not see becomes ``None``, relation values are
        filtered to visible targets."""
        ...

    def report(self) -> None:
        """Called once the computation has read a complete state: log what was inconsistent."""
        ...

    def identity(self) -> IdentityFacts | None:
        """How the decisions depend on who asked; ``None``: not at all."""
        ...

    def decide(self, decision: tuple[str, str, int]) -> bool:
        """One decision ``(collection, mode, id)`` for this user."""
        ...

    def recheck(self, before: Mapping[int, Permission]) -> set[tuple[str, str, int]]:
        """Meeting permissions that read a changed key, with their old values: forget the
        decisions that asked a question whose answer changed; return them."""
        ...


class Restricter(Protocol):
    def for_user(
        self,
        reader: Reader,
        user_id: int,
        inherited: Inherited | None = None,
        viewer: int | None = None,
        memo: DecisionMemo | None = None,
    ) -> UserRestriction:
        """Start restricting for ``user_id`` (0: public access), reading through ``reader``;
        ``inherited`` decisions (of a user of the same profile) are reused but for those to
        decide again; ``viewer`` is whom identity facts compare with, if not ``user_id``;
        ``memo``: decisions of earlier computations for this user, still valid, to reuse and
        add to."""
        ...

    def profile(self, reader: Reader, user_id: int) -> Hashable:
        """The user's permission profile: equal profiles, equal decisions but for identity facts."""
        ...

    def explain(self, reader: Reader, user_id: int, key: str) -> str:
        """Say for people why ``key`` is (not) visible for ``user_id`` (spec R6)."""
        ...


class RestrictingReader:
    """A value reader that returns only what the user may see."""

    __slots__ = ("_restriction", "reader")

    def __init__(self, reader: Reader, restriction: UserRestriction) -> None:
        self.reader = reader
        self._restriction = restriction

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return self._restriction.restrict(self.reader.get_many(keys))
