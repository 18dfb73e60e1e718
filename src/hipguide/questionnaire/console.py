"""The terminal side of ``hipguide ask``: the words every prompt understands
(yes, no, not sure, none of these, back) and the Console that prints, wraps
and reads one line per answer."""

from __future__ import annotations

import re
import textwrap

from ..core.terminal import terminal_width
from ..core.text import shown

WIDTH = 88
YES = ("y", "yes", "true", "yeah", "yep", "ja", "oui")
NO = ("n", "no", "false", "nope", "nah")
NONE_WORDS = ("none", "n", "no", "nothing", "-")
NOT_SURE = "not sure"
NONE_OF_THESE = "none of these"
UNSURE_HELP = "If you do not know, type: not sure (it is left unanswered, never taken as 'no')."
BACK_WORDS = ("<", "back")
BACK_HELP = "Type < to go back to the previous question."


_SURROGATE = re.compile("[\ud800-\udfff]")
ANSWER_CHARS = 1000   # an answer line longer than this is refused, not read or echoed


class Back(Exception):
    """The person typed < (or back): go back one question."""


# ---------------------------------------------------------------- answers


class Console:
    """One line in is one answer, from a terminal or a pipe alike. Questions go
    to ``out`` (standard error), so the report on standard output stays clean.
    When input is not a terminal, each answer is echoed so the transcript reads
    like a session. End of input raises EOFError; Ctrl-C, KeyboardInterrupt."""

    reader = None   # "parent" when a parent answers for a child: questions say "your child"

    def __init__(self, stdin, out, echo: bool, before_first_read=None):
        self.stdin, self.out, self.echo = stdin, out, echo
        self.before_first_read = before_first_read   # e.g. cli.firstscreen.Screen.reading

    def say(self, text: str = "", indent: str = "", rest: str | None = None):
        lines = textwrap.wrap(text, terminal_width(), initial_indent=indent,
                              subsequent_indent=indent if rest is None else rest,
                              break_on_hyphens=False, break_long_words=False) \
            if text else [""]
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    def line(self, prompt: str) -> str:
        """One answer line. A closed standard input is the end of input; a line
        that is not UTF-8 text is refused and asked again (never echoed raw)."""
        while True:
            self.out.write(prompt)
            self.out.flush()
            if self.before_first_read is not None:
                self.before_first_read()
                self.before_first_read = None
            if self.stdin is None:       # started with standard input closed (<&-)
                raise EOFError
            try:
                raw = self.stdin.readline(ANSWER_CHARS + 1)
                long = len(raw) > ANSWER_CHARS and not raw.endswith("\n")
                while long and raw and not raw.endswith("\n"):   # skip the rest of it
                    raw = self.stdin.readline(1 << 16)
            except UnicodeDecodeError:
                raw = long = None
            except (OSError, ValueError):  # closed or unreadable: no more answers
                raise EOFError from None
            if long:
                if self.echo:
                    self.out.write("\n")
                self.say(f"that answer is longer than {ANSWER_CHARS} characters; please "
                         "type it again", "  ! ", "    ")
                continue
            if raw == "":
                if self.echo:
                    self.out.write("\n")
                raise EOFError
            if raw is None or _SURROGATE.search(raw):  # undecodable bytes (surrogateescape)
                if self.echo:
                    self.out.write("\n")
                self.say("that was not UTF-8 text; please type the answer again", "  ! ",
                         "    ")
                continue
            raw = raw.rstrip("\r\n")
            if self.echo:
                self.out.write(shown(raw) + "\n")
            return raw.strip()
