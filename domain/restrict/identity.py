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
from domain.restrict.memo import DecisionMemo


class IdentityFacts:
    """How the decisions of one computation depend on who asked: a view of its decision memo
    (never changed after the computation ended), indexed by user only when a patch asks."""

    def __init__(self, memo: DecisionMemo) -> None:
        self.memo = memo

    @property
    def decisions(self) -> Mapping[DecisionKey, bool]:
        return self.memo.decisions

    @property
    def targets(self) -> Mapping[DecisionKey, set[str]]:
        """Relation keys whose value was filtered with a decision (at least every
        identity-dependent one)."""
        return self.memo.targets

    @cached_property
    def by_user(self) -> dict[int, set[DecisionKey]]:
        by_user: dict[int, set[DecisionKey]] = {}
        for decision, users in self.memo.facts.items():
            for user in users:
                by_user.setdefault(user, set()).add(decision)
        return by_user

    @cached_property
    def lists(self) -> list[tuple[DecisionKey, frozenset[int]]]:
        return [(decision, ids) for decision, all_ids in self.memo.list_facts.items() for ids in all_ids]

    def mentioning(self, user: int) -> set[DecisionKey]:
        """The decisions that compared with ``user`` (or used identity opaquely): the ones to
        decide again for that user."""
        found = set(self.memo.opaque)
        found |= self.by_user.get(user, set())
        found |= {decision for decision, ids in self.lists if user in ids}
        return found


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
