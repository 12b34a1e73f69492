"""The permission restricter: hides what a user may not see and filters relation values.

A key is visible if its id passes the rule of its field's restriction mode. A relation value
is then filtered to the targets the user may see, each judged in the mode of the *reverse*
field on the target (spec restrict §2.4): single relations become ``None``, lists keep their
visible entries in their original order. Modes and targets come from the generated schema.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from domain.reader import Reader
from domain.restrict.context import DecisionKey, Inconsistent, RestrictContext, Rule
from domain.restrict.identity import IdentityFacts, permission_profile
from domain.restrict.memo import DecisionMemo, Inherited, note
from domain.restrict.permission import Permission
from domain.restrict.registry import all_rules
from domain.schema import field as schema_field
from meta.field import Field

_KEY_INFO: dict[str, tuple[str, int, Field | None]] = {}
"""``key → (collection, id, field)``: keys are parsed once per process (they are few compared
with how often each is restricted)."""


class PermissionRestricter:
    """The production restricter (implements ``domain.restrict.Restricter``)."""

    def __init__(self, rules: dict[tuple[str, str], Rule] | None = None) -> None:
        self.rules = all_rules() if rules is None else rules

    def for_user(
        self,
        reader: Reader,
        user_id: int,
        inherited: Inherited | None = None,
        viewer: int | None = None,
        memo: DecisionMemo | None = None,
    ) -> UserPermissions:
        context = RestrictContext(reader, user_id, self.rules, viewer=viewer, memo=memo, inherited=inherited)
        return UserPermissions(context)

    def profile(self, reader: Reader, user_id: int) -> Hashable:
        return permission_profile(reader, user_id)

    def explain(self, reader: Reader, user_id: int, key: str) -> str:
        from domain.restrict.explain import explain_key

        return str(explain_key(reader, self, user_id, key))


class UserPermissions:
    """Restricts values for one user in one computation."""

    def __init__(self, context: RestrictContext) -> None:
        self.context = context
        self._key = ""

    def restrict(self, values: dict[str, Any]) -> dict[str, Any]:
        return {key: self.value(key, value) for key, value in values.items()}

    def value(self, key: str, value: Any) -> Any:
        """The value of ``key`` as the user may see it (``None``: not at all)."""
        if value is None:
            return None
        info = _KEY_INFO.get(key)
        if info is None:
            collection, raw_id, name = key.split("/")
            info = _KEY_INFO[key] = (collection, int(raw_id), schema_field(collection, name))
        collection, id, field = info
        self._key = key
        if field is None:
            return None  # the mode pseudo-fields never hold data
        if not self.context.visible(collection, field.mode, id):
            return None
        if not field.is_relation:
            return value
        try:
            return self._filtered(key, field, value)
        except Inconsistent as error:
            self.context.warnings[f"{key}: {error}"] = None
            return None

    def report(self) -> None:
        self.context.report()

    def _filtered(self, key: str, field: Field, value: Any) -> Any:
        if field.type == "relation":
            return value if self._target_visible(field, _id(key, value)) else None
        if field.type == "relation-list":
            if not isinstance(value, list):
                raise Inconsistent(f"not a list of ids: {value!r}")
            kept = [id for id in value if self._target_visible(field, _id(key, id))]
            return value if len(kept) == len(value) else kept
        if field.type == "generic-relation":
            return value if self._generic_visible(field, value) else None
        if not isinstance(value, list):
            raise Inconsistent(f"not a list of fqids: {value!r}")
        kept_fqids = list(dict.fromkeys(v for v in value if self._generic_visible(field, v)))
        return value if kept_fqids == value else kept_fqids

    def _target_visible(self, field: Field, id: int) -> bool:
        target, _, reverse = field.to[0].partition("/")
        return self._visible_as(target, reverse, id)

    def _generic_visible(self, field: Field, fqid: Any) -> bool:
        if not isinstance(fqid, str) or fqid.count("/") != 1:
            raise Inconsistent(f"not an fqid: {fqid!r}")
        collection, _, raw_id = fqid.partition("/")
        if not (raw_id.isascii() and raw_id.isdigit()):
            raise Inconsistent(f"not an fqid: {fqid!r}")
        for target in field.to:
            target_collection, _, reverse = target.partition("/")
            if target_collection == collection:
                return self._visible_as(collection, reverse, int(raw_id))
        raise Inconsistent(f"{collection} is not a target of this relation")

    def _visible_as(self, collection: str, reverse: str, id: int) -> bool:
        reverse_field = schema_field(collection, reverse)
        if reverse_field is None:
            raise Inconsistent(f"unknown relation target {collection}/{reverse}")
        decision = (collection, reverse_field.mode, id)
        context = self.context
        visible = context.visible(*decision)
        memo = context.memo
        # Every decision's filtered relation keys are recorded when the memo is kept; else only
        # those of the identity-dependent ones (what patches need).
        if (
            context.recording
            or decision in memo.facts
            or decision in memo.list_facts
            or decision in memo.opaque
        ):
            note(memo.targets, decision, self._key)
        return visible

    def decide(self, decision: DecisionKey) -> bool:
        return self.context.visible(*decision)

    def recheck(self, before: Mapping[int, Permission]) -> set[DecisionKey]:
        return self.context.recheck(before)

    def identity(self) -> IdentityFacts:
        """How this computation's decisions depend on who asked (for sharing it)."""
        return IdentityFacts(self.context.memo)


def _id(key: str, value: Any) -> int:
    if type(value) is not int:
        raise Inconsistent(f"not an id: {value!r}")
    return value
