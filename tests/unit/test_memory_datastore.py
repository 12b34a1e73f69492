"""The in-memory datastore: writes as the datastore writer does them, reads now and at a position."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from ports.datastore import Datastore, HistoryEntry
from simulator.datastore import Event, MemoryDatastore
from simulator.export import flatten, read_export

EXAMPLE_DATA = (
    Path(__file__).resolve().parents[2].parent / "shared" / "openslides" / "data" / "example-data.json"
)


def get(ds: MemoryDatastore, *fqids: str, position: int | None = None) -> dict[str, Any]:
    return asyncio.run(ds.get_objects(list(fqids), position))


def history(ds: MemoryDatastore, fqid: str) -> list[HistoryEntry] | None:
    return asyncio.run(ds.history_information(fqid))


def test_implements_the_datastore_port() -> None:
    port: Datastore = MemoryDatastore()
    assert asyncio.run(port.newest_position()) == 0


def test_create_publishes_all_fields_meta_deleted_and_meta_position() -> None:
    ds = MemoryDatastore()
    result = ds.write([Event("create", "motion/5", {"id": 5, "title": "Ä", "tags": [1, 2]})])
    assert result.position == 1
    assert result.modified_fields == {
        "motion/5/id": "5",
        "motion/5/title": '"\\u00c4"',
        "motion/5/tags": "[1, 2]",
        "motion/5/meta_deleted": "false",
        "motion/5/meta_position": "1",
    }
    assert get(ds, "motion/5", "motion/6") == {
        "motion/5": {"id": 5, "title": "Ä", "tags": [1, 2]},
        "motion/6": None,
    }


def test_update_sets_fields_and_none_deletes_them() -> None:
    ds = MemoryDatastore()
    ds.write([Event("create", "motion/1", {"id": 1, "title": "a", "text": "t"})])
    result = ds.write([Event("update", "motion/1", {"title": "b", "text": None})])
    assert result.modified_fields == {
        "motion/1/title": '"b"',
        "motion/1/text": "null",
        "motion/1/meta_position": "2",
    }
    assert get(ds, "motion/1") == {"motion/1": {"id": 1, "title": "b"}}


def test_listfields_publishes_the_complete_resulting_lists() -> None:
    ds = MemoryDatastore()
    ds.write([Event("create", "meeting/1", {"id": 1, "user_ids": [1, 2], "group_ids": [7]})])
    result = ds.write(
        [
            Event(
                "listfields",
                "meeting/1",
                {"add": {"user_ids": [2, 3], "tag_ids": [4]}, "remove": {"group_ids": [7]}},
            )
        ]
    )
    assert result.modified_fields == {
        "meeting/1/user_ids": "[1, 2, 3]",
        "meeting/1/tag_ids": "[4]",
        "meeting/1/group_ids": "[]",
        "meeting/1/meta_position": "2",
    }
    assert get(ds, "meeting/1")["meeting/1"] == {
        "id": 1,
        "user_ids": [1, 2, 3],
        "group_ids": [],
        "tag_ids": [4],
    }


def test_delete_and_restore_publish_null_for_every_field() -> None:
    ds = MemoryDatastore()
    ds.write([Event("create", "tag/3", {"id": 3, "name": "x"})])
    deleted = ds.write([Event("delete", "tag/3")])
    assert deleted.modified_fields == {
        "tag/3/id": "null",
        "tag/3/name": "null",
        "tag/3/meta_deleted": "null",
        "tag/3/meta_position": "2",
    }
    assert get(ds, "tag/3") == {"tag/3": None}
    restored = ds.write([Event("restore", "tag/3")])
    assert restored.modified_fields == deleted.modified_fields | {"tag/3/meta_position": "3"}
    assert get(ds, "tag/3") == {"tag/3": {"id": 3, "name": "x"}}


def test_invalid_writes_change_nothing() -> None:
    ds = MemoryDatastore()
    ds.write([Event("create", "tag/1", {"id": 1})])
    invalid = [
        [Event("create", "tag/2", {"id": 2}), Event("create", "tag/1", {"id": 1})],
        [Event("update", "tag/9", {"name": "x"})],
        [Event("restore", "tag/1")],
        [Event("create", "Tag/1", {})],
        [Event("listfields", "tag/1", {"add": {"id": [1]}})],
        [],
    ]
    for events in invalid:
        with pytest.raises(ValueError):
            ds.write(events)
    assert asyncio.run(ds.newest_position()) == 1
    assert get(ds, "tag/1", "tag/2") == {"tag/1": {"id": 1}, "tag/2": None}


def test_returned_objects_are_copies() -> None:
    ds = MemoryDatastore()
    ds.write([Event("create", "tag/1", {"id": 1, "name": "x"})])
    get(ds, "tag/1")["tag/1"]["name"] = "changed"
    assert get(ds, "tag/1")["tag/1"]["name"] == "x"


def history_fixture() -> MemoryDatastore:
    """Positions: 1 create, 2 update, 3 listfields, 4 deletefields, 5 delete, 6 restore, 7 unrelated."""
    ds = MemoryDatastore()
    ds.write(
        [Event("create", "motion/1", {"id": 1, "title": "a", "tag_ids": [1]})],
        user_id=1,
        information=["created"],
    )
    ds.write([Event("update", "motion/1", {"title": "b", "text": "t"})], user_id=2, information=None)
    ds.write(
        [Event("listfields", "motion/1", {"add": {"tag_ids": [2]}, "remove": {"tag_ids": [1]}})], user_id=3
    )
    ds.write([Event("deletefields", "motion/1", ["text"])], user_id=4, information={"why": "cleanup"})
    ds.write([Event("delete", "motion/1")], user_id=5, information=["deleted"], timestamp=1234)
    ds.write([Event("restore", "motion/1")], user_id=6, information=["restored"])
    ds.write([Event("create", "tag/1", {"id": 1})], information=["other object"])
    return ds


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        (0, None),
        (1, {"id": 1, "title": "a", "tag_ids": [1]}),
        (2, {"id": 1, "title": "b", "tag_ids": [1], "text": "t"}),
        (3, {"id": 1, "title": "b", "tag_ids": [2], "text": "t"}),
        (4, {"id": 1, "title": "b", "tag_ids": [2]}),
        (5, None),
        (6, {"id": 1, "title": "b", "tag_ids": [2]}),
        (7, {"id": 1, "title": "b", "tag_ids": [2]}),
    ],
)
def test_position_reads_replay_each_event_type(position: int, expected: dict[str, Any] | None) -> None:
    ds = history_fixture()
    assert get(ds, "motion/1", position=position) == {"motion/1": expected}


def test_object_without_events_up_to_the_position_does_not_exist() -> None:
    ds = history_fixture()
    assert get(ds, "tag/1", "tag/2", position=6) == {"tag/1": None, "tag/2": None}
    assert get(ds, "tag/1", position=7) == {"tag/1": {"id": 1}}


def test_update_with_none_is_recorded_as_update_plus_deletefields() -> None:
    ds = MemoryDatastore()
    ds.write([Event("create", "tag/1", {"id": 1, "name": "x", "color": "red"})])
    ds.write([Event("update", "tag/1", {"name": "y", "color": None})])
    assert get(ds, "tag/1", position=2) == {"tag/1": {"id": 1, "name": "y"}}
    assert get(ds, "tag/1", position=1) == {"tag/1": {"id": 1, "name": "x", "color": "red"}}


def test_history_information_lists_positions_with_information() -> None:
    ds = history_fixture()
    entries = history(ds, "motion/1")
    assert entries is not None
    assert [(e.position, e.user_id, e.information) for e in entries] == [
        (1, 1, ["created"]),
        (4, 4, {"why": "cleanup"}),
        (5, 5, ["deleted"]),
        (6, 6, ["restored"]),
    ]
    assert entries[2].timestamp == 1234
    assert abs(entries[0].timestamp - time.time()) < 60
    assert history(ds, "motion/2") is None


def test_history_information_lists_a_position_once() -> None:
    ds = MemoryDatastore()
    ds.write(
        [Event("create", "tag/1", {"id": 1}), Event("update", "tag/1", {"name": "x"})],
        information=["both"],
    )
    ds.write([Event("create", "tag/2", {"id": 2})])
    assert [e.position for e in history(ds, "tag/1") or []] == [1]
    assert history(ds, "tag/2") == []


def test_apply_changes_derives_create_update_deletefields_and_delete() -> None:
    ds = MemoryDatastore()
    first = ds.apply_changes({"user/5/username": "anna", "user/5/email": None, "user/6/username": "bob"})
    assert first == 1
    assert get(ds, "user/5", "user/6") == {
        "user/5": {"username": "anna", "id": 5},
        "user/6": {"username": "bob", "id": 6},
    }
    ds.apply_changes({"user/5/username": "anne", "user/5/email": "a@x", "user/5/meta_position": "1"})
    ds.apply_changes({"user/5/email": None})
    assert get(ds, "user/5") == {"user/5": {"username": "anne", "id": 5}}
    last = ds.apply_changes({"user/6/username": None, "user/6/id": None}, user_id=1, information=["gone"])
    assert get(ds, "user/6") == {"user/6": None}
    assert get(ds, "user/6", position=last - 1) == {"user/6": {"username": "bob", "id": 6}}
    assert [e.information for e in history(ds, "user/6") or []] == [["gone"]]


def test_apply_changes_rejects_malformed_keys() -> None:
    with pytest.raises(ValueError, match="invalid key"):
        MemoryDatastore().apply_changes({"user/0/username": "x"})


def test_read_export_names_the_file_and_the_problem(tmp_path: Path) -> None:
    cases = {
        "broken.json": "{",
        "list.json": "[]",
        "bad_id.json": '{"user": {"x": {}}}',
        "id_mismatch.json": '{"user": {"1": {"id": 2}}}',
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(ValueError, match=re.escape(name)):
            read_export(path)
    with pytest.raises(ValueError, match=r"missing\.json"):
        read_export(tmp_path / "missing.json")


def test_flatten_skips_bookkeeping_and_nulls() -> None:
    export = {"_migration_index": 3, "user": {"1": {"id": 1, "username": "a", "email": None}}}
    assert flatten(export) == {"user/1/id": 1, "user/1/username": "a"}


def test_load_export_of_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"_migration_index": 1, "tag": {"1": {"id": 1, "name": "x"}}}))
    ds = MemoryDatastore()
    assert ds.load_export(read_export(path)) == 1
    assert get(ds, "tag/1") == {"tag/1": {"id": 1, "name": "x"}}
    assert [e.information for e in history(ds, "tag/1") or []] == [{"simulator": "initial data"}]
    with pytest.raises(ValueError, match="empty"):
        ds.load_export(read_export(path))


@pytest.mark.skipif(not EXAMPLE_DATA.exists(), reason=f"example data not found at {EXAMPLE_DATA}")
def test_load_example_data_matches_the_flat_export() -> None:
    export = read_export(EXAMPLE_DATA)
    ds = MemoryDatastore()
    ds.load_export(export)
    fqids = sorted({key.rpartition("/")[0] for key in flatten(export)})
    objects = get(ds, *fqids)
    loaded = {f"{fqid}/{name}": value for fqid, obj in objects.items() for name, value in (obj or {}).items()}
    assert loaded == flatten(export)
    assert objects["user/1"] is not None
    assert objects["user/1"]["username"] == "admin"


def test_loading_a_large_meeting_is_fast() -> None:
    users = {
        str(i): {"id": i, "username": f"u{i}", "meeting_ids": [1], **{f"f{j}": j for j in range(18)}}
        for i in range(1, 10_001)
    }
    ds = MemoryDatastore()
    start = time.perf_counter()
    ds.load_export({"user": users})
    assert time.perf_counter() - start < 2.0
    assert len(get(ds, *(f"user/{i}" for i in range(1, 10_001)))) == 10_000
