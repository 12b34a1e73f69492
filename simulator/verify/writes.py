"""Random schema-consistent writes, weighted towards the fields that decide visibility.

Lost updates hide where a write changes *who may see what*: group permissions and membership,
management levels, activity and locks, anonymous access, motion state restrictions, internal
and hidden flags, poll states, the user's own relations. Most writes go there; the rest edit,
link, unlink, create and delete anywhere in the data model, so every rule gets its turn.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from meta.field import Field
from meta.permissions import IMPLIED
from meta.schema import COLLECTIONS
from simulator.verify.world import Refused, Txn, World, schema_field

ORGANIZATION_LEVELS = (None, "superadmin", "can_manage_organization", "can_manage_users")
STATE_RESTRICTIONS = (
    "motion.can_see_internal",
    "motion.can_manage_metadata",
    "motion.can_manage",
    "is_submitter",
)
POLL_STATES = ("created", "started", "finished", "published")
PERMISSIONS = tuple(sorted(IMPLIED))

VISIBILITY: tuple[tuple[str, str], ...] = (
    ("group", "permissions"),
    ("group", "permissions"),
    ("meeting_user", "group_ids"),
    ("meeting_user", "group_ids"),
    ("user", "organization_management_level"),
    ("user", "committee_management_ids"),
    ("user", "is_active"),
    ("meeting_user", "locked_out"),
    ("organization", "enable_anonymous"),
    ("meeting", "enable_anonymous"),
    ("meeting", "locked_from_inside"),
    ("meeting", "admin_group_id"),
    ("motion_state", "restrictions"),
    ("motion", "state_id"),
    ("agenda_item", "is_internal"),
    ("agenda_item", "is_hidden"),
    ("poll", "state"),
    ("projector", "is_internal"),
    ("motion_block", "internal"),
    ("motion_change_recommendation", "internal"),
    ("motion_comment_section", "read_group_ids"),
    ("motion_comment_section", "submitter_can_write"),
    ("chat_group", "read_group_ids"),
    ("chat_group", "write_group_ids"),
    ("meeting_mediafile", "access_group_ids"),
    ("meeting_mediafile", "inherited_access_group_ids"),
    ("meeting_mediafile", "is_public"),
    ("meeting_user", "vote_delegated_to_id"),
    ("motion", "lead_motion_id"),
    ("committee", "user_ids"),
    ("structure_level", "meeting_user_ids"),
    ("speaker", "meeting_user_id"),
    ("motion_submitter", "meeting_user_id"),
    ("poll", "entitled_group_ids"),
    ("poll", "voted_ids"),
)
"""Fields rules read to decide visibility (some twice: they matter most)."""

CREATED: tuple[str, ...] = (
    "meeting_user",
    "meeting_user",
    "user",
    "motion_submitter",
    "personal_note",
    "speaker",
    "group",
    "projection",
    "vote",
    "motion",
    "motion_comment",
    "agenda_item",
    "poll",
    "option",
    "chat_message",
    "assignment_candidate",
)
"""Collections new objects are made in most (the user's own relations first)."""

SKIPPED = frozenset({"id"})


def random_write(world: World, rng: random.Random, attempts: int = 50) -> tuple[str, dict[str, Any]]:
    """One write: what kind of write it is, and a flat change map that keeps the data model
    whole."""
    for _ in range(attempts):
        txn = Txn(world)
        kind, write = _pick(rng)
        try:
            write(txn, world, rng)
            changes = txn.changes()
        except Refused:
            continue
        if changes:
            return kind, changes
    raise RuntimeError("no schema-consistent write found")


Writer = Callable[[Txn, World, random.Random], None]


def _pick(rng: random.Random) -> tuple[str, Writer]:
    roll = rng.random()
    if roll < 0.45:
        return "visibility", _visibility_edit
    if roll < 0.58:
        return "value", _scalar_edit
    if roll < 0.72:
        return "relation", _relation_edit
    if roll < 0.9:
        return "create", _create
    return "delete", _delete


def _any_object(world: World, rng: random.Random, collections: list[str] | None = None) -> tuple[str, int]:
    choices = [c for c in collections or list(world.objects) if world.ids(c)]
    if not choices:
        raise Refused("no object")
    collection = rng.choice(choices)
    return collection, rng.choice(world.ids(collection))


def _visibility_edit(txn: Txn, world: World, rng: random.Random) -> None:
    collection, name = rng.choice(VISIBILITY)
    if not world.ids(collection):
        raise Refused(f"no {collection}")
    id = rng.choice(world.ids(collection))
    _edit_field(txn, world, rng, collection, id, name)


def _scalar_edit(txn: Txn, world: World, rng: random.Random) -> None:
    collection, id = _any_object(world, rng)
    names = [n for n, f in COLLECTIONS[collection].items() if not f.is_relation and _writable(n, f)]
    if not names:
        raise Refused("no field")
    _edit_field(txn, world, rng, collection, id, rng.choice(names))


def _relation_edit(txn: Txn, world: World, rng: random.Random) -> None:
    collection, id = _any_object(world, rng)
    names = [n for n, f in COLLECTIONS[collection].items() if f.is_relation and _writable(n, f)]
    if not names:
        raise Refused("no relation")
    _edit_field(txn, world, rng, collection, id, rng.choice(names))


def _writable(name: str, field: Field) -> bool:
    return name not in SKIPPED and not field.calculated


def _edit_field(txn: Txn, world: World, rng: random.Random, collection: str, id: int, name: str) -> None:
    field = schema_field(collection, name)
    if not field.is_relation:
        txn.set(
            collection, id, name, scalar_value(rng, collection, name, field, txn.values(collection, id, name))
        )
        return
    current = txn.targets(collection, id, name)
    if current and (rng.random() < 0.4 or (field.is_list and rng.random() < 0.2)):
        target, target_id = rng.choice(current)
        txn.unlink(collection, id, name, target, target_id)
        return
    target, target_id = _target(world, rng, field, _meeting_of(txn, collection, id))
    txn.link(collection, id, name, target, target_id)


def _target(world: World, rng: random.Random, field: Field, meeting: int | None) -> tuple[str, int]:
    """A random existing target of a relation, in the same meeting where it has one."""
    collections = [to.partition("/")[0] for to in field.to if world.ids(to.partition("/")[0])]
    if not collections:
        raise Refused("no target")
    collection = rng.choice(collections)
    ids = world.ids(collection)
    if meeting is not None and "meeting_id" in COLLECTIONS[collection]:
        same = [i for i in ids if (world.get(collection, i) or {}).get("meeting_id") == meeting]
        ids = same or ids
    return collection, rng.choice(ids)


def _meeting_of(txn: Txn, collection: str, id: int) -> int | None:
    if collection == "meeting":
        return id
    obj = txn.obj(collection, id) or {}
    meeting = obj.get("meeting_id")
    return meeting if isinstance(meeting, int) else None


def scalar_value(rng: random.Random, collection: str, name: str, field: Field, current: list[Any]) -> Any:
    """A new value for a field that is no relation (``None``: unset, unless required)."""
    value = _special(rng, collection, name, current)
    if value is _NONE:
        value = _by_type(rng, field.type)
    if value is None and field.required:
        value = field.default if field.default is not None else _by_type(rng, field.type, required=True)
    return value


_NONE: Any = object()


def _special(rng: random.Random, collection: str, name: str, current: list[Any]) -> Any:
    if name == "organization_management_level":
        return rng.choice(ORGANIZATION_LEVELS)
    if (collection, name) == ("group", "permissions"):
        have = set(current)
        if have and rng.random() < 0.4:
            have.discard(rng.choice(sorted(have)))
        elif rng.random() < 0.8:
            have.add(rng.choice(PERMISSIONS))
        else:
            have = set(rng.sample(PERMISSIONS, rng.randrange(0, 8)))
        return sorted(have) or None
    if (collection, name) == ("motion_state", "restrictions"):
        return sorted(rng.sample(STATE_RESTRICTIONS, rng.randrange(0, 3))) or None
    if (collection, name) == ("poll", "state"):
        return rng.choice(POLL_STATES)
    return _NONE


def _by_type(rng: random.Random, kind: str, *, required: bool = False) -> Any:
    if not required and rng.random() < 0.15:
        return None
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("number", "timestamp"):
        return rng.randrange(0, 20)
    if kind == "float":
        return rng.randrange(0, 100) / 4
    if kind.startswith("decimal"):
        return f"{rng.randrange(0, 5)}.000000"
    if kind == "color":
        return f"#{rng.randrange(0, 1 << 24):06x}"
    if kind == "JSON":
        return rng.choice([{"a": rng.randrange(5)}, [1, 2], "x"])
    if kind == "string[]":
        return [rng.choice(["a", "b", "motion.can_see"]) for _ in range(rng.randrange(1, 3))]
    if kind == "number[]":
        return [rng.randrange(1, 5) for _ in range(rng.randrange(1, 3))]
    return rng.choice(["Ada", "Bo", "<p>text</p>", "title", "x y"]) + str(rng.randrange(100))


def _create(txn: Txn, world: World, rng: random.Random) -> None:
    collection = rng.choice(CREATED) if rng.random() < 0.7 else rng.choice(sorted(COLLECTIONS))
    fields = COLLECTIONS[collection]
    values = {
        name: scalar_value(rng, collection, name, field, [])
        for name, field in fields.items()
        if not field.is_relation and _writable(name, field) and (field.required or rng.random() < 0.2)
    }
    id = txn.create(collection, {k: v for k, v in values.items() if v is not None})
    meetings = world.ids("meeting")
    meeting = rng.choice(meetings) if meetings else None
    if "meeting_id" in fields and meeting is not None:
        txn.link(collection, id, "meeting_id", "meeting", meeting)
    for name, field in fields.items():
        if not field.is_relation or name == "meeting_id" or not _writable(name, field):
            continue
        if field.required or rng.random() < 0.15:
            target, target_id = _target(world, rng, field, meeting)
            txn.link(collection, id, name, target, target_id)


def _delete(txn: Txn, world: World, rng: random.Random) -> None:
    collection, id = _any_object(
        world, rng, [c for c in world.objects if c not in ("organization", "meeting")]
    )
    txn.delete(collection, id)
