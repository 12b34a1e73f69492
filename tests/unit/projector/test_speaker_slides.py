"""The speaker slides (spec projector §6.4, §7.3 to §7.7): the cases the shared vectors leave out.

Two worlds. ``debate()`` is the structure-level world of spec §9.3 V-S: meeting 1 whose reference
projector 1 shows topic 1 ("Budget") with list of speakers 1, speaker 1 on structure level
Green (sllos 1) and an interposed question (speaker 9) on Blue (sllos 2). ``speakers()`` is a
list of speakers 1 of topic 1 (meeting 1, no limits) whose speakers the test sets. Slides run
as projection 99 on projector 1, through the full pipeline (``domain.api``).
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.api import projection_content
from domain.projector.context import Projection, SlideContext, SlideError
from domain.projector.registry import default_registry
from domain.projector.slides.list_of_speakers import meeting_id_of
from domain.reader import FlatSource, Reader

ERROR = {"error": "calculating key projection/99/content"}


TOPIC_ON_PROJECTOR: dict[str, Any] = {
    "meeting/1/id": 1,
    "meeting/1/reference_projector_id": 1,
    "projector/1/id": 1,
    "projector/1/current_projection_ids": [1],
    "projection/1/id": 1,
    "projection/1/content_object_id": "topic/1",
    "projection/1/current_projector_id": 1,
    "projection/1/meeting_id": 1,
    "topic/1/id": 1,
    "topic/1/title": "Budget",
    "topic/1/list_of_speakers_id": 1,
    "list_of_speakers/1/id": 1,
    "list_of_speakers/1/content_object_id": "topic/1",
    "list_of_speakers/1/meeting_id": 1,
}
"""Topic 1 with list of speakers 1, projected on the reference projector of meeting 1."""


def debate(**speaker: Any) -> dict[str, Any]:
    """The V-S world; ``speaker`` gives the fields of speaker 1."""
    data: dict[str, Any] = {
        "meeting/1/list_of_speakers_intervention_time": 30,
        **TOPIC_ON_PROJECTOR,
        "list_of_speakers/1/speaker_ids": [1],
        "list_of_speakers/1/structure_level_list_of_speakers_ids": [1, 2],
        "structure_level/2/id": 2,
        "structure_level/2/name": "Green",
        "structure_level/2/color": "#00ff00",
        "structure_level/3/id": 3,
        "structure_level/3/name": "Blue",
        "structure_level/3/color": "#0000ff",
        "structure_level_list_of_speakers/1/id": 1,
        "structure_level_list_of_speakers/1/structure_level_id": 2,
        "structure_level_list_of_speakers/1/speaker_ids": [1],
        "structure_level_list_of_speakers/1/initial_time": 120,
        "structure_level_list_of_speakers/1/additional_time": 0,
        "structure_level_list_of_speakers/1/remaining_time": 120,
        "structure_level_list_of_speakers/1/current_start_time": 1000,
        "structure_level_list_of_speakers/2/id": 2,
        "structure_level_list_of_speakers/2/structure_level_id": 3,
        "structure_level_list_of_speakers/2/speaker_ids": [9],
        "structure_level_list_of_speakers/2/initial_time": 60,
        "structure_level_list_of_speakers/2/remaining_time": 60,
        "speaker/9/id": 9,
        "speaker/9/speech_state": "interposed_question",
        "speaker/1/id": 1,
    }
    data.update({f"speaker/1/{field}": value for field, value in speaker.items()})
    return data


def speakers(*fields: dict[str, Any], **meeting: Any) -> dict[str, Any]:
    """List of speakers 1 of topic 1 with speakers 1, 2, … (``fields`` in that order). Meeting
    users 10, 20, … belong to users 10, 20, … named "u10", "u20", …; ``meeting`` overrides the
    display settings (default: no limits, amount shown)."""
    data: dict[str, Any] = {
        "meeting/1/list_of_speakers_amount_next_on_projector": -1,
        "meeting/1/list_of_speakers_amount_last_on_projector": -1,
        "meeting/1/list_of_speakers_show_amount_of_speakers_on_slide": True,
        **TOPIC_ON_PROJECTOR,
        "list_of_speakers/1/speaker_ids": list(range(1, len(fields) + 1)),
    }
    for user_id in (10, 20, 30):
        data |= {f"meeting_user/{user_id}/id": user_id, f"meeting_user/{user_id}/user_id": user_id}
        data |= {f"user/{user_id}/id": user_id, f"user/{user_id}/username": f"u{user_id}"}
    for speaker_id, speaker in enumerate(fields, start=1):
        data[f"speaker/{speaker_id}/id"] = speaker_id
        data |= {f"speaker/{speaker_id}/{field}": value for field, value in speaker.items()}
    data |= {f"meeting/1/{field}": value for field, value in meeting.items()}
    return data


def content(data: dict[str, Any], slide: str, content_object_id: str = "meeting/1") -> Any:
    """The content of projection 99 showing ``slide`` (a meeting slide) or ``content_object_id``;
    ``data`` may override the projection's fields."""
    projection = {
        "id": 99,
        "content_object_id": content_object_id,
        "type": slide,
        "current_projector_id": 1,
        "meeting_id": 1,
    }
    return projection_content({f"projection/99/{f}": v for f, v in projection.items()} | data, 99)


