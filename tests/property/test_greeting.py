"""A member's first message built from the group's greeting is byte for byte the message of
the member's view (the group's view with its patch laid over)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.autoupdate.greeting import Greeting
from domain.autoupdate.message import Message

keys = st.from_regex(r"[a-z_]{1,6}/[1-9][0-9]?/[a-z_]{1,6}", fullmatch=True)
encoded = st.sampled_from([b"1", b'"x"', b"[1,2]", b"true", b'{"a":1}'])


@given(
    values=st.dictionaries(keys, encoded, max_size=30),
    patch=st.dictionaries(keys, st.none() | encoded, max_size=8),
    taken=st.lists(st.integers(0, 29), max_size=5),
)
def test_greeting_with_a_patch_is_the_message_of_the_patched_view(
    values: dict[str, bytes], patch: dict[str, bytes | None], taken: list[int]
) -> None:
    existing = sorted(values)
    for index in taken:  # patches mostly change keys the group has
        if index < len(existing):
            patch[existing[index]] = None if index % 2 else b'"mine"'
    greeting = Greeting(values)

    message = greeting.message(patch)

    viewed = {**values, **patch}  # the member's view, built here independently of the code
    expected = Message({key: value for key, value in viewed.items() if value is not None})
    assert message.line == expected.line
    assert dict(message.values) == dict(expected.values)
    assert len(message) == len(expected)
    assert greeting.message({}).line == Message(dict(values)).line
