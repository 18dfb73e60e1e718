"""A CSV sheet read as a stream chooses its encoding exactly as the whole-file
reader does (same text, same note, same refusal and line), however the bytes
arrive in chunks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hipguide.core.encoding import NotText, decode, stream_codec

PIECES = [b"a", b",", b"\n", b"\r\n", "é".encode(), "€".encode(), b"\xe9", b"\x81", b"\xe2\x82",
          b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]


def _outcome(call):
    try:
        return "read", call()
    except NotText as exc:
        return "refused", exc.message, exc.line


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=24), st.integers(1, 9), st.booleans())
def test_streamed_choice_equals_the_whole_file_choice(parts, size, spreadsheet):
    data = b"".join(parts)
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    whole = _outcome(lambda: decode(data, spreadsheet).encoding)
    streamed = _outcome(lambda: stream_codec(chunks, spreadsheet)[1])
    assert streamed == whole
