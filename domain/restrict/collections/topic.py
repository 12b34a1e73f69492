"""Read rules of topic (spec restrict §4 topic, upstream ``collection/topic.go``).

Mode A (all fields): a topic is visible exactly when its agenda item is visible in mode A.
``agenda_item_id`` is required; a topic without one, or whose agenda item does not exist, is
inconsistent data and therefore invisible (spec R2).
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("topic", "A")
def see_topic(ctx: RestrictContext, id: int) -> bool:
    """Mode A: agenda_item/A of ``agenda_item_id``."""
    agenda_item = ctx.target("topic", id, "agenda_item_id")
    return ctx.visible("agenda_item", "A", agenda_item)
