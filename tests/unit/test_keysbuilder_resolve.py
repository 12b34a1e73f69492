"""Resolving keys requests: level order, batching per level, relation rules, errors and limits."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from domain.api import parse_request, resolve_keys
from domain.errors import InvalidKeyError, LimitError, ValueError_
from domain.keysbuilder import FieldRequest, KeyRequest, KeysRequest, parse_k, parse_many, resolve
from domain.reader import FlatSource, Reader


class CountingReader:
    """Records every ``get_many`` call (the keys asked for)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.reader = Reader(FlatSource(data))
        self.calls: list[list[str]] = []

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        asked = list(keys)
        self.calls.append(asked)
        return self.reader.get_many(asked)


def request(*parts: dict[str, Any]) -> KeysRequest:
    return parse_many(json.dumps(list(parts)).encode())


def run(keys_request: KeysRequest, data: dict[str, Any], **options: Any) -> tuple[list[str], CountingReader]:
    reader = CountingReader(data)
    return resolve(keys_request, reader, **options), reader


ORGANIZATION = {
    "organization_id": {"type": "relation", "collection": "organization", "fields": {"name": None}}
}
MEETING_USERS = {
    "meeting_user_ids": {"type": "relation-list", "collection": "meeting_user", "fields": {"comment": None}}
}


def test_plain_fields_are_never_read() -> None:
    keys, reader = run(parse_k("user/1/username,user/2/username"), {"user/1/username": "a"})
    assert keys == ["user/1/username", "user/2/username"]
    assert reader.calls == []


def test_relation_fields_are_included_and_followed_in_level_order() -> None:
    data = {"user/1/organization_id": 1, "user/1/meeting_user_ids": [3, 4]}
    keys, reader = run(
        request({"ids": [1], "collection": "user", "fields": {**ORGANIZATION, **MEETING_USERS}}), data
    )
    assert keys == [
        "user/1/organization_id",
        "user/1/meeting_user_ids",
        "organization/1/name",
        "meeting_user/3/comment",
        "meeting_user/4/comment",
    ]
    assert reader.calls == [["user/1/organization_id", "user/1/meeting_user_ids"]]


def test_one_read_per_level_for_all_requests_and_ids() -> None:
    theme = {"theme_id": {"type": "relation", "collection": "theme", "fields": {"name": None}}}
    org = {"organization_id": {"type": "relation", "collection": "organization", "fields": theme}}
    data = {"user/1/organization_id": 1, "user/2/organization_id": 2, "organization/1/theme_id": 5}
    keys, reader = run(
        request(
            {"ids": [1, 2], "collection": "user", "fields": org},
            {"ids": [3], "collection": "user", "fields": org},
        ),
        data,
    )
    assert len(reader.calls) == 2
    assert reader.calls[0] == ["user/1/organization_id", "user/2/organization_id", "user/3/organization_id"]
    assert sorted(reader.calls[1]) == ["organization/1/theme_id", "organization/2/theme_id"]
    assert keys[-1] == "theme/5/name"


def test_duplicates_are_removed_keeping_the_first_occurrence() -> None:
    both = request(
        {"ids": [1], "collection": "user", "fields": {"organization_id": None}},
        {"ids": [1], "collection": "user", "fields": ORGANIZATION},
    )
    keys, reader = run(both, {"user/1/organization_id": 1})
    assert keys == ["user/1/organization_id", "organization/1/name"]
    assert reader.calls == [["user/1/organization_id"]]


@pytest.mark.parametrize("value", [0, None])
def test_relation_without_a_target_adds_nothing(value: Any) -> None:
    keys, _ = run(
        request({"ids": [1], "collection": "user", "fields": ORGANIZATION}), {"user/1/organization_id": value}
    )
    assert keys == ["user/1/organization_id"]


def test_missing_objects_and_invalid_ids_add_nothing() -> None:
    manual = KeysRequest((KeyRequest("user", (0, -3, 7), {"username": None}),))
    keys, _ = run(manual, {})
    assert keys == ["user/7/username"]


@pytest.mark.parametrize(
    ("fields", "value", "message"),
    [
        (ORGANIZATION, "1", "invalid value in key user/1/organization_id. Got string, expected int"),
        (ORGANIZATION, True, "invalid value in key user/1/organization_id. Got bool, expected int"),
        (ORGANIZATION, 1.0, "invalid value in key user/1/organization_id. Got number, expected int"),
        (MEETING_USERS, 5, "invalid value in key user/1/meeting_user_ids. Got number, expected []int"),
        (MEETING_USERS, [1, "2"], "invalid value in key user/1/meeting_user_ids. Got array, expected []int"),
        (MEETING_USERS, [True], "invalid value in key user/1/meeting_user_ids. Got array, expected []int"),
    ],
)
def test_relation_value_of_the_wrong_type_is_a_value_error(fields: Any, value: Any, message: str) -> None:
    relation_field = next(iter(fields))
    with pytest.raises(ValueError_) as info:
        run(
            request({"ids": [1], "collection": "user", "fields": fields}),
            {f"user/1/{relation_field}": value},
        )
    assert info.value.msg == message
    assert info.value.type == "ValueError" and info.value.status == 400


