"""Builders of flat test data (``collection/id/field → value``): the small pieces every test
world is written from, so that an object, a meeting in its committee and a meeting member are
spelled the same way everywhere."""

from __future__ import annotations

from functools import cache
from typing import Any

from domain.api import visible_keys
from simulator.export import flatten
from simulator.generate import generate_meeting

Data = dict[str, Any]


def obj(fqid: str, **fields: Any) -> Data:
    """The flat keys of one object: ``fields`` and its ``id``."""
    collection, _, id = fqid.partition("/")
    return {f"{collection}/{id}/{name}": value for name, value in {"id": int(id), **fields}.items()}


def meeting(id: int, committee: int, **fields: Any) -> Data:
    """Meeting ``id`` with ``fields`` in committee ``committee`` (both sides of the relation)."""
    return obj(f"committee/{committee}", meeting_ids=[id]) | obj(
        f"meeting/{id}", committee_id=committee, **fields
    )


def group(id: int, meeting: int, *permissions: str, **fields: Any) -> Data:
    """Group ``id`` of ``meeting`` holding ``permissions``."""
    return obj(f"group/{id}", meeting_id=meeting, permissions=list(permissions), **fields)


def member(user: int, meeting_user: int, meeting: int, *groups: int, **fields: Any) -> Data:
    """User ``user`` in ``meeting`` as ``meeting_user`` (with ``fields``) in ``groups``; the
    meeting's and the groups' sides of the relations are the caller's."""
    return obj(f"user/{user}", meeting_user_ids=[meeting_user]) | obj(
        f"meeting_user/{meeting_user}", user_id=user, meeting_id=meeting, group_ids=list(groups), **fields
    )


def sees(data: Data, *keys: str, user: int = 1) -> set[str]:
    """Which of ``keys`` ``user`` may see in ``data``."""
    return visible_keys(data, user, keys)


GENERATED_PARTICIPANTS = 14
"""Users of :func:`generated_meeting` (user 1 is the superadmin)."""


@cache
def generated_meeting(seed: int) -> Data:
    """A small generated meeting, flat: every kind of object, few of each."""
    return flatten(
        generate_meeting(participants=GENERATED_PARTICIPANTS, motions=6, agenda_items=5, polls=4, seed=seed)
    )
