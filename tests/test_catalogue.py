"""The exercise catalogue is a programme, not a list: every exercise and habit says
where it is done, whether it really trains inward rotation, how long it takes, when
to move on (a testable criterion), and has a picture that ships with the package
and is a small, self-contained, script-free SVG."""

import fnmatch
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from hipguide.kb.knowledge import KnowledgeError, default_root, load
from hipguide.kb.schemas import POSITIONS

ROOT = Path(__file__).resolve().parents[1]
KB = load()
EXERCISES = KB.exercises
PICTURES = default_root() / "knowledge" / "pictures"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("xid", sorted(EXERCISES))
def test_every_item_has_the_programme_fields(xid):
    item = EXERCISES[xid]
    assert item["position"] in POSITIONS
    assert isinstance(item["trains_internal_rotation"], bool)
    assert 1 <= item["minutes"] <= 120
    assert isinstance(item["per_week"], int) and 1 <= item["per_week"] <= 7
    # a criterion a person can test: it names a number (sets, reps, seconds, pain score)
    assert re.search(r"\d", item["progression_test"]), item["progression_test"]
    assert item["picture"] == f"{xid}.svg"


def test_habits_done_daily_say_seven_days():
    for xid in ("hourly_standing_breaks",):
        assert EXERCISES[xid]["per_week"] == 7


def test_outward_rotation_and_abduction_work_is_not_labelled_internal_rotation():
    for xid in ("clamshells", "banded_bridge", "lateral_band_walk", "side_lying_hip_abduction"):
        assert EXERCISES[xid]["trains_internal_rotation"] is False, xid


def test_enough_internal_rotation_work_beyond_sitting():
    direct = {x: e for x, e in EXERCISES.items()
              if e["trains_internal_rotation"] and e["kind"] == "exercise"}
    assert len(direct) >= 6, sorted(direct)
    assert len({e["position"] for e in direct.values()} - {"seated"}) >= 2
    for xid in direct:  # each one can be recommended by some rule
        assert any(r.kind == "recommend" and r.concludes == xid for r in KB.rules), xid


def test_unsupported_standing_work_is_marked_standing():
    # the falls-risk precautions rely on this: single-leg and stepping work is 'standing'
    for xid in ("single_leg_stance", "lateral_band_walk", "leg_swings"):
        assert EXERCISES[xid]["position"] == "standing", xid


@pytest.mark.parametrize("xid", sorted(EXERCISES))
def test_picture_is_installed_small_and_self_contained(xid):
    path = PICTURES / EXERCISES[xid]["picture"]
    assert path.is_file(), path
    text = path.read_text(encoding="utf-8")
    assert len(text.encode()) <= 20_000
    root = ElementTree.fromstring(text)  # well-formed XML
    assert root.tag == SVG + "svg"
    assert len(root.get("viewBox").split()) == 4
    assert "<script" not in text.lower()
    assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), "event handler attribute"
    for href in re.findall(r"href\s*=\s*[\"']([^\"']*)", text):
        assert href.startswith("#"), href
    assert not re.search(r"url\(\s*['\"]?(?!#)", text), "url() to an outside resource"
    assert "<image" not in text and "data:" not in text, "embedded raster"
    for font in re.findall(r"font-family\s*[=:]\s*[\"']?([^\"';>]+)", text):
        assert font.strip() == "sans-serif", font
    labels = [t.text for t in root.iter(SVG + "text")]
    # an exercise shows its start and end; a habit what to avoid and what is better
    # (or what comes first and what next)
    assert any({a, b} <= set(labels) for a, b in
               (("Start", "End"), ("Avoid", "Better"), ("First", "Later"), ("Sit", "Then move")))


def test_every_picture_belongs_to_an_item():
    used = {e["picture"] for e in EXERCISES.values()}
    assert sorted(p.name for p in PICTURES.glob("*.svg")) == sorted(used)


def test_pictures_ship_in_the_wheel():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["hipguide.knowledge"]
    for name in (e["picture"] for e in EXERCISES.values()):
        assert any(fnmatch.fnmatch(f"pictures/{name}", g) for g in globs), (name, globs)


def test_load_rejects_a_missing_picture(kb_copy):
    (kb_copy / "knowledge" / "pictures" / "side_lying_internal_rotation.svg").unlink()
    with pytest.raises(KnowledgeError) as info:
        load(kb_copy)
    [problem] = info.value.problems
    text = str(problem)
    assert "exercises.yaml" in text and "picture" in text
    assert "side_lying_internal_rotation.svg is missing" in text
    assert problem.line is not None


def test_check_command_rejects_a_missing_picture(kb_copy, exe):
    (kb_copy / "knowledge" / "pictures" / "clamshells.svg").unlink()
    run = subprocess.run([exe, "rules", "check", "--kb", str(kb_copy)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 3
    assert "clamshells.svg is missing" in run.stdout + run.stderr


@pytest.mark.parametrize(("old", "new", "message"), [
    ("<title>", "<script>alert(1)</script><title>", "contains <script>"),
    ('<rect x="0"', '<rect onclick="alert(1)" x="0"', "event handler 'onclick'"),
    ("<title>", '<image href="http://example.com/x.png"/><title>', "contains <image>"),
    ("<title>", '<a href="http://example.com/"><circle r="1"/></a><title>', "only #ids"),
    ('font-family="sans-serif"', 'font-family="Comic Sans MS"', "only the generic sans-serif"),
    ('viewBox="0 0 640 300" ', "", "with a viewBox"),
    ("</svg>", "", "not well-formed XML"),
])
def test_load_rejects_an_unsafe_or_broken_picture(kb_copy, old, new, message):
    path = kb_copy / "knowledge" / "pictures" / "prone_banded_internal_rotation.svg"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeError) as info:
        load(kb_copy)
    assert any(message in str(p) for p in info.value.problems), info.value.problems


def test_schema_rejects_missing_or_wrong_programme_fields(kb_copy):
    path = kb_copy / "knowledge" / "exercises.yaml"
    text = path.read_text()
    text = text.replace("    position: lying\n", "    position: kneeling\n", 1)
    text = text.replace("    per_week: 3\n", "    per_week: 8\n", 1)
    text = text.replace("    progression_test:", "    progression_check:", 1)
    path.write_text(text)
    with pytest.raises(KnowledgeError) as info:
        load(kb_copy)
    messages = "\n".join(str(p) for p in info.value.problems)
    assert "'kneeling' is not allowed" in messages
    assert "8 is out of range" in messages
    assert "missing required key 'progression_test'" in messages
