"""Load-time checks of the ``{placeholder}`` templates in knowledge/ (meta.yaml,
programme.yaml; checkin.yaml's are checked with the same function).

A template is filled with ``str.format`` when reports are built, so anything it
names must exist, and a format spec or conversion could ask for anything
(``{weeks:>300000000}`` is a 300 MB string): only plain, known names pass.
"""

from __future__ import annotations

import string

# meta.yaml key -> the names its template may use
META_TEMPLATES = {"reassess_advice": ("weeks",)}
# knowledge/programme.yaml key -> the names its template may use (plan.py fills them)
PROGRAMME_TEMPLATES = {"side_note": ("side", "why")}


def template_problems(text: str, allowed) -> list[str]:
    """Why ``text`` is not a safe template using only ``allowed`` names ([] if it is)."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"malformed template ({exc}); write a literal brace as {{{{ or }}}}"]
    problems = []
    names = ", ".join("{" + a + "}" for a in allowed) or "none"
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            problems.append(f"unknown placeholder {{{name}}}; allowed: {names}")
        elif spec or conversion:
            problems.append(f"placeholder {{{name}}} may not have a format spec or "
                            f"conversion ({'!' + conversion if conversion else ':' + spec}); "
                            f"write just {{{name}}}")
    return problems


def check_templates(reader, doc, meta: dict):
    """Record a problem (with its position) for every unsafe template in meta."""
    for key, allowed in META_TEMPLATES.items():
        value = meta.get(key)
        if isinstance(value, str):
            for message in template_problems(value, allowed):
                reader.add(doc, (key,), message)
