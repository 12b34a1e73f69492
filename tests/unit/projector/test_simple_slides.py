"""The shared user and title helpers and the simple slides, where the projector vectors do not
reach: lenient ids, the poll user object, titler details, option decoding and error cases.

The registry is built from these modules only, so the tests do not depend on the other slides.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.api import projection_content
from domain.projector.context import SlideContext, SlideError, SlideRegistry
from domain.projector.slides import agenda_item_list, motion_block, titles, user, wifi_access_data
from domain.projector.users import load_user, poll_user
from domain.reader import FlatSource, Reader

REGISTRY = SlideRegistry(
    slides={
        "agenda_item_list": agenda_item_list.agenda_item_list,
        "motion_block": motion_block.motion_block,
        "user": user.user,
        "wifi_access_data": wifi_access_data.wifi_access_data,
    },
    titlers={
        "topic": titles.topic_title,
        "motion": titles.motion_title,
        "meeting_mediafile": titles.meeting_mediafile_title,
    },
)
ERROR = {"error": "calculating key projection/1/content"}


def _context(data: dict[str, Any]) -> SlideContext:
    return SlideContext(Reader(FlatSource(data)), REGISTRY)


def _content(data: dict[str, Any], content_object_id: str, type: str = "", options: Any = None) -> Any:
    projection = {
        "projection/1/id": 1,
        "projection/1/content_object_id": content_object_id,
        "projection/1/type": type or None,
        "projection/1/meeting_id": 1,
        "projection/1/options": options,
        "projection/1/current_projector_id": 1,
    }
    stored = {key: value for key, value in projection.items() if value is not None}
    return projection_content({**data, **stored}, 1, REGISTRY)


@pytest.mark.parametrize(
    ("fqid", "expected"),
    [("user/12", 12), ("user/007", 7), ("user/abc", 0), ("user/ 1", 0), ("user/-1", 0), ("user/1_0", 0)],
)
def test_fqid_ids_are_parsed_like_upstream_keys(fqid: str, expected: int) -> None:
    assert titles.fqid_id(fqid) == expected


def test_the_user_slide_of_a_non_numeric_id_fails() -> None:
    assert _content({"user/1/id": 1, "user/1/username": "a"}, "user/abc") == ERROR


USER = {"user/5/id": 5, "user/5/username": "ada", "user/5/meeting_user_ids": [50]}
MEETING_USER = {
    "meeting_user/50/id": 50,
    "meeting_user/50/meeting_id": 1,
    "meeting_user/50/structure_level_ids": [8],
}


def test_a_representation_for_another_meeting_than_loaded_is_refused() -> None:
    data = {**USER, **MEETING_USER, "structure_level/8/id": 8, "structure_level/8/name": "Zeta"}
    loaded = load_user(_context(data), 5, 1)
    assert loaded.representation(1) == "ada (Zeta)"
    with pytest.raises(ValueError):
        loaded.representation(2)


def test_the_meeting_user_whose_levels_are_read_must_exist() -> None:
    """Upstream reads its structure levels with an existence check."""
    data = {**USER, "meeting_user/50/meeting_id": 1}
    with pytest.raises(SlideError):
        load_user(_context(data), 5, 1)


def test_the_poll_user_has_the_name_fields_that_are_stored_even_empty_ones() -> None:
    data = {"user/3/id": 3, "user/3/title": "", "user/3/last_name": "Lovelace", "user/3/username": "ada"}
    assert poll_user(_context(data), 3) == {"id": 3, "title": "", "last_name": "Lovelace"}


def test_the_poll_user_must_exist() -> None:
    with pytest.raises(SlideError):
        poll_user(_context({}), 3)


TOPIC = {"topic/1/id": 1, "topic/1/title": "Budget", "topic/1/agenda_item_id": 4}


def test_a_titler_without_hint_reads_the_item_number_of_an_agenda_item_that_must_exist() -> None:
    ctx = _context(TOPIC)
    with pytest.raises(SlideError):
        ctx.title_info("topic/1")
    assert ctx.title_info("topic/1", "7.")["agenda_item_number"] == "7."


def test_the_meeting_mediafile_titler_gives_the_mediafile_title_decision_d1() -> None:
    data = {
        "meeting_mediafile/5/id": 5,
        "meeting_mediafile/5/mediafile_id": 7,
        "mediafile/7/id": 7,
        "mediafile/7/title": "My PDF",
    }
    assert _context(data).title_info("meeting_mediafile/5") == {
        "collection": "mediafile",
        "content_object_id": "mediafile/7",
        "title": "My PDF",
    }


def test_the_meeting_mediafile_titler_fails_without_the_mediafile() -> None:
    with pytest.raises(SlideError):
        _context({"meeting_mediafile/5/id": 5}).title_info("meeting_mediafile/5")


AGENDA = {
    "meeting/1/id": 1,
    "meeting/1/agenda_item_ids": [1, 2],
    "agenda_item/1/id": 1,
    "agenda_item/1/content_object_id": "topic/1",
    "agenda_item/1/item_number": "1",
    "agenda_item/2/id": 2,
    "agenda_item/2/content_object_id": "topic/1",
    "agenda_item/2/item_number": "1.1",
    "agenda_item/2/parent_id": 1,
    "agenda_item/2/level": 1,
    **TOPIC,
}


@pytest.mark.parametrize(
    ("options", "numbers"), [(None, ["1", "1.1"]), ({}, ["1", "1.1"]), ({"only_main_items": True}, ["1"])]
)
def test_agenda_options(options: Any, numbers: list[str]) -> None:
    content = _content(AGENDA, "meeting/1", "agenda_item_list", options)
    assert [item["title_information"]["agenda_item_number"] for item in content["items"]] == numbers


@pytest.mark.parametrize("options", ["x", [1], {"only_main_items": "yes"}])
def test_agenda_options_of_the_wrong_type_fail(options: Any) -> None:
    assert _content(AGENDA, "meeting/1", "agenda_item_list", options) == ERROR


def test_an_agenda_item_listed_twice_is_shown_twice() -> None:
    data = {**AGENDA, "meeting/1/agenda_item_ids": [1, 1]}
    content = _content(data, "meeting/1", "agenda_item_list")
    assert [item["depth"] for item in content["items"]] == [0, 0]


def test_an_agenda_item_without_a_titler_fails() -> None:
    data = {**AGENDA, "agenda_item/2/content_object_id": "assignment/1", "assignment/1/id": 1}
    assert _content(data, "meeting/1", "agenda_item_list") == ERROR


BLOCK = {
    "motion_block/1/id": 1,
    "motion_block/1/title": "Block",
    "motion_block/1/motion_ids": [2],
    "motion/2/id": 2,
    "motion/2/title": "M",
    "motion/2/recommendation_id": 3,
    "motion_state/3/id": 3,
}


def test_motion_block_references_are_listed_even_when_the_extension_is_hidden() -> None:
    data = {
        **BLOCK,
        "motion/2/recommendation_extension_reference_ids": ["motion/9"],
        "motion/9/id": 9,
        "motion/9/title": "Nine",
    }
    content = _content(data, "motion_block/1")
    assert content["motions"] == [
        {"title": "M", "number": "", "recommendation": {"recommendation_label": "", "css_class": ""}}
    ]
    assert content["referenced"] == {
        "motion/9": {
            "collection": "motion",
            "content_object_id": "motion/9",
            "title": "Nine",
            "number": "",
            "agenda_item_number": "",
        }
    }


def test_a_motion_block_reference_to_another_collection_fails_in_the_motion_titler() -> None:
    data = {**BLOCK, "motion/2/recommendation_extension_reference_ids": ["topic/1"], **TOPIC}
    assert _content(data, "motion_block/1") == ERROR


def test_motion_block_with_a_missing_recommendation_state_fails() -> None:
    data = {key: value for key, value in BLOCK.items() if not key.startswith("motion_state/")}
    assert _content(data, "motion_block/1") == ERROR


def test_wifi_settings_of_the_wrong_type_fail() -> None:
    data = {"meeting/1/id": 1, "meeting/1/users_pdf_wlan_ssid": 5}
    assert _content(data, "meeting/1", "wifi_access_data") == ERROR
