"""Plain-text reports for people: the terminal and ``score --format text``.

Every report ends with the disclaimer.
"""

from __future__ import annotations

import textwrap

from ..core.terminal import WIDTH, terminal_width
from ..core.wording import is_parent, to_parent
from ..engine.model import URGENCY_WORDS, Report

_width = WIDTH      # this render's width (see terminal_width)


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    """Wrapped lines; a word is never split (a hyphenated one neither)."""
    return textwrap.wrap(text, _width, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False) or [first or indent]


def _heading(text: str) -> list[str]:
    return _wrap(text, "  ", "")


def _say(report: Report, text: str) -> str:
    """A line of this module's own, addressed to the report's reader."""
    return to_parent(text) if is_parent(report) else text


def _names(ids, report: Report) -> str:
    names = {f.id: f.name.lower() for f in report.factors}
    return ", ".join(names.get(i, i) for i in ids)


def render_brief(report: Report, width: int | None = None) -> str:
    """The compact plan in brief alone (the end of ``ask``)."""
    global _width
    _width = width or terminal_width()
    return "\n".join(brief(report, compact=True)[2:]) + "\n"


def render_text(report: Report, explain: bool = False, width: int | None = None) -> str:
    global _width
    _width = width or terminal_width()
    lines = _wrap(f"== {report.id} ({report.source}) ==", "   ", "")
    for warning in report.warnings:
        lines += _wrap(f"Note: {warning['message']}", "  ", "")
    lines += brief(report)
    if report.status == "invalid":
        lines.append(f"INVALID: not assessed ({len(report.errors)} problem"
                     f"{'s' if len(report.errors) != 1 else ''})")
        lines += _errors(report)
    elif report.status == "refer":
        # one timeframe: only the headline names one (each flag's own urgency is in
        # the data formats); the emergency triggers can only be faster
        lines += ["", "Details"]
        lines += _wrap(_say(report, "See a clinician").upper() +
                       f" ({URGENCY_WORDS[report.urgency].upper()}): warning "
                       "signs found, so no exercises are suggested.", "  ", "")
        if report.errors:
            lines += [""] + _wrap(
                f"Some answers could not be read ({len(report.errors)} problem"
                f"{'s' if len(report.errors) != 1 else ''}); the warning signs below were "
                "answered, so they are acted on. Please correct the form as well:", "  ", "")
            lines += _errors(report)
        lines += ["", "Warning signs"]
        for flag in report.red_flags:
            if flag.merged_into:
                continue   # told by the flag that explains it
            lines += _wrap(flag.name, "      ", "  ! ")
            if flag.because:
                lines += _wrap(flag.because, "      ")
            lines += _wrap(flag.advice, "      ")
            if explain:
                lines += _explain(flag.rules, flag.basis)
    else:
        lines += ["", "Details"]
        lines += _wrap("Status: ok - " + _counts(report), "  ", "")
    if report.status != "invalid":
        lines += _unanswered(report)
        lines += _wrap(f"Knowledge base {report.knowledge_version}. "
                       f"{report.review_status}", "  ", "")
    if report.status == "ok":
        lines += ["", "Likely contributing factors (most likely first)"]
        if not report.factors:
            lines.append("  None found from these answers.")
        for i, factor in enumerate(report.factors, 1):
            lines += _wrap(f"{factor.name} ({factor.likelihood}): {'; '.join(factor.evidence)}",
                           "      ", f"  {i}. ")
            if factor.advice:
                lines += _wrap(factor.advice, "      ")
            if explain:
                lines += _explain(factor.rules, factor.basis)
        lines += _precautions(report, explain)
        lines += _programme(report, explain)
        if report.status == "ok":
            lines += [""] + _wrap("When to reassess: " + report.reassess, "  ", "")
    lines += [""] + _wrap("Disclaimer: " + report.disclaimer, "  ", "")
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _counts(report: Report) -> str:
    """What the plan holds, counted as the person reads it: what to start with,
    then what comes later."""
    recs = report.recommendations
    start = [r for r in recs if r.stage == "start_here"]
    n_ex = sum(r.kind == "exercise" for r in start)
    n_hab = sum(r.kind == "habit" for r in start)
    later = sum(r.kind == "exercise" for r in recs if r.stage != "start_here")
    text = (f"{_plural(len(report.factors), 'contributing factor')}; start with "
            f"{_plural(n_ex, 'exercise')} and {_plural(n_hab, 'habit')}")
    if later:
        text += f"; {_plural(later, 'more exercise')} for later"
    return text


