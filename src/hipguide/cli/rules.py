"""``hipguide rules list|show|check|doc|review`` and ``hipguide why``: tools for the
knowledge maintainer and for the clinician who reviews a recommendation.

Only click is imported at module level: ``hipguide --help`` must stay fast.
"""

import sys

import click

from .common import KB_OPTION, Exit

KIND_NAMES = {"factor": "factor", "red_flag": "red flag", "recommend": "exercise/habit",
              "caution": "caution", "unscreened": "unanswered warning sign",
              "precaution": "precaution"}


def _load(kb_root, exit_code=Exit.KB):
    """The checked knowledge base, or exit listing every problem in it."""
    from ..kb.knowledge import KnowledgeError, load

    try:
        return load(kb_root)
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"hipguide: the knowledge base has {len(exc.problems)} problem(s).",
                   err=True)
        sys.exit(exit_code)


def _find_rule(kb, rule_id):
    rule = kb.rule(rule_id) or kb.rule(rule_id.upper())
    if rule is None:
        import difflib

        hint = difflib.get_close_matches(rule_id.upper(), [r.id for r in kb.rules], n=3)
        more = f" Did you mean: {', '.join(hint)}?" if hint else ""
        raise click.UsageError(f"no rule {rule_id!r}.{more} See 'hipguide rules list'.")
    return rule


@click.group()
def rules():
    """Inspect and check the rules: list, show ID, check, doc."""


