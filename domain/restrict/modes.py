"""The unrestricted development mode: every user sees everything."""

from __future__ import annotations

from typing import Any

from domain.reader import Reader


class _Visible:
    def restrict(self, values: dict[str, Any]) -> dict[str, Any]:
        return values

    def report(self) -> None:
        return None


class Unrestricted:
    """Everyone sees everything. Only for development (``AUTOUPDATE_UNRESTRICTED``)."""

    def for_user(self, reader: Reader, user_id: int) -> _Visible:
        return _Visible()

    def explain(self, reader: Reader, user_id: int, key: str) -> str:
        return f"{key} for user {user_id}: visible (unrestricted development mode: no permission checks)"
