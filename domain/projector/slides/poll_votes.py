"""Single votes and entitled users of the ``poll`` slide (spec projector.md §7.12, "Single votes").

With the projection option ``single_votes``, every option lists its votes, and the poll shows who
was entitled to vote: for a published poll the stored ``entitled_users_at_stop`` enriched with
users and structure levels, otherwise (with live voting) the members of the entitled groups with
their live votes. ``poll/live_votes`` is a calculated field of the vote service: a JSON object
user id → vote JSON string (or null).

Upstream panics on an entitled user whose ``user_id``/``user_merged_into_id`` is not an integer
(spec §8 D6); here that fails and the projection gets the error envelope (P3).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from domain.atoi import atoi
from domain.projector.context import SlideContext, SlideError, as_int, as_str
from domain.projector.users import poll_user


class Option(NamedTuple):
    """An option of the slide: ``body`` is its output, ``id`` and ``weight`` its sort key."""

    id: int
    weight: int
    body: dict[str, Any]


def single_votes(
    ctx: SlideContext,
    poll_id: int,
    options: list[Option],
    *,
    at_stop: Any,
    live_voting_enabled: bool,
    live_votes: Any,
) -> dict[str, Any]:
    """Add the votes to the options; return the entitled-users keys of the slide.

    ``at_stop`` is only read for a published poll and ``live_votes`` only for a live poll that is
    not published; a published poll without ``entitled_users_at_stop`` but with live voting
    enabled thus shows the entitled groups' members without votes, like upstream.
    """
    for option in options:
        vote_ids = ctx.get_ids(f"option/{option.id}/vote_ids", must=True) or ()
        if vote_ids:  # no votes: no ``votes`` key
            option.body["votes"] = [_vote(ctx, vote_id) for vote_id in vote_ids]
    if at_stop is not None:
        return _entitled_at_stop(ctx, poll_id, at_stop)
    if live_voting_enabled:
        return _live_voting(ctx, poll_id, live_votes)
    return {}


def _vote(ctx: SlideContext, vote_id: int) -> dict[str, Any]:
    """A single vote; a vote without a user (anonymous or deleted) has ``user_id``/``user`` null."""
    fqid = f"vote/{vote_id}"
    values = ctx.obj(fqid, "id", "user_id", "value")
    user_id = values.optional("user_id", as_int)
    return {
        "user_id": user_id,
        "user": None if user_id is None else poll_user(ctx, user_id),
        "value": values.get_str("value"),
    }


def _entitled_meeting_users(ctx: SlideContext, poll_id: int) -> Iterator[int]:
    """The meeting users of the poll's entitled groups, group by group (repeats included)."""
    for group_id in ctx.get_ids(f"poll/{poll_id}/entitled_group_ids", must=True) or ():
        yield from ctx.get_ids(f"group/{group_id}/meeting_user_ids", must=True) or ()


def _first_level(ctx: SlideContext, meeting_user_id: int, levels: dict[str, str]) -> int | None:
    """The meeting user's first structure level (stored order), noting its name in ``levels``."""
    level_ids = ctx.get_ids(f"meeting_user/{meeting_user_id}/structure_level_ids", must=True)
    if not level_ids:
        return None
    if str(level_ids[0]) not in levels:
        levels[str(level_ids[0])] = ctx.get_str(f"structure_level/{level_ids[0]}/name", must=True)
    return level_ids[0]


def _with_levels(result: dict[str, Any], levels: dict[str, str]) -> dict[str, Any]:
    """``entitled_structure_levels`` is left out when no entitled user has a level."""
    return {**result, "entitled_structure_levels": levels} if levels else result


# -- published: entitled_users_at_stop ----------------------------------------------------------


def _entitled_at_stop(ctx: SlideContext, poll_id: int, at_stop: Any) -> dict[str, Any]:
    """The stored entries (a list of objects), each with its ``user`` and, if the user is in an
    entitled group, ``meeting_user_id`` and ``structure_level_id``; entries without a user id
    are dropped, and no entry left gives ``null``."""
    meeting_user_of: dict[int, int] = {}
    for meeting_user_id in _entitled_meeting_users(ctx, poll_id):  # a later one wins
        member = ctx.get_int(f"meeting_user/{meeting_user_id}/user_id", must=True)
        meeting_user_of[member] = meeting_user_id
    if not isinstance(at_stop, list):
        raise SlideError(f"poll/{poll_id}/entitled_users_at_stop must be a list, got {at_stop!r}")
    levels: dict[str, str] = {}
    entries = []
    for item in at_stop:
        user_id = _entry_user_id(item, poll_id)
        if user_id is None:
            continue
        entry = dict(item)
        meeting_user_id = meeting_user_of.get(user_id, 0)
        if meeting_user_id:
            level_id = _first_level(ctx, meeting_user_id, levels)
            if level_id is not None:
                entry["structure_level_id"] = level_id
            entry["meeting_user_id"] = meeting_user_id
        entry["user"] = poll_user(ctx, user_id)
        entries.append(entry)
    return _with_levels({"entitled_users_at_stop": entries or None}, levels)


