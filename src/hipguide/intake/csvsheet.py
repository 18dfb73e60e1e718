"""CSV sheets of intakes: one row per intake, one column per intake field.

The columns come from the intake contract (``intake.SCHEMA``): a top-level
field is one column (``sitting_hours``); a mapping's fields are
``symptoms.hip_pain``; a list of choices is one cell, items separated by ``;``
(``anterior_pelvic_tilt;knee_valgus``); a list of mappings is numbered,
``injuries.1.site``, ``injuries.1.months_ago``, ``injuries.2.site``...

An empty cell is not answered. Yes/no cells take what spreadsheets and
pandas write (yes/no, TRUE/FALSE, 1.0/0.0...); numbers are read strictly
(``7.5``, ``2.0`` for a whole number; not ``07`` or ``1e1``). The delimiter
is ``,``, ``;`` or a tab (Excel writes ``;`` where the decimal mark is a
comma, and then ``7,5`` is 7.5): the header decides, since no field name
holds any. A long cell or an unreadable row costs only its row. Every
problem names the row (as a spreadsheet numbers it: the header is row 1) and
the column (header and letter); a bad row never stops the good ones.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from ..core import contract as schema
from ..core.encoding import NotText, open_decoded, stream_codec
from ..core.prescan import file_chunks
from ..core.problems import Problem
from ..core.schema_types import Boolean, Choice, Invalid, ListOf, Mapping, Number, Text
from ..core.text import look_alikes
from .record import Record, noted

TEMPLATE_INJURIES = 2     # numbered injury column sets in the template
LIST_SEPARATOR = ";"
# yes/no as people, spreadsheets (TRUE/FALSE; German Excel WAHR/FALSCH) and
# pandas (True/False, or 1.0/0.0 in a column with gaps) write them; any case
TRUE = ("yes", "y", "true", "wahr", "1", "1.0")
FALSE = ("no", "n", "false", "falsch", "0", "0.0")
MAX_CELL_CHARS = 1000     # the longest contract value is 200; a longer cell costs its row
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
_DECIMAL_COMMA = re.compile(r"^-?(0|[1-9][0-9]*),[0-9]+$")


def _letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's column name."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _is_repeated(spec) -> bool:
    return isinstance(spec, ListOf) and isinstance(spec.item, Mapping)


def columns(injury_slots: int = TEMPLATE_INJURIES) -> list[str]:
    """The header, in the contract's order, with ``injury_slots`` numbered sets
    for each list of mappings."""
    out = []
    for name, spec in schema.SCHEMA.fields.items():
        if isinstance(spec, Mapping):
            out += [f"{name}.{sub}" for sub in spec.fields]
        elif _is_repeated(spec):
            out += [f"{name}.{n}.{sub}" for n in range(1, injury_slots + 1)
                    for sub in spec.item.fields]
        else:
            out.append(name)
    return out


def _column_spec(header: str):
    """(intake path, field type) of a column name, or None if it is not one.
    The path of a numbered column holds its number: ('injuries', 2, 'site')."""
    parts = header.split(".")
    spec = schema.SCHEMA.fields.get(parts[0])
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        sub = spec.fields.get(parts[1]) if len(parts) == 2 else None
        return ((parts[0], parts[1]), sub) if sub is not None else None
    if _is_repeated(spec):
        if len(parts) != 3 or not re.fullmatch(r"[1-9][0-9]*", parts[1]):
            return None
        sub = spec.item.fields.get(parts[2])
        if sub is None or int(parts[1]) > spec.max_items:
            return None
        return (parts[0], int(parts[1]), parts[2]), sub
    return ((parts[0],), spec) if len(parts) == 1 else None


def _unknown_column(header: str) -> str:
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
    limit = next((s.max_items for s in schema.SCHEMA.fields.values() if _is_repeated(s)), 0)
    return (f"unknown column {header!r}; {more}columns are intake fields (`hipguide schema "
            f"--format csv-template`): {', '.join(c for c in generic if '.N.' not in c)}"
            + (f", and numbered {', '.join(numbered)} (N = 1 to {limit})" if numbered else ""))


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


def _delimiter(first_line: str) -> str | None:
    """',', ';' or a tab (Excel's "Unicode text") from the header line (field
    names hold none of them); None if unclear."""
    found = [d for d in (",", ";", "\t") if d in first_line]
    if len(found) > 1:
        return None
    return found[0] if found else ","


def _stem(name: str) -> str:
    return "stdin" if name == "<stdin>" else Path(name.removesuffix(".gz")).stem


def records_from_text(text: str, name: str, kb=None) -> Iterator:
    """The intake records of one CSV file's text (see ``records_from_lines``);
    ``kb`` is not needed (the columns are the intake contract's), but every
    text reader takes it."""
    yield from records_from_lines(io.StringIO(text, newline=""), name)


def streamed_records(name: str, opened, limit: int) -> Iterator:
    """The records of a CSV file read as a stream: ``opened()`` gives a fresh
    binary handle on its content (called twice: once to choose the encoding as
    ``encoding.decode`` would for the whole file, once to read it); ``limit``
    bytes at most. OSError and the like are the caller's (a damaged gzip)."""
    with opened() as handle:
        try:
            codec, label = stream_codec(_bounded(file_chunks(handle), limit), spreadsheet=True)
        except NotText as exc:
            yield Record(_stem(name), name, 1, problems=[Problem(name, exc.message,
                                                                 line=exc.line)])
            return
        except _TooLarge:
            yield Record(_stem(name), name, 1, problems=[Problem(
                name, f"file is over the {limit:,}-byte limit for one sheet; not read")])
            return
    with opened() as handle:
        yield from noted(records_from_lines(open_decoded(handle, codec), name), label, name)


class _TooLarge(Exception):
    pass


def _bounded(chunks, limit: int):
    """chunks, until more than ``limit`` bytes have come (then _TooLarge)."""
    read = 0
    for chunk in chunks:
        read += len(chunk)
        if read > limit:
            raise _TooLarge
        yield chunk


def records_from_lines(lines: Iterable[str], name: str) -> Iterator:
    """The intake records of one CSV file, from its lines (newlines kept), one per
    non-blank row, streamed: a sheet of 1,000,000 rows is never held whole.
    Blank lines before the header are skipped; every problem names the physical
    line it is on (a quoted cell may span lines), and a row the CSV reader
    cannot read costs only that row. A broken header spoils every row, but
    each row's readable cells are still read for warning signs (fail safe):
    the first row lists the header's problems, the others point to them."""
    def whole(message, line=1, where=""):
        return [Record(_stem(name), name, 1, problems=[Problem(name, message, where, line)])]

    lines = iter(lines)
    blank = []   # the blank lines before the first that is not (kept: line numbers)
    first = next(lines, None)
    while first is not None and not first.strip():
        blank.append(first)
        first = next(lines, None)
    if first is None:
        yield from whole("empty file: expected a header row of intake fields, then one row "
                         "per intake")
        return
    delimiter = _delimiter(first.rstrip("\r\n"))
    if delimiter is None:
        yield from whole("the header mixes ',' and ';' (or tabs): separate the columns with "
                         "one of them")
        return
    rows = _rows(itertools.chain(blank, [first], lines), delimiter)
    for line, row in rows:   # the header: the first row that is not blank
        if isinstance(row, str):
            yield from whole(f"not a readable CSV sheet: {row}", line)
            return
        if any(cell.strip() for cell in row):
            header, header_line = [h.strip() for h in row], line
            break
    else:  # pragma: no cover - the first line was not blank
        return
    specs, problems = check_header(header, name, header_line)
    body = ((n, row) for n, row in rows if isinstance(row, str) or any(c.strip() for c in row))
    head = list(itertools.islice(body, 2))
    if problems and not head:
        yield Record(_stem(name), name, 1, problems=problems)
        return
    if not head:
        yield from whole("no intake rows below the header", header_line + 1)
        return
    many = len(head) > 1
    again = [Problem(name, f"the header row has {len(problems)} problem(s), "
                           f"listed with row {head[0][0]}", "", header_line)] if problems else []
    for k, (n, row) in enumerate(itertools.chain(head, body)):
        yield row_record(row, n, header, specs, name,
                         f"{_stem(name)}#{n}" if many else _stem(name), delimiter,
                         problems if k == 0 else again)


CELL_LIMIT = 1_000_000   # characters in one cell (an intake document's limit)


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
        where = f"{head or '(empty)'} (column {_letter(i)})"
        found = _column_spec(head) if head else None
        if not head:
            problems.append(Problem(name, "a column with no name in the header", where, line))
        elif found is None:
            problems.append(Problem(name, _unknown_column(head), where, line))
        elif head in seen:
            problems.append(Problem(name, f"column {head!r} is also column "
                                          f"{_letter(seen[head])}; keep one", where, line))
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


def _rows(lines: Iterable[str], delimiter: str):
    """(line the row starts on, cells) per row; for a row the csv module cannot
    read (a stray quote), (line, why): it costs that row only."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, CELL_LIMIT))   # a longer cell is the row's problem
    try:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, f"this row is not readable CSV ({exc}); check its quotes"
                continue
            yield start, row
    finally:
        csv.field_size_limit(limit)


def row_record(row, number: int, header: list, specs: list, name: str, default_id: str,
               delimiter: str = ",", header_problems: list = ()):
    """The Record of one row of text cells (or the csv module's reason it could
    not read the row); ``number`` is its row (line) in the sheet."""
    if isinstance(row, str):   # the csv module could not read it
        return Record(default_id, name, number,
                      problems=list(header_problems) + [Problem(name, row, "", number)])

    def where(i):
        return f"{header[i]} (column {_letter(i)})"

    problems, data, place, slots, failed = [], {}, {}, {}, set()
    duplicates: dict = {}      # path -> the values of a column named twice
    if len(row) > len(header):
        extra = len(row) - len(header)
        problems.append(Problem(name, f"{extra} more cell(s) than the header has columns "
                                      f"(from column {_letter(len(header))})", "", number))
    for i, found in enumerate(specs):
        text = row[i].strip() if i < len(row) else ""
        if not text or found is None:
            continue
        if header[i] == "id":   # an id keeps its own spaces (as in YAML); see write
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


# ---------------------------------------------------------------- writing


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


def _text(value) -> str:
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


def write(intakes: list, stream, ids: list | None = None) -> None:
    """Write (validated) intakes as a sheet this module reads back unchanged:
    the template's columns, with as many numbered injury sets as needed."""
    slots = max([TEMPLATE_INJURIES] + [len(i.get("injuries") or []) for i in intakes])
    header = columns(slots)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    for k, intake in enumerate(intakes):
        row = []
        for head in header:
            value = column_value(intake, _column_spec(head)[0])
            if head == "id" and ids is not None:
                value = ids[k]
            row.append(_escaped(_text(value)) if head == "id" else _text(value))
        writer.writerow(row)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _escaped(text: str) -> str:
    """An id a spreadsheet would run as a formula (=, +, -, @) gets a leading '
    (OWASP's advice); ``_unescaped`` takes it off again when the sheet is read
    (an id that itself starts with ' before such a character gets one more)."""
    return "'" + text if text.lstrip("'").startswith(_FORMULA) else text


def _unescaped(text: str) -> str:
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(_FORMULA) \
        else text


def template() -> str:
    """An empty sheet: the header only (CSV has no comments)."""
    out = io.StringIO()
    write([], out)
    return out.getvalue()
