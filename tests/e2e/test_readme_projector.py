"""The README's projector example, as written there, against the simulator started with the
README's run command (its default generated meeting): the open stream of the projector request
gets the new motion slide after the README's ``python -m simulator write``."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import ROOT, Server, start_simulator, stop

pytestmark = pytest.mark.e2e


def readme_projector_example() -> tuple[str, list[str]]:
    """The body of the example's ``curl … -d '…'`` and the arguments of its ``write`` line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Projector slides") :]
    block = section[
        section.index("```sh\n") + len("```sh\n") : section.index("```\n", section.index("```sh\n") + 6)
    ]
    body = block[block.index("-d '") + len("-d '") : block.index("'\n")]
    (write,) = [line for line in block.splitlines() if line.startswith("python -m simulator write")]
    return body, shlex.split(write, comments=True)[4:]


@pytest.fixture(scope="module")
def default_meeting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_simulator(tmp_path_factory.mktemp("readme"), sizes=[])
    yield server
    stop(server)


def test_readme_projector_example_pushes_the_new_motion_slide(default_meeting: Server) -> None:
    body, write = readme_projector_example()
    (change,) = write
    key, _, value = change.partition("=")
    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", f"{default_meeting.url}/system/autoupdate", content=body) as response,
    ):
        lines = response.iter_lines()
        first = json.loads(next(lines))
        fqid = key.rpartition("/")[0]
        slides = [k for k, v in first.items() if k.endswith("/content_object_id") and v == fqid]
        assert slides, f"no projection of the README's projector request shows {fqid}"
        content = slides[0].replace("/content_object_id", "/content")
        command = [
            sys.executable,
            "-m",
            "simulator",
            "write",
            *write,
            "--redis",
            f"localhost:{default_meeting.redis_port}",
        ]
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=60)
        message = json.loads(next(line for line in lines if line != "{}"))
        assert message[content]["title"] == json.loads(value)
