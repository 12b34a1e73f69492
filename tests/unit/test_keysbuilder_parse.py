"""Parsing keys requests: structure, upstream error texts and order, limits, ``k``, fingerprints."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ClientError, InvalidError, JSONError, LimitError
from domain.keysbuilder import FieldRequest, KeyRequest, KeysRequest, parse_k, parse_many, parse_single
from domain.keysbuilder.go_json import decode_first, scan


def body(*requests: object) -> bytes:
    return json.dumps(list(requests)).encode()


def user(fields: object, ids: object = (1,)) -> dict[str, object]:
    return {"ids": list(ids) if isinstance(ids, tuple) else ids, "collection": "user", "fields": fields}


def relation(collection: str, fields: object, kind: str = "relation") -> dict[str, object]:
    return {"type": kind, "collection": collection, "fields": fields}


def nested(levels: int) -> dict[str, object]:
    """A request with ``levels`` field levels: agenda items following their parents."""
    fields: dict[str, object] = {"item_number": None}
    for _ in range(levels - 1):
        fields = {"parent_id": relation("agenda_item", fields)}
    return {"ids": [1], "collection": "agenda_item", "fields": fields}


def error_of(parse: Callable[[Any], object], data: bytes | str) -> ClientError:
    with pytest.raises(ClientError) as info:
        parse(data)
    return info.value


# --- structure -------------------------------------------------------------------------------


def test_body_becomes_request_tree() -> None:
    request = parse_many(
        body(
            user({"username": None, "organization_id": relation("organization", {"name": None})}, (1, 2)),
            {
                "ids": [3],
                "collection": "tag",
                "fields": {"tagged_ids": {"type": "generic-relation-list", "fields": {"x": None}}},
            },
        )
    )
    first, second = request.requests
    assert first == KeyRequest(
        "user",
        (1, 2),
        {"username": None, "organization_id": FieldRequest("relation", "organization", {"name": None})},
    )
    assert second.fields["tagged_ids"] == FieldRequest("generic-relation-list", None, {"x": None})
    assert request.depth == 2


def test_blank_body_is_an_empty_request() -> None:
    assert parse_many(b"") == parse_many(b" \n\t\r ") == KeysRequest.empty()


@pytest.mark.parametrize("data", [b"[]", b"null", b" [ ] "])
def test_empty_list_or_null_is_no_data(data: bytes) -> None:
    err = error_of(parse_many, data)
    assert isinstance(err, InvalidError) and err.msg == "No data"


def test_only_the_first_json_value_counts() -> None:
    request = parse_many(body(user({"username": None})) + b" trailing {garbage")
    assert request.requests[0].collection == "user"


def test_fields_null_means_no_fields() -> None:
    request = parse_many(body(user(None), user({"organization_id": relation("organization", None)})))
    assert request.requests[0].fields == {}
    assert request.requests[1].fields["organization_id"] == FieldRequest("relation", "organization", {})


def test_unknown_attributes_are_ignored_and_the_last_duplicate_wins() -> None:
    data = b'[{"ids":[1],"extra":{"deep":[1,2]},"collection":"motion","collection":"user","fields":{}}]'
    assert parse_many(data).requests[0].collection == "user"


def test_generic_sub_fields_are_not_validated() -> None:
    generic = {"type": "generic-relation", "fields": {"does-not-exist": None}}
    request = parse_many(
        body({"ids": [1], "collection": "personal_note", "fields": {"content_object_id": generic}})
    )
    assert request.requests[0].fields["content_object_id"] == FieldRequest(
        "generic-relation", None, {"does-not-exist": None}
    )


def test_invalid_utf8_and_lone_surrogates_become_replacement_characters() -> None:
    err = error_of(parse_many, b'[{"ids":[1],"collection":"user","fields":{"a\xff\\ud800":null}}] x')
    assert err.msg == 'field "a\ufffd\ufffd": user/a\ufffd\ufffd does not exist'


# --- error texts -----------------------------------------------------------------------------

GO_ERRORS = [
    # http.json TestErrors
    (b"{5", JSONError, "invalid character '5' looking for beginning of object key string"),
    (b'[{"ids":[123]}]', InvalidError, "attribute collection is missing"),
    (
        b'{"ids":[1],"collection":"user","fields":{}}',
        InvalidError,
        "wrong type at field ``. Got object, expected list",
    ),
    (
        b'[{"ids":["1"],"collection":"user","fields":{}}]',
        InvalidError,
        "wrong type at field `ids`. Got string, expected number",
    ),
    # other type mismatches
    (
        b'[{"ids":[1.5],"collection":"user","fields":{}}]',
        InvalidError,
        "wrong type at field `ids`. Got number 1.5, expected number",
    ),
    (
        b'[{"ids":[true],"collection":"user","fields":{}}]',
        InvalidError,
        "wrong type at field `ids`. Got bool, expected number",
    ),
    (
        b'[{"ids":1,"collection":"user","fields":{}}]',
        InvalidError,
        "wrong type at field `ids`. Got number, expected list",
    ),
    (
        b'[{"ids":[1],"collection":5,"fields":{}}]',
        InvalidError,
        "wrong type at field `collection`. Got number, expected string",
    ),
    (
        b'[{"ids":[1],"collection":"user","fields":[]}]',
        InvalidError,
        "wrong type at field `fields`. Got array, expected object",
    ),
    (
        b'[{"ids":[1],"collection":"user","fields":{"a":"x"}}]',
        InvalidError,
        "wrong type at field `fields.a`. Got string, expected object",
    ),
    (
        b'[{"ids":[1],"collection":"user","fields":{"a":{"type":1}}}]',
        InvalidError,
        "wrong type at field `fields.a.type`. Got number, expected string",
    ),
    (b"[5]", InvalidError, "wrong type at field ``. Got number, expected object"),
    # truncation
    (b'[{"ids":[1],"collection":"us', InvalidError, "Body is not complete"),
    (b"[1.", InvalidError, "Body is not complete"),
    (b'["\\u12', InvalidError, "Body is not complete"),
    # Go scanner texts
    (b"[1 2]", JSONError, "invalid character '2' after array element"),
    (b'{"a":1 "b":2}', JSONError, "invalid character '\"' after object key:value pair"),
    (b'{"a" 1}', JSONError, "invalid character '1' after object key"),
    (b"[1,]", JSONError, "invalid character ']' looking for beginning of value"),
    (b'{"a":1,}', JSONError, "invalid character '}' looking for beginning of object key string"),
    (b"[tru]", JSONError, "invalid character ']' in literal true (expecting 'e')"),
    (b"[nul]", JSONError, "invalid character ']' in literal null (expecting 'l')"),
    (b"[-x]", JSONError, "invalid character 'x' in numeric literal"),
    (b"[1.x]", JSONError, "invalid character 'x' after decimal point in numeric literal"),
    (b"[1.5.]", JSONError, "invalid character '.' after array element"),
    (b"[1e+]", JSONError, "invalid character ']' in exponent of numeric literal"),
    (b"[true.]", JSONError, "invalid character '.' after array element"),
    (b'["\\x"]', JSONError, "invalid character 'x' in string escape code"),
    (b'["\\u12g4"]', JSONError, "invalid character 'g' in \\u hexadecimal character escape"),
    (b'["a\nb"]', JSONError, "invalid character '\\n' in string literal"),
    (b'["a\x01"]', JSONError, "invalid character '\\x01' in string literal"),
    (b"[\xc3\xa4]", JSONError, "invalid character '\u00c3' looking for beginning of value"),
    (b"\xef\xbb\xbf[]", JSONError, "invalid character '\u00ef' looking for beginning of value"),
    (b"[NaN]", JSONError, "invalid character 'N' looking for beginning of value"),
    (b"[-Infinity]", JSONError, "invalid character 'I' in numeric literal"),
]


@pytest.mark.parametrize(
    ("data", "error_type", "message"), GO_ERRORS, ids=[repr(e[0])[:40] for e in GO_ERRORS]
)
def test_many_reports_upstream_error_texts(data: bytes, error_type: type[ClientError], message: str) -> None:
    err = error_of(parse_many, data)
    assert type(err) is error_type
    assert err.msg == message and err.status == 400


def test_single_reports_type_mismatches_as_go_json_errors() -> None:
    err = error_of(parse_single, b'{"ids":5,"collection":"user","fields":{}}')
    assert isinstance(err, JSONError)
    assert err.msg == "json: cannot unmarshal number into Go struct field .ids of type []int"
    assert (
        error_of(parse_single, b"[]").msg
        == "json: cannot unmarshal array into Go value of type keysbuilder.body"
    )


def test_single_blank_body_is_no_data_and_null_has_no_ids() -> None:
    assert error_of(parse_single, b"  ").msg == "No data"
    assert error_of(parse_single, b"null").msg == "no ids"


# --- validation order ------------------------------------------------------------------------

ORDER = [
    # an error inside fields wins over a remembered type error
    ({"ids": "1", "collection": 1, "fields": {"a": {"type": ""}}}, 'field "a": no type'),
    # the first remembered type error wins
    (
        {"collection": 1, "ids": "1", "fields": {}},
        "wrong type at field `collection`. Got number, expected string",
    ),
    ({"ids": None, "fields": {"nope": None}}, "no ids"),
    ({"ids": [], "fields": {"nope": None}}, "no ids"),
    ({"ids": [1, None], "fields": {"nope": None}}, "id has to be a positive number"),
    ({"ids": [-1], "fields": {"nope": None}}, "id has to be a positive number"),
    ({"ids": [1], "collection": "", "fields": {"nope": None}}, "attribute collection is missing"),
    ({"ids": [1], "collection": "user"}, "attribte fields is missing"),
    (
        {"ids": [1], "collection": "User", "fields": {"username": None}},
        'field "username": User/username does not exist',
    ),
    ({"ids": [1], "collection": "user", "fields": {"x": {"collection": "group"}}}, 'field "x": no type'),
    ({"ids": [1], "collection": "user", "fields": {"x": {"type": "wild"}}}, 'field "x": unknown type wild'),
    (
        {"ids": [1], "collection": "user", "fields": {"x": {"type": "relation", "fields": {}}}},
        'field "x": no collection',
    ),
    (
        {"ids": [1], "collection": "user", "fields": {"x": {"type": "relation", "collection": "group"}}},
        'field "x": no fields',
    ),
    (
        {"ids": [1], "collection": "user", "fields": {"x": {"type": "generic-relation"}}},
        'field "x": no fields',
    ),
    (
        {
            "ids": [1],
            "collection": "user",
            "fields": {
                "nope": {
                    "type": "relation",
                    "collection": "group",
                    "fields": {"x": {"type": "relation-list", "collection": "perm"}},
                }
            },
        },
        'field "nope.x": no fields',
    ),
    (
        {
            "ids": [1],
            "collection": "user",
            "fields": {"nope": {"type": "relation", "collection": "group", "fields": {"bad": None}}},
        },
        'field "nope.bad": group/bad does not exist',
    ),
]


@pytest.mark.parametrize(("request_object", "message"), ORDER, ids=[m for _, m in ORDER])
def test_checks_run_in_upstream_order(request_object: dict[str, object], message: str) -> None:
    assert error_of(parse_many, body(request_object)).msg == message


def test_nested_errors_carry_the_field_path() -> None:
    sub = {"type": "relation-list", "collection": "group", "fields": {"perm_ids": {"fields": {}}}}
    err = error_of(parse_many, body(user({"group_ids": sub})))
    assert isinstance(err, InvalidError)
    assert err.fields == ("group_ids", "perm_ids") and err.reason == "no type"


def test_an_error_in_a_later_request_fails_the_body() -> None:
    bad = user({"organization_id": {"type": "relation", "fields": {}}})
    assert (
        error_of(parse_many, body(user({"username": None}), bad)).msg
        == 'field "organization_id": no collection'
    )


# --- depth limit -----------------------------------------------------------------------------


def test_sixteen_levels_are_allowed_seventeen_are_not() -> None:
    assert parse_many(body(nested(16))).depth == 16
    err = error_of(parse_many, body(nested(17)))
    assert isinstance(err, LimitError)
    assert err.msg == "request nesting depth exceeds the limit of 16" and err.status == 400


def test_depth_limit_is_configurable() -> None:
    assert parse_many(body(nested(3)), max_depth=3).depth == 3
    assert error_of(lambda data: parse_many(data, max_depth=2), body(nested(3))).msg == (
        "request nesting depth exceeds the limit of 2"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b'[{"ids":[1],"collection":"user","fields":{},"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}]",
    ],
    ids=["open-arrays", "closed-arrays", "open-objects", "closed-objects", "deep-unknown-attribute"],
)
@pytest.mark.parametrize("parse", [parse_many, parse_single])
def test_hostile_nesting_gives_a_clean_limit_error(data: bytes, parse: Callable[[bytes], object]) -> None:
    err = error_of(parse, data)
    assert isinstance(err, LimitError)
    assert err.msg == "request nesting depth exceeds the limit of 16"


def test_deeply_nested_relations_stop_at_the_limit() -> None:
    fields = '{"item_number":null}'
    for _ in range(5000):
        fields = '{"parent_id":{"type":"relation","collection":"agenda_item","fields":' + fields + "}}"
    data = ('[{"ids":[1],"collection":"agenda_item","fields":' + fields + "}]").encode()
    assert isinstance(error_of(parse_many, data), LimitError)


# --- k ---------------------------------------------------------------------------------------


def test_k_requests_each_key_as_a_plain_field() -> None:
    request = parse_k("user/1/username,motion/5/title")
    assert request.requests == (
        KeyRequest("user", (1,), {"username": None}),
        KeyRequest("motion", (5,), {"title": None}),
    )


@pytest.mark.parametrize("k", [None, ""])
def test_absent_or_empty_k_means_no_keys(k: str | None) -> None:
    assert parse_k(k) == KeysRequest.empty()


@pytest.mark.parametrize(
    ("k", "element"),
    [
        ("a,,b", "a"),
        ("user/1/username,,user/2/username", ""),
        (",user/1/username", ""),
        ("user/1/username,", ""),
        ("user/1/nope", "user/1/nope"),
        ("user/1", "user/1"),
    ],
)
def test_invalid_or_empty_k_element_is_a_syntax_error(k: str, element: str) -> None:
    err = error_of(parse_k, k)
    assert isinstance(err, InvalidError)
    assert err.type == "SyntaxError" and err.status == 400
    assert err.msg == f"invalid key: {element}"


def test_k_keys_without_a_positive_id_are_dropped() -> None:
    assert parse_k("user/x/username,user/0/username,user/-1/username,user/2/username").requests == (
        KeyRequest("user", (2,), {"username": None}),
    )


# --- request values --------------------------------------------------------------------------


def test_equal_requests_have_equal_fingerprints() -> None:
    a = parse_many(b'[{"ids":[1,2],"collection":"user","fields":{"username":null,"first_name":null}}]')
    b = parse_many(b'[ {"fields":{"first_name":null, "username":null}, "collection":"user", "ids":[1,2]} ]')
    assert a == b and hash(a) == hash(b)
    assert a.fingerprint == b.fingerprint


@pytest.mark.parametrize(
    "other",
    [
        b'[{"ids":[2,1],"collection":"user","fields":{"username":null,"first_name":null}}]',
        b'[{"ids":[1,2],"collection":"user","fields":{"username":null}}]',
        b'[{"ids":[1,2],"collection":"user","fields":{"username":null,"first_name":null}},'
        b'{"ids":[1],"collection":"user","fields":{}}]',
    ],
)
def test_different_requests_have_different_fingerprints(other: bytes) -> None:
    base = parse_many(b'[{"ids":[1,2],"collection":"user","fields":{"username":null,"first_name":null}}]')
    assert parse_many(other) != base
    assert parse_many(other).fingerprint != base.fingerprint


def test_relation_kinds_change_the_fingerprint() -> None:
    one = KeysRequest(
        (KeyRequest("user", (1,), {"meeting_user_ids": FieldRequest("relation", "meeting_user", {})}),)
    )
    many = KeysRequest(
        (KeyRequest("user", (1,), {"meeting_user_ids": FieldRequest("relation-list", "meeting_user", {})}),)
    )
    assert one.fingerprint != many.fingerprint


def test_concat_puts_k_keys_first() -> None:
    k = parse_k("user/1/username")
    request = parse_many(body({"ids": [2], "collection": "motion", "fields": {"title": None}}))
    combined = k.concat(request)
    assert combined.requests == k.requests + request.requests
    assert KeysRequest.empty().concat(k) == k
    assert KeysRequest.empty().depth == 0 and combined.depth == 1


def test_requests_are_immutable() -> None:
    request = parse_k("user/1/username").requests[0]
    with pytest.raises(TypeError):
        request.fields["x"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        request.collection = "motion"  # type: ignore[misc]


# --- Go's scanner and the fast path agree ----------------------------------------------------

VALID = [
    b'[{"ids":[1,2],"collection":"user","fields":{"username":null,"x":{"type":"relation","collection":"c","fields":{}}}}]',
    b'{"a":[1,-2.5e+3,0.5,true,false,null,"s\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e4"],"b":{}, "c": [ ] }',
    b"-1.5e3",
    b' "top" ',
]


@settings(max_examples=400, deadline=None)
@given(
    base=st.sampled_from(VALID),
    edits=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=200),
            st.sampled_from(list(b' ,:[]{}"\\.eE+-0123456789tfnulx\x01\xc3')),
        ),
        max_size=3,
    ),
    cut=st.integers(min_value=0, max_value=200),
)
def test_fast_error_path_matches_go_scanner(base: bytes, edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(base)
    for position, byte in edits:
        data[position % (len(data) + 1) : position % (len(data) + 1)] = bytes([byte])
    data = data[: max(cut, 1)] if cut < len(data) else data
    text = bytes(data)
    start = len(text) - len(text.lstrip(b" \t\r\n"))
    expected: tuple[type, str] | None = None
    try:
        scan(text, start)
    except ClientError as err:
        expected = (type(err), err.msg)
    if start == len(text):
        return  # blank: never decoded
    try:
        decode_first(text)
    except ClientError as err:
        assert (type(err), err.msg) == expected
    else:
        assert expected is None
