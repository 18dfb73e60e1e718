"""Plain-text reports for people: the terminal and ``score --format text``.

Every report ends with the disclaimer.
"""

from __future__ import annotations

import textwrap

from .model import URGENCY_WORDS, Report

WIDTH = 88


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent) or [first or indent]


def _names(ids, report: Report) -> str:
    names = {f.id: f.name.lower() for f in report.factors}
    return ", ".join(names.get(i, i) for i in ids)


def render_text(report: Report, explain: bool = False) -> str:
    lines = [f"== {report.id} ({report.source}) =="]
    if report.status == "invalid":
        lines.append(f"INVALID: not assessed ({len(report.errors)} problem"
                     f"{'s' if len(report.errors) != 1 else ''})")
        for err in report.errors:
            where = report.source
            if err.get("line"):
                where += f":{err['line']}" + (f":{err['column']}" if err.get("column") else "")
            field = f"{err['field']}: " if err.get("field") else ""
            lines += _wrap(f"{where}: {field}{err['message']}", "      ", "  - ")
    elif report.status == "refer":
        lines.append(f"SEE A CLINICIAN ({URGENCY_WORDS[report.urgency].upper()}): warning "
                     "signs found, so no exercises are suggested.")
        lines += _wrap(report.referral, "  ", "  ")
        lines += ["", "Warning signs"]
        for flag in report.red_flags:
            lines += _wrap(f"{flag.name} [{URGENCY_WORDS[flag.urgency]}]: "
                           f"{'; '.join(flag.evidence)}", "      ", "  ! ")
            lines += _wrap(flag.advice, "      ")
            if explain:
                lines += _explain(flag.rules, flag.basis)
    else:
        n_ex = sum(r.kind == "exercise" for r in report.recommendations)
        n_hab = len(report.recommendations) - n_ex
        lines.append(f"Status: ok - {len(report.factors)} contributing factor(s), "
                     f"{n_ex} exercise(s), {n_hab} habit(s)")
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
            lines += _safety_net(report)
            lines += [""] + _wrap("When to reassess: " + report.reassess, "  ", "")
    lines += [""] + _wrap("Disclaimer: " + report.disclaimer, "  ", "")
    return "\n".join(lines) + "\n"


def _safety_net(report: Report) -> list[str]:
    if not report.safety_net:
        return []
    lines = ["", "Stop and seek help"]
    for item in report.safety_net:
        lines += _wrap(item, "      ", "  ! ")
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
    lines = ["", "Left out for your safety"]
    for p in report.precautions:
        lines += _wrap(f"{p.name}: {'; '.join(p.evidence)}", "      ", "  - ")
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
    if start_ex:
        lines += _wrap(f"Start here (weeks 1-2): {len(start_ex)} exercise(s), about "
                       f"{plan['minutes']} minutes a session, {_times(plan)}", "  ", "")
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
    lines += [""] + _wrap("Pain rule: " + (report.pain_rule or plan["pain_rule"]), "  ", "")
    if stage["add_next"]:
        lines += ["", "Add next (weeks 3-6), when the start-here exercises pass their "
                      "'move on' test"]
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
    return f"{low} to {high} times a week (each dose says how often)"


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
    lines += _wrap(rec.disclaimer, "      ")
    return lines
