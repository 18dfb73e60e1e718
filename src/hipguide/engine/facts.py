"""experta fact types: what the intake says, and what the rules conclude."""

from ._experta import Fact


class Intake(Fact):
    """The intake's top-level scalar answers (only those given)."""


class Symptoms(Fact):
    """The intake's symptoms mapping."""


class Injury(Fact):
    """One past injury; ``index`` keeps identical injuries apart."""


class Surgery(Fact):
    """One operation; ``index`` keeps identical operations apart."""


class Policy(Fact):
    """The run's policy (from the command line or the API), e.g. withhold_unscreened."""


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


class Unscreened(Fact):
    """A warning sign the intake left unanswered (``id``: the red flag it screens for)."""


class Precaution(Fact):
    """A situation in which some exercises must not be given (knowledge/precautions.yaml)."""


class Block(Fact):
    """One exercise a precaution rules out; every recommendation rule for that
    exercise carries ``NOT(Block(exercise=...))``, as it carries ``NOT(RedFlag())``."""


class Withheld(Fact):
    """A recommendation whose rule held but that a precaution blocked: the engine's
    own record of 'not given because ...'."""


class Adapt(Fact):
    """An exercise kept in an adapted form (its ``adaptations`` text) because a
    precaution rules out a hazard it can be done without (e.g. on a bed)."""


SUBJECT_FACTS = {
    "intake": Intake, "symptoms": Symptoms, "injury": Injury, "surgery": Surgery,
    "policy": Policy, "posture": Posture, "conditions": Condition, "factor": Factor,
    "unscreened": Unscreened,
}
# the field that holds the value for list-like subjects
VALUE_FIELD = {"posture": "kind", "conditions": "name", "factor": "id", "unscreened": "id"}
