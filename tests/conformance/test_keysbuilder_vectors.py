"""The upstream keysbuilder tests (``keysbuilder.json``), run against parse and resolve."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from domain.errors import ClientError, InvalidError, JSONError
from domain.keysbuilder import KeysRequest, parse_many, parse_single, resolve
from domain.reader import FlatSource, Reader
from tests.conformance.vectors import decode_vector_value, load_vectors

CASES = load_vectors("keysbuilder.json")
ERROR_TYPES: dict[str, type[BaseException]] = {
    "InvalidError": InvalidError,
    "JSONError": JSONError,
    "any": Exception,
}


class CountingReader:
    """Counts ``get_many`` calls; optionally fails the first one like the Go ``TestError``."""

    def __init__(self, data: dict[str, Any], fail_with: str | None = None) -> None:
        self.reader = Reader(FlatSource(data))
        self.calls = 0
        self.fail_with = fail_with

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        self.calls += 1
        if self.fail_with is not None:
            raise RuntimeError(self.fail_with)
        return self.reader.get_many(keys)


def _data(raw: dict[str, Any] | None) -> dict[str, Any]:
    return {key: decode_vector_value(value) for key, value in (raw or {}).items()}


def _parse(case: dict[str, Any]) -> KeysRequest:
    body = case["request_raw"] if "request_raw" in case else json.dumps(case["request"])
    parse = parse_single if case["parse"] == "single" else parse_many
    return parse(body.encode())


def _check_error(err: BaseException, expect: dict[str, Any]) -> None:
    assert isinstance(err, ERROR_TYPES[expect["type"]])
    if "message_equals" in expect:
        assert isinstance(err, ClientError)
        assert str(err) == expect["message_equals"] == err.msg
    if "fields" in expect:
        assert isinstance(err, InvalidError)
        assert list(err.fields) == expect["fields"]


@pytest.mark.parametrize("case", CASES, ids=[case["source"].split(":", 1)[1] for case in CASES])
def test_vector(case: dict[str, Any]) -> None:
    expect_error = case.get("expect_error")
    if expect_error and expect_error["stage"] == "parse":
        with pytest.raises(Exception) as info:
            _parse(case)
        _check_error(info.value, expect_error)
        return
    request = _parse(case)
    if case.get("expect_ok", {}).get("stage") == "parse":
        return

    data = _data(case.get("data"))
    failure = case.get("datastore_error")
    reader = CountingReader(data, failure["message"] if failure else None)
    if expect_error:
        with pytest.raises(Exception) as info:
            resolve(request, reader)
        _check_error(info.value, expect_error)
    else:
        keys = resolve(request, reader)
        assert len(keys) == len(set(keys))
        if "expect_keys" in case:
            assert set(keys) == set(case["expect_keys"])
        if "expect_keys_ordered" in case:
            assert keys == case["expect_keys_ordered"]
    if "expect_datastore_requests" in case:
        assert reader.calls == case["expect_datastore_requests"]

    for step in case.get("steps", []):
        for key, value in step["data_update"].items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = decode_vector_value(value)
        assert set(resolve(request, CountingReader(data))) == set(step["expect_keys"])
