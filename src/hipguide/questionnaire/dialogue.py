"""The walk through the questions of ``hipguide ask`` (``data`` holds them):
which question comes next, going back, the warning-sign message, and the
review before saving. The prompts are in ``asking``, the terminal in
``console``, the answers' paths in ``answers``.

Whether a question is asked (``ask_if``) and whether the answers hold a warning
sign are decided by the rule language's one plain evaluator (``kb.evaluate``).
``<`` (or ``back``) at any prompt goes back one question: the answer is removed
and the question asked again with it as the default. Before saving, ``review``
lists the answers and lets the person change one.
"""

from __future__ import annotations

import copy
import re
import textwrap
from dataclasses import dataclass, field, replace

from ..core.text import clip_message, shown
from ..core.wording import PARENT, to_parent
from ..kb.evaluate import holds
from .answers import delete, get, put
from .asking import ASK, addressed, ask_injuries, shown_answer
from .console import BACK_WORDS, Back, Console
from .data import SKIP, Question, Questionnaire, red_flags

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

    def __init__(self, qn: Questionnaire, con: Console, session: Session, on_change=None):
        self.qn, self.con, self.s, self.on_change = qn, con, session, on_change
        self.order = [(section, q) for section in qn.sections for q in section.questions]
        self.pos = {q.id: i for i, (_, q) in enumerate(self.order)}
        self.header = None                   # the section whose title was shown last

    def saved(self):
        if self.on_change:
            self.on_change()

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
            message = self.qn.red_flag_message if now else NO_MORE_FLAG
            if get(self.s.answers, "answered_by") == PARENT:   # "take your child to see..."
                message = to_parent(message)
            self.con.say()
            self.con.say(message, "  ** ")
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


def walk(qn: Questionnaire, con: Console, session: Session, on_change=None):
    """Ask every question still to ask, in order, into ``session``. After a red
    flag, say so plainly and ask only what the contract requires. ``<`` goes
    back one question; ``on_change`` is called after every change."""
    return _Walk(qn, con, session, on_change).run()


REVIEW_PROMPT = "  Enter to save, or the number of an answer to change it: "


def review(qn: Questionnaire, con: Console, session: Session, on_change=None):
    """List the answers, numbered; Enter saves, a number asks that question again
    (then any question that is now to be asked; answers to questions no longer
    asked are dropped) and shows the list again.

    End of input at the review prompt means "save" when the answers are piped in
    (``con.echo``: standard input is not a terminal), so scripts written before
    the review still work; in a terminal it raises EOFError like anywhere else."""
    w = _Walk(qn, con, session, on_change)
    while True:
        w.run()                       # anything a change made necessary
        rows = [(section, q) for section, q in w.order if q.id in session.asked]
        reader = get(session.answers, "answered_by")     # a parent: "your child's hip pain"
        con.say()
        con.say("-- Your answers --")
        for i, (_, q) in enumerate(rows, 1):
            con.say(f"{_short(addressed(q.text, reader)):<56} "
                    f"{_answer(q, get(session.answers, q.field))}",
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
        return shown_answer(value, q)
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
