"""Three instances behind HAProxy, sharing one Postgres and one Redis (docs/scaling.md).

Everything is a real process: Debian's haproxy with the repository's configuration
(``deploy/haproxy/haproxy.cfg``; TLS with HTTP/2 towards clients, HTTP/1.1 to the instances),
the production service started as the image starts it (``deployment``), Postgres and Redis
from ``servers``. Clients talk to the proxy only, mostly over one HTTP/2 connection each, as a
browser does. A fourth server slot (``late``) is configured but not started: it is down until a
test starts its instance, and then the health checks put it in rotation. Checked:

* streams spread over the instances, flow through the proxy unbuffered, and every write
  reaches every stream on every instance; the internal routes are not reachable;
* connection counts and metrics are summed over the instances;
* a logout ends the session's streams on every instance;
* a killed instance leaves rotation; its clients reconnect through the proxy to the others and
  then hold exactly what a fresh ``single`` answers, including every write made meanwhile;
* an instance started late (cold cache) enters rotation and answers as the others do;
* the compose profile's proxy files are valid for haproxy, and its health check command asks
  the proxy's monitor.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from redis.asyncio import Redis

from simulator.tokens import mint
from tests.integration.cluster import MEETING, Subscriber, cut_off, single, subscribed
from tests.integration.conftest import unavailable
from tests.integration.deployment import (
    METRIC_SAVE_INTERVAL,
    ROOT,
    SUPERADMIN,
    Deployment,
    Instance,
    Meeting,
    Writer,
    headers_of,
    run,
    running,
    update,
    writer,
)
from tests.integration.proxy import INSTANCE_HEADER, Proxy, haproxy_binary, proxy_running
from tests.integration.servers import ServersUnavailable

pytestmark = [pytest.mark.integration, pytest.mark.scale_out]

NAMES = ("one", "two", "three")
ORGANIZATION_NAME = [{"collection": "organization", "ids": [1], "fields": {"name": None}}]
"""A request public access may see, too."""

_T = TypeVar("_T")


@dataclass
class Cluster:
    proxy: Proxy
    instances: dict[str, Instance]
    late: Instance

    def run(self, main: Awaitable[_T]) -> _T:
        """``deployment.run`` with the logs of every instance and of the proxy on failure."""
        try:
            return run(main, *self.instances.values(), self.late)
        except BaseException:
            print(f"===== log of haproxy =====\n{self.proxy.log_text()}")
            raise

    def writer(self) -> contextlib.AbstractAsyncContextManager[Writer]:
        """Writes as the datastore writer does, to the Postgres and Redis all instances share."""
        return writer(self.late.postgres, self.late.redis)


@pytest.fixture(scope="module")
def haproxy() -> str:
    try:
        return haproxy_binary()
    except ServersUnavailable as err:
        unavailable(err)


@pytest.fixture(scope="module")
def cluster(
    haproxy: str, deployment: Deployment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Three instances in rotation and a fourth server slot whose instance is not started."""
    instances = {name: Instance(name, deployment) for name in NAMES}
    late = Instance("late", deployment)
    servers = {name: instance.port for name, instance in instances.items()} | {"late": late.port}
    with contextlib.ExitStack() as stack:
        for instance in instances.values():
            stack.enter_context(running(instance))
        proxy = stack.enter_context(proxy_running(Path(tmp_path_factory.mktemp("proxy")), servers))
        proxy.wait_for_states(dict.fromkeys(NAMES, "UP") | {"late": "DOWN"})
        yield Cluster(proxy, instances, late)


def motion_id(meeting: Meeting) -> int:
    first: int = meeting.obj("meeting", 1)["motion_ids"][0]
    return first


async def converged_with_fresh_answers(http: httpx.AsyncClient, subscribers: list[Subscriber]) -> None:
    """Every subscriber's folded stream equals a fresh ``single`` through the proxy."""
    for subscriber in subscribers:
        await subscriber.converge(await single(http, subscriber))


