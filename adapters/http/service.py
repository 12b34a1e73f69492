"""What the HTTP layer needs from the composition root, bundled in one object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from adapters.http.counting import ConnectionCounter
from domain.autoupdate import Autoupdate
from domain.keysbuilder import DEFAULT_MAX_KEYS
from domain.limits import DEFAULT_MAX_REQUEST_IDS, DEFAULT_MAX_USER_KEYS, UserKeys
from ports.auth import Authenticator
from ports.counts import ConnectionCountStore
from ports.writer import ChangeWriter


@dataclass
class Service:
    engine: Autoupdate
    authenticator: Authenticator
    max_body_size: int = 1024 * 1024
    max_request_depth: int = 16
    max_request_ids: int = DEFAULT_MAX_REQUEST_IDS
    max_keys: int = DEFAULT_MAX_KEYS
    """Checked on the keys a request names before it is computed (the engine checks the rest)."""
    user_keys: UserKeys = field(default_factory=lambda: UserKeys(DEFAULT_MAX_USER_KEYS))
    """The keys of each user's open connections (``MAX_USER_KEYS``)."""
    heartbeat_seconds: float = 300.0
    internal_routes: bool = True
    """Whether ``/internal/…`` (no authentication) is served by this instance."""
    counter: ConnectionCounter = field(default_factory=ConnectionCounter)
    count_store: ConnectionCountStore | None = None
    """Cluster-wide connection counts (redis); ``None``: only this instance's own counts."""
    count_max_age: float = 600.0
    """Stored counts older than this are ignored: twice ``METRIC_SAVE_INTERVAL`` (spec §8.2)."""
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Endless tasks (change stream, logouts, cache reset) run while the app is up."""
    writer: ChangeWriter | None = None
    """Where writes can be made (the simulator); ``None`` in production: no write route."""
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
