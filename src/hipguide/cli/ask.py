"""``hipguide ask``: the interactive questionnaire.

Only click and the standard library are imported here at start-up (plus the
light ``cli`` module for ``--kb``); the engine, YAML and the questions load
inside the command.
"""

from __future__ import annotations

import sys

import click

from . import answer_files, firstscreen
from .common import (
    KB_OPTION,
    Exit,
    exit_with_kb_problems,
    interrupted_code,
    load_knowledge_or_exit,
    shown,
)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "yaml"]), default="text",
              show_default=True, help="Format of the final report, as in `hipguide score`.")
@click.option("--save", metavar="FILE", type=click.Path(dir_okay=False), default=None,
              help="Write the answers to FILE as an intake file that `hipguide score FILE` "
                   "accepts unchanged. While you answer, and if the session is stopped early, "
                   "the answers so far are kept in FILE.partial.")
@click.option("--resume", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              default=None,
              help="Continue from FILE (the FILE.partial an interrupted session left, or any "
                   "intake file): questions already answered there are not asked again. "
                   "Without --save, a finished FILE.partial session is saved to FILE.")
@click.option("--handout", metavar="FILE.html", type=click.Path(dir_okay=False), default=None,
              help="Also write the printable handout for your answers (as `hipguide score "
                   "--format html`: pictures, a 6-week schedule) to FILE.html.")
@click.option("--follow-up", "follow_up", metavar="BEFORE.yaml",
              type=click.Path(exists=True, dir_okay=False), default=None,
              help="The check-in after some weeks: ask only what can change (pain, "
                   "stiffness, turning, sitting, activity and every warning sign again; at "
                   "most 15 questions), each with the answer in BEFORE.yaml as its default; "
                   "save the new answers with --save AFTER.yaml (the other answers carried "
                   "over), then compare the two as `hipguide checkin` does.")
@KB_OPTION
def ask(fmt, save, resume, kb, handout, follow_up):
    """Answer questions in the terminal, then see the same report as `hipguide score`.

    Warning-sign questions come first; if any is answered yes, you are told to see a
    clinician first and the exercise questions are skipped. Type ? for help on a
    question, < to go back one question, press Enter to take the answer shown in
    [brackets], Ctrl-C to stop. Before the answers are saved, they are listed and
    any one can be changed. Answers may also be piped in, one per line (input that
    ends at that list saves the answers). Questions go to standard error and the
    report to standard output.

    Exit codes: 0 done, 1 input ended early, 2 usage error, 3 knowledge base
    problem, 130 interrupted.
    """
    try:
        if follow_up:
            _follow_up(follow_up, save, resume, kb, fmt)
        else:
            _ask(fmt, save, resume, kb, handout)
    except KeyboardInterrupt as exc:
        word = "stopped" if interrupted_code(exc) == Exit.INTERRUPTED else "terminated"
        click.echo(f"\nhipguide: {word}.", err=True)
        sys.exit(interrupted_code(exc))


