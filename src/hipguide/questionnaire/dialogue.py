"""The questionnaire dialogue: the console, one small prompt function per
question type, and the walk through the questions (``data`` holds them).

The prompt loop has one small function per question type (``ask_number``,
``ask_yes_no``, ``ask_choice``, ``ask_multi_choice``, ``ask_injuries``). Each
answer is checked by the field's own ``check`` -- the rules intake files obey
-- and a bad answer gets one line saying why and the question again. A
terminal and piped standard input take the same path: one line is one answer.
Whether a question is asked (``ask_if``) and whether the answers hold a warning
sign are decided by the rule language's one plain evaluator (``kb.evaluate``).

``<`` (or ``back``) at any prompt goes back one question: the answer is removed
and the question asked again with it as the default. Before saving, ``review``
lists the answers and lets the person change one.
"""

from __future__ import annotations

import copy
import difflib
import re
import textwrap
from dataclasses import dataclass, field, replace

from ..intake import contract as schema
from ..intake.contract import Boolean, Choice, Invalid
from ..intake.yamlload import parse_documents
from ..kb.evaluate import holds
from ..report.safe_text import clip_message, shown
from ..report.text import terminal_width
from .data import SKIP, Question, Questionnaire, in_range, red_flags
from .plain import is_none_of_these, is_unsure, read_number

WIDTH = 88
YES = ("y", "yes", "true", "yeah", "yep", "ja", "oui")
NO = ("n", "no", "false", "nope", "nah")
NONE_WORDS = ("none", "n", "no", "nothing", "-")
NOT_SURE = "not sure"
NONE_OF_THESE = "none of these"
UNSURE_HELP = "If you do not know, type: not sure (it is left unanswered, never taken as 'no')."
BACK_WORDS = ("<", "back")
BACK_HELP = "Type < to go back to the previous question."


class Back(Exception):
    """The person typed < (or back): go back one question."""


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


def delete(answers: dict, path: str):
    """Remove the answer at path (and a mapping such as symptoms left empty)."""
    *parents, last = path.split(".")
    node = answers
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return
    node.pop(last, None)
    if parents and not node:
        delete(answers, ".".join(parents))


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


_SURROGATE = re.compile("[\ud800-\udfff]")
ANSWER_CHARS = 1000   # an answer line longer than this is refused, not read or echoed


def _show(value, q: Question | None = None) -> str:
    if value is SKIP:
        return ""
    if isinstance(value, bool):
        return "y" if value else "n"
    labels = q.choices if q is not None else {}
    if isinstance(value, list):
        return ", ".join(labels.get(v, v.replace("_", " ")) for v in value) or NONE_OF_THESE
    if isinstance(value, str):
        return labels.get(value, value.replace("_", " "))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _loop(con: Console, q: Question, hint: str, parse):
    """Ask until parse() accepts the line. Enter gives the default, or skips an
    optional question; '?' shows the help line."""
    default = q.default
    if default is not SKIP:
        tail = f" [{_show(default, q)}]"
    elif q.required:
        tail = ""
    else:
        tail = " (Enter to skip)"
    prompt = f"  {hint}{tail}: "
    while True:
        raw = con.line(prompt)
        if raw.lower() in BACK_WORDS:
            raise Back
        if raw == "?":
            con.say(q.help or "No more help for this question; " + hint, "  ? ", "    ")
            if not q.must:
                con.say(UNSURE_HELP, "  ? ", "    ")
            con.say(BACK_HELP, "  ? ", "    ")
            continue
        if raw == "":
            if default is not SKIP:
                return default
            if not q.required:
                return SKIP
            con.say("An answer is needed here" + (": your best guess" if q.must else
                    ", or type 'not sure'") + " (? for help).", "  ! ", "    ")
            continue
        if is_unsure(raw) and not (q.type == "choice" and "unknown" in q.choices):
            if q.must:
                con.say("This one is needed to build your plan: please give your best guess "
                        "(? for help).", "  ! ", "    ")
                continue
            con.say("Noted as not sure: left unanswered" + (
                ", which is not the same as 'no'." if q.required else "."), "  = ", "    ")
            return SKIP
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
    con.say(addressed(q.text, con.reader))
    kind = "whole number" if q.spec.integer else "number"
    below = f"under {q.below:g}" if q.below is not None else f"to {q.high:g}"
    hint = f"{kind} {q.low:g} {below}"

    def parse(raw):
        value = _scalar(raw)
        understood = None
        if isinstance(value, str):     # words: "about 3", "7,5", "6 weeks", "a year ago"
            value, understood = read_number(raw, q.field)
        value = q.spec.check(value)
        in_range(q, value)
        if understood is not None:
            con.say(f"Understood: {understood}.", "  = ", "    ")
        return value

    return _loop(con, q, hint, parse)


