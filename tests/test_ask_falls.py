"""`hipguide ask` asks about worry about falling (a falls marker from the World
Falls Guidelines 2022) of people 60 or over and of anyone unsteady; "not sure"
leaves it unanswered, as for every question."""

import pytest
from test_ask import DAY, SPORT, asked, run, saved

QUESTION = "Do you worry about falling"


def older(age: str, fear: str, balance: str = "n") -> list:
    red = [age, "2", "n"] + ["n"] * 3 + ["none"] + ["n"] * 9 + ["n"]
    feel = ["", "y", "", balance, "n", "n", fear, "none"]  # ..., fell, aid, worry, posture
    health = ["n", "n"]                                     # fragile bones, steroids
    return red + DAY + SPORT + ["n"] + feel + health


@pytest.mark.parametrize(("answer", "stored"), [("y", True), ("n", False), ("not sure", None)])
def test_a_72_year_old_is_asked_and_worry_about_falling_is_a_falls_marker(
        tmp_path, answer, stored):
    out = tmp_path / "me.yaml"
    result = run(older("72", answer), "--save", str(out))
    assert result.exit_code == 0, result.output
    assert QUESTION in asked(result)
    data = saved(out)
    assert data.get("fear_of_falling") == stored
    assert ("worry about falling" in result.stdout.lower()) == (stored is True)


def test_a_young_steady_person_is_not_asked():
    red = ["35", "2", "n"] + ["n"] * 3 + ["none"] + ["n"] * 9 + ["n"]
    answers = red + DAY + SPORT + ["n"] + ["", "y", "", "n", "none"] + ["", "n"]
    result = run(answers)
    assert result.exit_code == 0, result.output
    assert QUESTION not in asked(result)
