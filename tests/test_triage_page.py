"""The daily triage page (``score --format triage-html``): one self-contained,
autoescaped page with the counts by urgency, a chart of the commonest factors
and referral reasons, and the sorted list; rendered in headless Chromium."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run_hipguide as run
from test_handout import _browser, _chromium, png_pixels
from test_triage import ORDER, clinic, intake  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "intakes"
NO_BROWSER = _browser() is None and not os.environ.get("HIPGUIDE_REQUIRE_CHROMIUM")
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


class Page(HTMLParser):
    """Tags, the table rows' cells, the counts and the charts' bar labels."""

    def __init__(self, text: str):
        super().__init__()
        self.tags, self.rows, self.counts, self.charts = [], [], {}, {}
        self.cell = self.row = self.chart = self.count = None
        self.in_text = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        cls = attrs.get("class") or ""
        if tag == "tr" and cls.startswith("g-"):
            self.row = []
            self.rows.append(self.row)
        elif tag == "td" and self.row is not None:
            self.cell = ""
        elif tag == "li" and cls.startswith("g-"):
            self.count = cls[2:]
        elif tag == "figure":
            self.chart = cls.split("chart-")[-1]
            self.charts[self.chart] = []
        elif tag == "text" and self.chart:
            self.in_text = True

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "tr":
            self.row = None
        elif tag == "figure":
            self.chart = None
        elif tag == "text":
            self.in_text = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.count and data.strip().isdigit():
            self.counts[self.count] = int(data)
            self.count = None
        if self.in_text:
            self.charts[self.chart].append(data)


def page_of(*args) -> tuple[Page, str]:
    result = run("score", *args, "--format", "triage-html", "-q")
    return Page(result.stdout), result.stdout


def test_page_counts_sorts_and_charts_like_the_reports(clinic):  # noqa: F811
    page, html = page_of(clinic, EXAMPLES)
    reports = json.loads(run("score", clinic, EXAMPLES, "--format", "json", "-q").stdout)
    groups = Counter(r["urgency"] if r["status"] == "refer" else r["status"] for r in reports)
    assert page.counts == {g: groups.get(g, 0) for g in
                           ("emergency", "same_day", "urgent", "soon", "invalid", "ok")}
    assert len(page.rows) == len(reports)
    ranks = [ORDER.index(row[0]) for row in page.rows]
    assert ranks == sorted(ranks)
    assert sorted(row[1] for row in page.rows) == sorted(r["id"] for r in reports)
    # the charts: the commonest factors of ok intakes and referral reasons, with counts
    factors = Counter(f["name"] for r in reports if r["status"] == "ok" for f in r["factors"])
    reasons = Counter(f["name"] for r in reports for f in r["red_flags"])
    for key, counter in (("factors", factors), ("reasons", reasons)):
        texts = page.charts[key]   # label, count, label, count...
        labels, numbers = texts[::2], [int(n) for n in texts[1::2]]
        assert numbers == sorted(numbers, reverse=True)
        assert len(labels) == min(6, len(counter))
        assert numbers[0] == max(counter.values())
        for label, n in zip(labels, numbers, strict=True):
            name = next(k for k in counter if k.startswith(label.rstrip("\u2026")))
            assert counter[name] == n
    # the full reasons, not cut: dora's answers are all there
    dora = next(row for row in page.rows if row[1] == "dora")
    assert "cannot put weight on the leg" in dora[2] and "fall" in dora[2]
    assert "\u2026" not in dora[2]
    assert html.rstrip().endswith("</html>") and "disclaimer" in html


def test_page_is_self_contained_scriptless_and_escaped(tmp_path):
    (tmp_path / "a.yaml").write_text(f"id: '{HOSTILE}'\nsitting_hours: 9\n")
    (tmp_path / "b.yaml").write_text(intake("x", night_pain=True))
    page, html = page_of(tmp_path)
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "img" not in tags and "iframe" not in tags
    assert not any(k.startswith("on") for _, attrs in page.tags for k in attrs)
    assert not any(v and re.match(r"(https?:|//|javascript:)", v)
                   for tag, attrs in page.tags if tag != "svg" for v in attrs.values())
    assert "<script" not in html and "&lt;script&gt;" in html
    assert any(row[1] == HOSTILE for row in page.rows)   # shown as text
    assert "svg" in tags and "rect" in tags


def test_only_and_an_empty_day(clinic):  # noqa: F811
    page, _ = page_of(clinic, "--only", "refer")
    ranks = [ORDER.index(row[0]) for row in page.rows]
    assert len(ranks) == 4 and ranks == sorted(ranks) and max(ranks) < ORDER.index("INVALID")
    assert page.counts["ok"] == 0 and page.counts["invalid"] == 0
    page, html = page_of(clinic, "--only", "ok", "--only", "invalid")
    assert page.charts["reasons"] == [] and "none" in html


@pytest.mark.skipif(NO_BROWSER, reason="no Chromium or Chrome installed")
def test_triage_page_renders_in_headless_chromium(tmp_path, clinic):  # noqa: F811
    page = tmp_path / "triage.html"
    result = run("score", clinic, EXAMPLES, "--format", "triage-html", "-o", page, "-q")
    assert result.returncode == 1, result.stderr   # one invalid intake
    png = tmp_path / "triage.png"
    _chromium(tmp_path, "--window-size=1000,1400", "--force-device-scale-factor=0.5",
              f"--screenshot={png}", page.as_uri())
    assert png.exists(), "Chromium wrote no screenshot"
    width, height, rows = png_pixels(png.read_bytes())
    assert (width, height) == (500, 700)
    pixels = [p for row in rows[::2] for p in row[::2]]
    dark = sum(1 for p in pixels if max(p) < 100)
    assert dark > 300, f"the page looks blank ({dark} dark pixels)"
    # the emergency red (#b00020) of the count, the badges and the reasons' bars, and
    # the factors' blue bars (#1c7ed6)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 40 and b < 60)
    blue = sum(1 for r, g, b in pixels if r < 60 and 100 < g < 150 and b > 190)
    assert red > 50 and blue > 50, (red, blue)
    pdf = tmp_path / "triage.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert pdf.read_bytes().startswith(b"%PDF")
