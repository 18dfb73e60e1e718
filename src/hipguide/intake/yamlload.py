"""Safe, bounded YAML reading that keeps every value's line and column.

PyYAML composes the node graph (libyaml's C parser when present); we build the
Python values ourselves so that we can refuse what a data file should never
contain -- unknown tags (``!!python/object`` is never constructed), duplicate
keys, alias bombs, runaway nesting -- and remember where each value came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml
from yaml.constructor import SafeConstructor

from ..problems import Problem

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 32          # nesting levels in one document
MAX_NODES = 20_000      # values built from one document, aliases counted each time

_TAG = "tag:yaml.org,2002:"
_SCALARS = {
    _TAG + "str": SafeConstructor.construct_yaml_str,
    _TAG + "int": SafeConstructor.construct_yaml_int,
    _TAG + "float": SafeConstructor.construct_yaml_float,
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
    def __init__(self, message: str, node: yaml.Node, path: tuple):
        super().__init__(message)
        self.message = message
        self.node = node
        self.path = path


def _tag_message(tag: str) -> str:
    shown = "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
    return (f"the YAML tag {shown!r} is not allowed: intake files hold plain values only "
            "(tags are never constructed)")


def _pos(mark) -> tuple:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.count = 0

    def build(self, node: yaml.Node, path: tuple, depth: int):
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(
                f"document too large or alias expansion too big (over {MAX_NODES} values;"
                " aliases are counted each time they are used)", node, path)
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", node, path)
        self.doc.marks.setdefault(path, _pos(node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _SCALARS:
                return _SCALARS[node.tag](_CONSTRUCTOR, node)
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
                if key_node.tag == _TAG + "merge":
                    raise _Refused("merge keys ('<<') are not allowed", key_node, path)
                key = self.build(key_node, path + ("<key>",), depth + 1)
                if not isinstance(key, str):
                    raise _Refused(f"keys must be text, found {key!r}", key_node, path)
                if key in result:
                    first = self.doc.key_marks[path + (key,)]
                    raise _Refused(f"duplicate key {key!r} (first given on line {first[0]})",
                                   key_node, path + (key,))
                self.doc.key_marks[path + (key,)] = _pos(key_node.start_mark)
                result[key] = self.build(value_node, path + (key,), depth + 1)
            return result
        raise _Refused("unsupported YAML node", node, path)  # pragma: no cover


def _path_text(path: tuple) -> str:
    from ..problems import format_path

    return format_path(tuple(p for p in path if p != "<key>"))


def parse_documents(text: str, source: str) -> Iterator[Document]:
    """Yield every document in text; a syntax error ends the stream with a Document
    that carries the problem (the documents before it are kept)."""
    index = 0
    stream = yaml.compose_all(text, Loader=Loader)
    while True:
        try:
            node = next(stream)
        except StopIteration:
            return
        except yaml.MarkedYAMLError as exc:
            line, col = _pos(exc.problem_mark)
            problem = exc.problem or str(exc)
            context = f" ({exc.context})" if exc.context else ""
            yield Document(source, index + 1, problems=[Problem(
                source, f"YAML syntax error: {problem}{context}", line=line, column=col,
                document=index + 1)])
            return
        except (yaml.YAMLError, RecursionError) as exc:
            yield Document(source, index + 1, problems=[Problem(
                source, f"YAML could not be read: {exc}" if not isinstance(exc, RecursionError)
                else "YAML nested too deeply to read", document=index + 1)])
            return
        index += 1
        doc = Document(source, index)
        if node is None:  # pragma: no cover - compose_all skips empty streams
            continue
        try:
            doc.data = _Builder(doc).build(node, (), 0)
        except _Refused as exc:
            line, col = _pos(exc.node.start_mark)
            doc.problems.append(Problem(source, exc.message, field=_path_text(exc.path),
                                        line=line, column=col, document=index))
        except RecursionError:
            doc.problems.append(Problem(source, "YAML nested too deeply to read",
                                        document=index))
        yield doc
