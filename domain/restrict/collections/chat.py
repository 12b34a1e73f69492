"""Read rules of chat_group and chat_message (spec restrict §4, upstream
``collection/chat_group.go``, ``chat_message.go``).

* chat_group A (all fields): ``chat.can_manage``; or the user is in one of the group's
  ``read_group_ids`` or ``write_group_ids`` (meeting admins are in every group).
* chat_message A (all fields): ``chat.can_manage`` in the chat group's meeting; or the user is
  in one of the chat group's ``read_group_ids`` (write groups alone do not let one read); or the
  user wrote the message.

``organization/enable_chat`` is not consulted (as upstream). A message without a chat group, or
of a missing one, is inconsistent data and therefore invisible (spec R2).
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


@rule("chat_group", "A")
def see_chat_group(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``chat.can_manage``; or in one of its read or write groups."""
    perms = ctx.perms_of("chat_group", id)
    if perms.has("chat.can_manage"):
        return True
    groups = ctx.ids("chat_group", id, "read_group_ids") + ctx.ids("chat_group", id, "write_group_ids")
    return perms.in_group(groups)


@rule("chat_message", "A")
def see_chat_message(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``chat.can_manage``; or in a read group of the chat group; or the author."""
    chat_group = ctx.target("chat_message", id, "chat_group_id")
    perms = ctx.perms_of("chat_group", chat_group)
    if perms.has("chat.can_manage"):
        return True
    if perms.in_group(ctx.ids("chat_group", chat_group, "read_group_ids")):
        return True
    author = ctx.id("chat_message", id, "meeting_user_id")
    if not author:
        return False
    return ctx.is_me(ctx.required_id("meeting_user", author, "user_id"))
