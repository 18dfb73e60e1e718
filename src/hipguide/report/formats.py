"""The report writer for each ``score --format``: one place that maps a format
name to its renderer, so the command only names the format."""

from __future__ import annotations

from .html import HtmlWriter
from .parquet import ParquetWriter
from .triage import TriageWriter
from .triage_page import TriagePageWriter
from .writers import Writer


def writer_for(fmt: str, stream, kb, explain: bool = False, duplicate_ids=None):
    """The writer of format ``fmt`` on ``stream``: ``kb`` for the pages that
    show the catalogue's pictures and wording, ``explain`` for the formats that
    can carry each finding's basis, ``duplicate_ids`` (a live set) for the
    triage views that flag an id seen twice."""
    if fmt == "html":
        return HtmlWriter(stream, kb)
    if fmt == "parquet":
        return ParquetWriter(stream, explain)
    if fmt == "triage":
        return TriageWriter(stream, duplicate_ids)
    if fmt == "triage-html":
        return TriagePageWriter(stream, kb, duplicate_ids)
    return Writer(stream, fmt, explain)
