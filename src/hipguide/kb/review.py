"""Clinical review records: what a report may say about review, and what is due.

A record (knowledge/meta.yaml ``review.records``, or a ``review`` key on a rule
or catalogue item) says who reviewed what, in what role, when and on what
evidence. Reports print a review date only when such a record covers the whole
knowledge base; otherwise they say plainly that no licensed clinician has
reviewed it (FDA CDS guidance 2022, criterion 4: the basis must be reviewable).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

ALL = "all"
CATALOGUE_KINDS = (("factors", "factors"), ("exercises", "exercises"),
                   ("red_flags", "red_flags"), ("cautions", "cautions"),
                   ("precautions", "precautions"))


def whole_review(meta: dict) -> dict | None:
    """The latest record that covers the whole knowledge base, or None."""
    records = [r for r in (meta.get("review") or {}).get("records") or ()
               if r.get("scope") == ALL]
    return max(records, key=lambda r: r["date"]) if records else None


def review_status(meta: dict) -> str:
    """The one sentence every report and handout prints about clinical review."""
    record = whole_review(meta)
    if record is None:
        return (meta.get("review") or {}).get("unreviewed_notice") or \
            "Not yet reviewed by a licensed clinician."
    return (f"Reviewed by {record['reviewed_by']} ({record['role']}) on "
            f"{record['date']}.")


def review_date(meta: dict) -> str:
    """The date of the whole-base review, or "" (never a date that is not one)."""
    record = whole_review(meta)
    return record["date"] if record else ""


@dataclass
class Due:
    """One rule or catalogue item whose review is missing or too old."""

    what: str            # "rule" or a catalogue name
    id: str
    status: str          # unreviewed | expired
    last: str = ""       # date of the latest review, if any
    by: str = ""

    def line(self) -> str:
        if self.status == "unreviewed":
            return f"{self.what} {self.id}: unreviewed"
        return f"{self.what} {self.id}: last reviewed {self.last} by {self.by} (too old)"


def _months_between(earlier: datetime.date, later: datetime.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - \
        (later.day < earlier.day)


def due(kb, max_age_months: int | None = None, today: datetime.date | None = None) -> list:
    """Every rule and catalogue item with no review record, or whose latest one
    (its own, one naming it by scope, or a whole-base one) is older than
    max_age_months (default: meta.yaml's review.max_age_months)."""
    today = today or datetime.date.today()
    meta_review = kb.meta.get("review") or {}
    limit = max_age_months if max_age_months is not None else meta_review.get(
        "max_age_months", 24)
    by_scope: dict = {}
    for record in meta_review.get("records") or ():
        by_scope.setdefault(record["scope"], []).append(record)

    def check(what: str, item_id: str, scope: str, own) -> Due | None:
        records = list(by_scope.get(ALL, ())) + list(by_scope.get(scope, ()))
        if own:
            records.append(own)
        if not records:
            return Due(what, item_id, "unreviewed")
        latest = max(records, key=lambda r: r["date"])
        age = _months_between(datetime.date.fromisoformat(latest["date"]), today)
        if age > limit:
            return Due(what, item_id, "expired", latest["date"], latest["reviewed_by"])
        return None

    out = [check("rule", r.id, r.id, r.review) for r in kb.rules]
    for name, attr in CATALOGUE_KINDS:
        for item_id, item in getattr(kb, attr).items():
            out.append(check(name, item_id, f"{name}:{item_id}", item.get("review")))
    return [d for d in out if d is not None]
