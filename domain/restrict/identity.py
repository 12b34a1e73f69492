"""What a computation's permission decisions owe to *who* asked, so it can be shared.

Rules see the request user's identity only through facts (``ctx.is_me(x)``,
``ctx.me_among(ids)``) and through the permission profile (``domain.restrict.profile``). For
one computation these facts say which decisions could come out differently for another user
of the same profile: only those comparing with either user. Everything else holds for both.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from functools import cached_property

from domain.reader import Reader
from domain.restrict.context import DecisionKey, RestrictContext


class IdentityFacts:
    """The decisions of one user's computation and how they depend on that user's identity.

    It refers to the computation's dictionaries (never changed after it ended) and indexes
    them by user only when a patch asks."""

    def __init__(
        self,
        memo: dict[DecisionKey, bool],
        facts: Mapping[DecisionKey, set[int]],
        list_facts: Mapping[DecisionKey, list[frozenset[int]]],
        opaque: set[DecisionKey],
        targets: dict[DecisionKey, set[str]],
    ) -> None:
        self.memo = memo
        self._facts = facts
        self._list_facts = list_facts
        self.opaque = opaque
        self.targets = targets
        """Relation keys whose value was filtered with a decision (at least every
        identity-dependent one)."""

    @classmethod
    def of(cls, context: RestrictContext, targets: dict[DecisionKey, set[str]]) -> IdentityFacts:
        return cls(context.memo, context.facts, context.list_facts, context.opaque, targets)

    @cached_property
    def by_user(self) -> dict[int, set[DecisionKey]]:
        by_user: dict[int, set[DecisionKey]] = {}
        for decision, users in self._facts.items():
            for user in users:
                by_user.setdefault(user, set()).add(decision)
        return by_user

    @cached_property
    def lists(self) -> list[tuple[DecisionKey, frozenset[int]]]:
        return [(decision, ids) for decision, all_ids in self._list_facts.items() for ids in all_ids]

    def mentioning(self, user: int) -> set[DecisionKey]:
        """The decisions that compared with ``user`` (or used identity opaquely)."""
        found = set(self.opaque)
        found |= self.by_user.get(user, set())
        found |= {decision for decision, ids in self.lists if user in ids}
        return found


Known = tuple[Mapping[DecisionKey, bool], set[DecisionKey]]
"""Decisions taken from another computation, and the ones among them to decide again."""


def permission_profile(reader: Reader, user_id: int) -> Hashable:
    """Everything about a user that rules may depend on besides identity facts: users with
    equal profiles get equal decisions wherever no fact mentions them."""
    if user_id == 0:
        return ("public access",)
    context = RestrictContext(reader, user_id, {})
    try:
        memberships = tuple(
            (
                reader.get(f"meeting_user/{meeting_user}/meeting_id"),
                reader.get(f"meeting_user/{meeting_user}/locked_out"),
                tuple(context.ids("meeting_user", meeting_user, "group_ids")),
            )
            for meeting_user in context.ids("user", user_id, "meeting_user_ids")
        )
        return (
            "user",
            repr(reader.get(f"user/{user_id}/organization_management_level")),
            frozenset(context.managed_committees()),
            memberships,
            context.admin_anywhere(),
        )
    except Exception:  # malformed data: this user shares with nobody
        return ("unique", user_id)
