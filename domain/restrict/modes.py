"""The unrestricted development mode: every user sees everything."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from domain.reader import Reader
from domain.restrict.memo import DecisionMemo, Inherited
from domain.restrict.permission import Permission


class _Visible:
    def restrict(self, values: dict[str, Any]) -> dict[str, Any]:
        return values

    def report(self) -> None:
        return None

    def identity(self) -> None:
        """Nothing depends on who asks."""
        return None

    def decide(self, decision: tuple[str, str, int]) -> bool:
        return True

    def recheck(self, before: Mapping[int, Permission]) -> set[tuple[str, str, int]]:
        return set()


class Unrestricted:
    """Everyone sees everything. Only for development (``AUTOUPDATE_UNRESTRICTED``)."""

    def for_user(
        self,
        reader: Reader,
        user_id: int,
        inherited: Inherited | None = None,
        viewer: int | None = None,
        memo: DecisionMemo | None = None,
    ) -> _Visible:
        return _Visible()

    def profile(self, reader: Reader, user_id: int) -> Hashable:
        return "everything"

    def explain(self, reader: Reader, user_id: int, key: str) -> str:
        return f"{key} for user {user_id}: visible (unrestricted development mode: no permission checks)"
