"""The explorer's page and its assets, shipped as package data and served as they are (no build
step). Only files found in the package at start are served, so no path can reach anything else."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from adapters.http.asgi import Send, body, respond, start

PAGE = "index.html"
CONTENT_TYPES = {
    ".html": b"text/html; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".svg": b"image/svg+xml",
    ".png": b"image/png",
}
PLAIN_TEXT = b"text/plain; charset=utf-8"
NOSNIFF = (b"x-content-type-options", b"nosniff")


def _walk(folder: Traversable, prefix: str = "") -> dict[str, Traversable]:
    found: dict[str, Traversable] = {}
    for entry in folder.iterdir():
        if entry.is_dir():
            found.update(_walk(entry, f"{prefix}{entry.name}/"))
        elif not entry.name.startswith("."):
            found[prefix + entry.name] = entry
    return found


ASSETS = _walk(files(__package__ or "adapters.http.explorer") / "static")


def content_type(name: str) -> bytes:
    _, dot, extension = name.rpartition(".")
    return CONTENT_TYPES.get(f".{extension}", PLAIN_TEXT) if dot else PLAIN_TEXT


async def serve(name: str, send: Send) -> bool:
    """Answer with the asset ``name`` (``""``: the page); False if there is no such asset."""
    asset = ASSETS.get(name or PAGE)
    if asset is None:
        return False
    await respond(send, 200, asset.read_bytes(), content_type(name or PAGE), [NOSNIFF])
    return True


async def redirect(send: Send, location: str) -> None:
    await start(send, 308, [(b"location", location.encode()), (b"content-length", b"0")])
    await body(send, b"")
