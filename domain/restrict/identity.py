"""What a computation's permission decisions owe to *who* asked, so it can be shared.

Rules see the request user's identity only through facts (``ctx.is_me(x)``,
``ctx.me_among(ids)``) and through the permission profile (``domain.restrict.profile``). For
one computation these facts say which decisions could come out differently for another user
of the same profile: only those comparing with either user. Everything else holds for both.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from domain.reader import Reader
from domain.restrict.context import DecisionKey, RestrictContext


@dataclass
class IdentityFacts:
    """The decisions of one user's computation and how they depend on that user's identity."""

    memo: dict[DecisionKey, bool]
    by_user: dict[int, set[DecisionKey]] = field(default_factory=dict)
    lists: list[tuple[DecisionKey, frozenset[int]]] = field(default_factory=list)
    opaque: set[DecisionKey] = field(default_factory=set)
    targets: dict[DecisionKey, set[str]] = field(default_factory=dict)
    """Relation keys whose value was filtered with an identity-dependent decision."""

    @classmethod
    def of(cls, context: RestrictContext, targets: dict[DecisionKey, set[str]]) -> IdentityFacts:
        by_user: dict[int, set[DecisionKey]] = {}
        for decision, users in context.facts.items():
            for user in users:
                by_user.setdefault(user, set()).add(decision)
        lists = [(decision, ids) for decision, all_ids in context.list_facts.items() for ids in all_ids]
        return cls(dict(context.memo), by_user, lists, set(context.opaque), targets)

    def differing(self, representative: int, user: int) -> set[DecisionKey]:
        """The decisions that may differ between ``representative`` and ``user``."""
        return self.mentioning(representative) | self.mentioning(user)

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
