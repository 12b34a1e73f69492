"""SIGTERM ends open streams cleanly (the response completes) and the service stops quickly."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import start_simulator, stop

pytestmark = pytest.mark.e2e


def test_sigterm_ends_streams_cleanly_and_stops_within_seconds(tmp_path: Path) -> None:
    server = start_simulator(tmp_path)
    try:
        lines: list[str] = []
        ended_cleanly = threading.Event()

        def read_stream() -> None:
            with (
                httpx.Client(timeout=30) as client,
                client.stream("GET", f"{server.url}/system/autoupdate?k=user/1/username") as response,
            ):
                for line in response.iter_lines():
                    lines.append(line)
            ended_cleanly.set()  # iter_lines returned: the chunked response was completed

        reader = threading.Thread(target=read_stream, daemon=True)
        reader.start()
        deadline = time.monotonic() + 10
        while not lines and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lines, "no first message"
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=15)
        stopped_after = time.monotonic() - started
        reader.join(timeout=5)
        assert ended_cleanly.is_set()
        assert server.process.returncode == 0
        assert stopped_after < 5, f"took {stopped_after:.1f} s"
    finally:
        if server.process.poll() is None:
            stop(server)
