"""What the cache keeps: objects in use always, the rest within a byte budget, and a bounded
number of known-missing entries; the oldest leave first."""

from __future__ import annotations

from domain.cache_store import ObjectStore, estimate

SMALL = {"id": 1, "name": "x"}
SIZE = estimate(SMALL)


def _store(objects: int, max_absent: int = 10) -> ObjectStore:
    """A store whose budget fits exactly ``objects`` objects like ``SMALL``."""
    return ObjectStore(max_bytes=objects * SIZE, max_absent=max_absent)


def test_objects_beyond_the_budget_leave_oldest_first() -> None:
    store = _store(2)
    for n in (1, 2, 3):
        store.put(f"user/{n}", dict(SMALL))
    store.shrink()
    assert set(store.objects) == {"user/2", "user/3"}
    assert store.evictions == 1
    assert store.bytes == store.idle_bytes == 2 * SIZE


def test_pinned_and_held_objects_never_leave() -> None:
    store = _store(0)
    store.pin("user/1")
    store.hold("user/2")
    for n in (1, 2, 3):
        store.put(f"user/{n}", dict(SMALL))
    store.shrink()
    assert set(store.objects) == {"user/1", "user/2"}
    assert store.idle_bytes == 0 and store.bytes == 2 * SIZE


def test_an_object_nobody_uses_any_more_joins_the_budget() -> None:
    store = _store(1)
    store.pin("user/1")
    store.hold("user/2")
    store.put("user/1", dict(SMALL))
    store.put("user/2", dict(SMALL))
    store.unpin("user/1")
    store.shrink()
    assert set(store.objects) == {"user/1", "user/2"}
    store.release("user/2")  # now newer than user/1
    store.shrink()
    assert set(store.objects) == {"user/2"}


def test_a_hold_taken_twice_ends_with_its_last_release() -> None:
    store = _store(0)
    store.hold("user/1")
    store.hold("user/1")
    store.put("user/1", dict(SMALL))
    store.release("user/1")
    store.shrink()
    assert "user/1" in store.objects
    store.release("user/1")
    store.shrink()
    assert "user/1" not in store.objects


def test_known_missing_entries_are_bounded_by_count_and_not_kept_by_pins() -> None:
    store = _store(100, max_absent=3)
    for n in range(10):
        store.pin(f"user/{n}")
        store.put(f"user/{n}", None)
    store.shrink()
    assert set(store.objects) == {"user/7", "user/8", "user/9"}
    assert store.absent == 3 and store.bytes == 0


def test_a_held_missing_entry_stays() -> None:
    store = _store(100, max_absent=0)
    store.hold("user/1")
    store.put("user/1", None)
    store.shrink()
    assert store.objects == {"user/1": None}


def test_changes_are_sized_again_and_an_object_created_leaves_the_missing_entries() -> None:
    store = _store(100, max_absent=5)
    store.put("user/1", None)
    store.objects["user/1"] = {"id": 1, "name": "x" * 1000}
    store.changed("user/1")
    assert store.absent == 0
    assert store.bytes == store.idle_bytes == estimate({"id": 1, "name": "x" * 1000})
    assert store.bytes >= SIZE + 999  # one character more per character


def test_clear_forgets_objects_but_keeps_pins() -> None:
    store = _store(0)
    store.pin("user/1")
    store.put("user/1", dict(SMALL))
    store.put("user/2", None)
    store.clear()
    assert store.objects == {} and store.bytes == 0 and store.absent == 0
    store.put("user/1", dict(SMALL))
    store.shrink()
    assert "user/1" in store.objects


def test_estimate_grows_with_strings_lists_and_nested_objects() -> None:
    base = estimate({"id": 1})
    assert estimate({"id": 1, "name": "a" * 500}) >= base + 500
    assert estimate({"id": 1, "user_ids": list(range(100))}) > base + 100 * 8
    assert estimate({"id": 1, "content": {"a": "b" * 300}}) > base + 300
