"""The documentation is checked like code.

- README.md is a front page: at most 150 lines.
- Every relative link in README.md, CONTRIBUTING.md and docs/*.md reaches a file
  that exists, and a ``#heading`` in it reaches a heading of that file.
- README.md's set-up and test commands are the ones .ci/run runs, and it names the
  Python version pyproject.toml requires and the activation step.
- Every transcript (a ```text block whose first line is ``$ hipguide ...``) is the
  installed command's real output, run from the repository root with COLUMNS=80.
  A block with ``[...]`` lines is an excerpt: its other lines must appear in the real
  output, in order. Captured terminal sessions (``ask``) are ```console blocks and are
  not re-run.

After a change of wording, rewrite the verbatim transcripts from real runs with
``python tests/test_docs.py --update``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[^\n]*\n.*?^```[ \t]*$", re.S | re.M)
TRANSCRIPT = re.compile(r"^```text\n(\$ hipguide [^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
ELISION = re.compile(r"^\s*(\[\.\.\..*\]|\.\.\.)\s*$")
# ``rules check`` names the knowledge base's folder: the checkout (editable install) or
# the installed package. Transcripts show either as this.
KB_SHOWN = "…/hipguide"


def _exe() -> str:
    exe = Path(sys.executable).with_name("hipguide")
    return str(exe) if exe.exists() else shutil.which("hipguide")


def _prose(text: str) -> str:
    """The text without fenced blocks and inline code, where links are not links."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"`|\*\*|\*|_(?=\W)|(?<=\W)_", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found, seen = set(), {}
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M):
        slug = _slug(heading)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    found.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text))
    return found


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):        # http:, https:, mailto:
            continue
        name, _, anchor = target.partition("#")
        dest = (page.parent / name).resolve() if name else page
        if not dest.exists():
            broken.append(f"{page.name}: {target}: no such file")
        elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest)):
            broken.append(f"{page.name}: {target}: no heading #{anchor} in {dest.name}")
    return broken


def test_readme_is_a_front_page_of_at_most_150_lines():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= 150, f"README.md has {lines} lines; move detail to docs/"


def test_every_guide_exists_and_is_linked_from_the_readme():
    readme = README.read_text(encoding="utf-8")
    guides = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert guides, "docs/ holds no guide"
    unlinked = [g for g in guides if f"(docs/{g}" not in readme]
    assert not unlinked, f"guides the README does not link: {unlinked}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    assert page.exists(), f"{page.relative_to(ROOT)} is missing"
    assert not broken_links(page)


def test_the_link_checker_sees_a_broken_link_and_a_missing_heading(tmp_path):
    (tmp_path / "other.md").write_text("# Real heading\n\n## Two words, `code`\n")
    page = tmp_path / "page.md"
    page.write_text("[a](other.md#real-heading) [b](other.md#two-words-code) "
                    "[c](missing.md) [d](other.md#nowhere) `[e](inline.md)`\n"
                    "```sh\n[f](fenced.md)\n```\n[g](https://example.org/x.md)\n")
    assert broken_links(page) == ["page.md: missing.md: no such file",
                                  "page.md: other.md#nowhere: no heading #nowhere in other.md"]


def _ci_commands() -> list[str]:
    """The pip and pytest lines of .ci/run, as a person types them in the venv."""
    out = []
    for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith('"$VENV/bin/python" -m'):
            words = [w for w in shlex.split(line)[1:] if w != "--quiet"]
            out.append(" ".join(["python", *words]))
    return out


ARCHITECTURE = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "src" / "hipguide"


def _module_map(text: str) -> set:
    """The modules docs/architecture.md's tables name (a ``*`` stands for several)."""
    named = set()
    for line in text.splitlines():
        if line.startswith("|"):
            for path in re.findall(r"`((?:[a-z_]+/)*[a-z_*]+\.py)`", line):
                named |= {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.glob(path)} \
                    or {f"missing: {path}"}
    return named


def test_the_architecture_page_maps_every_module_and_only_real_ones():
    named = _module_map(ARCHITECTURE.read_text(encoding="utf-8"))
    real = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
            if p.name not in ("__init__.py", "__main__.py")}
    assert not {n for n in named if n.startswith("missing: ")}, named
    assert real <= named, f"modules docs/architecture.md does not place: {sorted(real - named)}"


def test_the_module_map_check_sees_a_module_left_out():
    text = ARCHITECTURE.read_text(encoding="utf-8").replace("`core/terminal.py`, ", "")
    assert "core/terminal.py" not in _module_map(text)
    assert "missing: core/nowhere.py" in _module_map("| x | `core/nowhere.py` | y |")


def test_readme_install_and_test_commands_are_the_ones_ci_runs():
    commands = _ci_commands()
    assert len(commands) == 3, commands                 # two installs and the tests
    shell = [line.strip() for block in re.findall(r"^```sh\n(.*?)^```", README.read_text(
        encoding="utf-8"), re.S | re.M) for line in block.splitlines()]
    missing = [c for c in commands if c not in shell]
    assert not missing, f"README.md lacks .ci/run's commands: {missing}"


def test_readme_names_the_python_version_and_the_activation_step():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'requires-python\s*=\s*">=\s*([\d.]+)"', pyproject).group(1)
    readme = README.read_text(encoding="utf-8")
    assert f"Python {version}" in readme
    assert ". .venv/bin/activate" in readme


def transcripts() -> list[tuple[Path, str, str]]:
    found = []
    for page in PAGES:
        if page.exists():
            found += [(page, m.group(1), m.group(2))
                      for m in TRANSCRIPT.finditer(page.read_text(encoding="utf-8"))]
    return found


def real_output(command: str) -> str:
    args = shlex.split(command)[2:]                     # after "$ hipguide"
    env = {k: v for k, v in os.environ.items() if k not in ("HIPGUIDE_KB", "COLUMNS")}
    env.update(COLUMNS="80", HIPGUIDE_NO_CACHE="1")
    result = subprocess.run([_exe(), *args], capture_output=True, text=True, cwd=ROOT,
                            env=env, stdin=subprocess.DEVNULL, timeout=300)
    assert result.stdout, f"{command}: no output (exit {result.returncode}): {result.stderr}"
    from hipguide.kb import location

    package = os.path.dirname(os.path.dirname(os.path.realpath(location.__file__)))
    out = result.stdout
    for folder in sorted({package, str(ROOT)}, key=len, reverse=True):
        out = out.replace(folder, KB_SHOWN)
    return out


def _is_in_order(shown: list[str], real: list[str]) -> list[str]:
    """The lines of ``shown`` missing from ``real`` in order (empty when all are)."""
    rest = iter(real)
    return [line for line in shown if not any(line == r for r in rest)]


@pytest.mark.parametrize(("page", "command", "shown"), transcripts(),
                         ids=[f"{p.name}:{c[2:40]}" for p, c, _ in transcripts()])
def test_transcripts_are_the_real_output(page, command, shown):
    real = real_output(command)
    lines = shown.splitlines()
    hint = "(python tests/test_docs.py --update rewrites verbatim transcripts)"
    if any(ELISION.match(line) for line in lines):
        kept = [line for line in lines if not ELISION.match(line)]
        assert not _is_in_order(kept, real.splitlines()), (page.name, command, hint)
    else:
        assert shown == real, (page.name, command, hint)


def test_there_are_transcripts_to_check():
    commands = {c.split()[2] for _, c, _ in transcripts()}
    assert {"score", "rules", "checkin", "why", "validate"} <= commands, commands


def update() -> None:
    """Rewrite every verbatim transcript (no ``[...]`` lines) from a real run."""
    for page in filter(Path.exists, PAGES):
        text = page.read_text(encoding="utf-8")

        def rerun(match):
            body = match.group(2)
            if any(ELISION.match(line) for line in body.splitlines()):
                return match.group(0)
            real = real_output(match.group(1))
            end = "" if real.endswith("\n") else "\n"
            return f"```text\n{match.group(1)}\n{real}{end}```"

        new = TRANSCRIPT.sub(rerun, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            print(f"updated {page.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_docs.py --update")
    update()
