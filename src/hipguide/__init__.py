"""hipguide: a rule-based expert system for weak or stiff hip internal rotators.

Embedding API: ``hipguide.assess(mapping) -> Report``;
``hipguide.assess_records(mappings)`` for many (one engine per process).  Heavy imports
(experta, the rule compiler, the knowledge base) happen on first use, so
``hipguide --help`` stays fast.
"""

from __future__ import annotations

from .core.version import __version__

__all__ = ["assess", "assess_files", "assess_records", "__version__"]


def assess(mapping, *, report_id: str = "intake", source: str = "<api>", kb=None,
           withhold_unscreened: bool | None = None):
    """Validate one intake mapping and assess it; invalid input gives a Report with
    status 'invalid' and its errors (it never raises for bad data).
    ``withhold_unscreened=True``: no exercises when a warning sign is unanswered."""
    from .api import assess as _assess

    return _assess(mapping, report_id=report_id, source=source, kb=kb,
                   withhold_unscreened=withhold_unscreened)


def assess_files(paths, *, kb=None):
    """Yield a Report per intake document in paths (files, directories, '-'),
    in input order; bad files give 'invalid' reports, never exceptions."""
    from .api import assessor
    from .batch import reports
    from .intake.reading import records

    for _record, report in reports(assessor(kb), records(paths, kb)):
        yield report


def assess_records(records, *, kb=None, as_dict=False, explain=False):
    """Yield a Report (or plain dict, shaped as ``score --format jsonl``; each
    finding's basis only with ``explain``) per intake mapping, in order, building
    the rule engine once per process: for a Dask partition or Spark mapPartitions."""
    from .records import assess_records as _assess_records

    return _assess_records(records, kb=kb, as_dict=as_dict, explain=explain)
