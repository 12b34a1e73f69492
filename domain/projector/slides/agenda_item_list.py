"""The ``agenda_item_list`` slide: the agenda as an indented list (spec projector.md §7.1)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from domain.projector.context import Projection, SlideContext, option_flag
from domain.projector.registry import slide

ITEM_FIELDS = (
    "id",
    "item_number",
    "content_object_id",
    "meeting_id",
    "is_hidden",
    "is_internal",
    "level",
    "weight",
    "parent_id",
)


class _Item(NamedTuple):
    parent_id: int
    weight: int
    id: int
    title_information: dict[str, Any]


@slide("agenda_item_list")
def agenda_item_list(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    coid = projection.content_object_id
    meeting = ctx.obj(coid, "agenda_item_ids", "agenda_show_internal_items_on_projector")
    show_internal = meeting.get_bool("agenda_show_internal_items_on_projector")
    only_main_items = option_flag(projection.options, "only_main_items")
    items = []
    for item_id in meeting.get_ids("agenda_item_ids") or []:
        item = _shown_item(ctx, item_id, show_internal, only_main_items, projection.meeting_id)
        if item is not None:
            items.append(item)
    return {"items": _flatten(items)}


def _shown_item(
    ctx: SlideContext, item_id: int, show_internal: bool, only_main_items: bool, meeting_id: int
) -> _Item | None:
    """The agenda item with its title, or None if the projector does not show it."""
    fqid = f"agenda_item/{item_id}"
    values = ctx.obj(fqid, *ITEM_FIELDS)
    if values.get_bool("is_hidden"):
        return None
    if values.get_bool("is_internal") and not show_internal:
        return None
    if only_main_items and values.get_int("level") > 0:
        return None
    title_information = ctx.title_info(
        values.get_str("content_object_id"),
        values.get_str("item_number"),
        meeting_id,
    )
    return _Item(
        parent_id=values.get_int("parent_id"),
        weight=values.get_int("weight"),
        id=values.get_int("id"),
        title_information=title_information,
    )


def _flatten(items: list[_Item]) -> list[dict[str, Any]]:
    """The items in pre-order from the roots (parent 0), siblings by (weight, id).

    The depth is counted here, not taken from the stored level; an item whose parent is not
    shown is unreachable and dropped with its subtree, as upstream does.
    """
    children: defaultdict[int, list[_Item]] = defaultdict(list)
    for item in sorted(items, key=lambda item: (item.parent_id, item.weight, item.id)):
        children[item.parent_id].append(item)
    result: list[dict[str, Any]] = []

    def visit(parent_id: int, depth: int) -> None:
        for child in children[parent_id]:
            result.append({"title_information": child.title_information, "depth": depth})
            visit(child.id, depth + 1)

    visit(0, 0)
    return result
