"""One reported problem with an input: where it is, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from .text import FIELD_CHARS, clip, clip_message, shown


@dataclass(frozen=True)
class Problem:
    """A single error, located as precisely as the input allows.

    ``field`` is a path such as ``injuries[0].site`` ('' for the whole
    document); ``line``/``column`` are 1-based and come from PyYAML's marks.
    """

    source: str
    message: str
    field: str = ""
    line: int | None = None
    column: int | None = None
    document: int | None = None
    rule: str | None = None

    def __post_init__(self):
        # a huge bad value (or key, or FHIR linkId) is quoted only in part
        object.__setattr__(self, "message", clip_message(self.message))
        if len(self.field) > FIELD_CHARS:
            object.__setattr__(self, "field", clip(self.field, FIELD_CHARS))

    def where(self) -> str:
        """``file:line:col`` in the style of compilers and yamllint."""
        text = self.source
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def __str__(self) -> str:
        parts = [self.where() + ":"]
        if self.document is not None:
            parts.append(f"document {self.document} >")
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(self.message)
        if self.rule:
            parts.append(f"({self.rule})")
        return shown(" ".join(parts))  # file names and keys may hold control characters

    def as_dict(self) -> dict:
        data = {"field": self.field, "message": self.message}
        for key in ("line", "column", "document", "rule"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


class InternalError(dict):
    """A report's error entry for hipguide's own fault, not the input's.

    It is a plain ``{"field", "message"}`` entry like every other (reports are
    written the same), recognised by its type rather than by its wording."""

    def __init__(self, exc: BaseException):
        super().__init__(field="", message=f"{INTERNAL} ({type(exc).__name__}: {exc}); "
                                            "please report it")


INTERNAL = "internal error in hipguide"


def is_internal(report) -> bool:
    """Whether hipguide itself failed on this report's intake."""
    return any(isinstance(error, InternalError) for error in report.errors)


def format_path(path: tuple) -> str:
    """('injuries', 0, 'site') -> 'injuries[0].site'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
