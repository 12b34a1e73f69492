"""The real production service process against real Postgres and Redis.

Each instance is started exactly as the container image starts it (``SERVICE_COMMAND``, the
Dockerfile's ``CMD``), configured only by environment variables and secret files, and is judged
ready by ``HEALTH_COMMAND`` (the Dockerfile's ``HEALTHCHECK``); ``tests/unit/test_container_files.py``
keeps those files equal to these commands. Data is written the way the datastore writer writes
it: one position per write through ``adapters.postgres_writer``, then ``XADD ModifiedFields``
with the fields it returns. Around the service: a tiny fake auth service that refreshes expired
tokens, no vote service at all (the client must just retry), and a second instance sharing the
same Redis for connection counts.

Every wait is bounded; every process is ended in a fixture teardown; a failing test prints the
logs of the service processes it used.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from adapters.config import build_doc
from adapters.postgres_writer import WriteEvent
from simulator.tokens import mint
from tests.integration.conftest import _start
from tests.integration.deployment import (
    BUILD_DOC_COMMAND,
    METRIC_SAVE_INTERVAL,
    NEW_ID,
    ROOT,
    STOP_TIMEOUT,
    SUPERADMIN,
    Deployment,
    FakeAuth,
    Instance,
    Meeting,
    Stream,
    client,
    create,
    headers_of,
    health,
    list_update,
    relation_list,
    run,
    running,
    stream,
    update,
    writer,
)
from tests.integration.servers import RedisServer, free_port, start_redis

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def service(deployment: Deployment) -> Iterator[Instance]:
    """The main instance, shared by the tests of this module."""
    with running(Instance("service", deployment)) as instance:
        yield instance


# (a) First data and updates, as superadmin and as delegate.


def test_streams_follow_writes_with_permissions(service: Instance, meeting: Meeting) -> None:
    """Create, update, delete and a permission change reach open streams of both users.

    The new tag is requested twice: through the meeting's ``tag_ids`` and directly by key. A
    key that is no longer requested gets no ``null`` (upstream's diff filter), so only the
    direct request shows the deletion as ``null``.
    """
    tag = NEW_ID
    query = f"?k=tag/{tag}/name,tag/{tag}/meeting_id"
    other = next(int(id) for id in meeting.export["user"] if int(id) not in (SUPERADMIN, meeting.delegate))
    request = [
        {
            "ids": [1],
            "collection": "meeting",
            "fields": {"name": None, "tag_ids": relation_list("tag", name=None)},
        },
        {"ids": [other], "collection": "user", "fields": {"username": None, "email": None}},
    ]
    tags = {f"tag/{id}/name": meeting.obj("tag", id)["name"] for id in meeting.obj("meeting", 1)["tag_ids"]}
    name = meeting.obj("meeting", 1)["name"]
    username, email = meeting.obj("user", other)["username"], meeting.obj("user", other)["email"]
    group = meeting.delegate_group
    permissions = meeting.obj("group", group)["permissions"]

    async def main() -> None:
        async with (
            client() as http,
            writer(service.postgres, service.redis) as w,
            stream(http, service.url, request, headers_of(mint(SUPERADMIN)), query) as admin,
            stream(http, service.url, request, headers_of(mint(meeting.delegate)), query) as delegate,
        ):
            tag_ids = meeting.obj("meeting", 1)["tag_ids"]
            assert await admin.next() == {
                "meeting/1/name": name,
                "meeting/1/tag_ids": tag_ids,
                **tags,
                f"user/{other}/username": username,
                f"user/{other}/email": email,
            }
            # A delegate sees the meeting, but not the other participant's personal data.
            assert await delegate.next() == {"meeting/1/name": name, "meeting/1/tag_ids": tag_ids, **tags}

            await w.write(
                create(f"tag/{tag}", name="Budget", meeting_id=1),
                list_update("meeting/1", add={"tag_ids": [tag]}),
            )
            created = {
                "meeting/1/tag_ids": [*tag_ids, tag],
                f"tag/{tag}/name": "Budget",
                f"tag/{tag}/meeting_id": 1,
            }
            assert await admin.next() == created
            assert await delegate.next() == created

            await w.write(update(f"tag/{tag}", name="Budget 2026"))
            assert await admin.next() == {f"tag/{tag}/name": "Budget 2026"}
            assert await delegate.next() == {f"tag/{tag}/name": "Budget 2026"}

            await w.write(
                WriteEvent("delete", f"tag/{tag}"), list_update("meeting/1", remove={"tag_ids": [tag]})
            )
            deleted = {"meeting/1/tag_ids": tag_ids, f"tag/{tag}/name": None, f"tag/{tag}/meeting_id": None}
            assert await admin.next() == deleted
            assert await delegate.next() == deleted

            # The delegates' group may now see personal data: the open stream shows it at once.
            await w.write(update(f"group/{group}", permissions=[*permissions, "user.can_see_sensitive_data"]))
            assert await delegate.next() == {f"user/{other}/username": username, f"user/{other}/email": email}
            await w.write(update(f"group/{group}", permissions=permissions))
            assert await delegate.next() == {f"user/{other}/username": None, f"user/{other}/email": None}
            await admin.quiet(0.5)  # nothing the superadmin sees changed

    run(main(), service)


# (b) Data at a position and history information.


def test_reads_at_a_position_and_history_information(service: Instance, meeting: Meeting) -> None:
    """``?position=N`` rebuilds the data from the events; history lists the informed positions."""
    tag = NEW_ID + 1
    keys = f"k=tag/{tag}/name,tag/{tag}/meeting_id,meeting/1/name"
    name = meeting.obj("meeting", 1)["name"]

    async def main() -> None:
        async with client() as http, writer(service.postgres, service.redis) as w:
            created = await w.write(
                create(f"tag/{tag}", name="Draft", meeting_id=1),
                list_update("meeting/1", add={"tag_ids": [tag]}),
                information={f"tag/{tag}": ["Object created"]},
            )
            renamed = await w.write(update(f"tag/{tag}", name="Final"), user_id=meeting.delegate)
            await w.write(update(f"tag/{tag}", name="Final 2"), information={f"tag/{tag}": ["Renamed"]})
            admin = headers_of(mint(SUPERADMIN))

            async def at(position: int, headers: dict[str, str] = admin) -> Any:
                response = await http.get(
                    f"{service.url}/system/autoupdate?{keys}&position={position}", headers=headers
                )
                assert response.status_code == 200, response.text
                return response.json()

            assert await at(meeting.position) == {"meeting/1/name": name}
            assert await at(created) == {
                "meeting/1/name": name,
                f"tag/{tag}/name": "Draft",
                f"tag/{tag}/meeting_id": 1,
            }
            assert (await at(renamed))[f"tag/{tag}/name"] == "Final"
            current = await http.get(f"{service.url}/system/autoupdate?{keys}&single", headers=admin)
            assert current.json()[f"tag/{tag}/name"] == "Final 2"
            # History is for meeting admins and organization managers only.
            assert await at(created, headers_of(mint(meeting.delegate))) == {}

            too_new = await http.get(
                f"{service.url}/system/autoupdate?{keys}&position={renamed + 1000}", headers=admin
            )
            assert too_new.status_code == 400
            assert too_new.json()["error"]["type"] == "invalid_input"

            history = await http.get(
                f"{service.url}/system/autoupdate/history_information?fqid=tag/{tag}", headers=admin
            )
            assert history.status_code == 200, history.text
            entries = history.json()[f"tag/{tag}"]
            assert [(e["position"], e["user_id"], e["information"]) for e in entries] == [
                (created, SUPERADMIN, {f"tag/{tag}": ["Object created"]}),
                (renamed + 1, SUPERADMIN, {f"tag/{tag}": ["Renamed"]}),
            ]
            assert all(abs(e["timestamp"] - time.time()) < 600 for e in entries)

            denied = await http.get(
                f"{service.url}/system/autoupdate/history_information?fqid=tag/{tag}",
                headers=headers_of(mint(meeting.delegate)),
            )
            assert (denied.status_code, denied.json()["error"]["type"]) == (403, "permission_denied")
            missing = await http.get(
                f"{service.url}/system/autoupdate/history_information?fqid=tag/{NEW_ID + 99}", headers=admin
            )
            assert (missing.status_code, missing.json()["error"]["type"]) == (400, "not_exist")

    run(main(), service)


# (c) Logout.


def test_logout_ends_the_stream_and_refuses_the_session(service: Instance, meeting: Meeting) -> None:
    """``XADD logout * sessionId <id>`` ends that session's open stream; its token is refused then."""
    user = meeting.delegate
    credentials, other_session = mint(user), mint(user)
    keys = f"?k=user/{user}/username"

    async def main() -> None:
        async with client() as http, Redis(host=service.redis.host, port=service.redis.port) as redis:
            async with (
                stream(http, service.url, headers=headers_of(credentials), query=keys) as logged_out,
                stream(http, service.url, headers=headers_of(other_session), query=keys) as staying,
            ):
                username = meeting.obj("user", user)["username"]
                assert await logged_out.next() == {f"user/{user}/username": username}
                assert await staying.next() == {f"user/{user}/username": username}
                await redis.xadd("logout", {"sessionId": credentials.session_id})
                assert await logged_out.ends() == []  # no error line: the response just ends
                await staying.quiet(1.5)
                assert staying.heartbeats >= 1
            response = await http.get(
                f"{service.url}/system/autoupdate{keys}&single", headers=headers_of(credentials)
            )
            assert response.status_code == 403
            assert response.json() == {"error": {"type": "auth", "msg": "invalid session"}}
            response = await http.get(
                f"{service.url}/system/autoupdate{keys}&single", headers=headers_of(other_session)
            )
            assert response.status_code == 200

    run(main(), service)


# (d) An expired access token is refreshed by the auth service.


def test_expired_token_is_refreshed_by_the_auth_service(
    service: Instance, meeting: Meeting, fake_auth: FakeAuth
) -> None:
    user = meeting.delegate
    expired = mint(user, lifetime_seconds=-60)
    fresh = mint(user, session_id=expired.session_id)
    fake_auth.new_token = fresh.authentication_header
    fake_auth.requests.clear()

    async def main() -> None:
        async with client() as http:
            response = await http.get(
                f"{service.url}/system/autoupdate?single&k=user/{user}/username", headers=headers_of(expired)
            )
            assert response.status_code == 200, response.text
            assert response.json() == {f"user/{user}/username": meeting.obj("user", user)["username"]}
            assert response.headers["Authentication"] == fresh.authentication_header
            # A stream gets the new token in its response headers as well.
            async with stream(
                http, service.url, headers=headers_of(expired), query=f"?k=user/{user}/id"
            ) as opened:
                assert opened.response.headers["Authentication"] == fresh.authentication_header
                assert await opened.next() == {f"user/{user}/id": user}

    run(main(), service)
    assert len(fake_auth.requests) == 2
    method, path, headers = fake_auth.requests[0]
    assert (method, path) == ("POST", "/internal/auth/authenticate")
    assert headers["Authentication"] == expired.authentication_header
    assert f"refreshId={expired.cookie}" in headers["Cookie"]


# (e) Connection counts of two instances sharing one Redis, and the health command.


def test_health_command_and_graceful_stop(deployment: Deployment) -> None:
    """``HEALTH_COMMAND`` fails before the start and succeeds while the service runs; SIGTERM (what
    ``docker stop`` sends) ends open streams cleanly and the process exits 0; then the health
    command fails again."""
    instance = Instance("health", deployment)
    before = health(instance.environment)
    assert before.returncode != 0
    assert "unhealthy" in before.stderr
    with running(instance):
        during = health(instance.environment)
        assert during.returncode == 0, during.stderr + instance.log_text()
        process = instance.process
        assert process is not None

        async def main() -> None:
            admin = headers_of(mint(SUPERADMIN))
            async with (
                client() as http,
                stream(http, instance.url, headers=admin, query="?k=user/1/id") as opened,
            ):
                assert await opened.next() == {"user/1/id": 1}
                process.terminate()
                assert await opened.ends(within=STOP_TIMEOUT) == []  # no error line, just the end
            assert process.wait(timeout=STOP_TIMEOUT) == 0

        run(main(), instance)
    after = health(instance.environment)
    assert after.returncode != 0


def test_connection_counts_are_summed_over_instances(
    service: Instance, deployment: Deployment, meeting: Meeting
) -> None:
    """Counts saved by each instance every ``METRIC_SAVE_INTERVAL`` are summed on either one."""
    delegate = meeting.delegate
    admin = headers_of(mint(SUPERADMIN))
    keys = "?k=organization/1/name"

    async def counts(http: httpx.AsyncClient, url: str) -> list[dict[str, int]]:
        response = await http.get(url, headers=admin)
        assert response.status_code == 200, response.text
        assert response.text.endswith("\n")
        return [{uid: count for uid, count in kind.items() if count} for kind in response.json()]

    async def until(expected: list[dict[str, int]], urls: list[str], http: httpx.AsyncClient) -> None:
        """Every URL answers ``expected`` within a few save intervals."""
        deadline = time.monotonic() + 6 * METRIC_SAVE_INTERVAL + 5
        seen: list[list[dict[str, int]]] = []
        for url in urls:
            while (seen := [await counts(http, url)])[0] != expected:
                assert time.monotonic() < deadline, f"{url}: {seen[0]}, expected {expected}"
                await asyncio.sleep(0.2)

    with running(Instance("second", deployment)) as second:

        async def main() -> None:
            async with client() as http, contextlib.AsyncExitStack() as streams:
                opened: list[Stream] = []
                for url, headers in [
                    (service.url, admin),
                    (service.url, headers_of(mint(delegate))),
                    (second.url, headers_of(mint(delegate))),
                    (second.url, headers_of(mint(delegate))),
                    (second.url, {}),  # public access: user 0
                ]:
                    opened.append(
                        await streams.enter_async_context(stream(http, url, headers=headers, query=keys))
                    )
                    await opened[-1].next()
                expected = [{"0": 1, "1": 1, str(delegate): 3}, {}]
                urls = [
                    f"{base}/{prefix}/autoupdate/connection_count"
                    for base in (service.url, second.url)
                    for prefix in ("system", "service")
                ]
                await until(expected, urls, http)

                metrics = await http.get(f"{service.url}/system/autoupdate/metrics", headers=admin)
                assert metrics.status_code == 200, metrics.text
                gauges = dict(line.split(" ") for line in metrics.text.splitlines() if line[0] != "#")
                assert gauges["autoupdate_connections_stream_current_connections"] == "5"
                assert gauges["autoupdate_connections_stream_current_connections_local"] == "2"
                # The same figures in the log line of every METRIC_INTERVAL.
                await second.logged('"connections_stream_current_connections":5,', within=10)
                assert '"connections_stream_current_connections_local":3,' in second.log_text()

                refused = await http.get(urls[0], headers=headers_of(mint(delegate)))
                assert (refused.status_code, refused.text) == (400, "Connection counting not allowed\n")
                await streams.aclose()
                await until([{}, {}], urls, http)

        run(main(), service, second)


# (f) A Redis restart loses no update.


READ_FAILED = "redis: reading ModifiedFields failed"
READ_WORKS_AGAIN = "redis: reading ModifiedFields works again"
"""What ``adapters.redis_bus`` logs when its change-stream reader fails and recovers."""


@pytest.fixture(scope="module")
def persistent_redis() -> Iterator[RedisServer]:
    """A Redis of its own that keeps its data over a restart (append-only file, fsync always)."""
    server = _start(lambda use_docker: start_redis(use_docker, persistent=True))
    yield server
    server.close()


def test_redis_restart_loses_no_update(
    deployment: Deployment, persistent_redis: RedisServer, meeting: Meeting
) -> None:
    """The change stream resumes after the last entry id it read, so with a Redis that keeps its
    data, an entry written while the service could not read (Redis went down right after the
    XADD) arrives after the restart, and entries written after the restart arrive too; each
    exactly once. (A Redis without persistence loses what it held; the next test covers what
    can still be guaranteed there.)"""
    user = next(int(id) for id in meeting.export["user"] if int(id) not in (SUPERADMIN, meeting.delegate))
    key = f"user/{user}/first_name"

    with running(Instance("restart", deployment, persistent_redis)) as instance:

        async def main() -> None:
            async with (
                client() as http,
                writer(instance.postgres, persistent_redis) as w,
                stream(http, instance.url, headers=headers_of(mint(SUPERADMIN)), query=f"?k={key}") as opened,
            ):
                assert await opened.next() == {key: meeting.obj("user", user)["first_name"]}
                await w.write(update(f"user/{user}", first_name="One"))
                assert await opened.next() == {key: "One"}

                # Redis goes away: the service's reader fails and backs off (0.5 s, 1 s, 2 s, ...).
                persistent_redis.stop()
                await instance.logged(f"{READ_FAILED}, retrying in 1.0 s")
                # Redis is back for a moment, shorter than the reader's next back-off: the writer
                # writes and XADDs, then Redis goes away again before the reader could read.
                window = time.monotonic()
                persistent_redis.start()
                await w.redis.connection_pool.disconnect()
                await w.write(update(f"user/{user}", first_name="Two"))
                persistent_redis.stop()
                window = time.monotonic() - window
                await opened.quiet(1.0)  # the stream stays open (heartbeats) while Redis is down
                persistent_redis.start()
                assert await opened.next() == {key: "Two"}  # kept by Redis, read after the restart

                await w.redis.connection_pool.disconnect()
                await w.write(update(f"user/{user}", first_name="Three"))
                assert await opened.next() == {key: "Three"}
                await opened.quiet(1.5)  # nothing arrives twice
                if window < 0.8:  # the reader had no chance to read "Two" before Redis went down
                    assert instance.log_text().count(READ_WORKS_AGAIN) == 1, instance.log_text()

        try:
            run(main(), instance)
        finally:
            persistent_redis.start()


def test_redis_restart_without_persistence(service: Instance, meeting: Meeting) -> None:
    """A restarted Redis without persistence is empty; the reader keeps its last entry id, and
    new entry ids are larger (they start with the time), so what is written after the restart
    arrives."""
    user = meeting.delegate
    key = f"user/{user}/last_name"
    redis = service.redis

    async def main() -> None:
        async with (
            client() as http,
            writer(service.postgres, redis) as w,
            stream(http, service.url, headers=headers_of(mint(user)), query=f"?k={key}") as opened,
        ):
            assert await opened.next() == {key: meeting.obj("user", user)["last_name"]}
            with redis.stopped():
                await opened.quiet(1.0)
            await w.redis.connection_pool.disconnect()
            assert await w.redis.xlen("ModifiedFields") == 0  # everything before is gone
            await w.write(update(f"user/{user}", last_name="Restarted"))
            assert await opened.next() == {key: "Restarted"}

    run(main(), service)


# (g) The documentation command, and a service that runs without a vote service.


def test_build_doc_prints_the_variable_table(deployment: Deployment) -> None:
    done = subprocess.run(
        BUILD_DOC_COMMAND,
        cwd=ROOT,
        env=deployment.environment(free_port()),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == build_doc()


def test_missing_vote_service_is_retried_without_harm(service: Instance, meeting: Meeting) -> None:
    """No vote service listens on ``VOTE_PORT``: the client keeps retrying, reads of
    ``poll/*/live_votes`` do not wait for it, and the process stays up."""
    poll = meeting.obj("poll", int(next(iter(meeting.export["poll"]))))
    keys = f"poll/{poll['id']}/title,poll/{poll['id']}/live_votes"

    async def main() -> None:
        async with client() as http:
            started = time.monotonic()
            response = await http.get(
                f"{service.url}/system/autoupdate?single&k={keys}", headers=headers_of(mint(SUPERADMIN))
            )
            assert response.status_code == 200, response.text
            assert response.json() == {f"poll/{poll['id']}/title": poll["title"]}
            assert time.monotonic() - started < 5

    run(main(), service)
    assert service.alive
    assert "vote service" in service.log_text()


PROJECTOR_REQUEST = [
    {
        "ids": [1],
        "collection": "projector",
        "fields": {
            "current_projection_ids": relation_list(
                "projection", content=None, content_object_id=None, type=None
            )
        },
    }
]


def test_every_projected_slide_is_computed_and_follows_writes(service: Instance, meeting: Meeting) -> None:
    """Every slide the generated meeting projects is computed from Postgres, and a write to a
    projected motion (as the datastore writer makes it) pushes the recomputed slide."""

    async def main() -> None:
        async with (
            client() as http,
            writer(service.postgres, service.redis) as w,
            stream(http, service.url, PROJECTOR_REQUEST, headers_of(mint(SUPERADMIN))) as projector,
        ):
            first = await projector.next()
            projections = first["projector/1/current_projection_ids"]
            contents = {id: first.get(f"projection/{id}/content") for id in projections}
            slides = {content["collection"] for content in contents.values() if content}
            assert all(content and "error" not in content for content in contents.values()), contents
            assert {"motion", "agenda_item_list", "current_los", "topic", "poll"} <= slides, slides
            motion_projection = next(
                id for id in projections if first[f"projection/{id}/content_object_id"].startswith("motion/")
            )
            motion = first[f"projection/{motion_projection}/content_object_id"]
            await w.write(update(motion, title="Renamed on the projector"))
            message = await projector.next()
            assert message[f"projection/{motion_projection}/content"]["title"] == "Renamed on the projector"

    run(main(), service)


def test_production_serves_the_explorer_but_has_no_write_route(service: Instance) -> None:
    """The explorer page works on any instance with internal routes; writing needs a writer,
    which only the simulator's composition root provides."""
    assert httpx.get(f"{service.url}/internal/autoupdate/explorer", timeout=10).status_code == 200
    assert httpx.get(f"{service.url}/internal/autoupdate/users?role=superadmin", timeout=10).json()
    write = httpx.post(f"{service.url}/internal/autoupdate/write", json={"tag/1/name": "x"}, timeout=10)
    assert write.status_code == 404
