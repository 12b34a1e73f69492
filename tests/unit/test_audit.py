"""The auditor: a stream that differs from a fresh computation is found, logged once, counted
and corrected; a correct one is left alone."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio
import pytest

from adapters.config import ConfigError, load_config
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.keysbuilder import parse_k
from domain.restrict.modes import Unrestricted
from tests.fakes import FlatDatastore

DATA: dict[str, Any] = {"user/1/id": 1, "user/1/username": "a", "user/1/first_name": "Ada"}


async def _fold(stream: Any, state: dict[str, Any]) -> None:
    while stream.queued():
        for key, value in (await stream.next()).decoded().items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value


def test_a_correct_stream_passes_the_audit() -> None:
    async def main() -> None:
        engine = Autoupdate(Cache(FlatDatastore(DATA)), Unrestricted(), workers=1)
        async with engine.running():
            await engine.subscribe(1, parse_k("user/1/username"))
            assert await engine.auditor.check() is True
            assert engine.statistics()["autoupdate_audit_checks"] == 1
            assert engine.statistics()["autoupdate_audit_mismatches"] == 0
            await engine.close()

    asyncio.run(main())


def test_a_wrong_stream_is_logged_once_counted_and_corrected(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        engine = Autoupdate(Cache(FlatDatastore(DATA)), Unrestricted(), workers=1)
        async with engine.running():
            stream = await engine.subscribe(1, parse_k("user/1/username,user/1/first_name"))
            state: dict[str, Any] = {}
            await _fold(stream, state)
            # A bug that lost an update: the group's view (and so the client) holds a stale value.
            group = next(iter(engine._groups))
            group.current = {**group.current, "user/1/username": b'"stale"'}
            state["user/1/username"] = "stale"
            with caplog.at_level(logging.ERROR, logger="autoupdate.audit"):
                assert await engine.auditor.check() is False
                await engine.idle()
                await _fold(stream, state)
                assert state == {"user/1/username": "a", "user/1/first_name": "Ada"}
                assert await engine.auditor.check() is True
            assert engine.statistics()["autoupdate_audit_mismatches"] == 1
            assert [r.message for r in caplog.records if "differs from a fresh computation" in r.message]
            assert 'user/1/username: sent "stale", fresh "a"' in caplog.text
            await engine.close()

    asyncio.run(main())


def test_audit_share_is_configured_by_environment() -> None:
    environ = {"AUTH_FAKE": "true", "OPENSLIDES_DEVELOPMENT": "true"}
    assert load_config(environ).autoupdate_audit == 0
    assert load_config({**environ, "AUTOUPDATE_AUDIT": "0.05"}).autoupdate_audit == 0.05
    with pytest.raises(ConfigError, match="AUTOUPDATE_AUDIT"):
        load_config({**environ, "AUTOUPDATE_AUDIT": "2"})


def test_a_running_engine_with_an_audit_share_audits_its_streams() -> None:
    async def main() -> None:
        engine = Autoupdate(Cache(FlatDatastore(DATA)), Unrestricted(), workers=1, audit_share=1.0)
        async with engine.running():
            await engine.subscribe(1, parse_k("user/1/username"))
            for _ in range(200):  # the first check finds no stream; the next one a second later
                if engine.statistics()["autoupdate_audit_checks"]:
                    break
                await anyio.sleep(0.05)
            assert engine.statistics()["autoupdate_audit_checks"] >= 1
            assert engine.statistics()["autoupdate_audit_mismatches"] == 0

    asyncio.run(main())
