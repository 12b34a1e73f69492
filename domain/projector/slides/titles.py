"""The titlers: title information of content objects (spec projector.md §6.2).

Slides that refer to other objects (agenda items, lists of speakers, polls, motions) show them
by their title information; each collection that can be referred to registers one titler.
"""

from __future__ import annotations

from typing import Any

from domain.projector.context import Fields, SlideContext
from domain.projector.registry import titler
from domain.projector.users import load_user


def fqid_id(fqid: str) -> int:
    """The id of ``fqid``, parsed leniently like upstream's keys: 0 (an object that never exists)
    unless the part after the slash is a plain decimal number."""
    raw = fqid.partition("/")[2]
    return int(raw) if raw.isascii() and raw.isdigit() else 0


def _agenda_item_number(ctx: SlideContext, values: Fields, hint: str) -> str:
    """The hint (the agenda item list passes the item's number), else the item's number."""
    item_id = values.get_int("agenda_item_id")
    if hint or item_id <= 0:
        return hint
    return ctx.get_str(f"agenda_item/{item_id}/item_number", must=True)


def _titled(ctx: SlideContext, fqid: str, hint: str) -> dict[str, Any]:
    """The shape shared by motion blocks, topics and assignments."""
    values = ctx.obj(fqid, "id", "title", "agenda_item_id")
    return {
        "collection": fqid.partition("/")[0],
        "content_object_id": fqid,
        "title": values.get_str("title"),
        "agenda_item_number": _agenda_item_number(ctx, values, hint),
    }


@titler("motion")
def motion_title(ctx: SlideContext, fqid: str, item_number_hint: str, meeting_id: int) -> dict[str, Any]:
    values = ctx.obj(fqid, "id", "number", "title", "agenda_item_id")
    return {
        "collection": "motion",
        "content_object_id": fqid,
        "title": values.get_str("title"),
        "number": values.get_str("number"),
        "agenda_item_number": _agenda_item_number(ctx, values, item_number_hint),
    }


@titler("motion_block")
def motion_block_title(
    ctx: SlideContext, fqid: str, item_number_hint: str, meeting_id: int
) -> dict[str, Any]:
    return _titled(ctx, fqid, item_number_hint)


@titler("topic")
def topic_title(ctx: SlideContext, fqid: str, item_number_hint: str, meeting_id: int) -> dict[str, Any]:
    return _titled(ctx, fqid, item_number_hint)


@titler("assignment")
def assignment_title(ctx: SlideContext, fqid: str, item_number_hint: str, meeting_id: int) -> dict[str, Any]:
    return _titled(ctx, fqid, item_number_hint)


@titler("user")
def user_title(ctx: SlideContext, fqid: str, item_number_hint: str, meeting_id: int) -> dict[str, Any]:
    """Upstream calls the key ``username`` although it holds the representation."""
    user = load_user(ctx, fqid_id(fqid), meeting_id)
    return {"collection": "user", "content_object_id": fqid, "username": user.representation(meeting_id)}


@titler("poll_candidate_list")
def poll_candidate_list_title(
    ctx: SlideContext, fqid: str, item_number_hint: str, meeting_id: int
) -> dict[str, Any]:
    values = ctx.obj(fqid, "poll_candidate_ids")
    candidate_ids = values.get_ids("poll_candidate_ids") or []
    return {
        "collection": "poll_candidate_list",
        "content_object_id": fqid,
        "entries_amount": len(candidate_ids),
    }


@titler("meeting_mediafile")
def meeting_mediafile_title(
    ctx: SlideContext, fqid: str, item_number_hint: str, meeting_id: int
) -> dict[str, Any]:
    """The title of the mediafile behind a meeting mediafile.

    Decision P3 D1: upstream reads the non-existent field ``mediafile/mediafile_id`` here and so
    always fails; this port reads ``mediafile/title`` and emits the object upstream intends.
    """
    values = ctx.obj(fqid, "id", "mediafile_id")
    mediafile = f"mediafile/{values.get_int('mediafile_id')}"
    title = ctx.obj(mediafile, "id", "title").get_str("title")
    return {
        "collection": "mediafile",
        "content_object_id": mediafile,
        "title": title,
    }
