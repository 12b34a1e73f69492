"""The ``poll`` slide (spec projector.md §7.12): a poll, its options and, once published, its results.

Which fields are read depends on the state: results only when published, the live-voting fields
only for a poll that is not published and has live voting enabled. A field that was not read is
left out of the output, as is one that was read but has no value. The projection option
``single_votes`` adds the individual votes and the entitled users (:mod:`poll_votes`).

Where upstream panics (an option without a weight, a published poll without its global option,
spec §8 D4), this slide fails and the projection gets the error envelope (P3).
"""

from __future__ import annotations

from typing import Any

from domain.projector.context import (
    Fields,
    Projection,
    SlideContext,
    SlideError,
    as_bool,
    as_str,
    option_flag,
)
from domain.projector.registry import slide
from domain.projector.slides.poll_votes import Option, single_votes

PUBLISHED = "published"
BASE_FIELDS = (
    "id",
    "content_object_id",
    "title",
    "description",
    "type",
    "live_voting_enabled",
    "state",
    "global_yes",
    "global_no",
    "global_abstain",
    "option_ids",
    "meeting_id",
)
PUBLISHED_FIELDS = (
    "entitled_users_at_stop",
    "is_pseudoanonymized",
    "pollmethod",
    "onehundred_percent_base",
    "votesvalid",
    "votesinvalid",
    "votescast",
    "global_option_id",
)
LIVE_FIELDS = ("live_votes", "is_pseudoanonymized", "pollmethod", "onehundred_percent_base")
RESULT_STRINGS = ("pollmethod", "onehundred_percent_base", "votesvalid", "votesinvalid", "votescast")
VOTE_COUNTS = ("yes", "no", "abstain")


@slide("poll")
def poll(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """The poll in the key order upstream emits; see the module docstring for what is read when."""
    coid = projection.content_object_id
    published = ctx.get_str(f"{coid}/state", must=True) == PUBLISHED
    values = ctx.obj(coid, *BASE_FIELDS, *_state_fields(ctx, coid, published))
    poll_id = values.get_int("id")
    head = _head(ctx, values, projection.meeting_id)
    options = _options(ctx, values.get_ids("option_ids"), published, projection)
    live_voting_enabled = values.get_bool("live_voting_enabled")
    votes: dict[str, Any] = {}
    if option_flag(projection.options, "single_votes"):
        votes = single_votes(
            ctx,
            poll_id,
            options,
            at_stop=values.get("entitled_users_at_stop"),
            live_voting_enabled=live_voting_enabled,
            live_votes=values.get("live_votes"),
        )
    elif values.get("entitled_users_at_stop") is not None:
        votes = {"entitled_users_at_stop": values["entitled_users_at_stop"]}
    return {
        "id": poll_id,
        **head,
        "options": [option.body for option in options] if options else None,
        **votes,
        "live_voting_enabled": live_voting_enabled,
        **_results(ctx, values, published),
    }


def _head(ctx: SlideContext, values: Fields, meeting_id: int) -> dict[str, Any]:
    """The fields every poll shows, from its content object's title to the global flags."""
    values.get_int("meeting_id")  # unused, but upstream fails on a wrong type
    content_object_id = values.get_str("content_object_id")
    return {
        "content_object_id": content_object_id,
        "title_information": ctx.title_info(content_object_id, "", meeting_id),
        "title": values.get_str("title"),
        "description": values.get_str("description"),
        "type": values.get_str("type"),
        "state": values.get_str("state"),
        "global_yes": values.get_bool("global_yes"),
        "global_no": values.get_bool("global_no"),
        "global_abstain": values.get_bool("global_abstain"),
    }


def _state_fields(ctx: SlideContext, coid: str, published: bool) -> tuple[str, ...]:
    """The fields read besides the base ones: results when published, else live-voting data."""
    if published:
        return PUBLISHED_FIELDS
    if ctx.get_bool(f"{coid}/live_voting_enabled", must=True):
        return LIVE_FIELDS
    return ()


def _options(
    ctx: SlideContext, option_ids: list[int] | None, published: bool, projection: Projection
) -> list[Option]:
    """The poll's options sorted by (weight, id); the counts only for a published poll."""
    fields = ("text", "content_object_id", "weight", "id", *(VOTE_COUNTS if published else ()))
    options = [_option(ctx, option_id, fields, projection.meeting_id) for option_id in option_ids or ()]
    return sorted(options, key=lambda option: (option.weight, option.id))


def _option(ctx: SlideContext, option_id: int, fields: tuple[str, ...], meeting_id: int) -> Option:
    fqid = f"option/{option_id}"
    values = ctx.obj(fqid, *fields)
    if values["weight"] is None:  # upstream: "decoding option weight", then a panic (D4)
        raise SlideError(f"{fqid} has no weight")
    body: dict[str, Any] = {}
    text = values.get_str("text")
    if text:
        body["text"] = text
    content_object_id = values.get_str("content_object_id")
    if content_object_id:
        body["content_object_id"] = content_object_id
        body["content_object"] = ctx.title_info(content_object_id, "", meeting_id)
    for field in VOTE_COUNTS:
        count = values.optional(field, as_str)
        if count is not None:
            body[field] = count
    weight = values.get_int("weight")
    return Option(id=values.get_int("id"), weight=weight, body=body)


def _results(ctx: SlideContext, values: Fields, published: bool) -> dict[str, Any]:
    """The result fields that were read and have a value, and the global option if published."""
    results: dict[str, Any] = {}
    anonymized = values.optional("is_pseudoanonymized", as_bool)
    if anonymized is not None:
        results["is_pseudoanonymized"] = anonymized
    for field in RESULT_STRINGS:
        value = values.optional(field, as_str)
        if value is not None:
            results[field] = value
    if published:
        global_option_id = values.get_int("global_option_id")
        results["global_option"] = _global_option(ctx, global_option_id)
    return results


def _global_option(ctx: SlideContext, option_id: int) -> dict[str, str]:
    """Yes/no/abstain of the global option ("" when unset); a missing one fails (D4)."""
    fqid = f"option/{option_id}"
    values = ctx.obj(fqid, *VOTE_COUNTS)
    return {field: values.get_str(field) for field in VOTE_COUNTS}
