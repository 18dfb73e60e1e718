"""One small prompt function per question type (``ask_number``,
``ask_yes_no``, ``ask_choice``, ``ask_multi_choice``, ``ask_injuries``): each
answer is checked by the field's own ``check`` -- the rules intake files obey
-- and a bad answer gets one line saying why and the question again."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from ..core.schema_types import Boolean, Choice, Invalid
from ..core.text import clip_message, shown
from ..core.yamlload import parse_documents
from .console import (
    BACK_HELP,
    BACK_WORDS,
    NO,
    NONE_OF_THESE,
    NONE_WORDS,
    NOT_SURE,
    UNSURE_HELP,
    YES,
    Back,
    Console,
)
from .data import SKIP, Question, in_range
from .plain import is_none_of_these, is_unsure, read_number


def shown_answer(value, q: Question | None = None) -> str:
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
        tail = f" [{shown_answer(default, q)}]"
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
