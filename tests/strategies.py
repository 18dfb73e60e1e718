"""Hypothesis strategies for intakes, built from the intake SCHEMA itself, so a
new field is generated without touching the tests."""

from hypothesis import strategies as st

from hipguide.core import contract as schema
from hipguide.core.schema_types import Boolean, Choice, ListOf, Mapping, Number, Text


def for_spec(spec):
    if isinstance(spec, Number):
        if spec.integer:
            return st.integers(int(spec.low), int(spec.high))
        return st.floats(spec.low, spec.high, allow_nan=False).map(lambda v: round(v, 1))
    if isinstance(spec, Boolean):
        return st.booleans()
    if isinstance(spec, Choice):
        return st.sampled_from(spec.choices)
    if isinstance(spec, Text):
        return st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), min_size=1,
                       max_size=20).filter(lambda s: s.strip() and s.isprintable())
    if isinstance(spec, ListOf):
        return st.lists(for_spec(spec.item), max_size=min(spec.max_items, 4),
                        unique=spec.unique and isinstance(spec.item, Choice))
    if isinstance(spec, Mapping):
        required = {k: for_spec(v) for k, v in spec.fields.items() if v.required}
        optional = {k: for_spec(v) for k, v in spec.fields.items() if not v.required}
        return st.fixed_dictionaries(required, optional=optional)
    raise TypeError(spec)


intakes = for_spec(schema.SCHEMA)
