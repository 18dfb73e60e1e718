"""The printable HTML handout (score --format html): structure, the disclaimer on
every page, escaping, and a real render in headless Chromium when one is installed."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run_hipguide as run

from hipguide.api import assessor

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "intakes"
META = assessor().kb.meta
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


class Page:
    def __init__(self, attrs):
        self.attrs = attrs
        self.text = []
        self.tags = []          # (tag, classes, depth-independent) inside this page
        self.footer_text = []


class Handout(HTMLParser):
    """Collects every element, and per <section class="page"> its text and tags."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.pages: list[Page] = []
        self.stack = []
        self.title = ""
        self.feed(text)
        self.close()
        assert not self.stack, f"unclosed elements: {self.stack}"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        self.elements.append((tag, attrs))
        if tag == "section" and "page" in classes:
            self.pages.append(Page(attrs))
        if self.pages and "page" in self.stack_classes():
            self.pages[-1].tags.append((tag, tuple(classes)))
        if tag not in self.VOID:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, (tag, self.stack)
        self.stack.pop()

    def stack_classes(self):
        return {c for _, classes in self.stack for c in classes} | (
            {"page"} if self.stack and self.stack[-1][0] == "section" else set())

    def handle_data(self, data):
        inside = [t for t, _ in self.stack]
        if inside and inside[-1] == "title":
            self.title += data
        if self.pages and any("page" in c for _, c in self.stack):
            self.pages[-1].text.append(data)
            if any(t == "footer" and "disclaimer" in c for t, c in self.stack):
                self.pages[-1].footer_text.append(data)


def page_text(page: Page) -> str:
    return " ".join(" ".join(page.text).split())


def handout(*paths, extra=()) -> tuple[Handout, subprocess.CompletedProcess, str]:
    result = run("score", *paths, "--format", "html", "-q", *extra)
    return Handout(result.stdout), result, result.stdout


def test_one_page_per_intake_each_ending_with_the_disclaimer(tmp_path):
    out = tmp_path / "handout.html"
    result = run("score", EXAMPLES, "--format", "html", "--output", out, "-q")
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>")
    doc = Handout(text)
    jsonl = run("score", EXAMPLES, "--format", "jsonl", "-q").stdout.splitlines()
    assert len(doc.pages) == len(jsonl) >= 7
    disclaimer = " ".join(META["disclaimer"].split())
    for page in doc.pages:
        footer = " ".join(" ".join(page.footer_text).split())
        assert footer == "Important: " + disclaimer
        # the disclaimer is the last thing on the page
        assert page_text(page).endswith(disclaimer)
        last = max(i for i, t in enumerate(page.tags) if t == ("footer", ("disclaimer",)))
        assert {tag for tag, _ in page.tags[last + 1:]} <= {"strong"}


def test_ok_page_has_ranked_factors_numbered_steps_dose_cautions_and_reassess_date():
    doc, result, _ = handout(EXAMPLES / "office_worker.yaml")
    assert result.returncode == 0
    (page,) = doc.pages
    text = page_text(page)
    assert page.attrs["data-status"] == "ok"
    assert "Your hip guidance: office-worker" in text
    # ranked factors in plain words, most likely first
    assert text.index("Tight hip flexors (very likely)") < text.index("Posture imbalance (likely)")
    assert "From your answers: sits 10 h a day" in text
    # every exercise has numbered steps, a dose, progression, regression, cautions
    assert ("ol", ("steps",)) in page.tags
    assert text.count("How much") == text.count("When it gets easy") == \
        text.count("If it hurts") >= 5
    assert "Stop if you feel pinching or sharp pain in the hip or groin." in text
    assert "Bridge with a resistance band" in text and "Everyday habits" in text
    due = datetime.date.today() + datetime.timedelta(weeks=META["reassess_after_weeks"])
    assert f"Check again on or about {due.day} {due:%B %Y}" in text
    assert META["recommendation_disclaimer"] in text


def test_red_flag_page_gives_the_referral_and_no_exercises():
    doc, result, _ = handout(EXAMPLES / "fall_red_flag.yaml")
    (page,) = doc.pages
    text = page_text(page)
    assert page.attrs["data-status"] == "refer"
    assert "Please see a clinician (emergency)" in text
    assert META["refer_advice"]["emergency"] in text
    assert "Pain after a fall or injury" in text
    assert ("ol", ("steps",)) not in page.tags
    assert "How much" not in text and "Check again on or about" not in text
    # the alert comes before anything else on the page
    assert text.index("Please see a clinician") < text.index("What may be making")


def test_invalid_intake_gets_a_page_saying_so_with_the_disclaimer():
    result = run("score", "-", "--format", "html", "-q",
                 stdin="id: broken-form\nsitting_hours: 30\n")
    assert result.returncode == 1
    (page,) = Handout(result.stdout).pages
    text = page_text(page)
    assert page.attrs["data-status"] == "invalid"
    assert "This form could not be assessed" in text and "sitting_hours" in text
    assert text.endswith(" ".join(META["disclaimer"].split()))
    assert "sitting_hours" in result.stderr  # the problem is also on stderr


def test_hostile_intake_id_is_escaped():
    intake = f"id: '{HOSTILE}'\nsitting_hours: 9\nactivity_level: sedentary\n"
    result = run("score", "-", "--format", "html", "-q", stdin=intake)
    assert result.returncode == 0, result.stderr
    doc = Handout(result.stdout)
    tags = {tag for tag, _ in doc.elements}
    assert "script" not in tags and "img" not in tags
    assert not any(k.startswith("on") for _, attrs in doc.elements for k in attrs)
    (page,) = doc.pages
    assert page.attrs["data-id"] == HOSTILE  # an attribute value, not markup
    assert f"Your hip guidance: {HOSTILE}" in page_text(page)
    assert "&lt;script&gt;" in result.stdout and "<script" not in result.stdout


def test_handout_is_self_contained_and_printable():
    _, _, text = handout(EXAMPLES / "office_worker.yaml", EXAMPLES / "warehouse_picker.yaml")
    doc = Handout(text)
    assert len(doc.pages) == 2
    for tag, attrs in doc.elements:
        assert tag not in ("script", "link", "iframe", "img")
        for key in ("src", "href"):
            assert key not in attrs, (tag, attrs)
    assert "@page" in text and "break-before: page" in text
    assert ('meta', {'charset': 'utf-8'}) in doc.elements


def test_jinja2_is_only_imported_for_html():
    code = ("import sys, hipguide.cli, hipguide.cli.rules; "
            "from click.testing import CliRunner; "
            "r = CliRunner().invoke(hipguide.cli.main, ['score', '-q', sys.argv[1]]); "
            "assert r.exit_code == 0, r.output; "
            "assert 'jinja2' not in sys.modules, 'jinja2 imported for text output'")
    result = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "office_worker.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    code = "import sys, hipguide.cli; bad = {'jinja2', 'yaml', 'experta'} & set(sys.modules); " \
           "assert not bad, bad"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _browser():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.skipif(_browser() is None, reason="no Chromium or Chrome installed")
def test_handout_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "handout.html"
    result = run("score", EXAMPLES / "office_worker.yaml", EXAMPLES / "fall_red_flag.yaml",
                 "--format", "html", "-o", page, "-q")
    assert result.returncode == 0, result.stderr
    png = tmp_path / "handout.png"
    subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                    "--window-size=900,2400", f"--screenshot={png}", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert png.exists(), "Chromium wrote no screenshot"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (900, 2400)
    # a blank white page compresses to a few kB; a page of text does not
    assert len(data) > 40_000, len(data)