@rules.command("list")
@click.option("--kind", type=click.Choice(["factor", "red_flag", "recommend", "caution",
                                           "unscreened", "precaution"]),
              default=None, help="Only rules of this kind.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@KB_OPTION
def rules_list(kind, fmt, kb):
    """Every rule: id, what it concludes, title."""
    from ..report.rules_doc import concludes, relative_path

    base = _load(kb)
    chosen = [r for r in base.rules if kind is None or r.kind == kind]
    if fmt == "json":
        import json

        click.echo(json.dumps([{"id": r.id, "kind": r.kind, "concludes": r.concludes,
                                "then": r.then, "title": r.title,
                                "file": relative_path(base, r.file), "line": r.line}
                               for r in chosen], indent=2))
        return
    width = max((len(r.id) for r in chosen), default=2)
    cwidth = max((len(concludes(r)) for r in chosen), default=9)
    for r in chosen:
        click.echo(f"{r.id:<{width}}  {concludes(r):<{cwidth}}  {r.title}")
    click.echo(f"{len(chosen)} rule(s).", err=True)


def rule_cases(kb, rule_id):
    """(status, {'fire': [names], 'no_fire': [names]}) from tests/cases/<ID>.yaml."""
    import yaml

    folder = kb.root / "tests" / "cases"
    if not folder.is_dir():
        return "not shipped", {}
    path = folder / f"{rule_id}.yaml"
    if not path.is_file():
        return "missing", {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return f"unreadable ({exc})", {}
    out = {}
    for expect in ("fire", "no_fire"):
        out[expect] = [str(c.get("name", f"case {i + 1}")) if isinstance(c, dict)
                       else f"case {i + 1}" for i, c in enumerate(data.get(expect) or [])]
    return "ok", out


@rules.command("show")
@click.argument("rule_id")
@KB_OPTION
def rules_show(rule_id, kb):
    """One rule in readable form: conditions, action, rationale, source, test cases."""
    from ..kb import conditions as cl
    from ..report.rules_doc import concludes, relative_path

    base = _load(kb)
    rule = _find_rule(base, rule_id)
    click.echo(f"{rule.id}: {rule.title}")
    click.echo(f"  defined in {relative_path(base, rule.file)}:{rule.line}")
    click.echo("  when:")
    for line in cl.render(rule.condition, 2):
        click.echo(line)
    if rule.kind == "recommend":
        click.echo("    and no red flag (added to every exercise and habit rule)")
    click.echo(f"  then: {concludes(rule)}")
    target = _catalogue_name(base, rule)
    if target:
        click.echo(f"        ({target})")
    if rule.evidence:
        click.echo(f"  evidence: {rule.evidence}")
    click.echo(f"  rationale: {rule.rationale}")
    click.echo(f"  source: {rule.source}")
    click.echo(f"  clinical review: {_review_line(base, rule)}")
    status, cases = rule_cases(base, rule.id)
    if status == "not shipped":
        click.echo("  test cases: not shipped with this installation (they live in the "
                   "source checkout's tests/cases/)")
    elif status == "missing":
        click.echo(f"  test cases: NONE (tests/cases/{rule.id}.yaml is missing)")
    elif status != "ok":
        click.echo(f"  test cases: tests/cases/{rule.id}.yaml is {status}")
    else:
        click.echo(f"  test cases (tests/cases/{rule.id}.yaml):")
        for expect, label in (("fire", "must fire"), ("no_fire", "must not fire")):
            names = cases.get(expect) or []
            click.echo(f"    {label}: {len(names)}")
            for name in names:
                click.echo(f"      - {name}")


def _review_line(kb, rule) -> str:
    """The rule's latest clinical review record (its own, by scope, or whole-base)."""
    records = [r for r in (kb.meta.get("review") or {}).get("records") or ()
               if r["scope"] in ("all", rule.id)] + ([rule.review] if rule.review else [])
    if not records:
        return "none recorded (unreviewed)"
    latest = max(records, key=lambda r: r["date"])
    return (f"{latest['date']} by {latest['reviewed_by']} ({latest['role']}), scope "
            f"{latest['scope']}: {latest['evidence']}")


def _catalogue_name(kb, rule) -> str:
    table = {"factor": kb.factors, "red_flag": kb.red_flags, "recommend": kb.exercises,
             "caution": kb.cautions, "unscreened": kb.red_flags,
             "precaution": kb.precautions}[rule.kind]
    item = table.get(rule.concludes) or {}
    return item.get("name") or item.get("text", "")


@rules.command("check")
@KB_OPTION
def rules_check(kb):
    """Check the knowledge base strictly, as every command does when it loads it.
    Prints each problem as file:line:col: field: message (rule id); exit 3 on any,
    the code of every command that refuses a knowledge base."""
    from ..kb.knowledge import KnowledgeError, default_root, load
    from ..kb.review import review_status

    root = kb or str(default_root())
    try:
        base = load(kb)
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        click.echo(f"{root}: {len(exc.problems)} problem(s).", err=True)
        sys.exit(Exit.KB)
    click.echo(f"OK: {root}: {len(base.rules)} rules, {len(base.factors)} factors, "
               f"{len(base.exercises)} exercises and habits, {len(base.red_flags)} red flags, "
               f"{len(base.cautions)} cautions, {len(base.precautions)} precautions "
               f"(knowledge base {base.meta['version']}; {review_status(base.meta)})")


@rules.command("review")
@click.option("--max-age-months", type=click.IntRange(1, 600), default=None,
              help="A review older than this is due again (default: knowledge/meta.yaml "
                   "review.max_age_months).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@KB_OPTION
def rules_review(max_age_months, fmt, kb):
    """List every rule and catalogue item with no clinical review record, or whose
    latest review is older than --max-age-months. Exit 1 when any is due."""
    import json

    from ..kb.review import CATALOGUE_KINDS, due, review_status

    base = _load(kb)
    items = due(base, max_age_months)
    if fmt == "json":
        click.echo(json.dumps({"status": review_status(base.meta),
                               "due": [d.__dict__ for d in items]}, indent=2))
    else:
        click.echo(review_status(base.meta))
        for item in items:
            click.echo(item.line())
        total = len(base.rules) + sum(len(getattr(base, attr)) for _, attr in CATALOGUE_KINDS)
        click.echo(f"{len(items)} of {total} rules and catalogue items are unreviewed or "
                   "due for review.")
    sys.exit(Exit.PROBLEMS if items else Exit.OK)


@rules.command("doc")
@KB_OPTION
def rules_doc(kb):
    """Print the rules and catalogue as a Markdown page (hipguide rules doc > RULES.md)."""
    from ..report.rules_doc import catalogue_markdown

    click.echo(catalogue_markdown(_load(kb)), nl=False)


@click.command()
@click.argument("target", required=False)
@click.option("--intake", "intake_path", required=True,
              help="The intake file (or - for standard input) to explain.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--trace", is_flag=True,
              help="Show the rule engine's own log (experta's watchers, run without "
                   "hipguide's speed patches) on standard error.")
@KB_OPTION
def why(target, intake_path, fmt, kb, trace):
    """Explain one intake: how its facts led, rule by rule, to each red flag,
    factor and recommendation. With TARGET (a factor, exercise, habit, red flag,
    caution or rule id), explain that one; if it was NOT concluded, show which
    condition failed (why not), following missing factors back to their rules."""
    from ..intake.reading import records
    from ..whynot import Explainer, explain, known_ids, resolve
    from .common import load_kb_or_exit

    if trace:
        _trace_engine()  # before the engine is built
    worker = load_kb_or_exit(kb)
    base = worker.kb
    resolved = None
    if target:
        resolved = resolve(base, target) or resolve(base, target.upper())
        if resolved is None:
            import difflib

            hint = difflib.get_close_matches(target, known_ids(base), n=3)
            more = f" Did you mean: {', '.join(hint)}?" if hint else ""
            raise click.UsageError(f"{target!r} is not a rule, factor, exercise, habit, red "
                                   f"flag or caution id.{more}")
    from ..core.text import json_text, shown

    status = Exit.OK
    results = []
    for record in records([intake_path], kb):
        if record.problems:
            for problem in record.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{shown(record.source)}: {shown(record.id)}: invalid intake; nothing "
                       "to explain.", err=True)
            status = Exit.PROBLEMS
            continue
        conclusions = worker.run(record.intake)
        report = worker.build(conclusions, record.id, record.source, record.intake)
        explainer = Explainer(base, record.intake, conclusions, worker.policy)
        if resolved:
            body = explain(explainer, *resolved)
        else:
            body = _chain(explainer, report)
        results.append({"id": record.id, "source": record.source, "status": report.status,
                        "explanation": body, "disclaimer": report.disclaimer})
    if fmt == "json":
        import json

        click.echo(json_text(json.dumps(results, indent=2, ensure_ascii=False)))
    else:
        for n, result in enumerate(results):
            if n:
                click.echo()
            click.echo(f"== {shown(result['id'])} ({shown(result['source'])}): "
                       f"{result['status']} ==")
            if resolved:
                from ..whynot import render_text

                for line in render_text(result["explanation"]):
                    click.echo(line)
            else:
                _echo_chain(result["explanation"])
            click.echo(f"\nDisclaimer: {result['disclaimer']}")
    sys.exit(status)


def _trace_engine():
    """Plain experta (HIPGUIDE_EXPERTA=plain: every watcher call of its own) with
    its rule, fact, agenda and activation watchers logging to standard error."""
    import logging
    import os

    os.environ["HIPGUIDE_EXPERTA"] = "plain"
    from ..engine import _experta

    _experta.revert_all()  # in case it was imported, and patched, already
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for watcher in ("RULES", "FACTS", "AGENDA", "ACTIVATIONS"):
        logger = getattr(_experta.watchers, watcher)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        logger.propagate = False
    click.echo(f"hipguide: tracing experta as shipped ({len(_experta.applied())} speed "
               "patches applied); its log follows on standard error", err=True)


def _chain(explainer, report) -> dict:
    """The whole chain for one intake: facts -> rules -> conclusions; and what was not."""
    from ..engine.assessor import intake_facts

    facts = []
    for fact in intake_facts(explainer.intake):
        shown = ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}"
                          for k, v in fact.as_dict().items())
        facts.append(f"{type(fact).__name__}: {shown}")

    def entry(item_id, kind, name, rules, basis, extra=None):
        fired = {r: explainer.fired.get(r, []) for r in rules}
        return {"id": item_id, "kind": kind, "name": name, **(extra or {}),
                "rules": [{"rule": r, "title": explainer.kb.rule(r).title,
                           "because": sorted({b for f in fired[r] for b in f["basis"]})}
                          for r in rules]}

    kb = explainer.kb
    concluded = {(type(f).__name__, f["id"]) for f in explainer.conclusions}
    return {
        "facts": facts,
        "red_flags": [entry(f.id, "red flag", f.name, f.rules, f.basis, {"urgency": f.urgency})
                      for f in report.red_flags],
        "factors": [entry(f.id, "factor", f.name, f.rules, f.basis,
                          {"likelihood": f.likelihood, "confidence": f.confidence})
                    for f in report.factors],
        "recommendations": [entry(r.id, r.kind, r.name, r.rules, r.basis,
                                  {"addresses": r.addresses}) for r in report.recommendations],
        # sorted: experta's firing order among equal-salience rules depends on PYTHONHASHSEED
        "cautions": sorted((entry(c["id"], "caution", kb.cautions[c["id"]]["text"], [c["rule"]],
                                  []) for c in explainer.conclusions
                            if type(c).__name__ == "Caution"),
                           key=lambda e: (e["id"], e["rules"][0]["rule"])),
        "not_concluded": {
            "factors": [f for f in kb.factors if ("Factor", f) not in concluded],
            "recommendations": [x for x in kb.exercises
                                if ("Recommendation", x) not in concluded],
        },
    }