def brief(report: Report, compact: bool = False) -> list[str]:
    """"Your plan in brief": what to do first, how often, the one pain rule, and
    when to stop and seek help -- the part a person needs first. ``compact``
    (the last screen of ``ask``, 24 rows) gives the pain rule's first sentence
    and points to the stop-and-seek-help list."""
    if report.status == "invalid":
        return []
    lines = ["", "Your plan in brief"]
    if report.status == "refer":
        # the referral says who, when and no exercises: one disposition, one timeframe
        lines += _wrap(report.referral, "  ", "  ")
        if report.call_emergency_now:
            lines += _wrap(report.call_emergency_now, "  ", "  ")
        for flag in report.red_flags:
            if not flag.merged_into:
                lines += _wrap(f"{flag.name}. {flag.because}".rstrip(". ") + ".",
                               "    ", "  ! ")
        return lines
    start = [r for r in report.recommendations if r.stage == "start_here"]
    exercises = [r for r in start if r.kind == "exercise"]
    habits = [r for r in start if r.kind == "habit"]
    if exercises:
        lines.append("  Start with these exercises (weeks 1-2):")
        for i, rec in enumerate(exercises, 1):
            lines += _wrap(rec.name, "       ", f"    {i}. ")
    if habits:
        lines += _wrap("Habits to start now: " + "; ".join(r.name for r in habits) + ".",
                       "    ", "  ")
    if not exercises and not habits:
        lines.append("  No exercises or habits are suggested from these answers.")
    plan = report.plan
    if exercises and plan:
        lines += _wrap(f"How often: about {plan['minutes']} minutes a session, "
                       f"{_times(plan)}.", "    ", "  ")
    pain_rule = report.pain_rule or plan.get("pain_rule", "")
    if pain_rule and exercises:
        if compact:
            pain_rule = pain_rule.split(". ")[0].rstrip(".") + "."
        lines += _wrap("Pain rule: " + pain_rule, "    ", "  ")
    if report.safety_net and compact:
        lines += _wrap(f"Stop and seek help: the {len(report.safety_net)} signs listed under "
                       "'Your plan in brief' at the top of your report (and on the handout).",
                       "    ", "  ")
    elif report.safety_net:
        lines.append("  Stop and seek help:")
        for item in report.safety_net:
            lines += _wrap(item, "      ", "    ! ")
    return lines


def _errors(report: Report) -> list[str]:
    lines = []
    for err in report.errors:
        where = report.source
        if err.get("line"):
            where += f":{err['line']}" + (f":{err['column']}" if err.get("column") else "")
        field = f"{err['field']}: " if err.get("field") else ""
        lines += _wrap(f"{where}: {field}{err['message']}", "      ", "  - ")
    return lines


def _unanswered(report: Report) -> list[str]:
    if not report.unanswered_warning_signs:
        return []
    asked = "; ".join(e for sign in report.unanswered_warning_signs for e in sign.evidence)
    lines = [""] + _wrap("Warning signs NOT checked (not answered): " + asked, "  ", "")
    lines += _wrap(report.unscreened_advice, "  ", "  ")
    return lines + [""]


def _precautions(report: Report, explain: bool) -> list[str]:
    if not report.precautions:
        return []
    lines = ["", _say(report, "Left out for your safety")]
    for p in report.precautions:
        lines += _wrap(f"{p.name}, {p.because or '; '.join(p.evidence)}", "      ", "  - ")
        if p.withheld:
            lines += _wrap("Not given: " + ", ".join(x["name"] for x in p.withheld), "      ")
        lines += _wrap("Instead: " + p.instead, "      ")
        if explain:
            lines += _explain(p.rules, p.basis)
    return lines


