"""Replaying datastore events into an object (spec A6), shared by every datastore."""

from __future__ import annotations

from typing import Any

import pytest

from domain.events import list_update, replay

CREATE = ("create", {"id": 1, "title": "T", "tags": [1, 2]})


def test_no_events_means_the_object_does_not_exist() -> None:
    assert replay([]) is None


def test_create_is_the_object() -> None:
    assert replay([CREATE]) == {"id": 1, "title": "T", "tags": [1, 2]}


def test_create_leaves_the_event_data_untouched() -> None:
    data: dict[str, Any] = {"id": 1, "title": "T"}
    result = replay([("create", data), ("update", {"title": "U"})])
    assert result == {"id": 1, "title": "U"}
    assert data == {"id": 1, "title": "T"}


def test_create_drops_null_fields() -> None:
    assert replay([("create", {"id": 1, "text": None})]) == {"id": 1}


def test_update_merges_fields_and_null_removes_one() -> None:
    events = [CREATE, ("update", {"title": "U", "text": "x"}), ("update", {"tags": None})]
    assert replay(events) == {"id": 1, "title": "U", "text": "x"}


def test_deletefields_removes_the_listed_fields_and_ignores_missing_ones() -> None:
    assert replay([CREATE, ("deletefields", ["title", "missing"])]) == {"id": 1, "tags": [1, 2]}


def test_listfields_appends_missing_values_and_removes_listed_ones() -> None:
    events = [CREATE, ("listfields", {"add": {"tags": [2, 3], "new": ["a"]}, "remove": {"tags": [1]}})]
    assert replay(events) == {"id": 1, "title": "T", "tags": [2, 3], "new": ["a"]}


def test_listfields_remove_on_a_missing_field_creates_nothing() -> None:
    assert replay([CREATE, ("listfields", {"add": {}, "remove": {"other": [1]}})]) == replay([CREATE])


def test_delete_hides_the_object_and_restore_brings_its_fields_back() -> None:
    deleted = [CREATE, ("update", {"title": "U"}), ("delete", None)]
    assert replay(deleted) is None
    assert replay([*deleted, ("restore", None)]) == {"id": 1, "title": "U", "tags": [1, 2]}


def test_create_after_delete_starts_over() -> None:
    events = [CREATE, ("delete", None), ("create", {"id": 1, "title": "new"})]
    assert replay(events) == {"id": 1, "title": "new"}


def test_events_before_a_create_change_nothing() -> None:
    assert replay([("update", {"title": "U"}), ("restore", None)]) is None


def test_unknown_event_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        replay([CREATE, ("rename", {})])


def test_list_update_returns_only_touched_fields_without_changing_the_model() -> None:
    model = {"a": [1, 2], "b": ["x"], "c": 5}
    result = list_update(model, {"add": {"a": [2, 3, 3]}, "remove": {"b": ["x"], "a": [1]}})
    assert result == {"a": [2, 3], "b": []}
    assert model == {"a": [1, 2], "b": ["x"], "c": 5}


def test_list_update_accepts_a_missing_add_or_remove() -> None:
    assert list_update({"a": [1]}, {"add": {"a": [2]}}) == {"a": [1, 2]}
    assert list_update({"a": [1]}, {"remove": {"a": [1]}}) == {"a": []}