def test_streams_spread_and_every_write_reaches_every_stream(cluster: Cluster, meeting: Meeting) -> None:
    """Six streams (five over one HTTP/2 connection, one over HTTP/1.1) land on all three
    instances; two writes reach all of them while they stay open."""
    motion = motion_id(meeting)

    async def main() -> None:
        async with (
            cluster.proxy.client() as h2,
            cluster.proxy.client(http2=False) as h1,
            cluster.writer() as w,
            contextlib.AsyncExitStack() as stack,
        ):
            users = [SUPERADMIN, meeting.delegate, SUPERADMIN, meeting.delegate, meeting.delegate, SUPERADMIN]
            subscribers = [Subscriber(mint(user)) for user in users]
            for index, subscriber in enumerate(subscribers):
                await stack.enter_async_context(subscribed(h1 if index == 5 else h2, subscriber))
            assert sorted(s.instance for s in subscribers) == sorted(NAMES * 2)
            versions = [s.stream.response.http_version for s in subscribers if s.stream]
            assert versions == ["HTTP/2"] * 5 + ["HTTP/1.1"]

            await w.write(update(f"motion/{motion}", title="Amended behind the proxy"))
            await w.write(update("meeting/1", welcome_title="Welcome, all instances"))
            for subscriber in subscribers:
                expected = await single(h2, subscriber)
                assert expected[f"motion/{motion}/title"] == "Amended behind the proxy"
                assert expected["meeting/1/welcome_title"] == "Welcome, all instances"
                await subscriber.converge(expected)

            internal = await h2.get("/internal/autoupdate?user_id=1&single&k=user/1/username")
            assert internal.status_code == 404
            assert INSTANCE_HEADER not in internal.headers  # the proxy answered itself
            async with httpx.AsyncClient() as plain:
                assert (await plain.get(cluster.proxy.monitor_url)).status_code == 200

    cluster.run(main())


def gauges(text: str) -> dict[str, int]:
    return {
        name: int(value)
        for name, value in (line.split(" ") for line in text.splitlines() if not line.startswith("#"))
    }


def test_connection_counts_and_metrics_are_summed_over_the_instances(
    cluster: Cluster, meeting: Meeting
) -> None:
    """The route answers the sum through the proxy and on every instance; each instance's
    ``_local`` gauge counts the streams the proxy gave it."""
    admin = mint(SUPERADMIN)
    delegate = meeting.delegate

    async def counts(http: httpx.AsyncClient, url: str) -> list[dict[str, int]]:
        response = await http.get(f"{url}/system/autoupdate/connection_count", headers=headers_of(admin))
        assert response.status_code == 200, response.text
        return [{uid: count for uid, count in kind.items() if count} for kind in response.json()]

    async def until(http: httpx.AsyncClient, url: str, expected: list[dict[str, int]]) -> None:
        deadline = time.monotonic() + 6 * METRIC_SAVE_INTERVAL + 5
        while (seen := await counts(http, url)) != expected:
            assert time.monotonic() < deadline, f"{url or 'proxy'}: {seen}, expected {expected}"
            await asyncio.sleep(0.2)

    async def main() -> None:
        async with httpx.AsyncClient(timeout=15) as direct:
            # httpx does not reset an HTTP/2 stream it stops reading (a browser does): the
            # streams end when their connection to the proxy closes, at the end of this block.
            async with cluster.proxy.client() as h2, contextlib.AsyncExitStack() as stack:
                subscribers = [
                    Subscriber(admin, ORGANIZATION_NAME),
                    *(Subscriber(mint(delegate), ORGANIZATION_NAME) for _ in range(3)),
                    *(Subscriber(None, ORGANIZATION_NAME) for _ in range(2)),  # public access: user 0
                ]
                for subscriber in subscribers:
                    await stack.enter_async_context(subscribed(h2, subscriber))
                expected = [{"0": 2, "1": 1, str(delegate): 3}, {}]
                await until(h2, "", expected)
                for instance in cluster.instances.values():
                    await until(direct, instance.url, expected)
                    response = await direct.get(
                        f"{instance.url}/system/autoupdate/metrics", headers=headers_of(admin)
                    )
                    assert response.status_code == 200, response.text
                    found = gauges(response.text)
                    assert found["autoupdate_connections_stream_current_connections"] == len(subscribers)
                    served = sum(s.instance == instance.name for s in subscribers)
                    assert found["autoupdate_connections_stream_current_connections_local"] == served
            for instance in cluster.instances.values():
                await until(direct, instance.url, [{}, {}])

    cluster.run(main())


