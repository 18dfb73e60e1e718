"""Reading one knowledge-base file: the intake reader's safety checks, one
YAML mapping, schema checks, and every problem recorded with its place (and
rule id) rather than raised, so that a load reports them all at once."""

from __future__ import annotations

from pathlib import Path

from ..core.files import read_text
from ..core.problems import Problem, format_path
from ..core.schema_types import Invalid, Mapping
from ..core.yamlload import parse_documents
from .schemas import MAX_KB_FILE


class KbReader:
    """Reads knowledge-base files, collecting their problems."""

    def __init__(self):
        self.problems: list[Problem] = []
        self.extras: dict = {}   # a catalogue file's other top keys (CATALOGUE_EXTRAS)

    def read(self, path: Path):
        """The single document in path, or None (problems recorded)."""
        name = str(path)
        if not path.exists() and not path.is_symlink():
            self.problems.append(Problem(name, "file is missing"))
            return None
        # the intake reader's checks: a regular file only (a FIFO or device would
        # block or never end), at most MAX_KB_FILE bytes, UTF-8, no NUL bytes
        text, problem = read_text(name, path, MAX_KB_FILE, "knowledge-base file")
        if problem is not None:
            self.problems.append(problem)
            return None
        docs = list(parse_documents(text, name))
        for doc in docs:
            self.problems.extend(doc.problems)
        if any(d.problems for d in docs):
            return None
        if len(docs) != 1 or not isinstance(docs[0].data, dict):
            self.problems.append(Problem(name, "expected exactly one YAML mapping", line=1))
            return None
        return docs[0]

    def check(self, doc, path: tuple, schema, value, rule_id=None):
        """Check value (found at path in doc) against schema; record problems."""
        problems = schema.check_all(value) if isinstance(schema, Mapping) else []
        if not isinstance(schema, Mapping):
            try:
                schema.check(value)
            except Invalid as exc:
                problems = [exc]
        for exc in problems:
            self.add(doc, path + exc.path, exc.message, rule_id, key=exc.key)
        return not problems

    def add(self, doc, path: tuple, message: str, rule_id=None, key=False):
        line, col = doc.mark(path, key=key)
        self.problems.append(Problem(doc.source, message, field=format_path(path), line=line,
                                     column=col, rule=rule_id))
