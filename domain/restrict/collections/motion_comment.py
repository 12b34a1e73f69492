"""Read rules of ``motion_comment`` and ``motion_comment_section`` (spec restrict §4,
upstream ``collection/motion_comment.go`` and ``collection/motion_comment_section.go``).

Both use how the user may "see as" a section (:func:`section_access`): as a member of one of
its read or write groups (admins are in every group), as a potential submitter when
``submitter_can_write`` is set, or not at all.

* motion_comment_section A: ``motion.can_manage``; or ``motion.can_see`` and some access to
  the section.
* motion_comment A: some access to the comment's section and motion/C of its motion; access
  only through ``submitter_can_write`` also needs the user to be a submitter of that motion.
  There is no ``motion.can_manage`` shortcut (the upstream doc comment claims one; the code
  has none).
"""

from __future__ import annotations

from enum import Enum

from domain.restrict.collections.motion import is_submitter
from domain.restrict.context import RestrictContext
from domain.restrict.registry import rule


class Access(Enum):
    """How a user may see a comment section (upstream ``seeAs`` 0, 1, 2)."""

    NONE = 0
    GROUP = 1
    SUBMITTER = 2


def section_access(ctx: RestrictContext, section: int) -> Access:
    """The user's access to a section, judged in the section's meeting."""
    perms = ctx.perms_of("motion_comment_section", section)
    groups = ctx.ids("motion_comment_section", section, "read_group_ids") + ctx.ids(
        "motion_comment_section", section, "write_group_ids"
    )
    if perms.in_group(groups):
        return Access.GROUP
    if ctx.flag("motion_comment_section", section, "submitter_can_write"):
        return Access.SUBMITTER
    return Access.NONE


@rule("motion_comment_section", "A")
def see_section(ctx: RestrictContext, id: int) -> bool:
    """Mode A: ``motion.can_manage``; or ``motion.can_see`` and the user is in a read or
    write group of the section, or the section has ``submitter_can_write``."""
    perms = ctx.perms_of("motion_comment_section", id)
    if perms.has("motion.can_manage"):
        return True
    return perms.has("motion.can_see") and section_access(ctx, id) is not Access.NONE


@rule("motion_comment", "A")
def see_comment(ctx: RestrictContext, id: int) -> bool:
    """Mode A: access to the section and motion/C of the motion; with access only through
    ``submitter_can_write``, the user must also be a submitter of the motion."""
    access = section_access(ctx, ctx.required_id("motion_comment", id, "section_id"))
    if access is Access.NONE:
        return False
    motion = ctx.required_id("motion_comment", id, "motion_id")
    if not ctx.visible("motion", "C", motion):
        return False
    return access is Access.GROUP or is_submitter(ctx, motion)
