"""Generate realistic intake files for the benchmark and the perf tests.

Deterministic for a given seed: a mix of desk workers, athletes, older people
with arthritis, a few red flags (about 4%), and a few invalid files (about 1%),
written one intake per file with comments, as a clinic export would be.
"""

from __future__ import annotations

import random
from pathlib import Path

POSTURES = ("anterior_pelvic_tilt", "posterior_pelvic_tilt", "lateral_pelvic_tilt",
            "knee_valgus", "sway_back")
SITES = ("hip", "knee", "ankle", "lower_back", "groin", "thigh")
RED_FLAGS = ("night_pain", "pain_after_fall", "cannot_bear_weight", "fever_or_unwell",
             "saddle_numbness", "hot_swollen_joint")


def _yn(value: bool) -> str:
    return "true" if value else "false"


def intake_text(i: int, rng: random.Random) -> str:
    kind = rng.choice(("desk", "desk", "athlete", "older", "manual"))
    lines = [f"# generated intake {i} ({kind})", f"id: bench-{i:06d}"]
    if kind == "desk":
        age, sitting, activity = rng.randint(22, 65), rng.choice((6, 7.5, 8, 9, 10, 11)), \
            rng.choice(("sedentary", "light"))
    elif kind == "athlete":
        age, sitting, activity = rng.randint(16, 40), rng.choice((2, 3, 4.5, 5, 6)), "active"
    elif kind == "older":
        age, sitting, activity = rng.randint(60, 90), rng.choice((5, 6, 7, 8)), \
            rng.choice(("sedentary", "light", "moderate"))
    else:
        age, sitting, activity = rng.randint(20, 60), rng.choice((1, 2, 3)), "moderate"
    lines += [f"age: {age}", f"sitting_hours: {sitting}", f"activity_level: {activity}"]
    for key in ("ergonomic_workstation", "standing_breaks_hourly"):
        if rng.random() < 0.8:
            lines.append(f"{key}: {_yn(rng.random() < 0.4)}")
    lines.append(f"rotational_sport: {_yn(kind == 'athlete' or rng.random() < 0.1)}")
    lines.append(f"returning_to_sport: {_yn(kind == 'athlete' and rng.random() < 0.5)}")
    lines.append(f"repetitive_strain: {_yn(kind == 'manual' or rng.random() < 0.1)}")
    lines.append(f"rest_days_per_week: {rng.randint(0, 5)}")
    posture = rng.sample(POSTURES, rng.choice((0, 1, 1, 2)))
    lines.append(f"posture: [{', '.join(posture)}]")
    if rng.random() < 0.5:
        lines.append("injuries:")
        for _ in range(rng.choice((1, 1, 2))):
            lines.append(f"  - {{site: {rng.choice(SITES)}, side: {rng.choice(('left', 'right'))},"
                         f" months_ago: {rng.randint(1, 36)}, surgery: {_yn(rng.random() < 0.2)}}}")
    lines += ["symptoms:", f"  hip_pain: {rng.randint(0, 7)}",
              f"  stiffness: {_yn(rng.random() < 0.6)}",
              f"  limited_rotation: {_yn(rng.random() < 0.5)}",
              f"  balance_problems: {_yn(rng.random() < 0.15)}",
              f"  numbness_or_tingling: {_yn(rng.random() < 0.05)}"]
    if rng.random() < 0.04:
        lines.append(f"  {rng.choice(RED_FLAGS)}: true")
    if kind == "older" and rng.random() < 0.6:
        lines.append("conditions: [arthritis]")
    if rng.random() < 0.01:  # a typo a clinic export really contains
        lines.append("siting_hours: 8")
    return "\n".join(lines) + "\n"


def generate(directory: Path, n: int, seed: int = 1) -> Path:
    """Write n intake files under directory (in subfolders of 1,000); return it."""
    rng = random.Random(seed)
    directory = Path(directory)
    for i in range(n):
        sub = directory / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"intake-{i:06d}.yaml").write_text(intake_text(i, rng), encoding="utf-8")
    return directory


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(Path(args.directory), args.n, args.seed)