def test_logout_ends_the_sessions_streams_on_every_instance(cluster: Cluster, meeting: Meeting) -> None:
    """One ``XADD logout`` (what the auth service does) ends the session's streams on all three
    instances; another session of the same user keeps its streams; every instance refuses the
    logged-out session afterwards."""
    user = meeting.delegate
    leaving, staying = mint(user), mint(user)

    async def main() -> None:
        async with (
            cluster.proxy.client() as h2,
            httpx.AsyncClient(timeout=15) as direct,
            Redis(host=cluster.late.redis.host, port=cluster.late.redis.port) as redis,
            contextlib.AsyncExitStack() as stack,
        ):
            ending = [Subscriber(leaving, ORGANIZATION_NAME) for _ in NAMES]
            kept = [Subscriber(staying, ORGANIZATION_NAME) for _ in NAMES]
            for subscriber in [*ending, *kept]:
                await stack.enter_async_context(subscribed(h2, subscriber))
            assert {s.instance for s in ending} == set(NAMES)  # least connections: one each
            assert {s.instance for s in kept} == set(NAMES)

            await redis.xadd("logout", {"sessionId": leaving.session_id})
            for subscriber in ending:
                assert subscriber.stream is not None
                rest = await subscriber.stream.ends()
                assert set(rest) <= {"{}"}, (subscriber.instance, rest)  # heartbeats, no error line
            for subscriber in kept:
                assert subscriber.stream is not None
                await subscriber.stream.quiet(0.5)
            for instance in cluster.instances.values():
                refused = await direct.post(
                    f"{instance.url}/system/autoupdate?single",
                    json=ORGANIZATION_NAME,
                    headers=headers_of(leaving),
                )
                assert (refused.status_code, refused.json()) == (
                    403,
                    {"error": {"type": "auth", "msg": "invalid session"}},
                ), instance.name

    cluster.run(main())


def test_killed_instance_leaves_rotation_and_its_clients_lose_no_update(
    cluster: Cluster, meeting: Meeting
) -> None:
    """SIGKILL one instance while it serves streams. Its streams break; writes go on; its
    clients reconnect through the proxy (to the others), and every client, moved or not,
    then holds what a fresh ``single`` answers: the data before plus every write meanwhile.
    The health checks take the dead instance out of rotation; restarted, it comes back."""
    motion = motion_id(meeting)
    victim = cluster.instances["two"]

    async def main() -> None:
        async with (
            cluster.proxy.client() as h2,
            cluster.writer() as w,
            contextlib.AsyncExitStack() as stack,
        ):
            users = [SUPERADMIN, meeting.delegate] * 3
            subscribers = [Subscriber(mint(user)) for user in users]
            for subscriber in subscribers:
                await stack.enter_async_context(subscribed(h2, subscriber))
            moved = [s for s in subscribers if s.instance == victim.name]
            assert len(moved) == 2
            before = {id(s): dict(s.data) for s in subscribers}

            victim.kill()
            for subscriber in moved:
                assert subscriber.stream is not None
                await cut_off(subscriber.stream)
            await w.write(update(f"motion/{motion}", title="Written while two was dead"))
            await w.write(update("meeting/1", welcome_title="Nobody missed this"))
            cluster.proxy.wait_for_states({victim.name: "DOWN"})
            for subscriber in moved:  # the browser's reconnect
                await stack.enter_async_context(subscribed(h2, subscriber))
                assert subscriber.instance != victim.name
            await w.write(update(f"motion/{motion}", title="Written after the reconnect"))

            await converged_with_fresh_answers(h2, subscribers)
            for subscriber in subscribers:
                assert subscriber.data != before[id(subscriber)]
                assert subscriber.data[f"motion/{motion}/title"] == "Written after the reconnect"
                assert subscriber.data["meeting/1/welcome_title"] == "Nobody missed this"

    try:
        cluster.run(main())
    finally:
        victim.start()
    cluster.proxy.wait_for_states({victim.name: "UP"})


