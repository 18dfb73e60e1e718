"""A sheet's columns: which intake field each header names, and the header's
checks. Shared by the CSV, Excel and Parquet intake files.

The columns come from the intake contract (``contract.SCHEMA``): a top-level
field is one column (``sitting_hours``); a mapping's fields are
``symptoms.hip_pain``; a list of mappings is numbered, ``injuries.1.site``,
``injuries.1.months_ago``, ``injuries.2.site``...
"""

from __future__ import annotations

import difflib
import re

from ..core import contract as schema
from ..core.problems import Problem
from ..core.schema_types import ListOf, Mapping
from ..core.text import look_alikes

TEMPLATE_INJURIES = 2     # numbered injury column sets in the template


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's column name."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def is_repeated(spec) -> bool:
    return isinstance(spec, ListOf) and isinstance(spec.item, Mapping)


def columns(injury_slots: int = TEMPLATE_INJURIES) -> list[str]:
    """The header, in the contract's order, with ``injury_slots`` numbered sets
    for each list of mappings."""
    out = []
    for name, spec in schema.SCHEMA.fields.items():
        if isinstance(spec, Mapping):
            out += [f"{name}.{sub}" for sub in spec.fields]
        elif is_repeated(spec):
            out += [f"{name}.{n}.{sub}" for n in range(1, injury_slots + 1)
                    for sub in spec.item.fields]
        else:
            out.append(name)
    return out


def column_spec(header: str):
    """(intake path, field type) of a column name, or None if it is not one.
    The path of a numbered column holds its number: ('injuries', 2, 'site')."""
    parts = header.split(".")
    spec = schema.SCHEMA.fields.get(parts[0])
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        sub = spec.fields.get(parts[1]) if len(parts) == 2 else None
        return ((parts[0], parts[1]), sub) if sub is not None else None
    if is_repeated(spec):
        if len(parts) != 3 or not re.fullmatch(r"[1-9][0-9]*", parts[1]):
            return None
        sub = spec.item.fields.get(parts[2])
        if sub is None or int(parts[1]) > spec.max_items:
            return None
        return (parts[0], int(parts[1]), parts[2]), sub
    return ((parts[0],), spec) if len(parts) == 1 else None


def unknown_column(header: str) -> str:
    known = columns(1)
    generic = [re.sub(r"\.1\.", ".N.", c) for c in known]
    probe = re.sub(r"\.[0-9]+\.", ".1.", header)
    hint = difflib.get_close_matches(probe, known, n=1, cutoff=0.6)
    more = ""
    if hint:
        suggestion = hint[0]
        if re.search(r"\.[0-9]+\.", header):
            suggestion = suggestion.replace(".1.", "." + header.split(".")[1] + ".")
        more = f"did you mean {suggestion!r}?{look_alikes(header)} "
    numbered = [c for c in generic if ".N." in c]
    limit = next((s.max_items for s in schema.SCHEMA.fields.values() if is_repeated(s)), 0)
    return (f"unknown column {header!r}; {more}columns are intake fields (`hipguide schema "
            f"--format csv-template`): {', '.join(c for c in generic if '.N.' not in c)}"
            + (f", and numbered {', '.join(numbered)} (N = 1 to {limit})" if numbered else ""))


class Duplicate(tuple):
    """The (path, spec) of a column the header names twice: read only as a
    warning-sign answer (contract.salvage's ``duplicates``)."""

    def __new__(cls, path, spec):
        return super().__new__(cls, (path, spec))


def check_header(header: list, name: str, line: int = 1) -> tuple[list, list]:
    """(per column: (intake path, field type) or None, problems) of a header
    row; a problem here stops the whole sheet, since every row would be read
    wrongly."""
    specs, problems = [], []
    if schema.REPORT_KEYS <= set(header):
        return [None] * len(header), [Problem(name, schema.NOT_AN_INTAKE, "", line)]
    seen = {}
    for i, head in enumerate(header):
        where = f"{head or '(empty)'} (column {column_letter(i)})"
        found = column_spec(head) if head else None
        if not head:
            problems.append(Problem(name, "a column with no name in the header", where, line))
        elif found is None:
            problems.append(Problem(name, unknown_column(head), where, line))
        elif head in seen:
            problems.append(Problem(name, f"column {head!r} is also column "
                                          f"{column_letter(seen[head])}; keep one", where, line))
            # which of the two is meant is unknown: neither is used, but both are
            # read aside, so that a warning sign answered yes in either is acted on
            found = Duplicate(*found) if not isinstance(found, Duplicate) else found
            specs[seen[head]] = Duplicate(*found)
        seen.setdefault(head, i)
        specs.append(found)
    for field_name, spec in schema.SCHEMA.fields.items():
        if spec.required and field_name not in seen:
            problems.append(Problem(name, f"no {field_name!r} column; every intake needs "
                                          f"{field_name} ({spec.allowed()})", "", line))
    return specs, problems


def column_value(intake: dict, path: tuple):
    """The intake's value for a column's path (``("injuries", 2, "site")``:
    numbered columns count from 1); None when the intake does not have it."""
    value = intake
    for part in path:
        if isinstance(part, int):
            value = value[part - 1] if part <= len(value or []) else None
        else:
            value = (value or {}).get(part)
    return value
