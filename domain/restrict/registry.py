"""The rules per ``(collection, mode)``: collection modules register them with :func:`rule`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from domain.restrict.context import RestrictContext, Rule

RULES: dict[tuple[str, str], Rule] = {}


def rule(collection: str, *modes: str) -> Callable[[Rule], Rule]:
    """Register the decorated function as the rule of ``collection`` in each of ``modes``."""

    def register(function: Rule) -> Rule:
        for mode in modes:
            if (collection, mode) in RULES:
                raise ValueError(f"two rules for {collection} mode {mode}")
            RULES[(collection, mode)] = function
        return function

    return register


def never(ctx: RestrictContext, id: int) -> bool:
    """The rule of fields nobody may see, not even superadmins (read by the backend only)."""
    return False


def all_rules() -> dict[tuple[str, str], Rule]:
    """Every registered rule (importing the collection modules once)."""
    from domain.restrict import collections

    for module in pkgutil.iter_modules(collections.__path__):
        importlib.import_module(f"{collections.__name__}.{module.name}")
    return RULES
