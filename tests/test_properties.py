"""Property tests over generated valid intakes, and fuzzing with broken files."""

import json
import signal
from contextlib import contextmanager

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import intakes

import hipguide
from hipguide.report.writers import Writer, report_dict

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(intakes)
def test_reports_keep_their_promises(data):
    report = hipguide.assess(data)
    assert report.status in ("ok", "refer"), report.errors
    as_dict = report.as_dict()
    assert list(as_dict)[-1] == "disclaimer" and report.disclaimer
    factor_ids = {f.id for f in report.factors}
    if report.red_flags:
        assert report.status == "refer" and report.recommendations == []
        assert report.urgency == report.red_flags[0].urgency
    for rec in report.recommendations:
        assert rec.disclaimer
        assert rec.addresses and set(rec.addresses) <= factor_ids
    confidences = [f.confidence for f in report.factors]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 < c <= 1 for c in confidences)


@SETTINGS
@given(intakes, intakes)
def test_same_intake_same_report_whatever_came_before(data, other):
    first = hipguide.assess(data).as_dict()
    hipguide.assess(other)
    assert hipguide.assess(data).as_dict() == first


@SETTINGS
@given(intakes, st.booleans())
def test_json_and_yaml_output_parse_back_to_the_same_report(data, explain):
    import io

    report = hipguide.assess(data)
    expected = report_dict(report, explain)
    for fmt, parse in (("json", lambda s: json.loads(s)[0]),
                       ("jsonl", json.loads),
                       ("yaml", yaml.safe_load)):
        out = io.StringIO()
        writer = Writer(out, fmt, explain)
        writer.begin()
        writer.write(report)
        writer.end()
        assert parse(out.getvalue()) == expected, fmt


@contextmanager
def time_limit(seconds):
    def boom(*_):
        raise TimeoutError(f"took longer than {seconds}s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _score_text(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    with time_limit(10):
        reports = list(hipguide.assess_files([str(path)]))
    assert reports
    for r in reports:
        assert r.status in ("ok", "refer", "invalid")
        assert r.disclaimer
        if r.status == "invalid":
            assert r.errors and all(e["message"] for e in r.errors)
    return reports


FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path, blob):
    _score_text(tmp_path, "blob.yaml", blob)


@FUZZ
@given(intakes, st.data())
def test_truncated_yaml_never_crashes(tmp_path, data, draw):
    text = yaml.safe_dump(data, sort_keys=False)
    cut = draw.draw(st.integers(0, len(text)))
    _score_text(tmp_path, "cut.yaml", text[:cut].encode())


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=10),
                    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                        st.integers(),
                                                                        max_size=2))


@FUZZ
@given(intakes, st.data())
def test_mutated_values_give_invalid_with_the_field_named(tmp_path, data, draw):
    key = draw.draw(st.sampled_from(sorted(data)))
    value = draw.draw(SCALARS)
    mutated = {**data, key: value}
    reports = _score_text(tmp_path, "mut.yaml",
                          yaml.safe_dump(mutated, sort_keys=False).encode())
    [report] = reports
    if report.status == "invalid":
        assert any(e["field"].startswith(key) or key in e["message"] for e in report.errors)