def reads(data: dict[str, Any], slide: str) -> set[str]:
    """The keys a meeting slide reads (what makes it recalculate)."""
    ctx = SlideContext(Reader(FlatSource(data)), default_registry())
    ctx.registry.slides[slide](ctx, Projection(99, slide, "meeting/1", 1, None, 1))
    return ctx.reader.reads


def level(name: str = "Green", **fields: Any) -> dict[str, Any]:
    """The structure level object of Green or Blue with defaults for the other fields."""
    out: dict[str, Any] = {
        "id": 2 if name == "Green" else 3,
        "name": name,
        "color": "#00ff00" if name == "Green" else "#0000ff",
        "speech_state": "",
        "point_of_order": False,
        "answer": False,
    }
    return out | fields


def speaker_json(user: str = "", **fields: Any) -> dict[str, Any]:
    return {"user": user, "speech_state": "", "note": "", "point_of_order": False, "answer": False} | fields


TOPIC_TITLE = {
    "collection": "topic",
    "content_object_id": "topic/1",
    "title": "Budget",
    "agenda_item_number": "",
}

# -- getLosID (§6.4) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_object_id", "meeting_id"),
    [("meeting/1", 1), ("meeting/+1", 1), ("meeting/007", 7), ("meeting/-3", -3)],
)
def test_meeting_id_is_parsed_like_go_atoi(content_object_id: str, meeting_id: int) -> None:
    assert meeting_id_of(content_object_id) == meeting_id


@pytest.mark.parametrize(
    "content_object_id",
    [
        "meeting/",
        "meeting/x",
        "meeting/ 1",
        "meeting/1_0",
        "meeting/1/2",
        "topic/1",
        "meeting/99999999999999999999",
    ],
)
def test_meeting_id_rejects_what_go_atoi_rejects(content_object_id: str) -> None:
    with pytest.raises(SlideError):
        meeting_id_of(content_object_id)


def test_current_los_skips_projections_without_list_of_speakers() -> None:
    """An unset content object, collections without the field (a meeting, a user, a directly
    projected list of speakers) and a zero list are skipped; the next projection wins."""
    data = speakers({"meeting_user_id": 10})
    data |= {
        "projector/1/current_projection_ids": [2, 3, 4, 5, 6, 1],
        "projection/2/id": 2,
        "projection/3/id": 3,
        "projection/3/content_object_id": "meeting/1",
        "projection/4/id": 4,
        "projection/4/content_object_id": "user/10",
        "projection/5/id": 5,
        "projection/5/content_object_id": "list_of_speakers/1",
        "projection/6/id": 6,
        "projection/6/content_object_id": "topic/2",
        "topic/2/id": 2,
    }
    assert content(data, "current_los")["waiting"] == [speaker_json("u10")]


def test_current_los_fails_on_a_list_of_speakers_id_of_the_wrong_type() -> None:
    """Only an invalid key is skipped; a value that does not decode fails the slide."""
    assert content(speakers() | {"topic/1/list_of_speakers_id": "1"}, "current_los") == ERROR


def test_current_los_fails_for_a_projected_object_that_does_not_exist() -> None:
    data = speakers() | {"projection/1/content_object_id": "topic/5"}
    assert content(data, "current_los") == ERROR


# -- list_of_speakers (§7.3) -------------------------------------------------------------------


def test_speakers_are_classified_and_sorted() -> None:
    """V-L3: waiting by (weight, meeting user); of two running speakers only the last is shown."""
    data = speakers(
        {"weight": 5, "meeting_user_id": 20},
        {"weight": 5, "meeting_user_id": 10},
        {"weight": 1},
        {"begin_time": 100, "speech_state": "pro"},
        {"begin_time": 200, "speech_state": "contra"},
        {"begin_time": 300, "end_time": 310, "speech_state": "intervention", "answer": True},
    )
    assert content(data, "list_of_speakers", "list_of_speakers/1") == {
        "collection": "list_of_speakers",
        "waiting": [speaker_json(), speaker_json("u10"), speaker_json("u20")],
        "current": speaker_json(speech_state="contra", begin_time=200),
        "finished": [speaker_json(speech_state="intervention", begin_time=300, answer=True)],
        "title_information": TOPIC_TITLE,
        "closed": False,
        "number_of_waiting_speakers": 3,
    }


