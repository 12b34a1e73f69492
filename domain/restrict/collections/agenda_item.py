"""Read rules of agenda_item (spec restrict §4 agenda_item, upstream ``collection/agenda.go``).

* Mode A (the item itself): ``agenda_item.can_manage`` sees every item; ``can_see_internal``
  sees items that are not hidden; ``can_see`` sees items that are neither hidden nor internal.
* Mode B (``duration``): ``agenda_item.can_see_internal`` in the meeting.
* Mode C (``comment``): ``agenda_item.can_manage`` in the meeting.

B and C do not require seeing the item in mode A (as upstream). An item without a meeting is
inconsistent data and therefore invisible (spec R2).
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("agenda_item", "A")
def see_item(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``can_manage``; or ``can_see_internal`` and not ``is_hidden``; or ``can_see``
    and neither ``is_hidden`` nor ``is_internal``."""
    perms = ctx.perms_of("agenda_item", id)
    if perms.has("agenda_item.can_manage"):
        return True
    if ctx.flag("agenda_item", id, "is_hidden"):
        return False
    if perms.has("agenda_item.can_see_internal"):
        return True
    return perms.has("agenda_item.can_see") and not ctx.flag("agenda_item", id, "is_internal")


@rule("agenda_item", "B")
def see_internal_fields(ctx: RestrictContext, id: int) -> bool:
    """Mode B: ``agenda_item.can_see_internal`` in the item's meeting."""
    return ctx.perms_of("agenda_item", id).has("agenda_item.can_see_internal")


@rule("agenda_item", "C")
def see_manager_fields(ctx: RestrictContext, id: int) -> bool:
    """Mode C: ``agenda_item.can_manage`` in the item's meeting."""
    return ctx.perms_of("agenda_item", id).has("agenda_item.can_manage")
