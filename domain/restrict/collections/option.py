"""Read rules of ``option``, ``poll_candidate_list`` and ``poll_candidate`` (spec restrict §4):
all three are parts of a poll's ballot and inherit the poll's visibility.

* option A: the option's poll is visible (poll/A).
* option B (``yes``, ``no``, ``abstain``): poll/A, and the poll is ``published`` or the user
  can manage it.
* poll_candidate_list A: its option is visible (option/A).
* poll_candidate A: its list is visible (poll_candidate_list/A).
"""

from __future__ import annotations

from domain.restrict.collections.poll import can_manage_poll, state
from domain.restrict.context import Inconsistent, RestrictContext
from domain.restrict.registry import rule


def poll_of_option(ctx: RestrictContext, option_id: int) -> int:
    """The option's poll: ``poll_id``, or for a global option
    ``used_as_global_option_in_poll_id``. An option with neither (or a missing option), or one
    whose poll is missing, is inconsistent (upstream raises)."""
    poll_id = ctx.target("option", option_id, "poll_id", required=False) or ctx.target(
        "option", option_id, "used_as_global_option_in_poll_id", "poll", required=False
    )
    if not poll_id:
        raise Inconsistent(f"option/{option_id} does not exist or belongs to no poll")
    return poll_id


@rule("option", "A")
def see_option(ctx: RestrictContext, id: int) -> bool:
    """Option mode A: the option's poll is visible in poll mode A."""
    return ctx.visible("poll", "A", poll_of_option(ctx, id))


@rule("option", "B")
def see_option_result(ctx: RestrictContext, id: int) -> bool:
    """Option mode B: the poll is visible (poll/A), and it is ``published`` or the user can
    manage it, so a manager sees the counts before publishing but only if they see the poll."""
    poll_id = poll_of_option(ctx, id)
    if not ctx.visible("poll", "A", poll_id):
        return False
    return state(ctx, poll_id) == "published" or can_manage_poll(ctx, poll_id)


@rule("poll_candidate_list", "A")
def see_candidate_list(ctx: RestrictContext, id: int) -> bool:
    """poll_candidate_list mode A: its ``option_id`` is visible in option mode A."""
    return ctx.visible("option", "A", ctx.target("poll_candidate_list", id, "option_id"))


@rule("poll_candidate", "A")
def see_candidate(ctx: RestrictContext, id: int) -> bool:
    """poll_candidate mode A: its ``poll_candidate_list_id`` is visible."""
    list_id = ctx.target("poll_candidate", id, "poll_candidate_list_id")
    return ctx.visible("poll_candidate_list", "A", list_id)
