"""A sheet's rows: a row of text cells read into an intake record (CSV, Excel
and Parquet rows alike), and an intake's value written as a cell's text.

An empty cell is not answered. Yes/no cells take what spreadsheets and pandas
write (yes/no, TRUE/FALSE, 1.0/0.0...); numbers are read strictly (``7.5``,
``2.0`` for a whole number; not ``07`` or ``1e1``); a list of choices is one
cell, items separated by ``;``. A bad cell costs only its row, and every
problem names the row and the column (header and letter).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..core import contract as schema
from ..core.problems import Problem
from ..core.schema_types import Boolean, Choice, Invalid, ListOf, Number, Text
from .record import Record
from .sheetcolumns import Duplicate, column_letter

LIST_SEPARATOR = ";"
# yes/no as people, spreadsheets (TRUE/FALSE; German Excel WAHR/FALSCH) and
# pandas (True/False, or 1.0/0.0 in a column with gaps) write them; any case
TRUE = ("yes", "y", "true", "wahr", "1", "1.0")
FALSE = ("no", "n", "false", "falsch", "0", "0.0")
MAX_CELL_CHARS = 1000     # the longest contract value is 200; a longer cell costs its row
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
_DECIMAL_COMMA = re.compile(r"^-?(0|[1-9][0-9]*),[0-9]+$")


def _cell(spec, text: str, delimiter: str = ","):
    """The intake value of a non-empty cell, or Invalid saying what is allowed.
    In a sheet not separated by commas (``;``, tab) a comma can only be a
    decimal mark, as a German or French spreadsheet writes it: ``7,5``."""
    if len(text) > MAX_CELL_CHARS:
        raise Invalid(f"a cell of {len(text):,} characters; at most {MAX_CELL_CHARS:,}")
    if isinstance(spec, Number):
        if _DECIMAL_COMMA.match(text):
            if delimiter == ",":
                raise Invalid(f"{text!r}: use a point for decimals: "
                              f"{text.replace(',', '.', 1)}")
            text = text.replace(",", ".", 1)
        if not _NUMBER.match(text):
            if re.fullmatch(r"-?0[0-9]+(\.[0-9]+)?", text):
                raise Invalid(f"{text!r}: a number does not start with 0; write "
                              f"{text.lstrip('0') or '0'}")
            raise Invalid(f"{text!r} is not a number; expected {spec.allowed()}, written "
                          "like 7 or 7.5")
        if "." not in text:
            return int(text)
        value = float(text)
        # pandas writes a whole-number column with gaps as 2.0
        return int(value) if spec.integer and value.is_integer() else value
    if isinstance(spec, Boolean):
        low = text.lower().replace(",", ".") if delimiter != "," else text.lower()
        if low in TRUE or low in FALSE:
            return low in TRUE
        raise Invalid(f"{text!r}: expected yes or no (or true/false, 1/0)")
    if isinstance(spec, ListOf):
        parts = [p.strip() for p in text.split(LIST_SEPARATOR)]
        if any(not p for p in parts):
            raise Invalid(f"{text!r}: separate the items with single {LIST_SEPARATOR!r}, "
                          f"e.g. {LIST_SEPARATOR.join(spec.item.choices[:2])}")
        return parts
    if isinstance(spec, (Choice, Text)):
        return text
    raise Invalid(f"this column cannot be read from a sheet ({spec.allowed()})")


def row_record(row, number: int, header: list, specs: list, name: str, default_id: str,
               delimiter: str = ",", header_problems: list = ()):
    """The Record of one row of text cells (or the csv module's reason it could
    not read the row); ``number`` is its row (line) in the sheet."""
    if isinstance(row, str):   # the csv module could not read it
        return Record(default_id, name, number,
                      problems=list(header_problems) + [Problem(name, row, "", number)])

    def where(i):
        return f"{header[i]} (column {column_letter(i)})"

    problems, data, place, slots, failed = [], {}, {}, {}, set()
    duplicates: dict = {}      # path -> the values of a column named twice
    if len(row) > len(header):
        extra = len(row) - len(header)
        problems.append(Problem(name, f"{extra} more cell(s) than the header has columns "
                                      f"(from column {column_letter(len(header))})", "", number))
    for i, found in enumerate(specs):
        text = row[i].strip() if i < len(row) else ""
        if not text or found is None:
            continue
        if header[i] == "id":   # an id keeps its own spaces (as in YAML); see escaped
            text = _unescaped(row[i])
        path, spec = found
        if isinstance(found, Duplicate):
            if len(path) != 3:
                try:
                    duplicates.setdefault(path, []).append(_cell(spec, text, delimiter))
                except Invalid:
                    duplicates.setdefault(path, []).append(text)   # "y": salvage reads it
            continue
        try:
            value = _cell(spec, text, delimiter)
        except Invalid as exc:
            problems.append(Problem(name, exc.message, where(i), number))
            failed.add(path)
            if len(path) == 2 and path[0] == "symptoms":
                # kept as written: a warning sign answered "y" or "1" still counts
                # as yes when the row is read for warning signs (contract.salvage)
                data.setdefault("symptoms", {})[path[1]] = text
            continue
        if len(path) == 3:  # numbered: injuries.N.site
            slots.setdefault(path[0], {}).setdefault(path[1], {})[path[2]] = (value, i)
        else:
            target = data
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target[path[-1]] = value
            place[path] = i
    for list_name, numbered in slots.items():
        data[list_name] = []
        for k, slot in enumerate(sorted(numbered)):
            fields = numbered[slot]
            data[list_name].append({f: v for f, (v, _i) in fields.items()})
            place[(list_name, k)] = min(i for _v, i in fields.values())
            for f, (_v, i) in fields.items():
                place[(list_name, k, f)] = i
    for list_name, numbered in slots.items():  # a failed cell of injury N: its index
        order = sorted(numbered)
        failed |= {(p[0], order.index(p[1]), p[2]) for p in list(failed)
                   if len(p) == 3 and p[0] == list_name and p[1] in order}
    rid = data.get("id") if isinstance(data.get("id"), str) else default_id
    if header_problems:
        return Record(rid, name, number, problems=list(header_problems) + problems,
                      partial=schema.salvage(data, duplicates))
    intake, invalid = schema.validate(data)
    for exc in invalid:
        if _effective_path(exc) in failed:
            continue  # its cell's own problem is reported already
        column = next((place[exc.path[:n]] for n in range(len(exc.path), 0, -1)
                       if exc.path[:n] in place), None)
        message = exc.message
        missing = re.match(r"missing required key '([^']+)' \((.*)\)$", message)
        if not exc.path and missing and missing.group(1) in header:
            column = header.index(missing.group(1))
            message = f"empty, but every intake needs it ({missing.group(2)})"
        elif len(exc.path) >= 2 and isinstance(exc.path[1], int) and exc.path[0] in slots:
            number_in_sheet = sorted(slots[exc.path[0]])[exc.path[1]]
            own = f"{exc.path[0]}.{number_in_sheet}.{missing.group(1)}" if missing else None
            if own in header:
                column = header.index(own)
                message = f"empty, but each of the {exc.path[0]} given needs it " \
                          f"({missing.group(2)})"
            else:
                message = f"{exc.path[0]} {number_in_sheet}: {message}"
        problems.append(Problem(name, message, where(column) if column is not None else "",
                                number))
    if problems:
        return Record(rid, name, number, problems=problems, partial=schema.salvage(data))
    return Record(rid, name, number, intake)


def _effective_path(exc) -> tuple:
    """The path a contract problem is about; for a missing key, the key's own."""
    missing = re.match(r"missing required key '([^']+)'", exc.message)
    return tuple(exc.path) + ((missing.group(1),) if missing else ())


def cell_text(value) -> str:
    """A value as a cell's text: what csvsheet.write writes, and what a
    typed Parquet cell is read as."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def escaped(text: str) -> str:
    """An id a spreadsheet would run as a formula (=, +, -, @) gets a leading '
    (OWASP's advice); ``_unescaped`` takes it off again when the sheet is read
    (an id that itself starts with ' before such a character gets one more)."""
    return "'" + text if text.lstrip("'").startswith(_FORMULA) else text


def _unescaped(text: str) -> str:
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(_FORMULA) \
        else text
