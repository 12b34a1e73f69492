"""A member's view: its group's values with its patch laid over (``None``: no value there).

Views are read (first messages, what a member that changes groups must be told), never
changed, and the group's values and patches are replaced, never changed in place; so a view
refers to both instead of copying twenty thousand keys per member.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping


def view(values: Mapping[str, bytes], patch: Mapping[str, bytes | None]) -> Mapping[str, bytes]:
    """The group's ``values`` as the member with ``patch`` sees them."""
    return Patched(values, patch) if patch else values


class Patched(Mapping[str, bytes]):
    """A group's values with a member's patch laid over, without copying them."""

    __slots__ = ("_base", "_patch")

    def __init__(self, base: Mapping[str, bytes], patch: Mapping[str, bytes | None]) -> None:
        self._base = base
        self._patch = patch

    def __getitem__(self, key: str) -> bytes:
        if key in self._patch:
            value = self._patch[key]
            if value is None:
                raise KeyError(key)
            return value
        return self._base[key]

    def __iter__(self) -> Iterator[str]:
        yield from (key for key in self._base if key not in self._patch)
        yield from (key for key, value in self._patch.items() if value is not None)

    def __len__(self) -> int:
        added = sum(1 for key, value in self._patch.items() if value is not None and key not in self._base)
        removed = sum(1 for key, value in self._patch.items() if value is None and key in self._base)
        return len(self._base) + added - removed
