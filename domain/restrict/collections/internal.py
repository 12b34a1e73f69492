"""Read rules of the backend's working collections, action_worker and import_preview (spec
restrict §4, upstream ``collection/{action_worker,import_preview}.go``).

* action_worker A (all fields): only the user who started the action (``user_id``, a plain
  number, required); never public access.
* import_preview A (all fields): nobody, not even superadmins: previews are only read by the
  backend itself.
"""

from __future__ import annotations

from domain.restrict.context import RestrictContext
from domain.restrict.registry import never, rule


@rule("action_worker", "A")
def own_action_worker(ctx: RestrictContext, id: int) -> bool:
    """action_worker A: Y ≠ 0 and ``action_worker/user_id == Y``. A worker without
    ``user_id`` is inconsistent (invisible), also for public access, as upstream reads it
    first."""
    owner = ctx.required_id("action_worker", id, "user_id")
    return ctx.is_me(owner)


rule("import_preview", "A")(never)  # import_preview A: never.
