"""Explaining a permission decision (spec R6): for a user and a key, which rule decided, on which
data, and which other decisions it relied on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.reader import Reader
from domain.restrict.context import Decision
from domain.restrict.restricter import PermissionRestricter
from domain.schema import field as schema_field


def explain_key(reader: Reader, restricter: PermissionRestricter, user_id: int, key: str) -> Explanation:
    """Decide ``key`` for ``user_id`` over ``reader`` while recording every decision."""
    restriction = restricter.for_user(reader, user_id)
    context = restriction.context
    context.enable_explain()
    stored = reader.get(key)
    value = restriction.value(key, stored)
    collection, raw_id, name = key.split("/")
    field = schema_field(collection, name)
    own = (collection, field.mode if field else "", int(raw_id))
    decisions = [context.decisions[own]] if own in context.decisions else []
    return Explanation(key, user_id, stored, value, decisions, context.decisions)


class Explanation:
    """The answer of :func:`explain_key`; ``str()`` renders it for people."""

    def __init__(
        self,
        key: str,
        user_id: int,
        stored: Any,
        visible_value: Any,
        decisions: list[Decision],
        all_decisions: Mapping[tuple[str, str, int], Decision],
    ) -> None:
        self.key = key
        self.user_id = user_id
        self.stored = stored
        self.visible_value = visible_value
        self.decisions = decisions
        self.all_decisions = all_decisions

    @property
    def visible(self) -> bool:
        return self.visible_value is not None

    def __str__(self) -> str:
        lines = [f"{self.key} for user {self.user_id}:"]
        if self.stored is None:
            lines.append("  no value stored: nothing to decide")
        elif self.visible_value is None:
            lines.append("  NOT visible")
        elif self.visible_value == self.stored:
            lines.append("  visible")
        else:
            lines.append(f"  visible, filtered to {self.visible_value!r} (stored: {self.stored!r})")
        lines.extend(decision.render(1) for decision in self.decisions)
        targets = [
            d for d in self.all_decisions.values() if d not in self.decisions and _top(d, self.decisions)
        ]
        if targets:
            lines.append("  relation targets:")
            lines.extend(decision.render(2) for decision in targets)
        return "\n".join(lines)


def _top(decision: Decision, own: list[Decision]) -> bool:
    return not any(_contains(parent, decision) for parent in own)


def _contains(parent: Decision, decision: Decision) -> bool:
    return any(child is decision or _contains(child, decision) for child in parent.because)
