"""The simulator's commands and their errors, through the entry a user types
(``python -m simulator ...`` in a subprocess): every mistake is one clear line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ROOT, Server, free_port, start_simulator, stop

pytestmark = pytest.mark.e2e


def simulator(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line of stderr of a failed command."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    line, *more = result.stderr.splitlines()
    assert not more, result.stderr
    return line


def test_generate_takes_the_generator_options(tmp_path: Path) -> None:
    out = tmp_path / "meeting.json"
    result = simulator("generate", "--participants", "12", "--motions", "3", "--polls", "1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    export = json.loads(out.read_text())
    assert (len(export["user"]), len(export["motion"])) == (12, 3)
    assert "--participants" in simulator("generate", "--help").stdout


def test_bench_help_points_to_a_file_of_the_repository() -> None:
    result = simulator("bench", "--help")
    assert result.returncode == 0
    assert "docs/benchmarks.md" in result.stdout and "spec/" not in result.stdout
    assert (ROOT / "docs" / "benchmarks.md").is_file()


@pytest.mark.parametrize("flag", ["--port", "--redis-port"])
def test_a_port_out_of_range_names_the_flag(flag: str) -> None:
    result = simulator(flag, "99999")
    assert (result.returncode, "Traceback" in result.stderr) == (2, False)
    line = result.stderr.splitlines()[-1]
    assert line == f"python -m simulator: error: argument {flag}: '99999' is not a port number (1 to 65535)"


def test_broken_data_file_is_one_clear_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"user": {"1": ')
    line = one_error_line(simulator("--data", str(broken)))
    assert line.startswith(f"error: --data {broken}: not an OpenSlides export: invalid JSON")


def test_write_without_redis_is_one_clear_line() -> None:
    port = free_port()
    result = simulator("write", "--redis", f"localhost:{port}", 'motion/1/title="x"')
    assert result.returncode == 1
    line = one_error_line(result)
    assert line.startswith(f"error: --redis localhost:{port}: ")
    assert line.endswith("(is the simulator running?)")


def test_a_second_simulator_on_a_port_in_use_stops(restricted: Server) -> None:
    port = restricted.url.rpartition(":")[2]
    result = simulator("--port", port, "--redis-port", str(free_port()))
    assert result.returncode == 2
    assert one_error_line(result) == f"error: --port {port}: Address already in use (another simulator?)"
    assert httpx.get(f"{restricted.url}/system/autoupdate/health").status_code == 200


def test_unrestricted_warning_is_logged_once(unrestricted: Server) -> None:
    assert unrestricted.log.read_text().count("AUTOUPDATE_UNRESTRICTED is on") == 1


def test_token_command_says_how_long_the_tokens_live() -> None:
    output = simulator("token", "5").stdout
    assert "The access token is valid for 10 minutes" in output
    assert "the refresh cookie for 24 hours" in output


@pytest.fixture(scope="module")
def with_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_simulator(tmp_path_factory.mktemp("auth"), "--auth")
    yield server
    stop(server)


def credentials(*args: str) -> dict[str, str]:
    """The headers of ``python -m simulator token ...``, as a user copies them."""
    lines = simulator("token", *args).stdout.splitlines()
    headers = dict(line.split(": ", 1) for line in lines[:2])
    return {"Authentication": headers["Authentication"], "Cookie": headers["Cookie"]}


def test_simulator_refreshes_an_expired_token_as_the_auth_service_would(with_auth: Server) -> None:
    expired = credentials("5", "--lifetime", "0")
    url = f"{with_auth.url}/system/autoupdate?single&k=user/5/id"
    response = httpx.get(url, headers=expired, timeout=30)
    assert (response.status_code, response.json()) == (200, {"user/5/id": 5})
    new_token = response.headers["Authentication"]
    assert new_token.startswith("bearer ") and new_token != expired["Authentication"]
    again = httpx.get(url, headers={**expired, "Authentication": new_token}, timeout=30)
    assert (again.status_code, "Authentication" in again.headers) == (200, False)


def test_simulator_refuses_a_refresh_with_the_cookie_of_another_session(with_auth: Server) -> None:
    expired, other = credentials("5", "--lifetime", "0"), credentials("5")
    headers = {**expired, "Cookie": other["Cookie"]}
    response = httpx.get(f"{with_auth.url}/system/autoupdate?single&k=user/5/id", headers=headers, timeout=30)
    assert response.status_code == 403
    assert response.json() == {"error": {"type": "auth", "msg": "Invalid Session"}}
