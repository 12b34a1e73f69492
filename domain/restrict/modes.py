"""Ready restricters: fail-closed (the default until rules exist) and unrestricted (development)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.keys import collection_of
from domain.reader import Reader

CollectionRule = Callable[[Reader, int, dict[str, Any]], dict[str, Any]]
"""Restricts the values of one collection for one user: ``(reader, user_id, values) → values``."""


class _Visible:
    def restrict(self, values: dict[str, Any]) -> dict[str, Any]:
        return values


class Unrestricted:
    """Everyone sees everything. Only for development (``AUTOUPDATE_UNRESTRICTED``)."""

    def for_user(self, reader: Reader, user_id: int) -> _Visible:
        return _Visible()


class _ByCollection:
    def __init__(self, rules: Mapping[str, CollectionRule], reader: Reader, user_id: int) -> None:
        self._rules = rules
        self._reader = reader
        self._user_id = user_id

    def restrict(self, values: dict[str, Any]) -> dict[str, Any]:
        grouped: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            grouped.setdefault(collection_of(key), {})[key] = value
        result: dict[str, Any] = {}
        for collection, part in grouped.items():
            rule = self._rules.get(collection)
            if rule is None:
                result.update(dict.fromkeys(part))
            else:
                result.update(rule(self._reader, self._user_id, part))
        return result


class FailClosed:
    """Applies the rules registered per collection; a collection without rules is invisible."""

    def __init__(self, rules: Mapping[str, CollectionRule] | None = None) -> None:
        self.rules: Mapping[str, CollectionRule] = rules or {}

    def for_user(self, reader: Reader, user_id: int) -> _ByCollection:
        return _ByCollection(self.rules, reader, user_id)