def test_late_instance_catches_up_and_answers_as_the_others(cluster: Cluster, meeting: Meeting) -> None:
    """After writes, a fourth instance starts with a cold cache: the health checks put it in
    rotation, it takes the next stream (fewest connections), answers every request as an
    instance that ran all along, and its stream follows the next write."""
    motion = motion_id(meeting)
    admin, delegate = mint(SUPERADMIN), mint(meeting.delegate)

    async def main() -> None:
        async with (
            cluster.proxy.client() as h2,
            httpx.AsyncClient(timeout=15) as direct,
            cluster.writer() as w,
            contextlib.AsyncExitStack() as stack,
        ):
            await w.write(update(f"motion/{motion}", title="Before the late instance"))
            for subscriber in [Subscriber(admin), Subscriber(delegate), Subscriber(admin)]:
                await stack.enter_async_context(subscribed(h2, subscriber))
            cluster.late.start()
            cluster.proxy.wait_for_states({"late": "UP"})

            for request in (MEETING, ORGANIZATION_NAME):
                for credentials in (admin, delegate, None):
                    asked = Subscriber(credentials, request)
                    old = await single(direct, asked, cluster.instances["one"].url)
                    assert await single(direct, asked, cluster.late.url) == old

            newcomer = await stack.enter_async_context(subscribed(h2, Subscriber(delegate)))
            assert newcomer.instance == "late"
            assert newcomer.data[f"motion/{motion}/title"] == "Before the late instance"
            await w.write(update(f"motion/{motion}", title="After the late instance"))
            expected = await single(h2, newcomer)
            assert expected[f"motion/{motion}/title"] == "After the late instance"
            await newcomer.converge(expected)

    try:
        cluster.run(main())
    finally:
        cluster.late.stop()


# The compose profile's side of the same configuration.


def compose_haproxy() -> dict[str, Any]:
    service: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["haproxy"]
    return service


def test_compose_proxy_configuration_is_valid(haproxy: str) -> None:
    """``haproxy -c`` with the compose environment, the servers from Docker's DNS, and the
    development certificate in place of the mounted secret."""
    environment = dict(compose_haproxy()["environment"])
    environment["PROXY_CERTIFICATE"] = str(ROOT / "dev-secrets" / "proxy.pem")
    folder = ROOT / "deploy" / "haproxy"
    checked = subprocess.run(
        [haproxy, "-c", "-f", str(folder / "haproxy.cfg"), "-f", str(folder / "compose-servers.cfg")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_compose_proxy_health_check_asks_the_monitor(cluster: Cluster) -> None:
    """The compose health check's command (with this proxy's monitor port) exits 0 while
    instances are in rotation."""
    command = compose_haproxy()["healthcheck"]["test"]
    assert command[0] == "CMD"
    monitor = cluster.proxy.monitor_url.split("//")[1].split("/")[0].replace(":", "/")
    script = command[-1].replace("127.0.0.1/8404", monitor)
    assert script != command[-1]
    done = subprocess.run([*command[1:-1], script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
