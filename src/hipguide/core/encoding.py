"""Bytes of an input file as text: the one place that decides the encoding.

UTF-8 (with or without a BOM) is read silently. UTF-16 and UTF-32 are read
when the file starts with their byte-order mark (Excel's "Unicode text",
Notepad's "Unicode"); a spreadsheet (``.csv``) that is not UTF-8 is read as
Windows-1252, the encoding Windows Excel's plain "CSV" uses. Either is said
in a note naming the encoding. Anything else is refused with the byte and
line that stop it.
"""

from __future__ import annotations

import codecs
import io

# longest first: a UTF-32-LE mark starts with the UTF-16-LE one
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 (little-endian)"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 (big-endian)"),
        (codecs.BOM_UTF8, "utf-8", None),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (little-endian)"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (big-endian)"))
SPREADSHEET_FALLBACK = ("cp1252", "Windows-1252 (cp1252, Windows Excel's plain CSV)")


class Text(str):
    """Decoded text that remembers a non-UTF-8 encoding (``encoding``: its
    name for a note, or None)."""

    encoding: str | None = None


class NotText(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


def decode(data: bytes, spreadsheet: bool = False) -> Text:
    """The text of a whole file's bytes; NotText when they are not text.
    ``spreadsheet``: fall back to Windows-1252 when not UTF-8."""
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            try:
                text = Text(data[len(bom):].decode(codec))
            except UnicodeDecodeError as exc:
                raise NotText(f"starts with a {label or 'UTF-8'} byte-order mark, but byte "
                              f"{exc.start + len(bom)} cannot be decoded as "
                              f"{label or 'UTF-8'}") from None
            if "\x00" in text:
                raise NotText("binary data (NUL characters): not a text file")
            text.encoding = label
            return text
    if b"\x00" in data:
        raise NotText("binary data (NUL bytes): not a text file (UTF-16 or UTF-32 text "
                      "needs its byte-order mark; or save it as UTF-8)")
    try:
        return Text(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        if spreadsheet:
            try:
                text = Text(data.decode(SPREADSHEET_FALLBACK[0]))
            except UnicodeDecodeError:
                pass
            else:
                text.encoding = SPREADSHEET_FALLBACK[1]
                return text
        line = data[:exc.start].count(b"\n") + 1
        raise NotText(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded; "
                      "save the file as UTF-8", line) from None


def stream_codec(chunks, spreadsheet: bool = False) -> tuple[str, str | None]:
    """(codec, label) for a file read as a stream: ``decode``'s decision made
    chunk by chunk, holding no more than one chunk (a first pass; the caller
    then reads the file again through ``open_decoded``). NotText as ``decode``."""
    chunks = iter(chunks)
    head = b""
    for chunk in chunks:   # enough bytes to see a byte-order mark
        head += chunk
        if len(head) >= 4:
            break
    for bom, codec, label in BOMS:
        if head.startswith(bom):
            _check_wide(_chained(head[len(bom):], chunks), codec, label, len(bom))
            return READ_WITH_BOM[codec], label
    utf8 = codecs.getincrementaldecoder("utf-8")()
    fallback = codecs.getincrementaldecoder(SPREADSHEET_FALLBACK[0])()
    failed = None   # where UTF-8 first failed: (byte, line)
    lines = 1
    for chunk in _chained(head, chunks):
        if b"\x00" in chunk:
            raise NotText("binary data (NUL bytes): not a text file (UTF-16 or UTF-32 text "
                          "needs its byte-order mark; or save it as UTF-8)")
        if failed is None:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError as exc:
                data = exc.object   # the bytes held from the last chunk, then this one
                failed = (data[exc.start], lines + data[:exc.start].count(b"\n"))
        if spreadsheet:   # read to the end all the same: a NUL anywhere refuses it
            try:
                fallback.decode(chunk)
            except UnicodeDecodeError:
                spreadsheet = False   # not Windows-1252 either: the UTF-8 error stands
        lines += chunk.count(b"\n")
    if failed is None:
        try:
            utf8.decode(b"", final=True)
            return "utf-8", None
        except UnicodeDecodeError as exc:   # it ends inside a character
            failed = (exc.object[exc.start], lines)
    if spreadsheet:
        return SPREADSHEET_FALLBACK
    byte, line = failed
    raise NotText(f"not UTF-8 text: byte 0x{byte:02x} cannot be decoded; save the file as "
                  "UTF-8", line)


# a file with a byte-order mark is read again with a codec that drops the mark
READ_WITH_BOM = {"utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16",
                 "utf-32-le": "utf-32", "utf-32-be": "utf-32"}


def _check_wide(chunks, codec: str, label: str | None, offset: int) -> None:
    decoder = codecs.getincrementaldecoder(codec)()
    done = 0   # bytes given to the decoder so far
    nul = False   # named only when the whole file decodes, as ``decode`` does
    try:
        for chunk in chunks:
            done += len(chunk)
            nul = "\x00" in decoder.decode(chunk) or nul
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:   # exc.object: the bytes it held, then the chunk
        byte = done - len(exc.object) + exc.start + offset
        raise NotText(f"starts with a {label or 'UTF-8'} byte-order mark, but byte "
                      f"{byte} cannot be decoded as {label or 'UTF-8'}") from None
    if nul:
        raise NotText("binary data (NUL characters): not a text file")


def _chained(first: bytes, rest):
    if first:
        yield first
    yield from rest


def open_decoded(handle, codec: str) -> io.TextIOWrapper:
    """A binary handle as text lines for the csv module (newlines kept as they are)."""
    return io.TextIOWrapper(handle, encoding=codec, newline="")


def note(encoding: str) -> str:
    return f"note: read as {encoding} text, not UTF-8"