def _entry_user_id(item: Any, poll_id: int) -> int | None:
    """The user an entry stands for: ``user_merged_into_id`` if the key is there, else
    ``user_id``; ``None`` (drop the entry) without either. A null entry decodes to an empty
    object upstream, so it is dropped too."""
    if item is None:
        return None
    if not isinstance(item, dict):
        raise SlideError(f"poll/{poll_id}/entitled_users_at_stop: entry {item!r} is not an object")
    for key in ("user_merged_into_id", "user_id"):
        if key in item:
            if item[key] is None:  # upstream: a type assertion panic (D6)
                raise SlideError(f"poll/{poll_id}/entitled_users_at_stop: {key} is null")
            return as_int(item[key], f"poll/{poll_id}/entitled_users_at_stop {key}")
    return None


# -- live voting: entitled_users ----------------------------------------------------------------


def _live_voting(ctx: SlideContext, poll_id: int, live_votes: Any) -> dict[str, Any]:
    """``entitled_users`` keyed by user id (always there, ``{}`` without any entitled user) with
    presence, first structure level and, if the user has voted, the live vote and its weight.
    Live votes of users who are not entitled are ignored."""
    votes = _parse_live_votes(live_votes)
    levels: dict[str, str] = {}
    users: dict[str, dict[str, Any]] = {}
    for meeting_user_id in dict.fromkeys(_entitled_meeting_users(ctx, poll_id)):
        user_id, entry = _live_entry(ctx, meeting_user_id, levels, votes)
        users.pop(str(user_id), None)  # a later meeting user of the same user replaces the entry
        users[str(user_id)] = entry
    return _with_levels({"entitled_users": users}, levels)


def _live_entry(
    ctx: SlideContext, meeting_user_id: int, levels: dict[str, str], votes: dict[int, tuple[Any, str]]
) -> tuple[int, dict[str, Any]]:
    fqid = f"meeting_user/{meeting_user_id}"
    meeting_id = ctx.get_int(f"{fqid}/meeting_id", must=True)
    user_id = ctx.get_int(f"{fqid}/user_id", must=True)
    present_in = ctx.get_ids(f"user/{user_id}/is_present_in_meeting_ids", must=True) or []
    level_id = _first_level(ctx, meeting_user_id, levels)
    entry: dict[str, Any] = {"user_data": poll_user(ctx, user_id)}
    if user_id in votes:
        entry["votes"] = votes[user_id][0]
    if level_id is not None:
        entry["structure_level_id"] = level_id
    entry["present"] = meeting_id in present_in
    if user_id in votes:
        entry["weight"] = votes[user_id][1]
    return user_id, entry


def _parse_live_votes(live_votes: Any) -> dict[int, tuple[Any, str]]:
    """user id → (vote value, weight) of ``poll/live_votes``; null and "" mean "no vote".

    Each vote is a JSON string ``{"value": any, "weight": str}``; a missing value gives null and
    a missing weight "". Any other shape fails, as upstream's decoding does.
    """
    if live_votes is None:
        return {}
    if not isinstance(live_votes, dict):
        raise SlideError(f"live_votes must be an object, got {live_votes!r}")
    votes: dict[int, tuple[Any, str]] = {}
    for key, data in live_votes.items():
        user_id = atoi(key)  # upstream decodes an integer map key (Go ``strconv.ParseInt``)
        if user_id is None:
            raise SlideError(f"live_votes: user id {key!r} is not an integer")
        vote = _decode_vote(as_str(data, f"live_votes/{key}"), key)
        if vote is not None:
            votes[user_id] = vote
    return votes


def _decode_vote(data: str, key: str) -> tuple[Any, str] | None:
    if not data:
        return None
    try:
        vote = json.loads(data)
    except ValueError as error:
        raise SlideError(f"live_votes/{key}: invalid vote JSON: {error}") from error
    if vote is None:  # upstream decodes null into an empty vote
        vote = {}
    if not isinstance(vote, dict):
        raise SlideError(f"live_votes/{key}: vote must be an object, got {vote!r}")
    return vote.get("value"), as_str(vote.get("weight"), f"live_votes/{key}/weight")
