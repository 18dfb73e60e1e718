"""Safe, bounded YAML reading that keeps every value's line and column.

PyYAML composes the node graph (libyaml's C parser when present); we build the
Python values ourselves so that we can refuse what a data file should never
contain -- unknown tags (``!!python/object`` is never constructed), duplicate
keys, alias bombs, runaway nesting -- and remember where each value came from.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import yaml
from yaml.constructor import SafeConstructor

from .prescan import MAX_DOCUMENTS, Unit, parser_depth_limit, split_units, too_deep
from .problems import Problem, format_path

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 32          # nesting levels in one document
MAX_NODES = 20_000      # values built from one document, aliases counted each time

MAX_DIGITS = 20        # digits in one number (Python refuses to convert > 4,300)

_TAG = "tag:yaml.org,2002:"


class _BadNumber(Exception):
    """A number written in a form an intake does not take."""


_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {".inf", "+.inf", "-.inf", ".nan"}


def _quoted(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def construct_int(constructor, node) -> int:
    """Plain decimal integers only. YAML 1.1 also reads 017 as octal 15, 0x10 as
    16, 0b101, 1_000 and 1:30 (base 60, 90): all are refused, saying what was
    written; and no more than MAX_DIGITS digits are ever converted."""
    text = node.value
    digits = text.lstrip("+-")
    if _DECIMAL.fullmatch(text) and len(digits) <= MAX_DIGITS:
        return int(text)
    why, hint = "", ""
    if len(text) > MAX_DIGITS + 1:
        raise _BadNumber(f"{_quoted(text)} is too long a number ({len(text):,} characters); "
                         f"numbers have at most {MAX_DIGITS} digits")
    if "_" in text:
        why, plain = " (no '_' separators)", text.replace("_", "")
        hint = f"; write {plain}" if _DECIMAL.fullmatch(plain) else ""
    elif ":" in text:
        why = " (YAML 1.1 reads it as a base-60 number)"
        hint = "; write hours and parts of an hour as a decimal, e.g. 1.5"
    elif digits[:2].lower() in ("0x", "0b", "0o"):
        why = {"0x": " (hexadecimal)", "0b": " (binary)", "0o": " (octal)"}[digits[:2].lower()]
    elif digits.startswith("0"):
        plain = text[: len(text) - len(digits)] + (digits.lstrip("0") or "0")
        why, hint = " (YAML 1.1 reads a leading 0 as octal)", f"; write {plain}"
    raise _BadNumber(f"{_quoted(text)} is not a plain decimal number{why}{hint}")


def construct_float(constructor, node) -> float:
    """Plain decimal numbers (1.5, .5, 2., 1.0e+3) and the YAML specials (.inf,
    .nan: refused by the contract with their own message); no base 60, no '_',
    nothing that overflows to infinity."""
    text = node.value
    if text.lower() in _SPECIAL_FLOATS:
        return SafeConstructor.construct_yaml_float(constructor, node)
    if len(text) > 40:
        raise _BadNumber(f"{_quoted(text)} is too long a number ({len(text):,} characters)")
    if not _FLOAT.fullmatch(text):
        why = " (YAML 1.1 reads it as a base-60 number)" if ":" in text else \
            " (no '_' separators)" if "_" in text else ""
        raise _BadNumber(f"{_quoted(text)} is not a plain decimal number{why}")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _BadNumber(f"{_quoted(text)} is too large a number")
    return value


_SCALARS = {
    _TAG + "str": SafeConstructor.construct_yaml_str,
    _TAG + "int": construct_int,
    _TAG + "float": construct_float,
    _TAG + "bool": SafeConstructor.construct_yaml_bool,
    _TAG + "null": SafeConstructor.construct_yaml_null,
}
_CONSTRUCTOR = SafeConstructor()


@dataclass
class Document:
    """One YAML document: its data, or why it has none."""

    source: str
    index: int                      # 1-based
    data: object = None
    marks: dict = field(default_factory=dict)      # path -> (line, col) of the value
    key_marks: dict = field(default_factory=dict)  # path -> (line, col) of the key
    problems: list = field(default_factory=list)
    # a document that could not be parsed, or is not a mapping: its text, in
    # which the intake reader still looks for warning signs plainly answered
    # (intake/rawscan.py), so that a "yes" is not lost
    unread: str | None = None
    # path -> every value a duplicated key was given (in order); the key itself
    # is left out of data, and a warning sign answered yes in any one of them
    # is still acted on (contract.salvage)
    duplicates: dict = field(default_factory=dict)

    def mark(self, path: tuple, key: bool = False) -> tuple:
        """The closest known (line, column) for path."""
        table = self.key_marks if key else self.marks
        while path:
            if path in table:
                return table[path]
            if key and path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (None, None))


class _Refused(Exception):
    def __init__(self, message: str, node: yaml.Node, path: tuple, whole: bool = False):
        super().__init__(message)
        self.message = message
        self.node = node
        self.path = path
        self.whole = whole   # a size or depth limit: the whole document is refused


def _tag_message(tag: str) -> str:
    shown = "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
    return (f"the YAML tag {shown!r} is not allowed: intake files hold plain values only "
            "(tags are never constructed)")


def _pos(mark, offset: int = 0) -> tuple:
    return (mark.line + 1 + offset, mark.column + 1) if mark is not None else (None, None)


class _Builder:
    def __init__(self, doc: Document, offset: int = 0):
        self.doc = doc
        self.count = 0
        self.offset = offset      # the document's first line in its file
        # values refused inside a mapping (a tag, a duplicate key, 017...): left out,
        # so the rest is still read for warning signs (fail safe); each is a problem
        self.refused: list = []

    def build(self, node: yaml.Node, path: tuple, depth: int):
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(
                f"document too large or alias expansion too big (over {MAX_NODES} values;"
                " aliases are counted each time they are used)", node, path, whole=True)
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", node, path,
                           whole=True)
        self.doc.marks.setdefault(path, _pos(node.start_mark, self.offset))
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _SCALARS:
                try:
                    return _SCALARS[node.tag](_CONSTRUCTOR, node)
                except _BadNumber as exc:
                    raise _Refused(str(exc), node, path) from None
            if node.tag == _TAG + "timestamp":
                return node.value  # dates stay text; no intake field is a date
            raise _Refused(_tag_message(node.tag), node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                raise _Refused(_tag_message(node.tag), node, path)
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _TAG + "map":
                raise _Refused(_tag_message(node.tag), node, path)
            result = {}
            for key_node, value_node in node.value:
                try:
                    self._entry(result, key_node, value_node, path, depth)
                except _Refused as exc:
                    if exc.whole:
                        raise
                    self.refused.append(exc)
            return result
        raise _Refused("unsupported YAML node", node, path)  # pragma: no cover


    def _entry(self, result: dict, key_node, value_node, path: tuple, depth: int):
        if key_node.tag == _TAG + "merge":
            raise _Refused("merge keys ('<<') are not allowed", key_node, path)
        key = self.build(key_node, path + ("<key>",), depth + 1)
        if not isinstance(key, str):
            raise _Refused(f"keys must be text, found {key!r}", key_node, path)
        if key in result or path + (key,) in self.doc.key_marks:
            first = self.doc.key_marks[path + (key,)]
            here = _pos(key_node.start_mark, self.offset)
            # which one is meant is unknown: neither is used, both are kept aside
            # so that a warning sign answered yes in either is acted on
            values = self.doc.duplicates.setdefault(path + (key,), [])
            if key in result:
                values.append(result.pop(key))
            keys, self.doc.key_marks = self.doc.key_marks, {}   # its own keys are new
            try:
                values.append(self.build(value_node, path + (key,), depth + 1))
            except _Refused as exc:
                if exc.whole:
                    raise
            finally:
                self.doc.key_marks = keys
            raise _Refused(f"duplicate key {key!r} on lines {first[0]} and {here[0]}: which "
                           "one is meant is unknown, so neither is used (give the key once)",
                           key_node, path + (key,))
        self.doc.key_marks[path + (key,)] = _pos(key_node.start_mark, self.offset)
        result[key] = self.build(value_node, path + (key,), depth + 1)


def _path_text(path: tuple) -> str:
    return format_path(tuple(p for p in path if p != "<key>"))


def parse_documents(text: str, source: str, max_chars: int | None = None) -> Iterator[Document]:
    """Yield every document in text, one at a time. The stream is split at its
    ``---`` lines first (``prescan.split_units``), so a syntax error costs only its
    own document and the documents after it are still read."""
    return parse_units(split_units(text), source, max_chars)


def parse_units(units: Iterable[Unit], source: str,
                max_chars: int | None = None) -> Iterator[Document]:
    """One Document per Unit (documents of one stream, as ``split_units`` gives
    them); ``max_chars`` bounds one document's text."""
    for unit in units:
        yield _parse_unit(unit, source, max_chars)


