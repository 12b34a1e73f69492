"""Read rules of ``vote`` (spec restrict §4 "vote"). A vote's poll is the poll of its option.

* A: the poll is visible (poll/A), and it is ``published``, or the user can manage the poll,
  or the user cast the vote (``user_id``) or cast it as a delegate (``delegated_user_id``).
* B (``user_token``): ``published`` → vote/A; ``finished`` → can manage the poll; otherwise
  never, so nobody can link a token to a vote while voting runs.
"""

from __future__ import annotations

from domain.restrict.collections.option import poll_of_option
from domain.restrict.collections.poll import can_manage_poll, results_visible, state
from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


def poll_of_vote(ctx: RestrictContext, vote_id: int) -> int:
    """The poll of the vote's required ``option_id``."""
    return poll_of_option(ctx, ctx.required_id("vote", vote_id, "option_id"))


@rule("vote", "A")
def see_vote(ctx: RestrictContext, id: int) -> bool:
    """Mode A: poll/A, and (``published``, or can manage the poll, or the vote's ``user_id``
    or ``delegated_user_id`` is the user)."""
    poll_id = poll_of_vote(ctx, id)
    if not ctx.visible("poll", "A", poll_id):
        return False
    if state(ctx, poll_id) == "published" or can_manage_poll(ctx, poll_id):
        return True
    voters = (ctx.id("vote", id, "user_id"), ctx.id("vote", id, "delegated_user_id"))
    return ctx.me_among(voter for voter in voters if voter)


@rule("vote", "B")
def see_user_token(ctx: RestrictContext, id: int) -> bool:
    """Mode B (``user_token``): ``published`` → vote/A; ``finished`` → can manage the poll
    (without seeing it); any other state → never."""
    return results_visible(ctx, poll_of_vote(ctx, id), "vote", id)