def test_ties_keep_the_order_of_speaker_ids() -> None:
    """P3 D9: stable sorts for equal (weight, meeting user) and equal end times."""
    data = speakers(
        {"weight": 1, "note": "a"},
        {"weight": 1, "note": "b"},
        {"begin_time": 1, "end_time": 50, "note": "c"},
        {"begin_time": 2, "end_time": 50, "note": "d"},
        {"begin_time": 3, "end_time": 60, "note": "e"},
    )
    result = content(data, "list_of_speakers", "list_of_speakers/1")
    assert [s["note"] for s in result["waiting"]] == ["a", "b"]
    assert [s["note"] for s in result["finished"]] == ["e", "c", "d"]


def test_waiting_speakers_are_not_cut_when_their_number_is_hidden() -> None:
    """The next-amount applies only with the amount shown; the last-amount always applies."""
    data = speakers(
        {"weight": 1},
        {"weight": 2},
        {"begin_time": 1, "end_time": 2},
        list_of_speakers_amount_next_on_projector=0,
        list_of_speakers_amount_last_on_projector=0,
        list_of_speakers_show_amount_of_speakers_on_slide=False,
    )
    result = content(data, "list_of_speakers", "list_of_speakers/1")
    assert len(result["waiting"]) == 2
    assert result["finished"] == []
    assert "number_of_waiting_speakers" not in result


@pytest.mark.parametrize(
    "change",
    [
        {"list_of_speakers/1/content_object_id": "topic"},
        {"list_of_speakers/1/content_object_id": "poll/1"},  # no titler
        {"projection/99/meeting_id": 2},  # the settings come from a missing meeting
        {"speaker/1/meeting_user_id": 40},  # missing meeting user
        {"speaker/1/weight": "1"},
    ],
)
def test_list_of_speakers_failures(change: dict[str, Any]) -> None:
    data = speakers({"meeting_user_id": 10}) | change
    assert content(data, "list_of_speakers", "list_of_speakers/1") == ERROR


# -- current_speaker_chyron (§7.5) -------------------------------------------------------------


def chyron_world(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data = speakers(*fields) | {
        "projector/1/chyron_background_color": "#000",
        "projector/1/chyron_font_color": "#fff",
        "meeting_user/10/structure_level_ids": [3, 2],
        "structure_level/2/id": 2,
        "structure_level/2/name": "Zeta",
        "structure_level/3/id": 3,
        "structure_level/3/name": "Alpha",
    }
    return data | {key.replace("__", "/"): value for key, value in extra.items()}


def test_chyron_shows_the_first_running_unpaused_speaker_even_an_interposed_question() -> None:
    data = chyron_world(
        {"begin_time": 5, "pause_time": 6, "meeting_user_id": 20},
        {"begin_time": 7, "speech_state": "interposed_question", "meeting_user_id": 10},
        {"begin_time": 8, "meeting_user_id": 30},
    )
    assert content(data, "current_speaker_chyron") == {
        "collection": "current_speaker_chyron",
        "background_color": "#000",
        "font_color": "#fff",
        "title_information": TOPIC_TITLE,
        "current_speaker_name": "u10",
        "current_speaker_level": "Alpha, Zeta",
    }


def test_chyron_without_titler_leaves_out_the_title() -> None:
    data = chyron_world({"begin_time": 5}, list_of_speakers__1__content_object_id="poll/1")
    result = content(data, "current_speaker_chyron")
    assert "title_information" not in result
    assert result["current_speaker_name"] == ""


@pytest.mark.parametrize("content_object_id", [None, "topic"])
def test_chyron_fails_on_a_list_without_a_valid_content_object(content_object_id: str | None) -> None:
    data = chyron_world({"begin_time": 5}, list_of_speakers__1__content_object_id=content_object_id)
    assert content(data, "current_speaker_chyron") == ERROR


# -- current_speaking_structure_level (§7.6) ---------------------------------------------------


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [
        (  # S2: no structure level
            {"begin_time": 1000, "total_pause": 10},
            {"id": 0, "name": "", "color": "", "speech_state": "", "point_of_order": False, "answer": False}
            | {"current_start_time": 1010},
        ),
        (  # S3: an intervention runs on the meeting's intervention time
            {
                "begin_time": 1000,
                "total_pause": 5,
                "speech_state": "intervention",
                "structure_level_list_of_speakers_id": 1,
            },
            level(speech_state="intervention", remaining_time=30, current_start_time=1005),
        ),
        (  # S6: a paused interposed question has no time
            {
                "begin_time": 1000,
                "total_pause": 5,
                "pause_time": 1020,
                "speech_state": "interposed_question",
                "structure_level_list_of_speakers_id": 1,
            },
            level(speech_state="interposed_question", current_start_time=0),
        ),
        (  # a running answer to an intervention has no limit
            {"begin_time": 1000, "speech_state": "intervention", "answer": True},
            {"id": 0, "name": "", "color": "", "speech_state": "intervention", "point_of_order": False}
            | {"answer": True, "current_start_time": 1000},
        ),
        (  # a paused normal speaker keeps the level's times
            {"begin_time": 1000, "pause_time": 1050, "structure_level_list_of_speakers_id": 1},
            level(remaining_time=120, current_start_time=1000),
        ),
    ],
)
def test_current_speaking_structure_level(speaker: dict[str, Any], expected: dict[str, Any]) -> None:
    result = content(debate(**speaker), "current_speaking_structure_level")
    assert result == expected | {"collection": "current_speaking_structure_level"}