def _ask(fmt, save, resume, kb, handout=None):
    """The command's body; see ``ask``."""
    screen = None
    if not resume:
        # a new session: check the file options, then show the first screen at
        # once when it is cached (cli/firstscreen.py) and load everything behind it
        handout_target = answer_files.check_options(save, None, handout)
        screen_key = firstscreen.key(kb, save)
        screen = firstscreen.Screen(sys.stderr, screen_key, firstscreen.cached(screen_key))
        if screen.shown:
            firstscreen.paint(sys.stderr, screen.shown)

    from pathlib import Path

    from ..kb.knowledge import KnowledgeError
    from ..questionnaire import answers as qanswers
    from ..questionnaire import console
    from ..questionnaire import data as qdata
    from ..questionnaire import dialogue as qmod

    base = load_knowledge_or_exit(kb)
    try:
        qn = qdata.load(Path(kb) if kb else base.root, base)
    except KnowledgeError as exc:
        exit_with_kb_problems(exc.problems, "the questionnaire", "nothing was asked")
    builder = _build_engine_meanwhile(kb, base)

    session = qmod.Session()
    if resume:
        session = answer_files.resumed_session(resume, qn)
        if save is None and resume.endswith(answer_files.PARTIAL_SUFFIX):
            save = resume[: -len(answer_files.PARTIAL_SUFFIX)]
        handout_target = answer_files.check_options(save, resume, handout)
    partial = save + answer_files.PARTIAL_SUFFIX if save else None

    con = console.Console(sys.stdin, screen or sys.stderr, echo=not _isatty(sys.stdin),
                       before_first_read=screen.reading if screen else None)
    con.say(" ".join(base.meta["intro"].split()))
    con.say()
    con.say("Type ? for help on a question, < to go back one question. Press Enter to take "
            "the answer shown in [brackets]. At the end you can check and change your "
            "answers. Press Ctrl-C to stop.")
    if save:
        con.say(f"Your answers will be saved in {shown(save)}.")
    if resume:
        con.say(f"Continuing from {shown(resume)}: {len(session.asked)} question(s) already "
                "answered.")

    told = []

    def save_answers():
        if partial:
            try:
                answer_files.write_answers(partial, session, qn, marker=True)
            except OSError as exc:   # e.g. the disk filled up: say so once, keep asking
                if not told:
                    told.append(exc)
                    click.echo(f"hipguide: cannot keep the answers in {shown(partial)}: "
                               f"{exc.strerror or exc}", err=True)

    try:
        qmod.walk(qn, con, session, save_answers)
        qmod.review(qn, con, session, save_answers)
    except (KeyboardInterrupt, EOFError) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        how = "stopped" if interrupted else "input ended before the answers were saved" \
            if session.reviewing else "input ended before the last question"
        if partial:
            try:
                answer_files.write_answers(partial, session, qn, marker=True)
            except OSError:
                pass  # the answers before the last one may be in it already
        if partial and Path(partial).is_file():
            click.echo(f"\nhipguide: {how}. Your answers so far are kept in {shown(partial)}; "
                       f"continue with: hipguide ask --resume {shown(partial)}", err=True)
        elif partial:
            click.echo(f"\nhipguide: {how}; your answers could not be written to "
                       f"{shown(partial)}, here they are:\n"
                       f"{answer_files.answers_text(session)}", err=True)
        else:
            click.echo(f"\nhipguide: {how}; nothing was saved (use --save FILE to keep "
                       "your answers).", err=True)
        sys.exit(interrupted_code(exc) if interrupted else Exit.INVALID)

    failed = None
    if save:
        try:
            answer_files.write_answers(save, session, qn, marker=False)
        except OSError as exc:
            failed = f"hipguide: cannot write {shown(save)}: {exc.strerror or exc}; " + (
                f"your answers are kept in {shown(partial)}" if Path(partial).is_file() else
                "they could not be kept in any file, here they are:\n"
                + answer_files.answers_text(session))
        else:
            Path(partial).unlink(missing_ok=True)
            if resume and resume != save and answer_files.is_partial(resume):
                Path(resume).unlink(missing_ok=True)   # all of it is in the saved file now
            con.say()
            con.say(f"Answers saved in {save} (assess them again with: hipguide score {save}).")
    report = _report(qanswers.ordered(session.answers), save, fmt, con, kb, builder)
    if handout_target is not None:
        failed = answer_files.write_handout(handout_target, handout, report, base, con) or failed
    elif fmt == "text" and report.status == "ok" and not con.echo:
        _end_with_brief(report, base, con, save, resume)
    if failed:
        click.echo(failed, err=True)
        sys.exit(Exit.USAGE)


