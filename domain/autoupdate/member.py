"""Members of a group: one per open stream (or ``single`` request) of the group's request and
permission profile, and what each must be told.

A member's view is its group's view with the member's *patch* laid over it: the few keys where
a decision that compared with the member's identity comes out differently for it (own
objects, personal notes, submitters, …). The invariant the engine keeps: what a greeted
member's client holds, for the keys the request resolves to, is exactly that view.

A member comes to a group as a *joiner*: a new stream (told nothing yet), a ``single`` request,
or a member that moves over from another group (told that group's view). The group takes its
joiners in its next round, on the same data as its own view, and tells each the difference
between what it was told and its view here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from domain.autoupdate.message import Message
from domain.autoupdate.subscription import Subscription
from domain.outcome import Outcome
from domain.values import encode

if TYPE_CHECKING:
    from domain.autoupdate.group import Group

Values = dict[str, bytes]
"""Encoded values by key: the keys that have a visible value."""
Patch = dict[str, bytes | None]
"""Where a member's view differs from its group's: the member's value, or ``None``."""


class Member:
    """One stream (or one ``single`` request) of a user in a group."""

    __slots__ = (
        "answer",
        "deps",
        "group",
        "patch",
        "patch_reads",
        "profile_deps",
        "recheck_profile",
        "stale",
        "subscription",
        "told",
        "user_id",
    )

    def __init__(self, user_id: int, subscription: Subscription | None) -> None:
        self.user_id = user_id
        self.subscription = subscription
        """``None`` for a ``single`` request: answered once through :attr:`answer`."""
        self.group: Group | None = None
        self.patch: Patch = {}
        self.patch_reads: set[str] = set()
        self.profile_deps: set[str] = set()
        self.deps: set[str] = set()
        """What the dependency index has this member under (kept by the index)."""
        self.told: Mapping[str, bytes] | None = None
        """While joining: the view its client holds (``None``: nothing yet, a new stream)."""
        self.answer: Outcome[Message | None] = Outcome()
        """Resolved when the member is greeted (with the message for a ``single``; a stream's is
        queued, and not kept here: a first message is about a megabyte), or failed with the
        error of the first computation."""
        self.stale = False
        """Data only this member's patch (or profile) read changed: decide its patch again."""
        self.recheck_profile = False
        """Data its permission profile read changed: it may belong to another group now."""

    def notify(self, changed: Iterable[str]) -> None:
        """Some of ``changed`` are among :attr:`deps` (profile or patch reads)."""
        if not self.profile_deps.isdisjoint(changed):
            self.recheck_profile = True
        self.stale = True
        if self.group is not None:
            self.group.schedule()

    def push(self, message: Message) -> None:
        if self.subscription is not None and message:
            self.subscription.push(message)

    def greet(self, message: Message) -> None:
        """The first message: queued for a stream, the answer of a ``single``."""
        if self.subscription is not None:
            self.subscription.push(message)
        if not self.answer.done():
            self.answer.set_result(message if self.subscription is None else None)

    def fail(self, error: BaseException) -> None:
        """End the member with ``error``: before its greeting the joiner gets it, after it the
        stream ends with it."""
        if not self.answer.done():
            self.answer.set_error(error)
        elif self.subscription is not None:
            self.subscription.end(error)


def member_message(
    message: Mapping[str, bytes | None],
    before: Mapping[str, bytes],
    after: Mapping[str, bytes],
    keys: Collection[str],
    old: Patch,
    new: Patch,
) -> dict[str, bytes | None]:
    """What a member must be told, given the group's message and values ``before`` and
    ``after`` it, and the member's patch before (``old``) and after (``new``). Keys no longer
    requested are not reported (as for every stream)."""
    result = {key: value for key, value in message.items() if key not in old and key not in new}
    for key in old.keys() | new.keys():
        if key not in keys:
            continue
        was = old[key] if key in old else before.get(key)
        now = new[key] if key in new else after.get(key)
        if was != now:
            result[key] = now
    return result


def moved_message(
    before: Mapping[str, bytes], after: Mapping[str, bytes], keys: Collection[str]
) -> dict[str, bytes | None]:
    """What a member that changed groups must be told: the difference of its two views on the
    keys requested now."""
    result: dict[str, bytes | None] = {}
    for key in keys:
        was, now = before.get(key), after.get(key)
        if was != now:
            result[key] = now
    return result


def patch_of(current: Mapping[str, bytes], values: Mapping[str, bytes | None]) -> Patch:
    """The values that differ from the group's."""
    return {key: value for key, value in values.items() if value != current.get(key)}


def encoded(values: Mapping[str, Any]) -> dict[str, bytes | None]:
    """Each value encoded once (``None``: no visible value)."""
    return {key: None if value is None else encode(value) for key, value in values.items()}
