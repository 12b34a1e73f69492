"""The structure-level countdown slides of the meeting's current list of speakers:
``current_speaking_structure_level`` (spec projector §7.6) and ``current_structure_level_list``
(§7.7).

Both use the structure level object of the client,
``{id, name, color, speech_state, point_of_order, answer, remaining_time?, current_start_time}``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from domain.projector.context import InvalidKey, Projection, SlideContext
from domain.projector.registry import slide
from domain.projector.slides.list_of_speakers import get_los_id, load_los

_OWN_TIME_STATES = ("interposed_question", "intervention")
"""Speech states that do not use the time of the structure level."""


class _Level(NamedTuple):
    """A structure level's time on one list of speakers (a structure_level_list_of_speakers)."""

    id: int
    name: str
    color: str
    remaining_time: int
    current_start_time: int


def _load_level(ctx: SlideContext, sllos_id: int) -> _Level:
    fqid = f"structure_level_list_of_speakers/{sllos_id}"
    times = ctx.obj(fqid, "structure_level_id", "remaining_time", "current_start_time")
    level_id = times.get_int("structure_level_id")
    level_fqid = f"structure_level/{level_id}"
    level = ctx.obj(level_fqid, "name", "color")
    return _Level(
        id=level_id,
        name=level.get_str("name"),
        color=level.get_str("color"),
        remaining_time=times.get_int("remaining_time"),
        current_start_time=times.get_int("current_start_time"),
    )


def _level_json(
    level: _Level | None,
    speech_state: str,
    point_of_order: bool,
    answer: bool,
    remaining_time: int | None,
    current_start_time: int,
) -> dict[str, Any]:
    """The client's structure level object; ``remaining_time`` is left out when ``None``."""
    out: dict[str, Any] = {
        "id": level.id if level else 0,
        "name": level.name if level else "",
        "color": level.color if level else "",
        "speech_state": speech_state,
        "point_of_order": point_of_order,
        "answer": answer,
    }
    if remaining_time is not None:
        out["remaining_time"] = remaining_time
    out["current_start_time"] = current_start_time
    return out


# -- current_speaking_structure_level ----------------------------------------------------------


class _Speaker(NamedTuple):
    speech_state: str
    point_of_order: bool
    answer: bool
    weight: int
    begin_time: int
    pause_time: int
    end_time: int
    total_pause: int
    sllos_id: int

    @property
    def running(self) -> bool:
        """Started and not ended (possibly paused)."""
        return self.begin_time != 0 and self.end_time == 0


def _load_speaker(ctx: SlideContext, speaker_id: int) -> _Speaker:
    fqid = f"speaker/{speaker_id}"
    values = ctx.obj(
        fqid,
        "begin_time",
        "pause_time",
        "end_time",
        "total_pause",
        "point_of_order",
        "weight",
        "speech_state",
        "structure_level_list_of_speakers_id",
        "answer",
    )
    return _Speaker(
        speech_state=values.get_str("speech_state"),
        point_of_order=values.get_bool("point_of_order"),
        answer=values.get_bool("answer"),
        weight=values.get_int("weight"),
        begin_time=values.get_int("begin_time"),
        pause_time=values.get_int("pause_time"),
        end_time=values.get_int("end_time"),
        total_pause=values.get_int("total_pause"),
        sllos_id=values.get_int("structure_level_list_of_speakers_id"),
    )


def _speaking(ctx: SlideContext, speaker_ids: list[int]) -> _Speaker | None:
    """The first running, unpaused speaker; failing that, the running (so paused) speaker with
    the lowest weight, the first of equals. Speakers after the one found are not read."""
    fallback: _Speaker | None = None
    for speaker_id in speaker_ids:
        speaker = _load_speaker(ctx, speaker_id)
        if speaker.running and (fallback is None or fallback.weight > speaker.weight):
            fallback = speaker
        if speaker.running and speaker.pause_time == 0:
            return speaker
    return fallback


