"""Read rules of ``personal_note`` (spec restrict §4 "personal_note", upstream
``collection/personal_note.go``).

* A (all fields): only the note's owner, i.e. the note's ``meeting_user_id`` is one of the
  user's meeting_users. Notes are private: there is no admin or superadmin override, and
  public access never sees any.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("personal_note", "A")
def see_own(ctx: RestrictContext, id: int) -> bool:
    """Mode A: the user is logged in and owns the note (its ``meeting_user_id`` is in the
    user's ``meeting_user_ids``)."""
    owner = ctx.required_id("personal_note", id, "meeting_user_id")
    return ctx.logged_in and ctx.is_me(ctx.required_id("meeting_user", owner, "user_id"))
