"""What a slide reads data with: upstream's fetch primitives, typed decoding and titlers.

An object's fields are read together with :meth:`SlideContext.obj` and decoded through the
returned :class:`Fields`, which names the field's key in any decoding error.

A failed read (a missing object where one is required, a value of the wrong JSON type, an
invalid key) raises :class:`SlideError`; the projection then gets the error envelope (spec
§2). Zero values follow Go: 0, "", False; an unset list is ``None`` (encoded as ``null``), so
slides can keep upstream's difference between ``null`` and ``[]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

from domain.reader import Reader
from domain.schema import is_valid_collection_field


class SlideError(Exception):
    """A slide cannot be computed from the data (upstream: a FAIL)."""


class InvalidKey(SlideError):
    """A key whose collection/field the data model does not have."""


class Projection(NamedTuple):
    id: int
    type: str
    content_object_id: str
    meeting_id: int
    options: Any
    current_projector_id: int


Slide = Callable[["SlideContext", Projection], dict[str, Any]]
Titler = Callable[["SlideContext", str, str, int], dict[str, Any]]
"""``(ctx, fqid, item_number_hint, meeting_id) → title information``."""


class SlideRegistry(NamedTuple):
    slides: Mapping[str, Slide]
    titlers: Mapping[str, Titler]


class SlideContext:
    def __init__(self, reader: Reader, registry: SlideRegistry) -> None:
        self.reader = reader
        self.registry = registry

    # -- raw reads ---------------------------------------------------------------------------

    def get(self, key: str) -> Any:
        """The stored value (``None``: unset); no existence check."""
        collection, _, rest = key.partition("/")
        raw_id, _, field = rest.rpartition("/")
        if not collection or not raw_id or not is_valid_collection_field(collection, field):
            raise InvalidKey(f"invalid key {key}")
        return self.reader.get(key)

    def exists(self, fqid: str) -> bool:
        return self.get(f"{fqid}/id") is not None

    def must(self, key: str) -> Any:
        """The value of a field of an object that must exist."""
        fqid = key.rpartition("/")[0]
        value = self.get(key)
        if not self.exists(fqid):
            raise SlideError(f"{fqid} does not exist")
        return value

    def obj(self, fqid: str, *fields: str) -> Fields:
        """Fields of an object that must exist (``None`` for unset fields)."""
        values = {field: self.get(f"{fqid}/{field}") for field in fields}
        if not self.exists(fqid):
            raise SlideError(f"{fqid} does not exist")
        return Fields(fqid, values)

    # -- typed reads -------------------------------------------------------------------------

    def get_int(self, key: str, *, must: bool = False) -> int:
        return as_int(self.must(key) if must else self.get(key), key)

    def get_str(self, key: str, *, must: bool = False) -> str:
        return as_str(self.must(key) if must else self.get(key), key)

    def get_bool(self, key: str, *, must: bool = False) -> bool:
        return as_bool(self.must(key) if must else self.get(key), key)

    def get_ids(self, key: str, *, must: bool = False) -> list[int] | None:
        return as_ids(self.must(key) if must else self.get(key), key)

    # -- titles ------------------------------------------------------------------------------

    def title_info(self, fqid: str, item_number_hint: str = "", meeting_id: int = 0) -> dict[str, Any]:
        """The title information of a content object (spec §6.2)."""
        collection = fqid.partition("/")[0]
        titler = self.registry.titlers.get(collection)
        if titler is None:
            raise SlideError(f"no titler function registered for {collection}")
        return titler(self, fqid, item_number_hint, meeting_id)


T = TypeVar("T")


class Fields(Mapping[str, Any]):
    """The fields one :meth:`SlideContext.obj` read of an object, raw by ``[]``, typed by ``get_*``.

    The typed reads decode as the ``as_*`` functions do and name the field's key
    (``collection/id/field``) in their errors, so no slide spells the key twice.
    """

    __slots__ = ("_values", "fqid")

    def __init__(self, fqid: str, values: dict[str, Any]) -> None:
        self.fqid = fqid
        self._values = values

    def __getitem__(self, field: str) -> Any:
        return self._values[field]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def key(self, field: str) -> str:
        """The key of ``field``, as errors name it."""
        return f"{self.fqid}/{field}"

    def decode(self, field: str, convert: Callable[[Any, str], T]) -> T:
        """The field decoded by ``convert`` (one of the ``as_*`` functions)."""
        return convert(self._values[field], self.key(field))

    def optional(self, field: str, convert: Callable[[Any, str], T]) -> T | None:
        """``None`` for a field unset or not read, else the decoded value (upstream: a pointer field)."""
        value = self._values.get(field)
        return None if value is None else convert(value, self.key(field))

    def get_int(self, field: str) -> int:
        return self.decode(field, as_int)

    def get_str(self, field: str) -> str:
        return self.decode(field, as_str)

    def get_bool(self, field: str) -> bool:
        return self.decode(field, as_bool)

    def get_ids(self, field: str) -> list[int] | None:
        return self.decode(field, as_ids)

    def get_strs(self, field: str) -> list[str] | None:
        return self.decode(field, as_strs)


def option_flag(options: Any, name: str) -> bool:
    """The boolean projection option ``name`` (unset: false); options must be an object or
    null, as upstream decodes them (spec §3.1)."""
    if options is None:
        return False
    if not isinstance(options, dict):
        raise SlideError(f"projection options: expected an object, got {options!r}")
    return as_bool(options.get(name), f"projection options: {name}")


def as_int(value: Any, key: str = "") -> int:
    """An integer; integral floats such as ``60.0`` are accepted (spec P3, D7)."""
    if value is None:
        return 0
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise SlideError(f"{key}: expected an integer, got {value!r}")


def as_str(value: Any, key: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise SlideError(f"{key}: expected a string, got {value!r}")


def as_bool(value: Any, key: str = "") -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise SlideError(f"{key}: expected a boolean, got {value!r}")


def as_ids(value: Any, key: str = "") -> list[int] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [as_int(item, key) for item in value]
    raise SlideError(f"{key}: expected a list of ids, got {value!r}")


def as_strs(value: Any, key: str = "") -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [as_str(item, key) for item in value]
    raise SlideError(f"{key}: expected a list of strings, got {value!r}")
