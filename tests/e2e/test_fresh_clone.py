"""What a newcomer does, on the committed code: a clean clone (with no ``../shared`` beside it), a
fresh virtualenv, the README's run command, the README's first ``curl`` example answered.

A dependency that is not declared, a data file that is not committed, or a README command that
does not work fails here. The commands are read from the README, not copied into this test.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port

pytestmark = pytest.mark.fresh_clone

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run_command() -> tuple[str, list[str]]:
    """The README's run command (first block of "Set up"): the install, and the start."""
    setup = README[README.index("## Set up") :]
    block = setup[setup.index("```sh\n") + len("```sh\n") :]
    install, start = block[: block.index("```")].strip().split(" && ")
    return install, shlex.split(start)


def first_curl_url() -> str:
    """The URL of the README's first ``curl`` example."""
    match = re.search(r"^curl '(http://)?(localhost:9012/[^']*)'", README, re.MULTILINE)
    assert match, "the README has no curl example"
    return "http://" + match.group(2)


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A clone of HEAD with the README's install done in a fresh virtualenv; its environment."""
    home = tmp_path_factory.mktemp("newcomer")
    clone, venv = home / "openslides-autoupdate", home / "venv"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    inherited = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env = {**inherited, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    install, _ = run_command()
    done = subprocess.run(
        ["bash", "-c", install], cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{install} failed in a fresh clone:\n{done.stdout}\n{done.stderr}"
    yield clone, env


def test_readme_run_command_answers_the_first_curl_example(newcomer: tuple[Path, dict[str, str]]) -> None:
    clone, env = newcomer
    _, start = run_command()
    port, redis_port = free_port(), free_port()
    log = clone / "simulator.log"
    command = [*start, "--port", str(port), "--redis-port", str(redis_port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = first_curl_url().replace("localhost:9012", f"127.0.0.1:{port}") + "&single"
        answer = _first_answer(url, process, log)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert answer.status_code == 200, answer.text
    keys = url.partition("k=")[2].partition("&")[0].split(",")
    data = answer.json()  # ``single`` leaves out keys without a value (the admin has no first name)
    assert "user/1/username" in keys and set(data) <= set(keys), data
    assert data["user/1/username"] == "admin"


def _first_answer(url: str, process: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    """The answer once the simulator serves; fails with its log if it exits or never answers."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the simulator exited with {process.returncode}:\n{log.read_text()}")
        try:
            return httpx.get(url, timeout=30)
        except httpx.TransportError:
            time.sleep(0.3)
    pytest.fail(f"the simulator did not answer within 120 s:\n{log.read_text()}")
