"""The ``motion`` slide (spec projector.md §7.10).

What the slide shows depends on the meeting's projector settings: the text (with preamble and
amendment paragraphs), the reason, the motions referring to this one and the recommendation are
each shown only when their setting is on, and only then are their fields read (this decides
which changes recalculate the slide). Change recommendations and amendments are built in
:mod:`domain.projector.slides.motion_amendments`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from domain.projector.context import (
    Projection,
    SlideContext,
    SlideError,
    as_ids,
    as_int,
    as_str,
    as_strs,
)
from domain.projector.registry import slide
from domain.projector.slides.motion_amendments import amendments, change_recommendations
from domain.projector.users import load_user

_FINAL_MODES = frozenset({"final", "modified_final_version"})
"""Projection modes that show the modified final version."""


class _Settings(NamedTuple):
    """The meeting's motion settings for the projector."""

    text: bool
    reason: bool
    referring_motions: bool
    recommendation: bool
    recommendations_by: str
    sidebox: bool
    line_length: int
    preamble: str
    line_numbering: str


def _settings(ctx: SlideContext, meeting_id: int) -> _Settings:
    """The settings of the projection's meeting, which must exist (no models.yml defaults)."""
    fqid = f"meeting/{meeting_id}"
    values = ctx.obj(
        fqid,
        "motions_enable_text_on_projector",
        "motions_enable_reason_on_projector",
        "motions_show_referring_motions",
        "motions_enable_recommendation_on_projector",
        "motions_recommendations_by",
        "motions_enable_sidebox_on_projector",
        "motions_line_length",
        "motions_preamble",
        "motions_default_line_numbering",
    )
    flag, text = values.get_bool, values.get_str
    return _Settings(
        text=flag("motions_enable_text_on_projector"),
        reason=flag("motions_enable_reason_on_projector"),
        referring_motions=flag("motions_show_referring_motions"),
        recommendation=flag("motions_enable_recommendation_on_projector"),
        recommendations_by=text("motions_recommendations_by"),
        sidebox=flag("motions_enable_sidebox_on_projector"),
        line_length=values.get_int("motions_line_length"),
        preamble=text("motions_preamble"),
        line_numbering=text("motions_default_line_numbering"),
    )


def _mode(options: Any) -> str:
    """``options.mode`` as upstream decodes the options into ``struct{Mode string}``.

    Go's encoding/json matches object keys case-insensitively (a later match wins) and leaves
    the field unset for ``null``; options that are neither an object nor null, or a mode that
    is not a string, fail.
    """
    if options is None:
        return ""
    if not isinstance(options, dict):
        raise SlideError(f"projection options: expected an object, got {options!r}")
    mode = ""
    for key, value in options.items():
        if key.isascii() and key.lower() == "mode" and value is not None:
            mode = as_str(value, "projection options: mode")
    return mode


def _raw(value: Any, key: str) -> Any:
    """A raw JSON field: passed through as stored (``None``: encoded as ``null``)."""
    return value


_MOTION_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "id": as_int,
    "title": as_str,
    "number": as_str,
    "meeting_id": as_int,
    "lead_motion_id": as_int,
    "change_recommendation_ids": as_ids,
    "amendment_ids": as_ids,
    "submitter_ids": as_ids,
    "referenced_in_motion_recommendation_extension_ids": as_ids,
    "recommendation_id": as_int,
    "recommendation_extension": as_str,
    "recommendation_extension_reference_ids": as_strs,
    "start_line_number": as_int,
    "additional_submitter": as_str,
}
"""The fields read from every projected motion, with their decoders."""

_CONDITIONAL_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "text": as_str,
    "amendment_paragraphs": _raw,
    "reason": as_str,
    "modified_final_version": as_str,
}


def _load_motion(ctx: SlideContext, fqid: str, settings: _Settings, mode: str) -> dict[str, Any]:
    """The motion's fields, decoded; a field the settings do not show is not read and is zero."""
    shown = {
        "text": settings.text,
        "amendment_paragraphs": settings.text,
        "reason": settings.reason,
        "modified_final_version": mode in _FINAL_MODES,
    }
    wanted = _MOTION_FIELDS | {field: _CONDITIONAL_FIELDS[field] for field, show in shown.items() if show}
    values = ctx.obj(fqid, *wanted)
    motion = {field: decode(None, field) for field, decode in _CONDITIONAL_FIELDS.items()}
    motion.update({field: values.decode(field, decode) for field, decode in wanted.items()})
    return motion


def _put(body: dict[str, Any], key: str, value: str | int) -> None:
    """Set ``key`` unless ``value`` is empty (Go ``omitempty``)."""
    if value:
        body[key] = value


