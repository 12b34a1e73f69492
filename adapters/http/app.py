"""The ASGI application: routing, lifespan (start and stop of background work), health.

The service is built at lifespan startup, inside the worker process that serves it, by a
``build`` coroutine from the composition root (production or simulator); a task of the app runs
the engine (``Autoupdate.running``) from then until shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.http import autoupdate_route, counts_routes
from adapters.http.asgi import Receive, Scope, Send, respond
from adapters.http.errors import classify, error_body
from adapters.http.explorer import routes as explorer_routes
from adapters.http.history_route import history_information
from adapters.http.identity import authenticated
from adapters.http.request import Request
from adapters.http.service import Service
from domain.errors import ClientError
from domain.keys import KeyParseError, parse_key
from ports.auth import Identity

log = logging.getLogger("autoupdate.http")

HEALTH_BODY = b'{"healthy": true}\n'


class AutoupdateApp:
    def __init__(self, build: Callable[[], Awaitable[Service]]) -> None:
        self._build = build
        self._service: Service | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._engine: asyncio.Task[None] | None = None
        """Runs the engine (``Autoupdate.running``) from startup until shutdown."""
        self._starting = asyncio.Lock()
        self._stopping = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def startup(self) -> Service:
        if self._service is not None:
            return self._service
        async with self._starting:  # requests before the lifespan's startup all wait for one
            if self._service is None:
                service = await self._build()
                started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._engine = asyncio.create_task(self._run_engine(service, started))
                await started
                self._service = service
                for job in service.background:
                    self._tasks.append(asyncio.create_task(_forever(job)))
            return self._service

    async def _run_engine(self, service: Service, started: asyncio.Future[None]) -> None:
        try:
            async with service.engine.running():
                started.set_result(None)
                await self._stopping.wait()
        except BaseException as error:
            if not started.done():
                started.set_exception(error)
            raise

    def end_streams_on_signals(self) -> None:
        """On SIGTERM/SIGINT, end every stream cleanly so the server can stop at once.

        Granian waits for open responses before it stops a worker; streams would keep it
        waiting forever. ``signal.signal`` (not ``loop.add_signal_handler``) keeps the wakeup fd
        Granian itself listens on, and the previous handler still runs.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(number)

            def handle(signum: int, frame: object, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self._end_streams)
                if callable(previous):
                    previous(signum, frame)

            signal.signal(number, handle)

    def _end_streams(self) -> None:
        if self._service is not None:
            log.info("shutting down: ending all streams")
            self._tasks.append(asyncio.create_task(self._service.engine.close()))

    async def shutdown(self) -> None:
        if self._service is None:
            return
        await self._service.engine.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._stopping.set()  # the jobs that feed the engine have stopped: now the engine
        if self._engine is not None:
            await asyncio.gather(self._engine, return_exceptions=True)
        for hook in self._service.on_shutdown:
            await hook()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                    self.end_streams_on_signals()
                except Exception as error:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request.from_scope(scope)
        path = request.path
        if path == "/system/autoupdate/health":
            await respond(send, 200, HEALTH_BODY)
            return
        if path == "/system/autoupdate/history_information":
            service = await self.startup()
            identity = await authenticated(service, request, send)
            if identity is not None:
                await history_information(service, identity, request, send)
            return
        if path in ("/system/autoupdate/connection_count", "/service/autoupdate/connection_count"):
            await counts_routes.connection_count(await self.startup(), request, send)
            return
        if path == "/system/autoupdate/metrics":
            await counts_routes.metrics(await self.startup(), request, send)
            return
        if path.startswith("/internal/") and not (await self.startup()).internal_routes:
            await _not_found(send)
            return
        if await explorer_routes.handle(await self.startup(), request, receive, send):
            return
        if path == "/internal/autoupdate/explain":
            await self._explain(request, send)
            return
        if path not in ("/system/autoupdate", "/internal/autoupdate"):
            await _not_found(send)
            return
        service = await self.startup()
        if path == "/system/autoupdate":

            async def authenticate(request: Request) -> Identity:
                return await service.authenticator.authenticate(request.headers, request.cookies)

            await autoupdate_route.handle(service, authenticate, True, request, receive, send)
        else:
            await autoupdate_route.handle(service, _internal_identity, False, request, receive, send)

    async def _explain(self, request: Request, send: Send) -> None:
        """Internal debug route: why a key is (not) visible for a user (spec R6)."""
        service = await self.startup()
        try:
            identity = await _internal_identity(request)
            key = request.first("key") or ""
            try:
                parse_key(key)
            except KeyParseError:
                raise ClientError(f"invalid key: {key}", type="invalid_request") from None
            text = await service.engine.explain(identity.user_id, key)
        except Exception as error:
            status, body = classify(error)
            await respond(send, status, body)
            return
        await respond(send, 200, text.encode() + b"\n", b"text/plain; charset=utf-8")


async def _not_found(send: Send) -> None:
    await respond(send, 404, b"404 page not found\n", b"text/plain; charset=utf-8")


async def _internal_identity(request: Request) -> Identity:
    """The trusted internal route names the user in ``?user_id=`` (spec §3.4)."""
    raw = request.first("user_id")
    try:
        return Identity(user_id=int(raw or ""))
    except ValueError:
        raise ClientError(f"user_id has to be an int, not {raw or ''}", type="invalid_request") from None


async def _forever(job: Callable[[], Awaitable[None]]) -> None:
    """Run a background job; if it fails, log and start it again (it must not die silently)."""
    while True:
        try:
            await job()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task failed; restarting in 1 s")
            await asyncio.sleep(1)


__all__ = ["AutoupdateApp", "error_body"]