def _echo_chain(chain: dict):
    click.echo("Facts from the intake (what the engine was given):")
    for fact in chain["facts"]:
        click.echo(f"  {fact}")
    sections = (("red_flags", "Red flags (these stop every exercise)"),
                ("factors", "Factors (most likely first)"),
                ("recommendations", "Exercises and habits"), ("cautions", "Cautions"))
    for key, title in sections:
        click.echo(f"\n{title}:")
        if not chain[key]:
            click.echo("  none")
        for item in chain[key]:
            extra = ""
            if "likelihood" in item:   # a rank weight, not a probability: no percentage
                extra = f" ({item['likelihood']})"
            elif "urgency" in item:
                extra = f" ({item['urgency']})"
            elif item.get("addresses"):
                extra = f" -- addresses {', '.join(item['addresses'])}"
            click.echo(f"  {item['id']}: {item['name']}{extra}")
            for rule in item["rules"]:
                click.echo(f"    <- {rule['rule']} ({rule['title']})")
                for basis in rule["because"]:
                    click.echo(f"         because {basis}")
    missing = chain["not_concluded"]
    click.echo("\nNot concluded (run 'hipguide why ID --intake FILE' to see which condition "
               "failed):")
    click.echo(f"  factors: {', '.join(missing['factors']) or 'none'}")
    click.echo(f"  exercises and habits: {', '.join(missing['recommendations']) or 'none'}")