def parse_yes_no(raw: str) -> bool:
    word = raw.lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise Invalid(f"please answer y (yes), n (no) or 'not sure', not {raw!r}; ? shows help")


def ask_yes_no(con: Console, q: Question):
    con.say(addressed(q.text, con.reader))
    return _loop(con, q, "y/n" if q.must else "y/n/not sure",
                 lambda raw: q.spec.check(parse_yes_no(raw)))


_TO_CHILD = [  # (pattern, replacement), in order: "your" first, then "you" as subject
    (r"\byour\b", "your child's"), (r"\bYour\b", "Your child's"),
    (r"\bDo you\b", "Does your child"), (r"\bdo you\b", "does your child"),
    (r"\bAre you\b", "Is your child"), (r"\bare you\b", "is your child"),
    (r"\bHave you\b", "Has your child"), (r"\bhave you\b", "has your child"),
    (r"\bDid you\b", "Did your child"), (r"\bdid you\b", "did your child"),
    (r"\bWere you\b", "Was your child"), (r"\bwere you\b", "was your child"),
    (r"\byou (have|use|sit|spend|play|take|stand|would|walk|fell|had|are|feel|get|can|"
     r"change)\b",
     "they \\1"),
    (r"\byou\b", "your child"),
]


def addressed(text: str, reader) -> str:
    """The question as said to its reader: unchanged, or to a parent answering
    for a child ("Do you limp?" -> "Does your child limp?")."""
    if reader != "parent":
        return text
    for pattern, replacement in _TO_CHILD:
        text = re.sub(pattern, replacement, text)
    first = text.find("your child")
    if first != -1:   # named once; after that "their" ("...on their hip")
        cut = first + len("your child")
        text = text[:cut] + text[cut:].replace("your child's", "their")
    return text


def _extras(q: Question) -> list[str]:
    """The entries every list offers after its own choices: "none of these" and
    "not sure" (not for a list that must be answered, nor where a choice already
    means "not sure")."""
    if q.must:
        return []
    extras = [NONE_OF_THESE]
    if "unknown" not in q.choices:
        extras.append(NOT_SURE)
    return extras


