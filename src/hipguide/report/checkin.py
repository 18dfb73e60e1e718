"""Writing check-ins (``hipguide checkin``): text for people, json and jsonl for
machines, and a small self-contained HTML page (autoescaped, no scripts).

Every comparison, in every format, ends with the disclaimer. Names and values
we did not write ourselves (ids, file names, error messages) are escaped for a
terminal with ``shown`` and for a page by Jinja2's autoescaping.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

from ..checkin.comparison import COMPARED, FIELDS, INVALID, SEE, UNMATCHED, Comparison, shown_value
from ..core.text import json_text, shown
from ..core.version import __version__
from ..engine.model import URGENCY_WORDS
from .text import terminal_width

FORMATS = ("text", "json", "jsonl", "html")
_KINDS = {".".join(path): kind for _key, path, kind in FIELDS}


def _wrap(text: str, indent: str = "  ", first: str | None = None) -> list[str]:
    return textwrap.wrap(text, terminal_width(), break_long_words=False,
                         break_on_hyphens=False,
                         initial_indent=first if first is not None else indent,
                         subsequent_indent=indent) or [first or indent]


def field_rows(c: Comparison, compact: bool = False) -> list[tuple[str, str, str, str]]:
    """(label, before, now, result) per field, as people read them. ``compact``:
    warning signs as a count (the text lists them by name above the table)."""
    rows = []
    for f in c.fields:
        kind = _KINDS.get(f.field, "list")
        result = f.result
        if f.change not in (None, 0) and kind in ("pain", "hours"):
            result += f" ({f.change:+g})"
        if compact and kind == "list":
            before, after = (f"{len(v)} sign{'' if len(v) == 1 else 's'}" if v else "none"
                             for v in (f.before, f.after))
            if c.new_red_flags:
                result += f" ({len(c.new_red_flags)} new)"
        else:
            before, after = shown_value(kind, f.before), shown_value(kind, f.after)
        rows.append((f.label, before, after, result))
    return rows


def _errors(c: Comparison) -> list[str]:
    lines = []
    for e in c.errors:
        where = e.get("source", "")
        if e.get("line"):
            where += f":{e['line']}" + (f":{e['column']}" if e.get("column") else "")
        field = f"{e['field']}: " if e.get("field") else ""
        lines += _wrap(shown(f"{where}: {field}{e['message']}"), "      ", "  - ")
    return lines


def render_text(c: Comparison) -> str:
    before, after = c.before.get("source", ""), c.after.get("source", "")
    if c.status == COMPARED:
        lines = [f"== {shown(c.id)}: check-in after {c.weeks} week"
                 f"{'' if c.weeks == 1 else 's'} =="]
    else:
        lines = [f"== {shown(c.id)} =="]
    lines.append(f"Before: {shown(before) or '(none)'}    After: {shown(after) or '(none)'}")
    if c.status == INVALID:
        lines += ["NOT COMPARED: an intake could not be read or is invalid"] + _errors(c)
    elif c.status == UNMATCHED:
        lines += ["NOT COMPARED: no intake with this id on the other side"] + _errors(c)
    elif c.status != COMPARED:
        lines += ["NOT COMPARED: internal error"] + _errors(c)
    else:
        title = c.title.upper()
        if c.decision == SEE and c.urgency:
            title += f" ({URGENCY_WORDS[c.urgency].upper()})"
        lines += ["", title]
        lines += _wrap(c.advice)
        for warning in c.warnings:
            lines += _wrap(shown("Note: " + warning), "    ", "  ")
        lines += ["", "Why"]
        for reason in c.reasons:
            lines += _wrap(reason, "      ", "  - ")
        for flag in c.new_red_flags + c.ongoing_red_flags:
            lines += _wrap(f"{flag['name']} [{URGENCY_WORDS[flag['urgency']]}]"
                           f"{' (new)' if flag['new'] else ''}: {'; '.join(flag['evidence'])}",
                           "      ", "  ! ")
            lines += _wrap(flag["advice"], "      ")
        if c.unchecked_warning_signs:
            signs = "; ".join(e for s in c.unchecked_warning_signs for e in s["evidence"])
            lines += _wrap("Warning signs NOT checked in the second intake (not answered): "
                           + signs + ". Please make sure none of them applies.", "      ",
                           "  - ")
        rows = field_rows(c, compact=True)
        width = max(len(r[0]) for r in rows) + 2
        col = max(12, max(len(r[1]) for r in rows) + 2)
        lines += ["", f"{'Field by field':<{width + 2}}{'before':<{col}}{'now':<{col}}result"]
        for label, b, a, result in rows:
            lines.append(f"  {label:<{width}}{b:<{col}}{a:<{col}}{result}")
        for name, stage in (("Keep doing", c.current_stage), ("Next stage", c.next_stage)):
            if stage and stage.get("exercises") and (name == "Next stage" or c.decision != SEE):
                lines += ["", f"{name} ({stage['label']})"]
                lines += [f"  - {x['name']}" for x in stage["exercises"]]
        lines += [""] + _wrap(f"Knowledge base {c.knowledge_version}. {c.review_status}",
                              "", "")
    lines += [""] + _wrap("Disclaimer: " + c.disclaimer, "  ", "")
    return "\n".join(lines) + "\n"


class CheckinWriter:
    """Streams comparisons in one format: begin, one write per comparison, end."""

    def __init__(self, stream, fmt: str):
        self.stream, self.fmt, self.count = stream, fmt, 0
        self.module = None

    def begin(self):
        if self.fmt == "json":
            self.stream.write("[")
        elif self.fmt == "html":
            self.module = _template().make_module()
            self.stream.write(str(self.module.head("hipguide check-in", __version__)))

    def write(self, c: Comparison):
        if self.fmt == "text":
            self.stream.write(("\n" if self.count else "") + render_text(c))
        elif self.fmt == "json":
            body = json_text(json.dumps(c.as_dict(), indent=2, ensure_ascii=False))
            self.stream.write(("," if self.count else "") + "\n" + textwrap.indent(body, "  "))
        elif self.fmt == "jsonl":
            self.stream.write(json_text(json.dumps(c.as_dict(), ensure_ascii=False)) + "\n")
        else:
            shown_c = _display(c)
            self.stream.write(str(self.module.page(shown_c, field_rows(shown_c),
                                                   URGENCY_WORDS)))
        self.count += 1

    def end(self):
        if self.fmt == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
        elif self.fmt == "html":
            self.stream.write(str(self.module.foot()))


def _display(c: Comparison) -> Comparison:
    """A copy whose id, file names, warnings and error texts are safe to show (the
    page escapes markup; this escapes control and text-direction characters)."""
    def side(info: dict) -> dict:
        return {k: shown(v) if isinstance(v, str) else v for k, v in info.items()}

    return dataclasses.replace(
        c, id=shown(c.id), before=side(c.before), after=side(c.after),
        warnings=[shown(w) for w in c.warnings], errors=[side(e) for e in c.errors])


def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    return env.get_template("checkin.html.j2")