def _parse_unit(unit: Unit, source: str, max_chars: int | None) -> Document:
    index, text = unit.index, unit.text
    doc = Document(source, index)

    def refuse(message, line=None, column=None):
        doc.problems.append(Problem(source, message, line=line, column=column, document=index))
        if doc.data is None and text is not None and (
                max_chars is None or len(text) <= max_chars):
            doc.unread = text      # fail safe: the intake reader reads what is plain
        return doc

    if unit.problem is not None:
        return refuse(unit.problem[0], unit.problem[1] + 1)
    if text is None:
        return refuse(f"this document and the ones after it were not read: at most "
                      f"{MAX_DOCUMENTS:,} documents are read from one file; split the file",
                      unit.line + 1)
    if max_chars is not None and (len(text) > max_chars or (
            len(text) * 4 > max_chars and len(text.encode("utf-8")) > max_chars)):
        return refuse(f"document is over the {max_chars:,}-byte limit for one intake; "
                      "not read", unit.line + 1)
    deep = too_deep(text)
    if deep is not None:
        return refuse(f"nested more than {MAX_DEPTH} levels deep", deep[0] + unit.line,
                      deep[1])
    try:
        nodes = list(itertools.islice(yaml.compose_all(text, Loader=Loader), 2))
    except yaml.MarkedYAMLError as exc:
        line, col = _pos(exc.problem_mark, unit.line)
        if parser_depth_limit(exc):
            return refuse(f"nested more than {MAX_DEPTH} levels deep", line, col)
        problem = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        return refuse(f"YAML syntax error: {problem}{context}", line, col)
    except yaml.reader.ReaderError as exc:
        before = text[: max(0, exc.position)]
        line = unit.line + before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        char = exc.character
        code = char if isinstance(char, int) else ord(str(char)[:1] or "?")
        return refuse(f"character U+{code:04X} is not allowed in YAML text ({exc.reason}); "
                      "inside double quotes it can be written as an escape", line, column)
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        return refuse("YAML nested too deeply to read" if isinstance(exc, RecursionError)
                      else f"YAML could not be read: {exc}", unit.line + 1)
    if len(nodes) != 1:  # pragma: no cover - a unit is one document by construction
        return refuse("could not tell where this document ends; separate documents with "
                      "a '---' line", unit.line + 1)
    node = nodes[0]
    builder = _Builder(doc, unit.line)
    try:
        doc.data = builder.build(node, (), 0)
        if doc.data is not None and not isinstance(doc.data, dict):
            doc.unread = text   # a list or text, not an intake mapping
        for exc in builder.refused:
            line, col = _pos(exc.node.start_mark, unit.line)
            doc.problems.append(Problem(source, exc.message, field=_path_text(exc.path),
                                        line=line, column=col, document=index))
    except _Refused as exc:
        line, col = _pos(exc.node.start_mark, unit.line)
        refuse(exc.message, line, col)
        doc.problems[-1] = Problem(source, exc.message, field=_path_text(exc.path),
                                   line=line, column=col, document=index)
    except RecursionError:
        refuse("YAML nested too deeply to read")
    return doc
