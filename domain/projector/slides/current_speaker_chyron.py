"""The slide ``current_speaker_chyron`` (spec projector §7.5): a bar with the name and structure
level of whoever speaks on the meeting's current list of speakers, in the projector's colours.
"""

from __future__ import annotations

from typing import Any

from domain.projector.context import Projection, SlideContext, SlideError
from domain.projector.registry import slide
from domain.projector.slides.list_of_speakers import get_los_id, load_los, meeting_id_of
from domain.projector.users import load_user


def _colors(ctx: SlideContext, projector_id: int) -> tuple[str, str]:
    """The chyron colours of the projector (both "" without a projector)."""
    if projector_id <= 0:
        return "", ""
    fqid = f"projector/{projector_id}"
    values = ctx.obj(fqid, "chyron_background_color", "chyron_font_color")
    return (
        values.get_str("chyron_background_color"),
        values.get_str("chyron_font_color"),
    )


def _level(ctx: SlideContext, speaker_id: int, meeting_user_id: int, meeting_id: int) -> str:
    """The speaker's structure level.

    With structure-level countdowns (a default time > 0) it is the level the speaker speaks for;
    otherwise all levels of the meeting user, sorted (unlike the representation of §6.1)."""
    if ctx.get_int(f"meeting/{meeting_id}/list_of_speakers_default_structure_level_time", must=True) > 0:
        sllos_id = ctx.get_int(f"speaker/{speaker_id}/structure_level_list_of_speakers_id", must=True)
        if sllos_id == 0:
            return ""
        level_id = ctx.get_int(f"structure_level_list_of_speakers/{sllos_id}/structure_level_id", must=True)
        return ctx.get_str(f"structure_level/{level_id}/name")
    level_ids = ctx.get_ids(f"meeting_user/{meeting_user_id}/structure_level_ids") or []
    return ", ".join(sorted(ctx.get_str(f"structure_level/{i}/name", must=True) for i in level_ids))


def _current_speaker(ctx: SlideContext, los_id: int, meeting_id: int) -> tuple[str, str]:
    """Short name and level of the first running, unpaused speaker (an interposed question
    counts); two "" when nobody speaks or the speaker is not a user."""
    for speaker_id in load_los(ctx, f"list_of_speakers/{los_id}").speaker_ids:
        fqid = f"speaker/{speaker_id}"
        fields = ("meeting_user_id", "begin_time", "pause_time", "end_time")
        values = ctx.obj(fqid, *fields)
        meeting_user_id, begin_time, pause_time, end_time = (values.get_int(field) for field in fields)
        if begin_time == 0 or pause_time != 0 or end_time != 0:
            continue
        if meeting_user_id == 0:
            return "", ""
        user_id = ctx.get_int(f"meeting_user/{meeting_user_id}/user_id", must=True)
        user = load_user(ctx, user_id, meeting_id)
        return user.short_name, _level(ctx, speaker_id, meeting_user_id, meeting_id)
    return "", ""


def _title_information(ctx: SlideContext, los_id: int, meeting_id: int) -> dict[str, Any] | None:
    """The title of the list's content object; ``None`` (key left out) without a titler."""
    fqid = f"list_of_speakers/{los_id}"
    content_object_id = ctx.get_str(f"{fqid}/content_object_id", must=True)
    parts = content_object_id.split("/")
    if len(parts) != 2:
        raise SlideError(f"{fqid}: invalid content_object_id {content_object_id!r}")
    if parts[0] not in ctx.registry.titlers:
        return None
    return ctx.title_info(content_object_id, "", meeting_id)


@slide("current_speaker_chyron")
def current_speaker_chyron(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """Shown on any projector; the colours come from that projector (upstream falls back to the
    reference projector, which only matters for a projection that is not on a projector)."""
    los_id, reference_id = get_los_id(ctx, projection.content_object_id)
    meeting_id = meeting_id_of(projection.content_object_id)
    projector_id = projection.current_projector_id if projection.current_projector_id > 0 else reference_id
    background, font = _colors(ctx, projector_id)
    name, level, title = "", "", None
    if los_id > 0:
        name, level = _current_speaker(ctx, los_id, meeting_id)
        title = _title_information(ctx, los_id, meeting_id)
    out: dict[str, Any] = {"background_color": background, "font_color": font}
    if title is not None:
        out["title_information"] = title
    out["current_speaker_name"] = name
    out["current_speaker_level"] = level
    return out
