"""``python -m adapters.load_export``: an export lands in an empty datastore as the datastore
writer would write it, and the production service then answers with its data (the README's
Compose steps, with the service's own environment as in its container)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis

from simulator.tokens import DEV_COOKIE_KEY, DEV_TOKEN_KEY, mint
from tests.integration.deployment import (
    ROOT,
    SUPERADMIN,
    Deployment,
    Instance,
    headers_of,
    running,
    small_meeting,
)
from tests.integration.servers import PostgresServer, RedisServer, free_port

pytestmark = pytest.mark.integration

LOAD_COMMAND = ("python", "-m", "adapters.load_export")


@pytest.fixture
def export_file(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    export = small_meeting()
    path = tmp_path / "meeting.json"
    path.write_text(json.dumps(export))
    return path, export


@pytest.fixture
def deployment(
    tmp_path: Path, empty_postgres: str, postgres_server: PostgresServer, redis_server: RedisServer
) -> Deployment:
    """The production environment over an empty datastore (no auth or vote service needed)."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "postgres_password").write_text(postgres_server.password)
    (secrets / "auth_token_key").write_text(DEV_TOKEN_KEY)
    (secrets / "auth_cookie_key").write_text(DEV_COOKIE_KEY)
    return Deployment(postgres_server, redis_server, secrets, tmp_path, free_port(), free_port())


def load(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LOAD_COMMAND, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def rows(dsn: str, sql: str) -> list[Any]:
    async def fetch() -> list[Any]:
        conn = await asyncpg.connect(dsn)
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def test_loaded_export_is_in_the_datastore_and_served(
    deployment: Deployment, export_file: tuple[Path, dict[str, Any]], redis_server: RedisServer
) -> None:
    path, export = export_file
    objects = {f"{c}/{i}" for c, found in export.items() if not c.startswith("_") for i in found}
    service = Instance("loaded", deployment)
    bus = redis.Redis(host=redis_server.host, port=redis_server.port)
    last_entry = (
        bus.xinfo_stream("ModifiedFields")["last-generated-id"] if bus.exists("ModifiedFields") else b"0"
    )

    result = load(service.environment, str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"loaded {path}: {len(objects)} objects in ")
    dsn = deployment.postgres.dsn
    assert rows(dsn, "SELECT position, user_id, information::text FROM positions") == [
        (1, 0, json.dumps({"meeting/1": ["Meeting imported"]}))
    ]
    events = rows(dsn, "SELECT fqid, type::text, position FROM events ORDER BY weight")
    assert {fqid for fqid, _, _ in events} == objects and len(events) == len(objects)
    assert {(kind, position) for _, kind, position in events} == {("create", 1)}
    models = dict(rows(dsn, "SELECT fqid, data::text FROM models WHERE NOT deleted"))
    assert set(models) == objects
    assert json.loads(models["user/1"])["username"] == export["user"]["1"]["username"]
    assert json.loads(models["user/1"])["meta_position"] == 1
    reply: Any = bus.xread({"ModifiedFields": last_entry}, count=1)  # redis-py types no reply shape
    ((_, fields),) = reply[0][1]
    assert fields[b"organization/1/name"] == json.dumps(export["organization"]["1"]["name"]).encode()

    with running(service):
        answer = httpx.get(
            f"{service.url}/system/autoupdate?k=organization/1/name&single",
            headers=headers_of(mint(SUPERADMIN)),
            timeout=30,
        )
    assert (answer.status_code, answer.json()) == (
        200,
        {"organization/1/name": export["organization"]["1"]["name"]},
    )


def test_loading_into_a_datastore_with_those_objects_writes_nothing(
    deployment: Deployment, export_file: tuple[Path, dict[str, Any]]
) -> None:
    path, _ = export_file
    environment = deployment.environment(free_port())
    assert load(environment, str(path)).returncode == 0

    again = load(environment, str(path))

    assert (again.returncode, "Traceback" in again.stderr) == (1, False)
    assert again.stderr.startswith("error: nothing loaded: cannot create ") and again.stderr.endswith(
        ": it exists\n"
    )
    assert rows(deployment.postgres.dsn, "SELECT count(*) FROM positions") == [(1,)]


def test_errors_are_one_clear_line(deployment: Deployment, tmp_path: Path, redis_server: RedisServer) -> None:
    environment = deployment.environment(free_port())
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2]")
    result = load(environment, str(broken))
    assert (result.returncode, result.stderr) == (
        2,
        f"error: {broken}: not an OpenSlides export: the top level is a JSON list, not an object\n",
    )
    closed = f"postgresql://user:secret@127.0.0.1:{free_port()}/openslides"
    result = load(
        environment, "--database-url", closed, "--redis-url", redis_server.url, str(broken.with_name("x"))
    )
    assert result.returncode == 2 and "cannot read the export" in result.stderr
    (tmp_path / "x").write_text('{"organization": {"1": {"id": 1, "name": "x"}}}')
    result = load(environment, "--database-url", closed, "--redis-url", redis_server.url, str(tmp_path / "x"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: can not connect to the datastore postgresql://user@127.0.0.1:")
    assert "secret" not in result.stderr and result.stderr.count("\n") == 1
