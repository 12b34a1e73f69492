"""The state behind the calculated field ``poll/live_votes`` (spec §5.9), kept apart from I/O.

The vote service sends the full state after each (re)connect and then only changes. This
state machine turns each message into the changed ``poll/<id>/live_votes`` values, ready for
``Autoupdate.apply_changes``, so the engine wakes only the readers of polls that changed.
"""

from __future__ import annotations

from typing import Any

from ports.votes import VoteMessage


def live_votes_key(poll_id: int) -> str:
    return f"poll/{poll_id}/live_votes"


class LiveVotes:
    """Poll id → (user id string → vote string or ``None``), merged from vote-service messages."""

    def __init__(self) -> None:
        self._polls: dict[int, dict[str, Any]] = {}

    def apply(self, message: VoteMessage) -> dict[str, Any]:
        """Merge one message; return each changed key → its new value (``None``: no poll).

        A reset message starts from an empty state, so polls it does not name are gone. A
        ``None`` poll value deletes the poll; otherwise the user entries are merged (added or
        updated, never removed). Keys whose value did not change are not returned.
        """
        touched = set(message.polls) | (self._polls.keys() if message.reset else set())
        before = {poll_id: self.value(poll_id) for poll_id in touched}
        if message.reset:
            self._polls = {}
        for poll_id, votes in message.polls.items():
            if votes is None:
                self._polls.pop(poll_id, None)
            else:
                self._polls.setdefault(poll_id, {}).update(votes)
        changed: dict[str, Any] = {}
        for poll_id in sorted(touched):
            value = self.value(poll_id)
            if value != before[poll_id]:
                changed[live_votes_key(poll_id)] = value
        return changed

    def value(self, poll_id: int) -> dict[str, Any] | None:
        """The value of ``poll/<id>/live_votes``: user ids sorted as strings (as Go encodes
        them), or ``None`` for a poll the vote service does not know."""
        votes = self._polls.get(poll_id)
        if votes is None:
            return None
        return {user_id: votes[user_id] for user_id in sorted(votes)}
