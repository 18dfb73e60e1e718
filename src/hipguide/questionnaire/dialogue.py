"""The questionnaire dialogue: the console, one small prompt function per
question type, and the walk through the questions (``data`` holds them).

The prompt loop has one small function per question type (``ask_number``,
``ask_yes_no``, ``ask_choice``, ``ask_multi_choice``, ``ask_injuries``). Each
answer is checked by the field's own ``check`` -- the rules intake files obey
-- and a bad answer gets one line saying why and the question again. A
terminal and piped standard input take the same path: one line is one answer.
Whether a question is asked (``ask_if``) and whether the answers hold a warning
sign are decided by the rule language's one plain evaluator (``kb.evaluate``).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from ..intake import contract as schema
from ..intake.contract import Boolean, Choice, Invalid
from ..intake.yamlload import parse_documents
from ..kb.evaluate import holds
from ..report.safe_text import clip_message, shown
from .data import SKIP, Question, Questionnaire, in_range, red_flags

WIDTH = 88
YES = ("y", "yes", "true")
NO = ("n", "no", "false")
NONE_WORDS = ("none", "n", "no", "nothing", "-")


# ---------------------------------------------------------------- answers


def get(answers: dict, path: str):
    value = answers
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return SKIP
        value = value[part]
    return value


def put(answers: dict, path: str, value):
    *parents, last = path.split(".")
    for part in parents:
        answers = answers.setdefault(part, {})
    answers[last] = value


def ordered(answers: dict) -> dict:
    """The answers in the contract's field order, as an intake file lists them."""
    out = {k: answers[k] for k in schema.SCHEMA.fields if k in answers}
    if isinstance(out.get("symptoms"), dict):
        out["symptoms"] = {k: out["symptoms"][k] for k in schema.SYMPTOMS.fields
                           if k in out["symptoms"]}
    return out


# ---------------------------------------------------------------- prompting