@slide("motion")
def motion_slide(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    """The motion as the meeting's settings show it; each key is emitted or omitted exactly as
    upstream's Go struct encodes it (``null`` for unfilled lists, ``omitempty`` fields left out)."""
    settings = _settings(ctx, projection.meeting_id)
    mode = _mode(projection.options)
    motion = _load_motion(ctx, projection.content_object_id, settings, mode)
    meeting_id = motion["meeting_id"]
    body: dict[str, Any] = {
        "id": motion["id"],
        "title": motion["title"],
        "number": motion["number"],
        "submitters": _submitters(ctx, motion["submitter_ids"], meeting_id),
    }
    _put(body, "additional_submitter", motion["additional_submitter"])
    body["show_sidebox"] = settings.sidebox
    body["line_length"] = settings.line_length
    _put(body, "preamble", settings.preamble if settings.text else "")
    body["line_numbering"] = settings.line_numbering
    if settings.text:
        body["amendment_paragraphs"] = motion["amendment_paragraphs"]  # read: null if unset (§3.4)
    if motion["lead_motion_id"] != 0:
        body["lead_motion"] = _lead_motion(ctx, motion["lead_motion_id"], settings.text)
    body["change_recommendations"] = change_recommendations(ctx, motion["change_recommendation_ids"])
    if motion["amendment_ids"]:
        body["amendments"] = amendments(ctx, motion["amendment_ids"])
    referencing = motion["referenced_in_motion_recommendation_extension_ids"]
    if settings.referring_motions and referencing:
        body["recommendation_referencing_motions"] = [
            ctx.title_info(f"motion/{id_}", "", meeting_id) for id_ in referencing
        ]
    if settings.recommendation and motion["recommendation_id"] > 0:
        body.update(_recommendation(ctx, motion, settings))
    for field in ("text", "reason", "modified_final_version", "start_line_number"):
        _put(body, field, motion[field])
    return body


def _submitters(ctx: SlideContext, submitter_ids: list[int] | None, meeting_id: int) -> list[str] | None:
    """The submitters' representations ordered by (weight, meeting user); ``None`` for none.

    The sort is stable (spec §8 D9). A submitter without a meeting user or user fails.
    """
    submitters = []
    for id_ in submitter_ids or []:
        fqid = f"motion_submitter/{id_}"
        values = ctx.obj(fqid, "meeting_user_id", "weight")
        weight = values.get_int("weight")
        submitters.append((weight, values.get_int("meeting_user_id")))
    submitters.sort()
    names = []
    for _, meeting_user_id in submitters:
        user_id = ctx.get_int(f"meeting_user/{meeting_user_id}/user_id")
        names.append(load_user(ctx, user_id, meeting_id).representation(meeting_id))
    return names or None


def _lead_motion(ctx: SlideContext, lead_motion_id: int, with_text: bool) -> dict[str, Any]:
    """Title, number, text (only with the text setting) and first line number of the lead motion."""
    fqid = f"motion/{lead_motion_id}"
    fields = ("title", "number", "start_line_number", *(("text",) if with_text else ()))
    values = ctx.obj(fqid, *fields)
    lead: dict[str, Any] = {
        "title": values.get_str("title"),
        "number": values.get_str("number"),
    }
    if with_text:
        _put(lead, "text", values.get_str("text"))
    _put(lead, "start_line_number", values.get_int("start_line_number"))
    return lead


def _recommendation(ctx: SlideContext, motion: dict[str, Any], settings: _Settings) -> dict[str, Any]:
    """Label, extension, referenced motions and recommender of the motion's recommendation.

    The extension and the motions it references are shown only if the recommended state asks
    for its extension field.
    """
    fqid = f"motion_state/{motion['recommendation_id']}"
    state = ctx.obj(fqid, "recommendation_label", "show_recommendation_extension_field")
    label = state.get_str("recommendation_label")
    show_extension = state.get_bool("show_recommendation_extension_field")
    result: dict[str, Any] = {}
    _put(result, "recommendation_label", label)
    if show_extension:
        _put(result, "recommendation_extension", motion["recommendation_extension"])
        referenced = _referenced_motions(ctx, motion["recommendation_extension_reference_ids"], motion)
        if referenced:
            result["recommendation_referenced_motions"] = referenced
    _put(result, "recommender", settings.recommendations_by)
    return result


def _referenced_motions(
    ctx: SlideContext, fqids: list[str] | None, motion: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Title information of the motions the recommendation extension refers to.

    Upstream supports only motions here; a reference to another collection fails.
    """
    referenced = {}
    for fqid in fqids or []:
        collection = fqid.split("/")[0]
        if collection != "motion":
            raise SlideError(f"recommendation_referenced_motions: {collection} is not supported")
        referenced[fqid] = ctx.title_info(fqid, "", motion["meeting_id"])
    return referenced
