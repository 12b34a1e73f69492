"""Realistic keys requests, as the OpenSlides client sends them (used by tests and benchmarks)."""

from __future__ import annotations

import importlib.resources
import json
from typing import Any


def _relation(collection: str, fields: dict[str, Any], *, many: bool = True) -> dict[str, Any]:
    return {"type": "relation-list" if many else "relation", "collection": collection, "fields": fields}


_USER_NAME = {"first_name": None, "last_name": None, "username": None, "title": None, "pronoun": None}
_MEETING_USER = {"user_id": _relation("user", _USER_NAME, many=False), "structure_level_ids": None}
_SPEAKERS = {
    "speaker_ids": _relation(
        "speaker",
        {
            "meeting_user_id": _relation("meeting_user", _MEETING_USER, many=False),
            "begin_time": None,
            "end_time": None,
            "weight": None,
            "speech_state": None,
            "point_of_order": None,
        },
    ),
    "closed": None,
    "content_object_id": None,
}

MEETING_FIELDS: dict[str, Any] = {
    "name": None,
    "welcome_title": None,
    "enable_anonymous": None,
    "motion_ids": _relation(
        "motion",
        {
            "title": None,
            "number": None,
            "text": None,
            "sequential_number": None,
            "state_id": _relation("motion_state", {"name": None, "css_class": None}, many=False),
            "submitter_ids": _relation(
                "motion_submitter",
                {"meeting_user_id": _relation("meeting_user", _MEETING_USER, many=False), "weight": None},
            ),
            "category_id": None,
            "block_id": None,
            "list_of_speakers_id": None,
            "agenda_item_id": None,
            "poll_ids": None,
            "personal_note_ids": _relation("personal_note", {"note": None, "star": None}),
        },
    ),
    "agenda_item_ids": _relation(
        "agenda_item",
        {
            "item_number": None,
            "comment": None,
            "is_hidden": None,
            "is_internal": None,
            "weight": None,
            "parent_id": None,
            "content_object_id": {"type": "generic-relation", "fields": {"title": None}},
        },
    ),
    "list_of_speakers_ids": _relation("list_of_speakers", _SPEAKERS),
    "group_ids": _relation("group", {"name": None, "permissions": None, "weight": None}),
    "meeting_user_ids": _relation("meeting_user", _MEETING_USER),
    "poll_ids": _relation(
        "poll",
        {
            "title": None,
            "state": None,
            "type": None,
            "content_object_id": None,
            "votescast": None,
            "live_votes": None,
            "option_ids": _relation("option", {"text": None, "yes": None, "no": None, "abstain": None}),
        },
    ),
    "projector_ids": _relation(
        "projector",
        {
            "name": None,
            "current_projection_ids": _relation(
                "projection", {"content": None, "content_object_id": None, "type": None, "stable": None}
            ),
        },
    ),
}


def client_meeting_request() -> bytes:
    """The OpenSlides web client's request when a participant opens meeting 1 (a copy of
    ``../shared/bench/meeting-request.json``, shipped with the package): what benchmarks use."""
    return (importlib.resources.files("simulator.bench") / "meeting-request.json").read_bytes()


def meeting_request(meeting_id: int = 1) -> bytes:
    """A smaller meeting request in the client's shape, for any meeting (tests, the checker)."""
    return json.dumps([{"ids": [meeting_id], "collection": "meeting", "fields": MEETING_FIELDS}]).encode()


ORGANIZATION_REQUEST = (
    b'[{"collection":"organization","ids":[1],"fields":{"committee_ids":'
    b'{"type":"relation-list","collection":"committee","fields":{"name":null}}}}]'
)
"""The default request of OpenSlides' own load tool (openslides-performance ``connect``)."""