class Console:
    """One line in is one answer, from a terminal or a pipe alike. Questions go
    to ``out`` (standard error), so the report on standard output stays clean.
    When input is not a terminal, each answer is echoed so the transcript reads
    like a session. End of input raises EOFError; Ctrl-C, KeyboardInterrupt."""

    def __init__(self, stdin, out, echo: bool):
        self.stdin, self.out, self.echo = stdin, out, echo

    def say(self, text: str = "", indent: str = "", rest: str | None = None):
        lines = textwrap.wrap(text, WIDTH, initial_indent=indent,
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
            if self.stdin is None:       # started with standard input closed (<&-)
                raise EOFError
            try:
                raw = self.stdin.readline()
            except UnicodeDecodeError:
                raw = None
            except (OSError, ValueError):  # closed or unreadable: no more answers
                raise EOFError from None
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _show(value) -> str:
    if value is SKIP:
        return ""
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _loop(con: Console, q: Question, hint: str, parse):
    """Ask until parse() accepts the line. Enter gives the default, or skips an
    optional question; '?' shows the help line."""
    default = q.default
    if default is not SKIP:
        tail = f" [{_show(default)}]"
    elif q.required:
        tail = ""
    else:
        tail = " (Enter to skip)"
    prompt = f"  {hint}{tail}: "
    while True:
        raw = con.line(prompt)
        if raw == "?":
            con.say(q.help or "No more help for this question; " + hint, "  ? ", "    ")
            continue
        if raw == "":
            if default is not SKIP:
                return default
            if not q.required:
                return SKIP
            con.say("An answer is needed here (type ? for help).", "  ! ", "    ")
            continue
        try:
            return parse(raw)
        except Invalid as exc:
            con.say(shown(clip_message(exc.message)), "  ! ", "    ")


def _scalar(raw: str):
    """A typed answer read as a YAML scalar, exactly as in an intake file."""
    docs = list(parse_documents(raw, "<answer>"))
    if len(docs) == 1 and docs[0].problems and "number" in docs[0].problems[0].message:
        raise Invalid(docs[0].problems[0].message)   # 017, 0x10, 1:30, 1e400 ...
    if len(docs) == 1 and not docs[0].problems and not isinstance(docs[0].data, (list, dict)):
        return docs[0].data
    return raw


def ask_number(con: Console, q: Question):
    con.say(q.text)
    kind = "whole number" if q.spec.integer else "number"
    below = f"under {q.below:g}" if q.below is not None else f"to {q.high:g}"
    hint = f"{kind} {q.low:g} {below}"

    def parse(raw):
        value = _scalar(raw)
        if isinstance(value, str) and re.fullmatch(r"[-+]?\d+,\d+", raw):
            raise Invalid(f"use a point for decimals: {raw.replace(',', '.')}")
        value = q.spec.check(value)
        in_range(q, value)
        return value

    return _loop(con, q, hint, parse)


def parse_yes_no(raw: str) -> bool:
    word = raw.lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise Invalid(f"please answer y (yes) or n (no), not {raw!r}; ? shows help")


def ask_yes_no(con: Console, q: Question):
    con.say(q.text)
    return _loop(con, q, "y/n", lambda raw: q.spec.check(parse_yes_no(raw)))


def _pick(raw: str, q: Question, spec: Choice) -> str:
    names = list(q.choices)
    if raw.isdigit():
        n = int(raw)
        if not 1 <= n <= len(names):
            raise Invalid(f"{n} is not on the list; choose 1 to {len(names)} or a name")
        return names[n - 1]
    name = raw.strip().lower()
    for key, label in q.choices.items():  # "lower back" or the shown explanation work too
        if re.sub(r"[\s-]+", "_", name) in (key, re.sub(r"[\s-]+", "_", label.lower())):
            name = key
    value = spec.check(name)
    if value not in names:
        raise Invalid(f"{value!r} is not one of: {', '.join(names)}")
    return value


def _list_choices(con: Console, q: Question):
    con.say(q.text)
    for i, (name, label) in enumerate(q.choices.items(), 1):
        shown = name if label == name.replace("_", " ") else f"{name} - {label}"
        con.say(f"{i}. {shown}", "    ")


def ask_choice(con: Console, q: Question):
    _list_choices(con, q)
    return _loop(con, q, f"choose 1-{len(q.choices)} or a name",
                 lambda raw: _pick(raw, q, q.spec))


def ask_multi_choice(con: Console, q: Question):
    _list_choices(con, q)

    def parse(raw):
        if raw.lower() in NONE_WORDS:
            return q.spec.check([])
        parts = [p for p in re.split(r"[,;]", raw)]
        if any(not p.strip() for p in parts):
            raise Invalid("separate the numbers or names with single commas, e.g. 1,3")
        return q.spec.check([_pick(p, q, q.spec.item) for p in parts])

    return _loop(con, q, "numbers or names, comma-separated, or 'none'", parse)


def ask_injuries(con: Console, q: Question, so_far: list, keep=None):
    """Ask whether there is an injury (then 'another?'); per injury, its items.
    ``so_far`` holds the injuries already given (new ones are added to it);
    ``keep`` is called after each complete injury, so an interruption keeps it."""
    injuries = list(so_far)
    text = q.text
    if so_far and q.another:
        con.say(f"You have told me about {len(so_far)} injury(ies) so far.")
        text = q.another
    while len(injuries) < q.spec.max_items:
        gate = Question(q.id, q.field, "yes_no", text, Boolean(text), q.help,
                        default=q.default if text == q.text else False, required=q.required)
        if not ask_yes_no(con, gate):
            break
        injury = dict(q.set)
        for sub in q.items:
            value = ASK[sub.type](con, sub)
            if value is not SKIP:
                injury[sub.field] = value
        q.spec.item.check(injury)
        injuries.append(injury)
        if keep:
            keep(injuries)
        if q.another is None:
            break
        text = q.another
    return injuries


ASK = {"number": ask_number, "yes_no": ask_yes_no, "choice": ask_choice,
       "multi_choice": ask_multi_choice}


# ---------------------------------------------------------------- the walk


@dataclass
class Session:
    """The answers so far and which questions were asked (for --resume)."""

    answers: dict = field(default_factory=dict)
    asked: list = field(default_factory=list)
    flagged: bool = False


def walk(qn: Questionnaire, con: Console, session: Session, progress=None):
    """Ask every question still to ask, in order, into ``session``. After a red
    flag, say so plainly and ask only what the contract requires."""
    def saved():
        if progress:
            progress()

    def check_flags():
        if not session.flagged and red_flags(qn, session.answers):
            session.flagged = True
            con.say()
            con.say(qn.red_flag_message, "  ** ")

    def keeper(q):
        def keep(items):
            put(session.answers, q.field, items)
            saved()
        return keep

    if session.answers:
        check_flags()
    for section in qn.sections:
        header = False
        for q in section.questions:
            if q.id in session.asked:
                continue
            if session.flagged and not section.red_flags and not q.required:
                continue
            if q.ask_if is not None and not holds(q.ask_if, session.answers):
                continue
            if not header:
                con.say()
                con.say(f"-- {section.title} --")
                header = True
            con.say()
            if q.type == "injuries":
                so_far = get(session.answers, q.field)
                ask_injuries(con, q, so_far if isinstance(so_far, list) else [], keeper(q))
            else:
                value = ASK[q.type](con, q)
                if value is not SKIP:
                    put(session.answers, q.field, value)
            session.asked.append(q.id)
            saved()
            if not section.red_flags:
                check_flags()
        if section.red_flags:
            check_flags()
    return session
