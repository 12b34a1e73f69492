"""User names on slides (spec projector.md §6.1) and the poll's user object (§6.3).

Several slides show users: the user slide and titler, assignment candidates, speakers, motion
submitters, the chyron and the poll. They share these helpers so that every slide names a user
the same way upstream does.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from domain.projector.context import SlideContext, SlideError


class User(NamedTuple):
    """The name fields of a user and their structure levels in the meeting it was loaded for."""

    username: str
    title: str
    first_name: str
    last_name: str
    meeting_id: int
    structure_levels: str
    """The names of the user's structure levels in ``meeting_id``, joined by ", " ("" for none)."""

    @property
    def short_name(self) -> str:
        """Title, first and last name; the username (without title) when both names are empty."""
        names = [name for name in (self.first_name, self.last_name) if name]
        if not names:
            return self.username
        return " ".join([self.title, *names] if self.title else names)

    def representation(self, meeting_id: int) -> str:
        """The short name with the structure levels of ``meeting_id`` in parentheses.

        Only the levels of the meeting the user was loaded for are known, so asking for another
        meeting is a programming error (it would silently drop the levels).
        """
        if meeting_id != self.meeting_id:
            raise ValueError(f"user loaded for meeting {self.meeting_id}, not {meeting_id}")
        if not self.structure_levels:
            return self.short_name
        return f"{self.short_name} ({self.structure_levels})"


def load_user(ctx: SlideContext, user_id: int, meeting_id: int) -> User:
    """The user ``user_id`` (FAIL if missing or without any name) with its levels in ``meeting_id``."""
    fqid = f"user/{user_id}"
    values = ctx.obj(fqid, "username", "title", "first_name", "last_name", "meeting_user_ids")
    username = values.get_str("username")
    first_name = values.get_str("first_name")
    last_name = values.get_str("last_name")
    if not (first_name or last_name or username):
        raise SlideError(f"{fqid}: neither firstName, lastName nor username found")
    meeting_user_ids = values.get_ids("meeting_user_ids")
    return User(
        username=username,
        title=values.get_str("title"),
        first_name=first_name,
        last_name=last_name,
        meeting_id=meeting_id,
        structure_levels=_structure_levels(ctx, meeting_user_ids, meeting_id),
    )


def _structure_levels(ctx: SlideContext, meeting_user_ids: list[int] | None, meeting_id: int) -> str:
    """The level names of the user's first meeting user in ``meeting_id``, in stored order.

    Upstream neither sorts the levels nor skips a level without a name (it gives "").
    """
    if meeting_id == 0 or meeting_user_ids is None:
        return ""
    for meeting_user_id in meeting_user_ids:
        fqid = f"meeting_user/{meeting_user_id}"
        if ctx.get_int(f"{fqid}/meeting_id") != meeting_id:
            continue
        level_ids = ctx.get_ids(f"{fqid}/structure_level_ids", must=True) or []
        return ", ".join(ctx.get_str(f"structure_level/{level_id}/name") for level_id in level_ids)
    return ""


def poll_user(ctx: SlideContext, user_id: int) -> dict[str, Any]:
    """The poll's user object: the id and each name field that is set (a stored "" included)."""
    fqid = f"user/{user_id}"
    values = ctx.obj(fqid, "id", "title", "first_name", "last_name")
    result: dict[str, Any] = {"id": values.get_int("id")}
    for field in ("title", "first_name", "last_name"):
        if values[field] is not None:
            result[field] = values.get_str(field)
    return result