def _key(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


def _pick(raw: str, q: Question, spec: Choice) -> str:
    """One choice from its number, its words, the start of its words (unique) or
    its id; any case."""
    names = list(q.choices)
    extras = _extras(q)
    if raw.isdigit():
        n = int(raw)
        if 1 <= n <= len(names):
            return names[n - 1]
        if len(names) < n <= len(names) + len(extras):
            return extras[n - len(names) - 1]
        raise Invalid(f"{n} is not on the list; choose 1 to {len(names) + len(extras)}")
    typed = _key(raw)
    if is_unsure(raw) and "unknown" in q.choices:
        return "unknown"
    for key, label in q.choices.items():
        if typed in (_key(key), _key(label)):
            return key
    starts = [key for key, label in q.choices.items()
              if _key(label).startswith(typed) or _key(key).startswith(typed)
              or any(w == typed for w in _key(label).split())]
    if len(typed) >= 2 and len(starts) == 1:
        return starts[0]
    labels = [_key(label) for label in q.choices.values()]
    hint = difflib.get_close_matches(typed, labels + [_key(k) for k in names], n=1)
    more = ""
    if hint:
        key = names[labels.index(hint[0])] if hint[0] in labels else \
            names[[_key(k) for k in names].index(hint[0])]
        more = f" (did you mean {q.choices[key]!r}?)"
    raise Invalid(f"{shown(clip_message(raw))!r} is not on the list{more}; type its number "
                  f"(1 to {len(names) + len(extras)}) or its words")


def _list_choices(con: Console, q: Question):
    con.say(addressed(q.text, con.reader))
    entries = list(q.choices.values()) + _extras(q)
    for i, label in enumerate(entries, 1):
        con.say(label, f"    {i}. ", "       ")


def ask_choice(con: Console, q: Question):
    _list_choices(con, q)

    def parse(raw):
        if is_none_of_these(raw) and _extras(q):
            return SKIP
        value = _pick(raw, q, q.spec)
        if value in (NONE_OF_THESE, NOT_SURE):
            if value == NOT_SURE:
                con.say("Noted as not sure: left unanswered.", "  = ", "    ")
            return SKIP
        return value

    n = len(q.choices) + len(_extras(q))
    return _loop(con, q, f"choose 1-{n}", parse)


def ask_multi_choice(con: Console, q: Question):
    _list_choices(con, q)

    def parse(raw):
        if is_none_of_these(raw) or raw.lower() in NONE_WORDS:
            return q.spec.check([])
        parts = [p for p in re.split(r"[,;]|\band\b", raw)]
        if any(not p.strip() for p in parts):
            raise Invalid("separate the numbers with single commas, e.g. 1,3")
        picked = [_pick(p.strip(), q, q.spec.item) for p in parts]
        if NOT_SURE in picked:
            if len(picked) > 1:
                raise Invalid("'not sure' goes on its own; or choose the ones you are sure of")
            con.say("Noted as not sure: left unanswered.", "  = ", "    ")
            return SKIP
        if NONE_OF_THESE in picked:
            if len(picked) > 1:
                raise Invalid("'none of these' goes on its own")
            return q.spec.check([])
        return q.spec.check(list(dict.fromkeys(picked)))

    n = len(q.choices) + len(_extras(q))
    return _loop(con, q, f"numbers 1-{n}, e.g. 1,3", parse)


def ask_injuries(con: Console, q: Question, so_far: list, keep=None, memory=None,
                 fresh: bool = True):
    """Ask whether there is an injury (then 'another?'); per injury, its items.
    ``so_far`` holds the injuries already given (new ones are added to it);
    ``keep`` is called after each complete injury (and when one is reopened), so
    an interruption keeps the complete ones.

    ``<`` goes back one question inside the group: from an injury's first
    question to its "any?"/"another?" question, from there to the last question
    of the injury before (which is reopened). At the first "any?" question it
    raises Back. ``memory`` (a list, updated in place) holds what was typed for
    each injury, the defaults when a question is asked again; ``fresh`` says the
    group was never answered before (so the first question takes its own default,
    not "no"). Coming back into a finished group (not ``fresh``) starts at its
    last question."""
    injuries = list(so_far)
    memory = memory if memory is not None else []
    current, at = None, 0          # the injury being asked (its values) and its next item

    def kept():
        if keep:
            keep(injuries)

    def remember(i: int) -> dict:
        while len(memory) <= i:
            memory.append({})
        return memory[i]

    def reopen():
        nonlocal current, at
        injury = injuries.pop()
        remember(len(injuries)).update({k: v for k, v in injury.items() if k not in q.set})
        current = dict(memory[len(injuries)])
        at = len(q.items) - 1
        current.pop(q.items[at].field, None)
        kept()

    if so_far and q.another:
        con.say(f"You have told me about {len(so_far)} injury(ies) so far.")
    if not fresh and injuries and (q.another is None or len(injuries) >= q.spec.max_items):
        reopen()                   # the last question asked was the last injury's last one
    while True:
        n = len(injuries)
        if current is None:        # the "any?" / "another?" question
            if n >= q.spec.max_items or (n and q.another is None):
                return injuries
            text = q.text if n == 0 else q.another
            default = True if n < len(memory) else \
                q.default if n == 0 and fresh else False
            gate = Question(q.id, q.field, "yes_no", text, Boolean(text), q.help,
                            default=default, required=q.required)
            try:
                more = ask_yes_no(con, gate)
            except Back:
                if not injuries:
                    raise
                reopen()
                continue
            if more is SKIP or not more:
                del memory[n:]
                return SKIP if more is SKIP and not injuries else injuries  # "not sure"
            current, at = {}, 0
            remember(n)
            continue
        if at == len(q.items):
            injury = {**q.set, **current}
            q.spec.item.check(injury)
            injuries.append(injury)
            memory[n] = dict(current)
            current = None
            kept()
            continue
        sub = q.items[at]
        old = memory[n].get(sub.field, SKIP) if n < len(memory) else SKIP
        try:
            value = ASK[sub.type](con, sub if old is SKIP else replace(sub, default=old))
        except Back:
            if at == 0:
                current = None     # back to "any injury?" / "another?" (answered yes)
            else:
                at -= 1
                current.pop(q.items[at].field, None)
            continue
        if value is SKIP:
            current.pop(sub.field, None)
            memory[n].pop(sub.field, None)
        else:
            current[sub.field] = memory[n][sub.field] = value
        at += 1


ASK = {"number": ask_number, "yes_no": ask_yes_no, "choice": ask_choice,
       "multi_choice": ask_multi_choice}


# ---------------------------------------------------------------- the walk


@dataclass
class Session:
    """The answers so far and which questions were asked (for --resume).
    ``remembered`` holds the answers taken away by going back (or by choosing to
    change them): the defaults when those questions are asked again. It is not
    saved. ``reviewing`` is true while the review waits for Enter or a number."""

    answers: dict = field(default_factory=dict)
    asked: list = field(default_factory=list)
    flagged: bool = False
    remembered: dict = field(default_factory=dict)
    reviewing: bool = False


NOTHING_BEFORE = "This is the first question; there is nothing before it."
NO_MORE_FLAG = ("Your answers no longer include a warning sign, so the message above no "
                "longer applies: the questions it skipped will be asked.")


class _Walk:
    """The questions in order, and the moves over them: ask the next one, go back
    one, change one from the review. The next question is always the first one
    in questionnaire order that is not asked yet and should be asked (its
    ``ask_if`` holds; after a red flag only required ones), so going back and
    changing answers need no bookkeeping beyond ``session.asked``."""

    def __init__(self, qn: Questionnaire, con: Console, session: Session, progress=None):
        self.qn, self.con, self.s, self.progress = qn, con, session, progress
        self.order = [(section, q) for section in qn.sections for q in section.questions]
        self.pos = {q.id: i for i, (_, q) in enumerate(self.order)}
        self.header = None                   # the section whose title was shown last

    def saved(self):
        if self.progress:
            self.progress()

    def wanted(self, section, q) -> bool:
        if self.s.flagged and not section.red_flags and not q.required:
            return False
        return q.ask_if is None or holds(q.ask_if, self.s.answers)

    def next(self):
        for section, q in self.order:
            if q.id not in self.s.asked and self.wanted(section, q):
                return section, q
        return None

    def check_flags(self):
        """Once every warning-sign question is answered: say so when the answers
        hold a red flag, and again when (after going back or changing an answer)
        they no longer do."""
        if any(section.red_flags and q.id not in self.s.asked and self.wanted(section, q)
               for section, q in self.order):
            return
        now = bool(red_flags(self.qn, self.s.answers))
        if now != self.s.flagged:
            self.con.say()
            self.con.say(self.qn.red_flag_message if now else NO_MORE_FLAG, "  ** ")
        self.s.flagged = now

    def run(self) -> Session:
        while True:
            self.check_flags()
            nxt = self.next()
            if nxt is None:
                return self.s
            try:
                self.ask(*nxt)
            except Back:
                self.back(nxt[1])

    def ask(self, section, q):
        """Ask q (its remembered answer as the default) and record the answer."""
        self.con.reader = get(self.s.answers, "answered_by")
        if section is not self.header:
            self.con.say()
            self.con.say(f"-- {addressed(section.title, self.con.reader)} --")
            self.header = section
        self.con.say()
        old = self.s.remembered.get(q.id, SKIP)
        before = copy.deepcopy(self.s.answers)   # as they were, with q's old answer
        if old is not SKIP and old != []:
            put(before, q.field, old)
        if q.type == "injuries":
            memory = self.s.remembered.pop(q.id, None)
            fresh = memory is None
            memory = [dict(i) for i in memory or []]
            so_far = get(self.s.answers, q.field)
            try:
                given = ask_injuries(self.con, q, so_far if isinstance(so_far, list) else [],
                                     self.keeper(q), memory, fresh)
            except Back:             # left at its first question: keep what was typed
                if memory or not fresh:
                    self.s.remembered[q.id] = memory
                raise
            if given is SKIP:
                delete(self.s.answers, q.field)     # not sure: not answered
            else:
                put(self.s.answers, q.field, given)  # [] is a plain "no"
        else:
            value = ASK[q.type](self.con, q if old is SKIP else replace(q, default=old))
            if value is not SKIP:
                put(self.s.answers, q.field, value)
        self.s.asked.append(q.id)
        self.s.asked.sort(key=lambda i: self.pos.get(i, -1))
        self.drop_stale(before)
        self.saved()

    def keeper(self, q):
        def keep(items):
            if items:
                put(self.s.answers, q.field, items)
            else:
                delete(self.s.answers, q.field)
            self.saved()
        return keep

    def remove(self, q):
        """Take q's answer away (remembered as its default) and mark it not asked."""
        old = get(self.s.answers, q.field)
        if q.type == "injuries":
            self.s.remembered[q.id] = list(old) if isinstance(old, list) else []
        elif old is SKIP:
            self.s.remembered.pop(q.id, None)
        else:
            self.s.remembered[q.id] = old
        delete(self.s.answers, q.field)
        if q.id in self.s.asked:
            self.s.asked.remove(q.id)

    def drop_stale(self, before: dict):
        """Drop the answers to questions that were to be asked with the answers
        ``before`` and are no longer (their ask_if turned false)."""
        for _, q in self.order:
            if q.ask_if is None or q.id not in self.s.asked:
                continue
            if holds(q.ask_if, before) and not holds(q.ask_if, self.s.answers):
                self.remove(q)
                self.con.say(f"No longer asked, so its answer is removed: {_short(q.text)}",
                             "  - ", "    ")

    def back(self, q):
        """From q, go back to the question asked just before it (in questionnaire
        order): its answer is removed, so it is the next one asked. Coming back
        into an injury group keeps its finished injuries and asks its last
        question again."""
        here = self.pos[q.id]
        before = [i for i in self.s.asked if self.pos.get(i, here) < here]
        if not before:
            self.con.say(NOTHING_BEFORE, "  ! ", "    ")
            return
        prev = self.order[self.pos[max(before, key=self.pos.get)]][1]
        if prev.type == "injuries":
            so_far = get(self.s.answers, prev.field)
            self.s.remembered[prev.id] = list(so_far) if isinstance(so_far, list) else []
            self.s.asked.remove(prev.id)
        else:
            self.remove(prev)
        self.saved()

    def change(self, section, q):
        """Ask q again, its answer as the default; < leaves it as it was."""
        answers, asked = copy.deepcopy(self.s.answers), list(self.s.asked)
        self.remove(q)
        self.saved()
        self.header = None
        try:
            self.ask(section, q)
        except Back:
            self.s.answers, self.s.asked = answers, asked
            self.saved()
            self.con.say("Not changed.", "  ")


def walk(qn: Questionnaire, con: Console, session: Session, progress=None):
    """Ask every question still to ask, in order, into ``session``. After a red
    flag, say so plainly and ask only what the contract requires. ``<`` goes
    back one question; ``progress`` is called after every change."""
    return _Walk(qn, con, session, progress).run()


REVIEW_PROMPT = "  Enter to save, or the number of an answer to change it: "


def review(qn: Questionnaire, con: Console, session: Session, progress=None):
    """List the answers, numbered; Enter saves, a number asks that question again
    (then any question that is now to be asked; answers to questions no longer
    asked are dropped) and shows the list again.

    End of input at the review prompt means "save" when the answers are piped in
    (``con.echo``: standard input is not a terminal), so scripts written before
    the review still work; in a terminal it raises EOFError like anywhere else."""
    w = _Walk(qn, con, session, progress)
    while True:
        w.run()                       # anything a change made necessary
        rows = [(section, q) for section, q in w.order if q.id in session.asked]
        con.say()
        con.say("-- Your answers --")
        for i, (_, q) in enumerate(rows, 1):
            con.say(f"{_short(q.text):<56} {_answer(q, get(session.answers, q.field))}",
                    f"{i:>4}. ", " " * 63)
        con.say()
        session.reviewing = True
        while True:
            try:
                raw = con.line(REVIEW_PROMPT)
            except EOFError:
                if con.echo:
                    session.reviewing = False
                    return session
                raise
            if raw == "":
                session.reviewing = False
                return session
            if re.fullmatch(r"[0-9]{1,4}", raw) and 1 <= int(raw) <= len(rows):
                break
            if raw == "?":
                con.say("Press Enter to save these answers, or type the number in front of "
                        "an answer to answer that question again.", "  ? ", "    ")
            elif raw.lower() in BACK_WORDS:
                con.say("To change an answer, type its number; Enter saves.", "  ! ", "    ")
            else:
                con.say(f"{shown(clip_message(raw))!r} is not on the list: type a number from "
                        f"1 to {len(rows)}, or press Enter to save", "  ! ", "    ")
        session.reviewing = False
        w.change(*rows[int(raw) - 1])


def _short(text: str, width: int = 56) -> str:
    return textwrap.shorten(text, width, placeholder="...")


def _answer(q: Question, value) -> str:
    """An answer in plain words, for the review."""
    if q.type == "injuries":
        if value is SKIP:
            return "not sure"
        if not isinstance(value, list) or not value:
            return "none"
        return "; ".join(_entry(q, item) for item in value)
    if value is SKIP:
        return "not sure / not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, str)):
        return _show(value, q)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _entry(q: Question, item: dict) -> str:
    parts = []
    for sub in q.items:
        value = item.get(sub.field, SKIP)
        if value is SKIP or value == "unknown":
            continue
        words = sub.field.replace("_", " ")
        if sub.type == "number":
            parts.append(f"{_answer(sub, value)} {words}")
        elif sub.type == "yes_no":
            parts.append(f"{words}: {_answer(sub, value)}")
        else:
            parts.append(_answer(sub, value))
    return ", ".join(parts)
