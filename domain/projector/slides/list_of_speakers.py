"""The slides ``list_of_speakers`` (spec projector §7.3) and ``current_los`` (§7.4), and
``get_los_id``, the current list of speakers of a meeting (§6.4), which the chyron and the
structure-level slides share.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from domain.atoi import atoi
from domain.projector.context import (
    InvalidKey,
    Projection,
    SlideContext,
    SlideError,
)
from domain.projector.registry import slide
from domain.projector.users import load_user

_SPEAKER_FIELDS = (
    "meeting_user_id",
    "speech_state",
    "note",
    "point_of_order",
    "answer",
    "weight",
    "begin_time",
    "pause_time",
    "end_time",
)


def meeting_id_of(content_object_id: str) -> int:
    """The id of a ``meeting/<id>`` content object; anything else FAILs.

    The id is parsed like Go's ``strconv.Atoi`` (sign allowed, no spaces or underscores, within
    int64), so the same content objects are accepted as upstream."""
    collection, _, raw_id = content_object_id.partition("/")
    meeting_id = atoi(raw_id)
    if collection != "meeting" or meeting_id is None:
        raise SlideError(f"invalid content object {content_object_id!r}, expected a meeting")
    return meeting_id


def get_los_id(ctx: SlideContext, content_object_id: str) -> tuple[int, int]:
    """``(los_id, reference_projector_id)``: the list of speakers of the first current projection
    on the meeting's reference projector that has one (0: none).

    Content objects whose collection has no ``list_of_speakers_id`` field (a meeting, a poll, a
    directly projected list of speakers, …) are skipped, as upstream swallows the invalid key."""
    meeting_id = meeting_id_of(content_object_id)
    reference_id = ctx.get_int(f"meeting/{meeting_id}/reference_projector_id", must=True)
    projection_ids = ctx.get_ids(f"projector/{reference_id}/current_projection_ids", must=True)
    for projection_id in projection_ids or ():
        coid = ctx.get_str(f"projection/{projection_id}/content_object_id", must=True)
        if coid == "":
            continue
        try:
            los_id = ctx.get_int(f"{coid}/list_of_speakers_id", must=True)
        except InvalidKey:
            continue
        if los_id != 0:
            return los_id, reference_id
    return 0, reference_id


class _Speaker(NamedTuple):
    """A speaker as the list-of-speakers slide reads it; only some fields are shown."""

    user: str
    speech_state: str
    note: str
    point_of_order: bool
    answer: bool
    weight: int
    meeting_user_id: int
    begin_time: int
    pause_time: int
    end_time: int

    def as_json(self) -> dict[str, Any]:
        """The speaker object; the times are Go ``omitempty`` ints, left out when 0."""
        out: dict[str, Any] = {"user": self.user, "speech_state": self.speech_state, "note": self.note}
        if self.begin_time:
            out["begin_time"] = self.begin_time
        if self.pause_time:
            out["pause_time"] = self.pause_time
        out["point_of_order"] = self.point_of_order
        out["answer"] = self.answer
        return out


def _load_speaker(ctx: SlideContext, speaker_id: int, meeting_id: int) -> _Speaker:
    fqid = f"speaker/{speaker_id}"
    raw = ctx.obj(fqid, *_SPEAKER_FIELDS)
    meeting_user_id = raw.get_int("meeting_user_id")
    user = ""
    if meeting_user_id != 0:
        user_id = ctx.get_int(f"meeting_user/{meeting_user_id}/user_id", must=True)
        user = load_user(ctx, user_id, meeting_id).representation(meeting_id)
    return _Speaker(
        user=user,
        speech_state=raw.get_str("speech_state"),
        note=raw.get_str("note"),
        point_of_order=raw.get_bool("point_of_order"),
        answer=raw.get_bool("answer"),
        weight=raw.get_int("weight"),
        meeting_user_id=meeting_user_id,
        begin_time=raw.get_int("begin_time"),
        pause_time=raw.get_int("pause_time"),
        end_time=raw.get_int("end_time"),
    )


class ListOfSpeakers(NamedTuple):
    speaker_ids: list[int]
    content_object_id: str
    closed: bool


def load_los(ctx: SlideContext, los_fqid: str) -> ListOfSpeakers:
    """The fields every speaker slide reads from a list of speakers (FAIL if it is missing)."""
    los = ctx.obj(los_fqid, "speaker_ids", "content_object_id", "closed")
    return ListOfSpeakers(
        speaker_ids=los.get_ids("speaker_ids") or [],
        content_object_id=los.get_str("content_object_id"),
        closed=los.get_bool("closed"),
    )


class _SpeakerLists(NamedTuple):
    waiting: list[_Speaker]
    current: _Speaker | None
    finished: list[_Speaker]


def _classify(speakers: list[_Speaker]) -> _SpeakerLists:
    """Waiting, current and finished speakers, sorted for display.

    A started interposed question still waits. If several speakers are running, the last one
    is current and the others are not shown at all (as upstream). The sorts are stable (P3 D9),
    so ties keep the order of ``speaker_ids``."""
    waiting: list[_Speaker] = []
    finished: list[_Speaker] = []
    current = None
    for speaker in speakers:
        not_started = speaker.begin_time == 0 or speaker.speech_state == "interposed_question"
        if not_started and speaker.end_time == 0:
            waiting.append(speaker)
        elif speaker.end_time == 0:
            current = speaker
        else:
            finished.append(speaker)
    waiting.sort(key=lambda s: (s.weight, s.meeting_user_id))
    finished.sort(key=lambda s: -s.end_time)
    return _SpeakerLists(waiting, current, finished)


def _shown(speakers: list[_Speaker], amount: int | None) -> list[dict[str, Any]] | None:
    """The first ``amount`` speakers (``None`` or a negative amount: all) as JSON; ``None``
    (Go's nil slice, ``null``) when there were none, ``[]`` when the amount cut them all."""
    if not speakers:
        return None
    if amount is not None and 0 <= amount < len(speakers):
        speakers = speakers[:amount]
    return [speaker.as_json() for speaker in speakers]


def render_los(ctx: SlideContext, los_fqid: str, meeting_id: int) -> dict[str, Any]:
    """The list-of-speakers slide body for ``los_fqid``, with the meeting's display settings."""
    los = load_los(ctx, los_fqid)
    lists = _classify([_load_speaker(ctx, sid, meeting_id) for sid in los.speaker_ids])

    fqid = f"meeting/{meeting_id}"
    settings = ctx.obj(
        fqid,
        "list_of_speakers_amount_next_on_projector",
        "list_of_speakers_amount_last_on_projector",
        "list_of_speakers_show_amount_of_speakers_on_slide",
    )
    amount_next = settings.get_int("list_of_speakers_amount_next_on_projector")
    amount_last = settings.get_int("list_of_speakers_amount_last_on_projector")
    show_amount = settings.get_bool("list_of_speakers_show_amount_of_speakers_on_slide")

    if len(los.content_object_id.split("/")) != 2:
        raise SlideError(f"{los_fqid}: invalid content_object_id {los.content_object_id!r}")
    out: dict[str, Any] = {
        # Without the amount shown, upstream shows all waiting speakers.
        "waiting": _shown(lists.waiting, amount_next if show_amount else None),
        "current": lists.current.as_json() if lists.current else None,
        "finished": _shown(lists.finished, amount_last),
        "title_information": ctx.title_info(los.content_object_id, "", meeting_id),
        "closed": los.closed,
    }
    if show_amount:
        out["number_of_waiting_speakers"] = len(lists.waiting)
    return out


@slide("list_of_speakers")
def list_of_speakers(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """A list of speakers projected directly."""
    return render_los(ctx, projection.content_object_id, projection.meeting_id)


@slide("current_los")
def current_los(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """The meeting's current list of speakers (§6.4); ``{}`` when there is none."""
    los_id, _ = get_los_id(ctx, projection.content_object_id)
    if los_id == 0:
        return {}
    return render_los(ctx, f"list_of_speakers/{los_id}", projection.meeting_id)