def _follow_up(before: str, save, resume, kb, fmt):
    """``ask --follow-up BEFORE --save AFTER``: the check-in's questions, each with
    BEFORE's answer as its default; AFTER is BEFORE with those answers replaced;
    then the comparison, as ``hipguide checkin BEFORE AFTER`` prints it."""
    import copy
    from dataclasses import replace
    from pathlib import Path

    from ..kb.knowledge import KnowledgeError
    from ..questionnaire import answers as qanswers
    from ..questionnaire import console
    from ..questionnaire import data as qdata
    from ..questionnaire import dialogue as qmod

    if resume:
        raise click.UsageError("--follow-up starts a new check-in; it cannot be combined "
                               "with --resume")
    if not save:
        raise click.UsageError("--follow-up needs --save AFTER.yaml: the check-in's answers "
                               "are kept there and compared with BEFORE")
    if Path(save).resolve() == Path(before).resolve():
        raise click.BadParameter("AFTER must be a new file, not BEFORE itself (nothing is "
                                 "overwritten)", param_hint="--save")
    answer_files.check_options(save, None, None)
    base = load_knowledge_or_exit(kb)
    try:
        qn = qdata.load(Path(kb) if kb else base.root, base)
    except KnowledgeError as exc:
        exit_with_kb_problems(exc.problems, "the questionnaire", "nothing was asked")
    earlier = answer_files.resumed_session(before, qn).answers
    by_id = {q.id: q for q in qn.questions()}
    questions = []
    for qid in qn.follow_up:
        q = by_id[qid]
        old = qanswers.get(earlier, q.field)
        questions.append(replace(q, ask_if=None, default=old))
    check_in = qdata.Questionnaire(
        [qdata.Section("Check-in: what has changed", True, questions)],
        qn.red_flag_message, qn.red_flag_rules)
    answers = copy.deepcopy(earlier)
    for q in questions:
        qanswers.delete(answers, q.field)
    session = qmod.Session(answers=answers)
    partial = save + answer_files.PARTIAL_SUFFIX
    con = console.Console(sys.stdin, sys.stderr, echo=not _isatty(sys.stdin))
    parent = qanswers.get(earlier, "answered_by") == "parent"   # as in BEFORE.yaml
    con.say(f"Check-in: {len(questions)} short questions about what may have changed "
            + ("for your child " if parent else "") + f"since {shown(before)}. "
            "Press Enter to keep the answer from last time, shown in [brackets]; type "
            "'not sure' if you do not know, ? for help, < to go back. Everything else is "
            "carried over.")

    def save_answers():
        try:
            answer_files.write_answers(partial, session, check_in, marker=True)
        except OSError:
            pass

    try:
        qmod.walk(check_in, con, session, save_answers)
        qmod.review(check_in, con, session, save_answers)
    except (KeyboardInterrupt, EOFError) as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        click.echo(f"\nhipguide: input ended before the check-in was saved; the answers so "
                   f"far are in {shown(partial)}.", err=True)
        sys.exit(Exit.INVALID)
    try:
        answer_files.write_answers(save, session, check_in, marker=False)
    except OSError as exc:
        click.echo(f"hipguide: cannot write {shown(save)}: {exc.strerror or exc}", err=True)
        sys.exit(Exit.USAGE)
    Path(partial).unlink(missing_ok=True)
    con.say()
    con.say(f"Check-in saved in {shown(save)}. Compared with {shown(before)}:")
    con.say()
    from .checkin import checkin

    fmt = fmt if fmt in ("text", "json") else "text"
    try:
        click.get_current_context().invoke(checkin, before=before, after=save,
                                           weeks=None, fmt=fmt, output=None, quiet=True,
                                           kb=kb)
    except SystemExit as done:
        if done.code not in (0, None):
            sys.exit(done.code)


def _end_with_brief(report, kb, con, save, resume):
    """In a terminal: the plan in brief on the last screen, then the offer to
    write the printable handout (Enter accepts the file name shown)."""
    from ..report.text import render_brief

    con.say()
    con.say("-- Your plan in brief --")
    con.out.write(render_brief(report))
    con.say()
    default = answer_files.default_handout(save)
    con.say("Write your printable handout (page 1: your plan with pictures and a 6-week "
            "tick-box schedule)? Press Enter for the file name shown, type another name, "
            "or n for no.")
    while True:
        try:
            raw = con.line(f"  Handout file [{shown(default)}]: ")
        except EOFError:
            return
        if raw.lower() in ("n", "no", "not now", "skip"):
            con.say("No handout written. You can make it later with: hipguide score "
                    f"{shown(save)} --format html -o hip-plan.html" if save else
                    "No handout written.")
            return
        path = raw or default
        try:
            target = answer_files.check_handout(path, [save, resume])
        except click.BadParameter as exc:
            con.say(f"cannot write {shown(path)}: {exc.format_message()}", "  ! ", "    ")
            continue
        failed = answer_files.write_handout(target, path, report, kb, con)
        if failed:
            con.say(failed, "  ! ", "    ")
            continue
        con.say(answer_files.HOW_TO_PRINT, "  ")
        return


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _build_engine_meanwhile(kb, base):
    """Compile the rule engine in a thread while the person answers: it is only
    needed for the report, and building it first delayed the first question."""
    import threading

    from ..api import assessor

    thread = threading.Thread(target=assessor, args=(kb, base), daemon=True)
    thread.start()
    return thread


def _report(answers: dict, save: str | None, fmt: str, con, kb, builder):
    from pathlib import Path

    from ..api import assess
    from ..report.writers import Writer

    builder.join()  # the engine the report needs (see _build_engine_meanwhile)
    report_id = Path(save).stem if save else "answers"
    report = assess(answers, report_id=report_id, source=save or "<questionnaire>", kb=kb)
    con.say()
    if fmt == "text":
        con.say("Your report:")
        con.say()
    writer = Writer(sys.stdout, fmt)
    writer.begin()
    writer.write(report)
    writer.end()
    sys.stdout.flush()
    return report
