"""The motion slide (spec projector.md §7.10): behaviour the shared vectors do not pin.

The vectors cover the settings on/off, mode "final", amendments with every merge branch and the
recommendation; these tests add the remaining options modes, failures, the not-read fields
(which decide recalculation) and the null/absent rules of small edge cases.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.projector.content import calculate
from domain.projector.context import SlideRegistry
from domain.projector.slides.motion import motion_slide
from domain.projector.slides.titles import motion_title
from domain.reader import FlatSource, Reader

REGISTRY = SlideRegistry({"motion": motion_slide}, {"motion": motion_title})
"""Only what the motion slide needs, so that these tests do not depend on the other slides."""
ERROR = {"error": "calculating key projection/1/content"}

BASE: dict[str, Any] = {
    "meeting/1/id": 1,
    "motion/1/id": 1,
    "motion/1/title": "T",
    "motion/1/meeting_id": 1,
    "motion/1/text": "<p>text</p>",
    "motion/1/reason": "<p>reason</p>",
    "motion/1/modified_final_version": "<p>final</p>",
    "projection/1/id": 1,
    "projection/1/content_object_id": "motion/1",
    "projection/1/meeting_id": 1,
    "projection/1/current_projector_id": 1,
}

MINIMAL = {
    "collection": "motion",
    "id": 1,
    "title": "T",
    "number": "",
    "submitters": None,
    "show_sidebox": False,
    "line_length": 0,
    "line_numbering": "",
    "change_recommendations": None,
}


def _run(changes: dict[str, Any]) -> tuple[dict[str, Any], Reader]:
    data = BASE | {key.replace("__", "/"): value for key, value in changes.items()}
    reader = Reader(FlatSource(data))
    return calculate(reader, 1, REGISTRY), reader


def content(**changes: Any) -> dict[str, Any]:
    """The content of projection 1 over BASE with ``changes`` (keys with "__" for "/")."""
    return _run(changes)[0]


def reads(**changes: Any) -> set[str]:
    """The keys the slide read (what its recalculation depends on)."""
    return _run(changes)[1].reads


# -- options -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["final", "modified_final_version"])
def test_final_modes_show_the_modified_final_version(mode: str) -> None:
    assert content(projection__1__options={"mode": mode}) == MINIMAL | {
        "modified_final_version": "<p>final</p>"
    }


@pytest.mark.parametrize("options", [None, {}, {"mode": None}, {"mode": "diff"}, {"other": 1}])
def test_other_modes_do_not_read_the_modified_final_version(options: Any) -> None:
    assert content(projection__1__options=options) == MINIMAL
    assert "motion/1/modified_final_version" not in reads(projection__1__options=options)


def test_options_keys_match_case_insensitively_as_in_go() -> None:
    assert content(projection__1__options={"MODE": "final"})["modified_final_version"] == "<p>final</p>"


@pytest.mark.parametrize("options", ["x", ["final"], 3, {"mode": 1}, {"Mode": ["final"]}])
def test_options_that_do_not_decode_fail(options: Any) -> None:
    assert content(projection__1__options=options) == ERROR


# -- settings and what is read -----------------------------------------------------------------


def test_text_and_reason_are_not_read_when_not_shown() -> None:
    keys = reads()
    assert not {"motion/1/text", "motion/1/amendment_paragraphs", "motion/1/reason"} & keys


def test_text_and_reason_settings() -> None:
    result = content(
        meeting__1__motions_enable_text_on_projector=True,
        meeting__1__motions_enable_reason_on_projector=True,
        meeting__1__motions_preamble="",
    )
    assert result == MINIMAL | {
        "text": "<p>text</p>",
        "reason": "<p>reason</p>",
        "amendment_paragraphs": None,
    }


def test_preamble_only_with_text() -> None:
    assert "preamble" not in content(meeting__1__motions_preamble="P")
    result = content(meeting__1__motions_preamble="P", meeting__1__motions_enable_text_on_projector=True)
    assert result["preamble"] == "P"


def test_missing_meeting_fails() -> None:
    assert content(projection__1__meeting_id=2) == ERROR


def test_missing_motion_fails() -> None:
    assert content(projection__1__content_object_id="motion/2") == ERROR


def test_wrong_type_of_a_field_that_is_not_shown_fails() -> None:
    assert content(motion__1__recommendation_extension=5) == ERROR


# -- lead motion -------------------------------------------------------------------------------


def test_lead_motion_without_text_setting_omits_text_and_zero_line_number() -> None:
    data = {"motion__1__lead_motion_id": 2, "motion__2__id": 2, "motion__2__text": "lead"}
    assert content(**data)["lead_motion"] == {"title": "", "number": ""}
    assert "motion/2/text" not in reads(**data)


def test_missing_lead_motion_fails() -> None:
    assert content(motion__1__lead_motion_id=2) == ERROR


# -- submitters --------------------------------------------------------------------------------


def test_empty_submitter_ids_give_null() -> None:
    assert content(motion__1__submitter_ids=[])["submitters"] is None


def test_submitter_without_meeting_user_fails() -> None:
    assert (
        content(motion__1__submitter_ids=[1], motion_submitter__1__id=1, motion_submitter__1__weight=1)
        == ERROR
    )


def test_submitters_sorted_by_weight_then_meeting_user() -> None:
    data: dict[str, Any] = {"motion__1__submitter_ids": [1, 2, 3]}
    for submitter, (weight, meeting_user) in enumerate([(5, 30), (5, 20), (1, 10)], start=1):
        data |= {
            f"motion_submitter__{submitter}__id": submitter,
            f"motion_submitter__{submitter}__weight": weight,
            f"motion_submitter__{submitter}__meeting_user_id": meeting_user,
            f"meeting_user__{meeting_user}__user_id": meeting_user,
            f"user__{meeting_user}__id": meeting_user,
            f"user__{meeting_user}__username": f"u{meeting_user}",
        }
    assert content(**data)["submitters"] == ["u10", "u20", "u30"]


# -- change recommendations and amendments -----------------------------------------------------


def test_change_recommendation_without_internal_fails() -> None:
    """Spec §8 D8, kept."""
    assert content(motion__1__change_recommendation_ids=[1], motion_change_recommendation__1__id=1) == ERROR


def test_internal_change_recommendation_is_skipped_before_decoding() -> None:
    result = content(
        motion__1__change_recommendation_ids=[1],
        motion_change_recommendation__1__id=1,
        motion_change_recommendation__1__internal=True,
        motion_change_recommendation__1__line_from="not an int",
    )
    assert result["change_recommendations"] is None


def test_empty_amendment_ids_omit_amendments() -> None:
    assert "amendments" not in content(motion__1__amendment_ids=[])


def test_amendment_without_state_fails() -> None:
    assert content(motion__1__amendment_ids=[2], motion__2__id=2) == ERROR


def test_amendment_do_not_merge_does_not_read_its_recommendation() -> None:
    data = {
        "motion__1__amendment_ids": [2],
        "motion__2__id": 2,
        "motion__2__state_id": 5,
        "motion__2__recommendation_id": 6,
        "motion_state__5__id": 5,
        "motion_state__5__merge_amendment_into_final": "do_not_merge",
    }
    (amendment,) = content(**data)["amendments"]
    assert amendment["merge_amendment_into_final"] == amendment["merge_amendment_into_diff"] == "undefined"
    assert "motion_state/6/merge_amendment_into_final" not in reads(**data)


# -- recommendation ----------------------------------------------------------------------------

RECOMMENDATION = {
    "meeting__1__motions_enable_recommendation_on_projector": True,
    "motion__1__recommendation_id": 4,
    "motion__1__recommendation_extension": "ext",
    "motion_state__4__id": 4,
    "motion_state__4__show_recommendation_extension_field": True,
}


def test_recommendation_extension_without_references() -> None:
    result = content(**RECOMMENDATION)
    assert result == MINIMAL | {"recommendation_extension": "ext"}


def test_recommendation_reference_to_another_collection_fails() -> None:
    assert content(**RECOMMENDATION, motion__1__recommendation_extension_reference_ids=["topic/1"]) == ERROR


def test_recommendation_state_must_exist() -> None:
    assert content(**RECOMMENDATION | {"motion_state__4__id": None}) == ERROR


def test_referring_motions_need_the_setting() -> None:
    data = {"motion__1__referenced_in_motion_recommendation_extension_ids": [2], "motion__2__id": 2}
    assert "recommendation_referencing_motions" not in content(**data)
    result = content(**data, meeting__1__motions_show_referring_motions=True)
    assert result["recommendation_referencing_motions"] == [
        {
            "collection": "motion",
            "content_object_id": "motion/2",
            "title": "",
            "number": "",
            "agenda_item_number": "",
        }
    ]