def test_nobody_started_gives_an_empty_slide() -> None:
    """S8."""
    result = content(debate(), "current_speaking_structure_level")
    assert result == {"collection": "current_speaking_structure_level"}


def test_fallback_is_the_first_paused_speaker_of_lowest_weight() -> None:
    data = debate(begin_time=1000, pause_time=1010, weight=2, speech_state="pro")
    data |= {
        "list_of_speakers/1/speaker_ids": [1, 5, 6],
        "speaker/5/id": 5,
        "speaker/5/begin_time": 900,
        "speaker/5/pause_time": 950,
        "speaker/5/weight": 2,
        "speaker/5/speech_state": "contra",
        "speaker/6/id": 6,
        "speaker/6/begin_time": 900,
        "speaker/6/end_time": 950,
        "speaker/6/weight": 1,
    }
    assert content(data, "current_speaking_structure_level")["speech_state"] == "pro"


def test_speakers_after_the_current_one_are_not_read() -> None:
    data = debate(begin_time=1000) | {"list_of_speakers/1/speaker_ids": [1, 9]}
    assert not {
        key for key in reads(data, "current_speaking_structure_level") if key.startswith("speaker/9/")
    }


def test_no_current_list_of_speakers() -> None:
    """V-L1 with the P3 decisions D2 and D3: empty slides instead of the error envelope."""
    data = debate(begin_time=1000) | {"topic/1/list_of_speakers_id": None}
    assert content(data, "current_los") == {"collection": "current_los"}
    assert content(data, "current_speaking_structure_level") == {
        "collection": "current_speaking_structure_level"
    }
    assert content(data, "current_structure_level_list") == {
        "collection": "current_structure_level_list",
        "title": "",
        "structure_levels": [],
    }


def test_a_fractional_remaining_time_fails_both_slides() -> None:
    """S10: only integral floats are accepted as integers (P3 D7)."""
    data = debate(begin_time=1000, speech_state="contribution", structure_level_list_of_speakers_id=1)
    data["structure_level_list_of_speakers/1/remaining_time"] = 12.5
    assert content(data, "current_speaking_structure_level") == ERROR
    assert content(data, "current_structure_level_list") == ERROR


# -- current_structure_level_list (§7.7) -------------------------------------------------------


def test_a_level_whose_time_changed_is_listed() -> None:
    data = debate(begin_time=1000, structure_level_list_of_speakers_id=1)
    data["structure_level_list_of_speakers/2/remaining_time"] = 50
    assert content(data, "current_structure_level_list") == {
        "collection": "current_structure_level_list",
        "title": "Budget",
        "structure_levels": [
            level(remaining_time=120, current_start_time=1000),
            level("Blue", remaining_time=50, current_start_time=0),
        ],
    }


def test_a_level_is_listed_for_a_waiting_speaker_on_its_time() -> None:
    data = debate() | {"speaker/9/speech_state": "contribution"}
    levels = content(data, "current_structure_level_list")["structure_levels"]
    assert [entry["name"] for entry in levels] == ["Green", "Blue"]


def test_speakers_of_a_level_are_read_until_one_speaks_on_its_time() -> None:
    data = debate(speech_state="pro") | {
        "structure_level_list_of_speakers/1/current_start_time": None,
        "structure_level_list_of_speakers/1/speaker_ids": [9, 1, 7],
    }
    keys = reads(data, "current_structure_level_list")
    assert {"speaker/9/speech_state", "speaker/1/speech_state"} <= keys
    assert not {key for key in keys if key.startswith("speaker/7/")}