def _explain(rules, basis) -> list[str]:
    return _wrap(f"because: rule {', '.join(rules)} fired on {'; '.join(basis)}",
                 "        ", "      ")


def _programme(report: Report, explain: bool) -> list[str]:
    """Start here in full; add next and later in short (every format keeps them all)."""
    if not report.recommendations:
        if not report.precautions:
            return ["", "No exercises or habits are suggested from these answers."]
        return []
    plan = report.plan
    stage = {s: [r for r in report.recommendations if r.stage == s]
             for s in ("start_here", "add_next", "later")}
    start_ex = [r for r in stage["start_here"] if r.kind == "exercise"]
    lines = [""]
    for line in dict.fromkeys(r.disclaimer for r in report.recommendations if r.disclaimer):
        lines += _wrap(line, "  ", "")        # the professional check, said once
    if is_parent(report):
        lines += _wrap("The exercise steps speak to your child: go through them together.",
                       "  ", "")
    lines.append("")
    if start_ex:
        lines += _heading(f"Start here (weeks 1-2): {_plural(len(start_ex), 'exercise')}, "
                          f"about {plan['minutes']} minutes a session, {_times(plan)}")
    else:
        lines.append("Start here (weeks 1-2)")
    for i, rec in enumerate(start_ex, 1):
        lines += _recommendation(i, rec, report, explain)
    habits = [r for r in stage["start_here"] if r.kind == "habit"]
    if habits:
        lines += ["", "Habits to start now"]
        for i, rec in enumerate(habits, 1):
            lines += _recommendation(i, rec, report, explain)
    if plan.get("side_note"):
        lines += [""] + _wrap("Which side: " + plan["side_note"], "  ", "")
    if stage["add_next"]:
        lines += [""] + _heading("Add next (weeks 3-6), when the start-here exercises pass "
                                 "their 'move on' test")
        for rec in stage["add_next"]:
            lines += _wrap(f"{rec.name}: {rec.purpose} Dose: {rec.dose}", "      ", "  - ")
            if explain:
                lines += _wrap(f"stage: {rec.stage_reason}", "        ", "      ")
    if stage["later"]:
        lines += ["", "Later, optional"]
        lines += _wrap(", ".join(r.name for r in stage["later"]) + " (after your 6-week "
                       "check-in, if the plan above has become easy)", "      ", "  - ")
        if explain:
            for rec in stage["later"]:
                lines += _wrap(f"{rec.name}: {rec.stage_reason}", "        ", "      ")
    return lines


def _times(plan: dict) -> str:
    low, high = plan["fewest_sessions_per_week"], plan["sessions_per_week"]
    if low == high:
        return "every day" if high >= 7 else f"{high} times a week"
    return f"on {low} to {high} days a week (each exercise's dose says which)"


def _recommendation(i: int, rec, report: Report, explain: bool) -> list[str]:
    lines = _wrap(f"{rec.name} - addresses {_names(rec.addresses, report)}", "      ",
                  f"  {i}. ")
    lines += _wrap(rec.purpose, "      ")
    if rec.equipment:
        lines += _wrap("Equipment: " + ", ".join(rec.equipment), "      ")
    for n, step in enumerate(rec.steps, 1):
        lines += _wrap(step, "         ", f"      {n}. ")
    lines += _wrap("Dose: " + rec.dose, "      ")
    if rec.progression_test:
        lines += _wrap("Move on: " + rec.progression_test, "      ")
    lines += _wrap("When it gets easy: " + rec.progression, "      ")
    lines += _wrap("If it hurts: " + rec.regression, "      ")
    for caution in rec.cautions:
        lines += _wrap(caution, "        ", "      Caution: ")
    if explain:
        lines += _explain(rec.rules, rec.basis)
        if rec.stage_reason:
            lines += _wrap(f"stage: {rec.stage_reason}", "        ", "      ")
    return lines
