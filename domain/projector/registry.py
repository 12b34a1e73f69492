"""The slides and titlers: slide modules register them with :func:`slide` and :func:`titler`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache

from domain.projector.context import Slide, SlideRegistry, Titler

SLIDES: dict[str, Slide] = {}
TITLERS: dict[str, Titler] = {}


def slide(name: str) -> Callable[[Slide], Slide]:
    """Register the decorated function as the slide ``name``."""

    def register(function: Slide) -> Slide:
        if name in SLIDES:
            raise ValueError(f"two slides named {name}")
        SLIDES[name] = function
        return function

    return register


def titler(collection: str) -> Callable[[Titler], Titler]:
    """Register the decorated function as the titler of ``collection``."""

    def register(function: Titler) -> Titler:
        if collection in TITLERS:
            raise ValueError(f"two titlers for {collection}")
        TITLERS[collection] = function
        return function

    return register


@cache
def default_registry() -> SlideRegistry:
    """All slides and titlers (importing the slide modules once)."""
    from domain.projector import slides

    for module in pkgutil.iter_modules(slides.__path__):
        importlib.import_module(f"{slides.__name__}.{module.name}")
    return SlideRegistry(SLIDES, TITLERS)
