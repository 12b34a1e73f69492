"""The auditor: a production safety net for the engine's shortcuts (opt-in).

Groups, patches, moves and memoized decisions make a write cost what it changes; the
stream-consistency checker guards them in tests. In production the auditor keeps checking: now
and then it takes a random open stream, computes its user's values from scratch (the plain
resolve-and-restrict, no shortcut), and compares them with what the stream was sent. A mismatch
is logged once per group with the evidence, counted, and repaired: the client gets the
correcting difference, and the group computes from scratch in its next round. The auditor uses
at most a given share of one core (the time of a check sets the pause before the next).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Hashable, Mapping

import anyio

from domain.autoupdate.compute import run_complete, user_values
from domain.autoupdate.group import Group, State
from domain.autoupdate.groups import Groups
from domain.autoupdate.member import Member, encoded
from domain.autoupdate.message import Message
from domain.autoupdate.view import view
from domain.errors import ClientError

log = logging.getLogger("autoupdate.audit")

MIN_PAUSE = 1.0
"""Seconds between two checks at least, however cheap they are."""
EVIDENCE_KEYS = 10
"""Differing keys a mismatch's log line shows."""


class Auditor:
    def __init__(self, groups: Groups, rng: random.Random | None = None) -> None:
        self._groups = groups
        self._rng = rng or random.Random()
        self._logged: set[Hashable] = set()
        self.checks = 0
        self.mismatches = 0

    async def run(self, share: float) -> None:
        """Check streams forever, using at most ``share`` of one core."""
        while True:
            started = time.perf_counter()
            await self.check()
            spent = time.perf_counter() - started
            await anyio.sleep(max(MIN_PAUSE, spent * (1 - share) / share))

    async def check(self) -> bool | None:
        """Check one random open stream; ``True`` if it was right, ``False`` if it was wrong
        (and is repaired now), ``None`` if there was nothing to check."""
        members = [
            member
            for group in self._groups
            if group.state is State.CURRENT
            for member in group.members
            if member.subscription is not None
        ]
        if not members:
            return None
        member = self._rng.choice(members)
        group = member.group
        assert group is not None
        try:
            values, _ = await run_complete(
                self._groups.cache,
                lambda reader: user_values(
                    reader, self._groups.restricter, member.user_id, group.request, self._groups.max_keys
                ),
            )
        except ClientError:
            return None  # the next round of its group ends the stream with this error
        # Nothing was awaited since the computation's last run: the data is the group's if the
        # group is still current.
        if member.group is not group or group.state is not State.CURRENT or member not in group.members:
            return None
        self.checks += 1
        fresh = encoded(values)
        sent = view(group.current, member.patch)
        wrong = {key: value for key, value in fresh.items() if sent.get(key) != value}
        if not wrong:
            return True
        self.mismatches += 1
        self._repair(group, member, sent, wrong, fresh)
        return False

    def _repair(
        self,
        group: Group,
        member: Member,
        sent: Mapping[str, bytes],
        wrong: dict[str, bytes | None],
        fresh: Mapping[str, bytes | None],
    ) -> None:
        if group.key not in self._logged:
            self._logged.add(group.key)
            evidence = ", ".join(
                f"{key}: sent {_text(sent.get(key))}, fresh {_text(value)}"
                for key, value in sorted(wrong.items())[:EVIDENCE_KEYS]
            )
            log.error(
                "audit: the stream of user %s differs from a fresh computation in %d keys (%s); "
                "corrected, its group starts over",
                member.user_id,
                len(wrong),
                evidence,
            )
        member.push(Message(wrong))
        told = {key: value for key, value in fresh.items() if value is not None}
        group.start_over(member, told)


def _text(value: bytes | None) -> str:
    text = "(none)" if value is None else value.decode(errors="replace")
    return text if len(text) <= 80 else text[:80] + "…"
