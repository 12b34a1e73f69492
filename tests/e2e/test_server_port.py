"""The production service (``python -m adapters.server``) stops with a clear error when its port
is taken, instead of sharing it with the other listener."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_a_port_in_use_stops_the_service_with_the_variable_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = {
            **os.environ,
            "AUTOUPDATE_HOST": "127.0.0.1",
            "AUTOUPDATE_PORT": str(port),
            "OPENSLIDES_DEVELOPMENT": "true",
        }
        result = subprocess.run(
            [sys.executable, "-m", "adapters.server"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert (result.returncode, result.stderr) == (
        2,
        f"error: AUTOUPDATE_PORT {port}: Address already in use\n",
    )
