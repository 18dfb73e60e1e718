"""experta fact types: what the intake says, and what the rules conclude."""

from ._experta import Fact


class Intake(Fact):
    """The intake's top-level scalar answers (only those given)."""


class Symptoms(Fact):
    """The intake's symptoms mapping."""


class Injury(Fact):
    """One past injury; ``index`` keeps identical injuries apart."""


class Posture(Fact):
    """One posture finding (one fact per list item: patterns cannot look inside lists)."""


class Condition(Fact):
    """One diagnosed condition."""


class Factor(Fact):
    """A contributing factor concluded by a rule."""


class RedFlag(Fact):
    """A red flag concluded by a rule; blocks every recommendation rule."""


class Recommendation(Fact):
    """An exercise or habit recommended by a rule."""


class Caution(Fact):
    """A caution that applies to some exercises for this person."""


SUBJECT_FACTS = {
    "intake": Intake, "symptoms": Symptoms, "injury": Injury, "posture": Posture,
    "conditions": Condition, "factor": Factor,
}
# the field that holds the value for list-like subjects
VALUE_FIELD = {"posture": "kind", "conditions": "name", "factor": "id"}
