"""The package's layer order (pyproject.toml, tool.importlinter) holds: no
module imports from a layer above its own, every module sits in a layer, and
imports inside functions are kept for the reasons the CLI's docstring gives."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import hipguide

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(hipguide.__file__).resolve().parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LAYERS = [[name.strip() for name in layer.split("|")]
          for layer in CONFIG["contracts"][0]["layers"]]
RANK = {name: k for k, layer in enumerate(LAYERS) for name in layer}
# packages whose import is slow or optional, and so is left to the function
# that needs it: jinja2 (the handout), openpyxl (xlsx), pyarrow and dask (scale)
LAZY_THIRD_PARTY = ("jinja2", "openpyxl", "pyarrow", "distributed", "dask", "experta")


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts


def _top(parts) -> str | None:
    """The layer a module belongs to: its first name below hipguide."""
    if parts[0] == "__init__" or parts[0] == "__main__":
        return None
    return parts[0]


def _imports(path: Path, parts):
    """(node, absolute target) for each import of hipguide's own modules."""
    package = list(parts[:-1]) if parts[-1] != "__init__" else list(parts[:-1])
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [a.name for a in node.names]
            if not target:   # from . import x (in the root package)
                for name in names:
                    yield node, [name]
            else:
                yield node, target
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hipguide."):
            yield node, node.module.split(".")[1:]


def test_the_layer_contract_is_kept_by_import_linter():
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if linter is None:
        pytest.skip("import-linter is not installed (pip install -r requirements.lock)")
    result = subprocess.run([linter, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_every_package_and_top_level_module_is_in_a_layer():
    tops = {_top(parts) for _, parts in _modules()} - {None}
    missing = sorted(tops - set(RANK))
    assert not missing, f"not in any layer of pyproject.toml's tool.importlinter: {missing}"


def test_no_import_runs_back_up():
    """The same contract, checked here on the source (so a broken layer is named
    with its file and line even without import-linter)."""
    back = []
    for path, parts in _modules():
        here = _top(parts)
        if here is None:
            continue
        for node, target in _imports(path, parts):
            there = target[0] if target else None
            if there in RANK and there != here and RANK[there] < RANK[here]:
                back.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {here} imports "
                            f"{'.'.join(target)}, a layer above it")
            if there in RANK and there != here and RANK[there] == RANK[here]:
                back.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {here} imports "
                            f"its sibling {there}")
    assert not back, "\n".join(back)


def test_the_check_catches_an_import_back_up(tmp_path, monkeypatch):
    """A probe: core importing the engine is found (the check can fail)."""
    probe = tmp_path / "hipguide"
    shutil.copytree(PACKAGE, probe)
    (probe / "core" / "probe.py").write_text("from ..engine.assessor import Assessor\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", probe)
    with pytest.raises(AssertionError, match="core/probe.py:1: core imports engine.assessor"):
        test_no_import_runs_back_up()


def test_imports_inside_functions_only_for_start_up():
    """A function-level import is kept only in the CLI (each command imports
    what it needs, so ``hipguide --help`` and ``ask``'s first question stay
    fast: see cli/__init__.py) and the root package's API functions, or for a
    slow or optional third-party package."""
    found = []
    for path, parts in _modules():
        if parts[0] == "cli" or parts == ("__init__",):
            continue
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    name = (node.module or "") if isinstance(node, ast.ImportFrom) \
                        else node.names[0].name
                    if getattr(node, "level", 0) == 0 and name.split(".")[0] in LAZY_THIRD_PARTY:
                        continue
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: "
                                 f"{'.' * getattr(node, 'level', 0)}{name}")
    assert not found, "imports inside functions:\n" + "\n".join(found)


MAX_MODULE_LINES = 400


def test_no_module_is_over_400_lines():
    """One job per module (issue 25): a module that grows past this is split by
    what it does, not trimmed."""
    long = [f"{path.relative_to(PACKAGE)}: {n} lines" for path, _ in _modules()
            if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES]
    assert not long, "\n".join(long)
