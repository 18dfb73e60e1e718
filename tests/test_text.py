"""Issue 23, item 8: a name with a look-alike character (a Cyrillic 'і' for 'i')
is shown with its code points beside the "did you mean", in every reader."""

from __future__ import annotations

import json

from hostile_util import run

CYRILLIC_I = "\u0456"   # looks like i


def test_look_alikes_are_named_by_code_point_beside_did_you_mean(tmp_path):
    key = f"s{CYRILLIC_I}tting_hours"
    (tmp_path / "a.yaml").write_text(f"{key}: 3\nsitting_hours: 3\n"
                                     "activity_level: sed\u0435ntary\n")
    (tmp_path / "b.csv").write_text(f"sitting_hours,{key}\n3,3\n")
    (tmp_path / "c.json").write_text(json.dumps({
        "resourceType": "QuestionnaireResponse", "status": "completed",
        "item": [{"linkId": "sitting_hours", "answer": [{"valueDecimal": 3}]},
                 {"linkId": key, "answer": [{"valueDecimal": 3}]}]}))
    proc = run("validate", tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    for name in ("a.yaml", "b.csv", "c.json"):
        line = next(line for line in lines if name in line and "did you mean" in line)
        assert "'sitting_hours'" in line and "U+0456 CYRILLIC SMALL LETTER" in line, line
    assert any("U+0435 CYRILLIC SMALL LETTER IE" in line and "'sedentary'" in line
               for line in lines)
    # a plain typo gets no such note
    (tmp_path / "d.yaml").write_text("sittin_hours: 3\nsitting_hours: 3\n")
    proc = run("validate", tmp_path / "d.yaml")
    assert "did you mean 'sitting_hours'" in proc.stdout and "U+" not in proc.stdout