def test_relation_list_with_an_id_below_one_is_an_invalid_key() -> None:
    with pytest.raises(InvalidKeyError) as info:
        run(
            request({"ids": [1], "collection": "user", "fields": MEETING_USERS}),
            {"user/1/meeting_user_ids": [2, 0]},
        )
    assert info.value.msg == "the key/fqfield is invalid: meeting_user/0/comment"
    assert info.value.type == "invalid" and info.value.status == 400


GENERIC = {
    "content_object_id": {"type": "generic-relation", "fields": {"title": None, "does-not-exist": None}}
}
TAGGED = {"tagged_ids": {"type": "generic-relation-list", "fields": {"title": None, "description": None}}}


def test_generic_relation_follows_the_named_collection_and_skips_unknown_fields() -> None:
    data = {"personal_note/1/content_object_id": "motion/7"}
    keys, _ = run(request({"ids": [1], "collection": "personal_note", "fields": GENERIC}), data)
    assert keys == ["personal_note/1/content_object_id", "motion/7/title"]


def test_generic_relation_list_skips_fields_a_target_collection_lacks() -> None:
    data = {"tag/1/tagged_ids": ["motion/3", "assignment/4", "motion/0"]}
    keys, _ = run(request({"ids": [1], "collection": "tag", "fields": TAGGED}), data)
    assert keys == ["tag/1/tagged_ids", "motion/3/title", "assignment/4/title", "assignment/4/description"]


@pytest.mark.parametrize(
    ("value", "got"),
    [
        (5, "number, expected string"),
        ("motion", 'string "motion", expected collection/id'),
        ("motion/x", 'string "motion/x", expected collection/id'),
    ],
)
def test_malformed_generic_relation_is_a_value_error(value: Any, got: str) -> None:
    with pytest.raises(ValueError_) as info:
        run(
            request({"ids": [1], "collection": "personal_note", "fields": GENERIC}),
            {"personal_note/1/content_object_id": value},
        )
    assert info.value.msg == f"invalid value in key personal_note/1/content_object_id. Got {got}"


@pytest.mark.parametrize("value", ["motion/1", ["motion/1", 2], {"a": 1}])
def test_generic_relation_list_of_the_wrong_type_is_a_value_error(value: Any) -> None:
    with pytest.raises(ValueError_) as info:
        run(request({"ids": [1], "collection": "tag", "fields": TAGGED}), {"tag/1/tagged_ids": value})
    assert info.value.msg.endswith("expected []string")


def test_more_keys_than_the_limit_is_a_limit_error() -> None:
    data = {"user/1/meeting_user_ids": list(range(1, 11))}
    big = request({"ids": [1], "collection": "user", "fields": MEETING_USERS})
    assert len(run(big, data, max_keys=11)[0]) == 11
    with pytest.raises(LimitError) as info:
        run(big, data, max_keys=10)
    assert info.value.msg == "request resolves to more than 10 keys" and info.value.status == 400


def test_reader_errors_propagate() -> None:
    class Failing:
        def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
            raise RuntimeError("datastore down")

    with pytest.raises(RuntimeError, match="datastore down"):
        resolve(request({"ids": [1], "collection": "user", "fields": ORGANIZATION}), Failing())


def test_same_description_reached_twice_is_followed_once() -> None:
    org = FieldRequest("relation", "organization", {"name": None})
    manual = KeysRequest((KeyRequest("user", (1, 2), {"organization_id": org}),))
    keys, reader = run(manual, {"user/1/organization_id": 1, "user/2/organization_id": 1})
    assert keys == ["user/1/organization_id", "user/2/organization_id", "organization/1/name"]
    assert len(reader.calls) == 1


def test_facade_parses_and_resolves_over_a_flat_mapping() -> None:
    parsed = parse_request(
        '[{"ids":[1],"collection":"user","fields":{"organization_id":{"type":"relation",'
        '"collection":"organization","fields":{"name":null}}}}]'
    )
    assert parsed == parse_request(
        b'[{"ids":[1],"collection":"user","fields":{"organization_id":{"type":"relation",'
        b'"collection":"organization","fields":{"name":null}}}}]'
    )
    assert resolve_keys(parsed, {"user/1/organization_id": 1}) == {
        "user/1/organization_id",
        "organization/1/name",
    }
