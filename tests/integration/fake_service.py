"""The fake HTTP services of the integration tests (auth, vote service): a handler served in a
thread on a fixed port, so a test can take the service away (connections are refused) and bring
it back on the same address while the autoupdate service keeps its configuration."""

from __future__ import annotations

import http.server
import threading
from typing import Any, Self

from tests.integration.servers import free_port


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that writes no access log into the test output."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeService:
    """Serves :meth:`handler` on ``port`` (a free one unless given) between ``start()`` and
    ``stop()``, both of which may be called again; as a context manager, within the block."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def handler(self) -> type[QuietHandler]:
        """The handler class; it reaches this service through a closure."""
        raise NotImplementedError

    def start(self) -> None:
        """Listen (again) on ``port``; nothing happens while it listens already."""
        if self._server is not None:
            return
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Nothing listens on the port any more (connections are refused)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
