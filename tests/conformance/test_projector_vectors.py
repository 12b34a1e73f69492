"""The shared projector vectors: slide contents through ``domain.api.projection_content`` and,
for the cases with recalculation ``steps``, through the engine (what a change pushes).

Where a vector carries ``expect_content_fixed`` (Go defects D1 to D3 and D7), this project's decision
(spec projector P3) is the fixed output, so that one is expected.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from domain.api import projection_content
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.keysbuilder import parse_k
from domain.projector.context import Projection, SlideContext, SlideRegistry
from domain.projector.registry import default_registry
from domain.restrict.modes import Unrestricted
from tests.conformance.vectors import load_vectors
from tests.fakes import FlatDatastore

CASES = load_vectors("projector.json")


def _stub_user(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    name = ctx.get_str("user/1/username")
    return {"value": f"calculated with {name}" if name else "user"}


def _stub_projection(ctx: SlideContext, projection: Projection) -> dict[str, Any]:
    return {
        "id": projection.id,
        "type": projection.type,
        "content_object_id": projection.content_object_id,
        "meeting_id": projection.meeting_id,
        "options": projection.options,
        "current_projector_id": projection.current_projector_id,
    }


STUBS = {
    "test1": lambda ctx, projection: {"value": "abc"},
    "user": _stub_user,
    "projection": _stub_projection,
}


def _registry(entries: list[str] | None) -> SlideRegistry:
    full = default_registry()
    if entries is None:
        return full
    slides: dict[str, Any] = {}
    titlers: dict[str, Any] = {}
    for entry in entries:
        kind, _, name = entry.partition(":")
        if kind == "stub":
            slides[name] = STUBS[name]
        elif kind == "slide":
            slides[name] = full.slides[name]
        else:
            titlers[name] = full.titlers[name]
    return SlideRegistry(slides, titlers)


def _data(case: dict[str, Any]) -> tuple[dict[str, Any], int]:
    data = dict(case["data"])
    projection = case.get("projection")
    if projection is None:
        return data, case["projection_id"]
    data[f"projection/{projection['id']}/id"] = projection["id"]
    for field, value in projection.items():
        if value is not None:
            data[f"projection/{projection['id']}/{field}"] = value
    return data, projection["id"]


def _expected(case: dict[str, Any]) -> Any:
    return case["expect_content_fixed"] if "expect_content_fixed" in case else case["expect_content"]


def _id(case: dict[str, Any]) -> str:
    return f"{case['slide']}: {case['name']}"


@pytest.mark.parametrize("case", [c for c in CASES if "titler_call" not in c], ids=_id)
def test_projection_content(case: dict[str, Any]) -> None:
    data, projection_id = _data(case)
    registry = _registry(case.get("registry"))
    assert projection_content(data, projection_id, registry) == _expected(case)
    for extra, expected in case.get("expect_extra_content", {}).items():
        assert projection_content(data, int(extra.split("/")[1]), registry) == expected


@pytest.mark.parametrize("case", [c for c in CASES if "titler_call" in c], ids=_id)
def test_titler(case: dict[str, Any]) -> None:
    from domain.reader import FlatSource, Reader

    call = case["titler_call"]
    ctx = SlideContext(Reader(FlatSource(case["data"])), _registry(case.get("registry")))
    assert (
        ctx.title_info(call["fqid"], call.get("item_number", ""), call.get("meeting_id", 0))
        == case["expect_title"]
    )


async def _run_steps(case: dict[str, Any]) -> None:
    data, projection_id = _data(case)
    ids = [projection_id, *case.get("extra_projection_ids", [])]
    datastore = FlatDatastore(data)
    engine = Autoupdate(Cache(datastore), Unrestricted(), workers=1, slides=_registry(case.get("registry")))
    async with engine.running():
        keys = [f"projection/{id}/content" for id in ids]

        async def contents() -> dict[str, Any]:
            message = (await engine.single(0, parse_k(",".join(keys)))).decoded()
            return {key: message.get(key) for key in keys}

        first = await contents()
        assert first[keys[0]] == _expected(case)
        for step in case["steps"]:
            datastore.update(step["data_update"])
            pushed = engine.apply_changes(step["data_update"])
            now = await contents()
            assert set(pushed) == set(step["expect_pushed"])
            assert {key: now[key] for key in pushed} == step["expect_pushed"]
            assert now[keys[0]] == step["expect_content"]
            for extra, expected in step.get("expect_extra_content", {}).items():
                assert now[extra] == expected


@pytest.mark.parametrize("case", [c for c in CASES if c.get("steps")], ids=_id)
def test_recalculation_through_the_engine(case: dict[str, Any]) -> None:
    asyncio.run(_run_steps(case))