def _own_time(ctx: SlideContext, los_id: int, speaker: _Speaker) -> tuple[int | None, int]:
    """``(remaining_time, current_start_time)`` of a speaker that does not speak on a structure
    level's time: interposed questions, interventions, points of order and speakers without a
    level.

    Only an intervention that is not an answer has a time limit (the meeting's intervention
    time). While paused, the countdown stands still: the time spoken so far is subtracted (an
    intervention without limit shows the time spoken) and there is no start time."""
    remaining: int | None = None
    if speaker.speech_state == "intervention" and not speaker.answer:
        meeting_id = ctx.get_int(f"list_of_speakers/{los_id}/meeting_id", must=True)
        remaining = ctx.get_int(f"meeting/{meeting_id}/list_of_speakers_intervention_time", must=True)
    started = speaker.begin_time + speaker.total_pause
    if speaker.pause_time == 0:
        return remaining, started
    spoken = speaker.pause_time - started
    if remaining is not None:
        return remaining - spoken, 0
    return (spoken if speaker.speech_state == "intervention" else None), 0


@slide("current_speaking_structure_level")
def current_speaking_structure_level(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """The structure level (and its countdown) of whoever speaks on the current list; ``{}`` when
    nobody does or there is no current list (P3 D3: upstream means ``{}`` there but fails)."""
    los_id, _ = get_los_id(ctx, projection.content_object_id)
    if los_id == 0:
        return {}
    speaker = _speaking(ctx, load_los(ctx, f"list_of_speakers/{los_id}").speaker_ids)
    if speaker is None:
        return {}
    level = _load_level(ctx, speaker.sllos_id) if speaker.sllos_id else None
    remaining: int | None = level.remaining_time if level else None
    start = level.current_start_time if level else 0
    if speaker.speech_state in _OWN_TIME_STATES or speaker.point_of_order or level is None:
        remaining, start = _own_time(ctx, los_id, speaker)
    return _level_json(level, speaker.speech_state, speaker.point_of_order, speaker.answer, remaining, start)


# -- current_structure_level_list --------------------------------------------------------------


def _title(ctx: SlideContext, content_object_id: str) -> str:
    """The title of the list's content object.

    P3 D2: "" where the collection has no ``title`` (a mediafile) or there is no current list;
    upstream fails there."""
    try:
        return ctx.get_str(f"{content_object_id}/title")
    except InvalidKey:
        return ""


def _in_use(ctx: SlideContext, sllos_id: int) -> bool:
    """Whether a structure level is part of the debate: its time was used or changed, its
    countdown runs, or one of its speakers speaks on its time (not just interposed questions or
    interventions). Speakers are read only as far as needed."""
    fqid = f"structure_level_list_of_speakers/{sllos_id}"
    fields = ("initial_time", "additional_time", "remaining_time", "current_start_time")
    values = ctx.obj(fqid, "speaker_ids", *fields)
    speaker_ids = values.get_ids("speaker_ids") or []
    initial, additional, remaining, start = (values.get_int(field) for field in fields)
    return (
        initial + additional != remaining
        or start != 0
        or any(
            ctx.get_str(f"speaker/{speaker_id}/speech_state", must=True) not in _OWN_TIME_STATES
            for speaker_id in speaker_ids
        )
    )


@slide("current_structure_level_list")
def current_structure_level_list(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """The structure levels of the current list that are part of the debate, with their times."""
    los_id, _ = get_los_id(ctx, projection.content_object_id)
    los_fqid = f"list_of_speakers/{los_id}"
    title = _title(ctx, ctx.get_str(f"{los_fqid}/content_object_id"))
    sllos_ids = ctx.get_ids(f"{los_fqid}/structure_level_list_of_speakers_ids") or []
    levels = [
        _level_json(level, "", False, False, level.remaining_time, level.current_start_time)
        for level in (_load_level(ctx, sllos_id) for sllos_id in sllos_ids if _in_use(ctx, sllos_id))
    ]
    return {"title": title, "structure_levels": levels}
