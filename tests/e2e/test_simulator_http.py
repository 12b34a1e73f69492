"""The README's curl examples and the streaming path, over HTTP/1.1 and h2c, against the real
server process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
import redis

from tests.e2e.conftest import ROOT, Server

pytestmark = pytest.mark.e2e

BODY = (
    '[{"ids":[1],"collection":"user","fields":{"username":null,'
    '"organization_id":{"type":"relation","collection":"organization","fields":{"name":null}}}}]'
)


@pytest.fixture(params=["HTTP/1.1", "HTTP/2"])
def client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """A client speaking HTTP/1.1, or HTTP/2 with prior knowledge over plain TCP (h2c)."""
    h2c = request.param == "HTTP/2"
    with httpx.Client(http1=not h2c, http2=h2c, timeout=10, headers={"x-protocol": request.param}) as client:
        yield client


def test_body_request_single(unrestricted: Server, client: httpx.Client) -> None:
    response = client.post(f"{unrestricted.url}/system/autoupdate?single=1", content=BODY)
    assert response.status_code == 200
    assert response.http_version == client.headers["x-protocol"]
    data = json.loads(response.text)
    assert data["user/1/username"] == "admin"
    assert data["user/1/organization_id"] == 1
    assert "organization/1/name" in data
    assert response.text.endswith("\n")


def test_k_request_single(unrestricted: Server, client: httpx.Client) -> None:
    response = client.get(f"{unrestricted.url}/system/autoupdate?k=user/1/username,user/1/id&single")
    assert response.status_code == 200
    assert json.loads(response.text) == {"user/1/username": "admin", "user/1/id": 1}


def test_stream_gets_update_after_xadd(unrestricted: Server, client: httpx.Client) -> None:
    bus = redis.Redis(port=unrestricted.redis_port)
    url = f"{unrestricted.url}/system/autoupdate?k=user/2/username"
    with client.stream("GET", url) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        first = json.loads(next(lines))
        assert "user/2/username" in first
        new_name = f"renamed over {client.headers['x-protocol']}"
        bus.xadd("ModifiedFields", {"user/2/username": json.dumps(new_name)})
        message = json.loads(next(line for line in lines if line != "{}"))
        assert message == {"user/2/username": new_name}
    # the write also reached the simulated datastore: a new request sees it
    single = client.get(f"{unrestricted.url}/system/autoupdate?k=user/2/username&single")
    assert json.loads(single.text) == {"user/2/username": new_name}


def test_readme_redis_cli_example_takes_a_non_json_value_as_string(unrestricted: Server) -> None:
    bus = redis.Redis(port=unrestricted.redis_port)
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{unrestricted.url}/system/autoupdate?k=user/3/username") as response,
    ):
        lines = response.iter_lines()
        next(lines)
        bus.xadd("ModifiedFields", {"user/3/username": "newName"})
        assert json.loads(next(line for line in lines if line != "{}")) == {"user/3/username": "newName"}


def test_heartbeat_is_an_empty_object(unrestricted: Server) -> None:
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{unrestricted.url}/system/autoupdate?k=user/1/id") as response,
    ):
        lines = response.iter_lines()
        assert json.loads(next(lines)) == {"user/1/id": 1}
        assert next(lines) == "{}"  # OPENSLIDES_HEARTBEAT_INTERVAL=1s in the fixture


def test_error_has_status_and_error_object(unrestricted: Server, client: httpx.Client) -> None:
    response = client.post(f"{unrestricted.url}/system/autoupdate", content="[]")
    assert response.status_code == 400
    assert response.json() == {"error": {"type": "SyntaxError", "msg": "No data"}}
    response = client.get(f"{unrestricted.url}/system/autoupdate?k=user/1/username,,user/2/username")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "SyntaxError"


def test_dev_token_authenticates_as_that_user_and_bad_token_is_rejected(unrestricted: Server) -> None:
    from simulator.tokens import mint

    credentials = mint(1)
    headers = {"Authentication": credentials.authentication_header}
    cookies = {"refreshId": credentials.cookie}
    url = f"{unrestricted.url}/system/autoupdate?k=user/1/username&single"
    with httpx.Client(timeout=10, cookies=cookies) as client:
        assert client.get(url, headers=headers).status_code == 200
        tampered = {"Authentication": credentials.authentication_header[:-2] + "xx"}
        response = client.get(url, headers=tampered)
    assert response.status_code == 403
    assert response.json() == {"error": {"type": "auth", "msg": "Invalid auth token"}}


def test_permissions_apply_by_default(restricted: Server) -> None:
    """Without ``--unrestricted`` every answer is restricted: a delegate sees other users' names
    but not their email (personal data); the superadmin (the simulator's default user) sees both."""
    from simulator.tokens import mint

    delegate = mint(restricted.delegate)
    url = f"{restricted.url}/system/autoupdate?k=user/2/last_name,user/2/email&single"
    with httpx.Client(timeout=10, cookies={"refreshId": delegate.cookie}) as client:
        response = client.get(url, headers={"Authentication": delegate.authentication_header})
    assert response.status_code == 200
    assert set(json.loads(response.text)) == {"user/2/last_name"}
    as_admin = httpx.get(url, timeout=10)
    assert set(json.loads(as_admin.text)) == {"user/2/last_name", "user/2/email"}


def test_explain_command_names_the_deciding_rule(restricted: Server) -> None:
    command = [
        sys.executable,
        "-m",
        "simulator",
        "explain",
        str(restricted.delegate),
        "user/2/email",
        "--url",
        restricted.url,
    ]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert output.startswith(f"user/2/email for user {restricted.delegate}:")
    assert "NOT visible" in output
    assert "user/2 mode B: NOT visible by user." in output


def test_token_command_prints_header_and_cookie() -> None:
    output = subprocess.run(
        [sys.executable, "-m", "simulator", "token", "7"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.startswith("Authentication: bearer ")
    assert "refreshId=bearer%20" in output


PROJECTOR = (
    '[{"ids":[1],"collection":"projector","fields":{"current_projection_ids":{"type":"relation-list",'
    '"collection":"projection","fields":{"content":null,"content_object_id":null,"type":null}}}}]'
)


def test_projector_stream_gets_new_slide_content_after_a_write(restricted: Server) -> None:
    """The README's projector request: the main projector shows motion 1; renaming the motion
    pushes the recomputed slide to the open stream."""
    bus = redis.Redis(port=restricted.redis_port)
    with (
        httpx.Client(timeout=10) as client,
        client.stream("POST", f"{restricted.url}/system/autoupdate", content=PROJECTOR) as response,
    ):
        lines = response.iter_lines()
        first = json.loads(next(lines))
        assert first["projection/1/content_object_id"] == "motion/1"
        assert first["projection/1/content"]["collection"] == "motion"
        bus.xadd("ModifiedFields", {"motion/1/title": json.dumps("A renamed motion")})
        message = json.loads(next(line for line in lines if line != "{}"))
        assert message["projection/1/content"]["title"] == "A renamed motion"
        assert message["projection/1/content"]["collection"] == "motion"
