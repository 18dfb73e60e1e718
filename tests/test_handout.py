"""The printable HTML handout (score --format html): structure, the disclaimer on
every page, escaping, and a real render in headless Chromium when one is installed."""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run_hipguide as run

from hipguide.api import assessor

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "intakes"
META = assessor().kb.meta
PICTURES = ROOT / "knowledge" / "pictures"
SVG_URI = "data:image/svg+xml;base64,"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


class Page:
    def __init__(self, attrs):
        self.attrs = attrs
        self.text = []
        self.tags = []          # (tag, classes, depth-independent) inside this page
        self.footer_text = []
        self.imgs = []          # attrs of every <img> on the page
        self.sheets = []        # (classes, text parts, footer text parts) per <div class="sheet">


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
            if tag == "img":
                self.pages[-1].imgs.append(attrs)
            if tag == "div" and "sheet" in classes:
                self.pages[-1].sheets.append((tuple(classes), [], []))
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
            in_footer = any(t == "footer" and "disclaimer" in c for t, c in self.stack)
            if in_footer:
                self.pages[-1].footer_text.append(data)
            if self.pages[-1].sheets and any("sheet" in c for _, c in self.stack):
                self.pages[-1].sheets[-1][1].append(data)
                if in_footer:
                    self.pages[-1].sheets[-1][2].append(data)


def page_text(page: Page) -> str:
    return " ".join(" ".join(page.text).split())


def handout(*paths, extra=()) -> tuple[Handout, subprocess.CompletedProcess, str]:
    result = run("score", *paths, "--format", "html", "-q", *extra)
    return Handout(result.stdout), result, result.stdout


def report_of(path) -> list[dict]:
    result = run("score", path, "--format", "jsonl", "-q")
    return [json.loads(line) for line in result.stdout.splitlines()]


def chunks(html: str, cls: str) -> dict:
    """{item id: its HTML} for every <section class="cls" data-item="..."> block."""
    return dict(re.findall(rf'<section class="{cls}" data-item="([a-z0-9_]+)">(.*?)</section>',
                           html, re.S))


def picture_bytes(name: str) -> bytes:
    return (PICTURES / name).read_bytes()


def embedded(chunk: str) -> list[bytes]:
    return [base64.b64decode(m) for m in
            re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', chunk)]


def _svg(data: bytes):
    from xml.etree import ElementTree
    return ElementTree.fromstring(data)


def drawing(data: bytes) -> list:
    """What a picture draws: every element but its texts, in order."""
    return [(el.tag, sorted(el.attrib.items())) for el in _svg(data).iter()
            if not el.tag.endswith(("}text", "}svg"))]


def words(data: bytes) -> list[str]:
    return [" ".join("".join(el.itertext()).split()) for el in _svg(data).iter()
            if el.tag.endswith("}text")]


def is_picture(data: bytes, name: str) -> bool:
    """The embedded SVG draws exactly the knowledge base's picture ``name`` (its
    labels and captions are page text, under it)."""
    return drawing(data) == drawing(picture_bytes(name))


def fridge_cards(html: str) -> dict:
    """{exercise id: its HTML} for every card on the fridge sheet."""
    return dict(re.findall(r'<div class="fx" data-item="([a-z0-9_]+)">(.*?)\n    </div>',
                           html, re.S))


def test_every_sheet_of_every_page_ends_with_the_disclaimer(tmp_path):
    out = tmp_path / "handout.html"
    result = run("score", EXAMPLES, "--format", "html", "--output", out, "-q")
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>")
    doc = Handout(text)
    reports = report_of(EXAMPLES)
    assert len(doc.pages) == len(reports) >= 7
    disclaimer = " ".join(META["disclaimer"].split())
    for page, report in zip(doc.pages, reports, strict=True):
        assert page.attrs["data-id"] == report["id"]
        kinds = [classes for classes, _, _ in page.sheets]
        # an ok page with a programme opens with the fridge sheet (the whole
        # programme and its schedule on one page), then the details
        expected = ([("sheet", "fridge")] if report["status"] == "ok"
                    and report["recommendations"] else []) + [("sheet", "main")]
        assert kinds == expected, (report["id"], kinds)
        for _, sheet_text, footer in page.sheets:
            assert " ".join(" ".join(footer).split()) == "Important: " + disclaimer
            assert " ".join(" ".join(sheet_text).split()).endswith(disclaimer)
        # the disclaimer is the last thing on the page
        assert page_text(page).endswith(disclaimer)
        last = max(i for i, t in enumerate(page.tags) if t == ("footer", ("disclaimer",)))
        assert {tag for tag, _ in page.tags[last + 1:]} <= {"strong"}


def test_ok_page_starts_with_a_pictured_programme_and_the_pain_rule():
    (report,) = report_of(EXAMPLES / "office_worker.yaml")
    doc, result, html = handout(EXAMPLES / "office_worker.yaml")
    assert result.returncode == 0
    (page,) = doc.pages
    text = page_text(page)
    assert page.attrs["data-status"] == "ok"
    assert "Your hip exercise plan: office-worker" in text
    text = re.sub(r"\s+([,.;:)])", r"\1", text)   # "3 exercises</strong>, about"
    recs = {r["id"]: r for r in report["recommendations"]}
    plan = report["plan"]
    start = [recs[i] for i in plan["start_here"]]
    assert sum(r["kind"] == "exercise" for r in start) <= 3
    assert sum(r["kind"] == "habit" for r in start) <= 2
    # start here comes first: the time, the pain rule in its box, then the cards in order
    assert text.index("Start here: weeks 1 and 2") < text.index("What may be making")
    assert (f"{sum(r['kind'] == 'exercise' for r in start)} exercises, about "
            f"{plan['minutes']} minutes a session, 3 to 7 times a week") in text
    rule = " ".join(plan["pain_rule"].split())
    assert re.search(r'<div class="pain-rule" role="note">\s*<h3>The pain rule</h3>', html)
    assert text.index(rule) < text.index(start[0]["name"])
    cards = chunks(html, "item")
    assert list(cards) == plan["start_here"]
    fridge = fridge_cards(html)
    assert list(fridge) == [r["id"] for r in start if r["kind"] == "exercise"]
    for rec in start:
        card = cards[rec["id"]]
        # an exercise's picture is on the fridge sheet, with its dose; a habit's is
        # in its card, beside the steps.  Labels and captions are page text.
        pictured = fridge[rec["id"]] if rec["kind"] == "exercise" else card
        (svg,) = embedded(pictured)
        assert is_picture(svg, rec["picture"]) and not words(svg)
        shown = " ".join(unescape(re.sub(r"<[^>]+>", " ", pictured)).split())
        assert all(w in shown for w in words(picture_bytes(rec["picture"]))), shown
        if rec["kind"] == "exercise":
            assert embedded(card) == [] and "pictured on page 1" in card
            assert " ".join(rec["dose"].split()) in shown
        else:
            assert card.index("<img") < card.index('<ol class="steps">')
        assert card.count("<li>") >= len(rec["steps"])
        flat = " ".join(unescape(re.sub(r"<[^>]+>", " ", card)).split())
        for line in [rec["dose"], rec["progression_test"], rec["regression"], *rec["steps"]]:
            assert " ".join(line.split()) in flat, line
        assert "How much" in flat and "Move on" in flat and "If it hurts" in flat
        own = [c for c in rec["cautions"] if c in flat]
        shared = [c for c in rec["cautions"] if c not in own]
        assert not shared or all(c in text for c in shared)   # said once, in the box
    assert text.count(META["recommendation_disclaimer"]) == 1   # the professional check, once
    # add next: name, purpose and dose, compact (no steps, no picture: it is not for now)
    nexts = chunks(html, "next")
    assert list(nexts) == plan["add_next"]
    for xid, chunk in nexts.items():
        assert embedded(chunk) == []
        assert recs[xid]["name"] in unescape(chunk) and "How much:" in chunk
        assert "<ol" not in chunk
    # later: names only, after add next
    later = text[text.index("Later, optional"):]
    assert all(recs[x]["name"] in later for x in plan["later"])
    assert len(page.imgs) == len(plan["start_here"])   # exercises on page 1, habits after
    # factors: a word, not a number
    for factor in report["factors"]:
        assert f"{factor['name']} ({factor['likelihood']})" in text
    assert "%" not in text and str(report["factors"][0]["confidence"]) not in text


def test_schedule_has_a_box_per_session_for_six_weeks_and_the_check_in_date():
    (report,) = report_of(EXAMPLES / "returning_footballer.yaml")
    _, result, html = handout(EXAMPLES / "returning_footballer.yaml")
    assert result.returncode == 0
    recs = {r["id"]: r for r in report["recommendations"]}
    schedule = html[html.index('<div class="sheet fridge">'):html.index('<div class="sheet main">')]
    rows = re.findall(r'<tr data-item="([a-z0-9_]+)" data-per-week="(\d)" '
                      r'data-first-week="(\d)">(.*?)</tr>', schedule, re.S)
    expected = report["plan"]["start_here"] + [
        x for x in report["plan"]["add_next"] if recs[x]["kind"] == "exercise"]
    assert [r[0] for r in rows] == expected
    for xid, per_week, first, row in rows:
        rec = recs[xid]
        assert int(per_week) == rec["per_week"]
        assert int(first) == (1 if rec["stage"] == "start_here" else 3)
        weeks_active = 6 - int(first) + 1
        assert row.count('<span class="box"></span>') == rec["per_week"] * weeks_active
        assert row.count('class="notyet"') == int(first) - 1   # weeks before: shaded
        assert rec["name"] in unescape(row)
    assert "Week 6" in schedule and "Week 7" not in schedule
    due = datetime.date.today() + datetime.timedelta(weeks=META["reassess_after_weeks"])
    assert f"Check again on or about {due.day} {due:%B %Y}" in schedule
    assert "hipguide ask --follow-up" in schedule
    # the fridge sheet is page 1; the details start on a page of their own
    assert re.search(r"\.sheet\.fridge \+ \.sheet\.main \{ break-before: page;", html)
    side = " ".join(report["plan"]["side_note"].split())
    assert side and side in " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_safety_notes_come_before_the_exercises():
    doc, _, html = handout(EXAMPLES / "retired_with_arthritis.yaml")
    text = page_text(doc.pages[0])
    assert text.index("Left out for your safety") < text.index("Start here")
    assert "Not given: Lateral band walk, Controlled leg swings, Single-leg stance" in text
    # unanswered warning signs: named, with what to do, before the exercises
    result = run("score", "-", "--format", "html", "-q",
                 stdin="id: brief\nsitting_hours: 9\nactivity_level: sedentary\n")
    (page,) = Handout(result.stdout).pages
    text = page_text(page)
    assert page.attrs["data-status"] == "ok"
    assert text.index("Warning signs not checked") < text.index("Start here")
    assert " ".join(META["unscreened_advice"].split()) in text
    assert "Pain after a recent fall or injury" in text


@pytest.mark.parametrize(("intake", "words"), [
    (EXAMPLES / "fall_red_flag.yaml", "now: this is an emergency"),
    ("id: teen\nage: 14\nsitting_hours: 6\nsymptoms: {hip_pain: 3}\n", "today"),
])
def test_referral_page_says_when_and_gives_no_exercises_or_factors(intake, words):
    if isinstance(intake, Path):
        doc, result, _ = handout(intake)
    else:
        result = run("score", "-", "--format", "html", "-q", stdin=intake)
        doc = Handout(result.stdout)
    (page,) = doc.pages
    text = page_text(page)
    assert page.attrs["data-status"] == "refer"
    assert text.startswith(f"Your hip guidance: {page.attrs['data-id']}")
    assert f"Please see a clinician {words}" in text
    assert text.index("Please see a clinician") < text.index("The warning signs in your answers")
    assert "What may be making" not in text and "likely" not in text   # no factors
    assert ("ol", ("steps",)) not in page.tags and not page.imgs
    assert "How much" not in text and "schedule" not in text.lower()
    assert [c for c, _, _ in page.sheets] == [("sheet", "main")]


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
    assert "script" not in tags
    # the only images are the embedded pictures
    assert all(set(attrs) == {"src", "alt"} and attrs["src"].startswith(SVG_URI)
               for tag, attrs in doc.elements if tag == "img")
    assert not any(k.startswith("on") for _, attrs in doc.elements for k in attrs)
    (page,) = doc.pages
    assert page.attrs["data-id"] == HOSTILE  # an attribute value, not markup
    assert f"Your hip exercise plan: {HOSTILE}" in page_text(page)
    assert f"Your hip plan on one page: {HOSTILE}" in page_text(page)
    assert "&lt;script&gt;" in result.stdout and "<script" not in result.stdout
    assert "<img src=x" not in result.stdout


def test_a_picture_that_fails_the_check_is_left_out(tmp_path):
    from hipguide.kb.knowledge import default_root

    root = tmp_path / "kb"
    for part in ("rules", "knowledge"):
        shutil.copytree(default_root() / part, root / part)
    # valid when the knowledge base loads (checked there), swapped before rendering
    from hipguide.api import assess
    from hipguide.report.html import render

    kb = assessor(root).kb
    report = assess({"sitting_hours": 10, "activity_level": "sedentary"}, kb=root,
                    report_id="p")
    first, second = report.recommendations[:2]
    (root / "knowledge" / "pictures" / first.picture).write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" onload="alert(1)"/>')
    html = render([report], kb)
    cards = fridge_cards(html)
    assert first.kind == second.kind == "exercise" and first.stage == second.stage == "start_here"
    assert embedded(cards[first.id]) == [] and f"{first.name}: start" not in html
    assert [drawing(svg) for svg in embedded(cards[second.id])] == [drawing(
        (root / "knowledge" / "pictures" / second.picture).read_bytes())]
    assert "alert" not in " ".join(base64.b64decode(m).decode() for m in
                                   re.findall(r"base64,([A-Za-z0-9+/=]+)", html))


def test_handout_is_self_contained_and_printable():
    _, _, text = handout(EXAMPLES / "office_worker.yaml", EXAMPLES / "warehouse_picker.yaml")
    doc = Handout(text)
    assert len(doc.pages) == 2
    for tag, attrs in doc.elements:
        assert tag not in ("script", "link", "iframe", "object", "embed")
        assert "href" not in attrs, (tag, attrs)
        if "src" in attrs:
            assert tag == "img" and attrs["src"].startswith(SVG_URI), (tag, attrs)
            svg = base64.b64decode(attrs["src"][len(SVG_URI):])
            assert any(is_picture(svg, p.name) for p in PICTURES.glob("*.svg"))
    assert "url(" not in text and "@import" not in text
    assert "@page" in text and "break-before: page" in text
    assert ('meta', {'charset': 'utf-8'}) in doc.elements
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)


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


def _chromium(tmp_path, *args):
    assert _browser(), "HIPGUIDE_REQUIRE_CHROMIUM is set but no Chromium is installed"
    return subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", "--no-first-run", "--hide-scrollbars",
                           f"--user-data-dir={tmp_path / 'profile'}", *map(str, args)],
                          capture_output=True, timeout=180, check=False)


def png_pixels(data: bytes):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG (Chromium's)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    size = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * size, [], bytearray(width * size)
    for y in range(height):
        at = y * (stride + 1)
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up, corner = prev[i], prev[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else corner)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, size)])
        prev = line
    return width, height, rows


NO_BROWSER = _browser() is None and not os.environ.get("HIPGUIDE_REQUIRE_CHROMIUM")  # CI needs it


@pytest.mark.skipif(NO_BROWSER, reason="no Chromium or Chrome installed")
@pytest.mark.parametrize("intake", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_handout_renders_in_headless_chromium(tmp_path, intake):
    page = tmp_path / "handout.html"
    result = run("score", intake, "--format", "html", "-o", page, "-q")
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    doc = Handout(html)
    reports = report_of(intake)
    # structure: per page its pictures, its schedule and a disclaimer on every sheet
    for part, report in zip(html.split('<section class="page"')[1:], reports, strict=True):
        plan = report["plan"]
        if report["status"] == "ok" and plan:
            kinds = {r["id"]: r["kind"] for r in report["recommendations"]}
            start_ex = [x for x in plan["start_here"] if kinds[x] == "exercise"]
            assert part.count("<img ") == len(plan["start_here"]) and start_ex
            assert part.count('<table class="schedule-table">') == 1
            assert part.count('<footer class="disclaimer">') == 2
        else:
            assert "<img" not in part and "schedule-table" not in part
            assert part.count('<footer class="disclaimer">') == 1
    assert len(doc.pages) == len(reports)
    png = tmp_path / "handout.png"
    # a 1000x1400 window at half scale: the top of the first page, 500x700 pixels
    _chromium(tmp_path, "--window-size=1000,1400", "--force-device-scale-factor=0.5",
              f"--screenshot={png}", page.as_uri())
    assert png.exists(), "Chromium wrote no screenshot"
    width, height, rows = png_pixels(png.read_bytes())
    assert (width, height) == (500, 700)
    pixels = [p for row in rows[::2] for p in row[::2]]
    dark = sum(1 for p in pixels if max(p) < 100)
    assert dark > 1000, f"the page looks blank ({dark} dark pixels)"
    # the pictures' orange (#d9480f) on an ok page, the red alert border on a referral
    orange = sum(1 for r, g, b in pixels if r > 180 and 40 < g < 110 and b < 60)
    red = sum(1 for r, g, b in pixels if r > 140 and g < 40 and b < 60)
    if reports[0]["status"] == "ok":
        assert orange > 10, "no picture rendered near the top of the first page"
    else:
        assert red > 10, "no referral box rendered"


@pytest.mark.skipif(NO_BROWSER, reason="no Chromium or Chrome installed")
def _print_pdf(tmp_path, *intakes) -> bytes:
    page = tmp_path / "handout.html"
    run("score", *intakes, "--format", "html", "-o", page, "-q")
    pdf = tmp_path / "handout.pdf"
    pdf.unlink(missing_ok=True)
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    return data


def _media_boxes(data: bytes) -> list:
    return [tuple(round(float(v)) for v in box.split()) for box in
            re.findall(rb"/MediaBox\s*\[\s*([\d.\s]+?)\s*\]", data)]


def _filled(tmp_path, data: bytes) -> list[float]:
    """How far down each page's content area the print reaches (0 to 1), from
    the pages drawn by pdftoppm at 30 dpi (the footer in the margin left out)."""
    (tmp_path / "fill.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "30", "-png", tmp_path / "fill.pdf", tmp_path / "fill"],
                   check=True, capture_output=True, timeout=120)
    fills = []
    for png in sorted(tmp_path.glob("fill-*.png")):
        width, height, rows = png_pixels(png.read_bytes())
        top, bottom = round(height * 8 / 297), round(height * (297 - 12) / 297)
        inked = [y for y in range(top, bottom) if any(max(p) < 160 for p in rows[y])]
        fills.append((max(inked) - top) / (bottom - top) if inked else 0.0)
    return fills


# A crowded plan: a parent reading, most warning signs unanswered, a precaution,
# eight schedule rows.
CROWDED = ("id: crowded\nage: 16\nanswered_by: parent\nsitting_hours: 9\n"
           "activity_level: sedentary\nsymptoms: {hip_pain: 0, stiffness: true}\n")


# every warning sign answered "no", as YAML flow-mapping entries
NO_WARNING_SIGNS = ", ".join(f"{s}: false" for s in (
    "pain_after_fall", "cannot_bear_weight", "numbness_or_tingling", "new_leg_weakness",
    "saddle_numbness", "bowel_or_bladder_change", "fever_or_unwell", "hot_swollen_joint",
    "night_pain", "unexplained_weight_loss", "history_of_cancer"))


# A plan of two exercises (none of the examples has one): two pictures side by side
# on the fridge sheet, each wider than in a row of three.
TWO_EXERCISES = ("id: two-exercises\nage: 58\nsitting_hours: 9\nactivity_level: light\n"
                 "ergonomic_workstation: false\nstanding_breaks_hourly: false\n"
                 "repetitive_strain: true\nrotational_sport: false\nreturning_to_sport: false\n"
                 "rest_days_per_week: 1\nconditions: [nerve_compression]\n"
                 "symptoms: {hip_pain: 2, stiffness: false, limited_rotation: true, "
                 "balance_problems: false, " + NO_WARNING_SIGNS + "}\n")


# Many factors and a long plan: every factor is named on the printed plan; the
# first five and any with advice of its own are explained, the rest named on one
# line. A plan too long for two detail pages is printed brief: only factors with
# advice explained, and the "add next" exercises by name and dose.
MANY_FACTORS = ("id: many-factors\nage: 45\nsitting_hours: 10\nactivity_level: sedentary\n"
                "conditions: [nerve_compression]\nposture: [anterior_pelvic_tilt]\n"
                "ergonomic_workstation: false\nstanding_breaks_hourly: false\n"
                "repetitive_strain: true\n"
                "symptoms: {hip_pain: 2, stiffness: true, limited_rotation: true}\n")
LONG_PLAN = ("id: long-plan\nage: 70\nsitting_hours: 10\nactivity_level: sedentary\n"
             "walking_aid: true\nfalls_last_12_months: true\n"
             "osteoporosis_or_fragility_fracture: true\n"
             "conditions: [arthritis, nerve_compression]\n"
             "posture: [anterior_pelvic_tilt, knee_valgus]\n"
             "injuries: [{site: lower_back, side: left, months_ago: 10, surgery: false}]\n"
             "surgeries: [{site: hip, kind: replacement, approach: posterior, side: left, "
             "months_ago: 14}]\n"
             "ergonomic_workstation: false\nstanding_breaks_hourly: false\n"
             "repetitive_strain: true\nsymptoms: {hip_pain: 3, stiffness: true, "
             "limited_rotation: true, balance_problems: true}\n")


# Two plans from a sweep of 156 generated ones that printed 4 pages. An 80-year-old
# with falls and fragile bones: Chromium left the details' header alone on page 2
# (a break between a header and its columns). A crowded page 1 (a walking aid,
# fragile bones, warning signs not asked, eight schedule rows): its last lines
# ran onto page 2.
HEADER_ALONE = ("id: header-alone\nage: 80\nactivity_level: moderate\nsitting_hours: 11\n"
                "ergonomic_workstation: true\nstanding_breaks_hourly: false\n"
                "falls_last_12_months: true\nwalking_aid: false\n"
                "osteoporosis_or_fragility_fracture: true\nposture: [sway_back]\n"
                "repetitive_strain: false\nrest_days_per_week: 2\nreturning_to_sport: true\n"
                "rotational_sport: false\nsymptoms: {hip_pain: 3, stiffness: true, "
                "limited_rotation: true, balance_problems: false, " + NO_WARNING_SIGNS
                + "}\n")
FULL_FIRST_PAGE = ("id: full-first-page\nage: 66\nactivity_level: active\nsitting_hours: 6\n"
                   "conditions: [nerve_compression]\nergonomic_workstation: false\n"
                   "standing_breaks_hourly: true\nfalls_last_12_months: false\n"
                   "walking_aid: true\nosteoporosis_or_fragility_fracture: true\n"
                   "injuries: [{site: thigh, side: left, months_ago: 20, surgery: false}]\n"
                   "repetitive_strain: true\nrest_days_per_week: 1\n"
                   "returning_to_sport: false\nrotational_sport: false\n"
                   "symptoms: {hip_pain: 2, stiffness: true, limited_rotation: true, "
                   "balance_problems: false}\n")


def _people_with_a_plan() -> dict:
    """{name: intake text} for every person in examples/intakes/ whose report has a
    plan (a file of several documents gives one per document), the crowded plan
    and the two-exercise plan."""
    import yaml

    from hipguide.api import assess

    people = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        for n, doc in enumerate(docs, 1):
            name = path.stem if len(docs) == 1 else f"{path.stem}#{n}"
            report = assess(doc, report_id=name)
            if report.status == "ok" and any(r.stage == "start_here"
                                             for r in report.recommendations):
                people[name] = yaml.safe_dump(doc, sort_keys=False)
    people["crowded"] = CROWDED
    people["two_exercises"] = TWO_EXERCISES
    people["header_alone"] = HEADER_ALONE
    people["full_first_page"] = FULL_FIRST_PAGE
    people["long_plan"] = LONG_PLAN
    return people


PLANS = _people_with_a_plan()


def _plan_file(tmp_path, name) -> Path:
    path = tmp_path / "intake.yaml"
    path.write_text(PLANS[name])
    return path


def _pdf_text(tmp_path, data: bytes, page: int) -> str:
    (tmp_path / "text.pdf").write_bytes(data)
    result = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page),
                             tmp_path / "text.pdf", "-"],
                            check=True, capture_output=True, text=True, timeout=60)
    return " ".join(result.stdout.split())


def test_every_example_with_a_plan_is_printed():
    assert {"office_worker", "retired_with_arthritis", "returning_footballer",
            "warehouse_picker", "clinic_batch#1", "crowded", "two_exercises"} <= set(PLANS)
    assert not {"fall_red_flag", "clinic_batch#2"} & set(PLANS)      # referrals


@pytest.mark.skipif(NO_BROWSER, reason="no Chromium or Chrome installed")
@pytest.mark.parametrize("person", sorted(PLANS))
def test_a_plan_prints_on_at_most_three_a4_pages_the_fridge_sheet_first(tmp_path, person):
    intake = _plan_file(tmp_path, person)
    (report,) = report_of(intake)
    kinds = {r["id"]: r["kind"] for r in report["recommendations"]}
    start = [r for r in report["recommendations"] if r["id"] in report["plan"]["start_here"]]
    assert 1 <= sum(kinds[x] == "exercise" for x in report["plan"]["start_here"]) <= 3
    plan = _print_pdf(tmp_path, intake)
    boxes = _media_boxes(plan)
    assert set(boxes) == {(0, 0, 595, 842)}, boxes          # A4 portrait, the fridge sheet too
    assert 2 <= len(boxes) <= 3, len(boxes)                 # the fridge sheet, then details
    # poppler-utils (.ci/run installs it): no page but the last under half full, and
    # page 1 is the fridge sheet: pictures, doses, pain rule, schedule, when to stop
    assert shutil.which("pdftoppm") or not os.environ.get("HIPGUIDE_REQUIRE_CHROMIUM"), \
        "pdftoppm (poppler-utils) is needed to measure how full each page is"
    if shutil.which("pdftoppm"):
        fills = _filled(tmp_path, plan)
        assert len(fills) == len(boxes)
        assert all(f >= 0.5 for f in fills[:-1]), fills
        first, second = _pdf_text(tmp_path, plan, 1), _pdf_text(tmp_path, plan, 2)
        assert re.match(r"Your (child's )?hip plan on one page", first), first[:80]
        for heading in ("The pain rule", "Tick a box each time", "Week 6", "Stop and seek help if"):
            assert heading in first and heading not in second, heading
        for rec in start:
            assert rec["name"] in first, rec["name"]
            if rec["kind"] == "exercise":
                assert " ".join(rec["dose"].split()) in first, rec["dose"]
        assert first.index("Tick a box") < first.index("Stop and seek help if")
        assert re.match(r"Your (child's )?hip exercise plan", second), second[:80]


@pytest.mark.skipif(NO_BROWSER, reason="no Chromium or Chrome installed")
def test_a_referral_prints_on_one_page_after_a_plan(tmp_path):
    plan = _print_pdf(tmp_path, EXAMPLES / "office_worker.yaml")
    both = _print_pdf(tmp_path, EXAMPLES / "office_worker.yaml", EXAMPLES / "fall_red_flag.yaml")
    assert len(_media_boxes(both)) == len(_media_boxes(plan)) + 1
    assert len(_media_boxes(_print_pdf(tmp_path, EXAMPLES / "fall_red_flag.yaml"))) == 1


# In the page as printed: the print rules for every medium, the A4 width less the
# margins (210 - 2 x 10 mm), and a script that measures every caption and every
# text left inside a picture, in points, as Chromium lays them out.
MEASURE = """<script>
const out = [];
for (const el of document.querySelectorAll("figcaption, figcaption *")) {
  if (el.textContent.trim()) out.push(["caption", el.textContent.trim(),
                                       parseFloat(getComputedStyle(el).fontSize) * 0.75]);
}
for (const img of document.querySelectorAll("img")) {
  const svg = new DOMParser().parseFromString(atob(img.src.split(",")[1]), "image/svg+xml");
  const box = svg.documentElement.getAttribute("viewBox").split(/[ ,]+/).map(Number);
  const perUnit = img.getBoundingClientRect().width / box[2] * 0.75;
  out.push(["picture", img.alt, img.getBoundingClientRect().width * 0.75]);
  for (const t of svg.querySelectorAll("text")) {
    let scale = 1;
    for (let n = t; n && n.getAttribute; n = n.parentNode) {
      const m = /scale\\(([\\d.]+)/.exec(n.getAttribute("transform") || "");
      if (m) scale *= parseFloat(m[1]);
    }
    out.push(["in picture", t.textContent,
              parseFloat(t.getAttribute("font-size")) * scale * perUnit]);
  }
}
const pre = document.createElement("pre");
pre.id = "measured";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


@pytest.mark.skipif(NO_BROWSER, reason="no Chromium or Chrome installed")
@pytest.mark.parametrize("person", sorted(PLANS))
def test_every_picture_label_and_caption_prints_at_9_pt_or_more(tmp_path, person):
    result = run("score", _plan_file(tmp_path, person), "--format", "html", "-q")
    html = result.stdout
    assert result.returncode == 0 and "<figcaption" in html
    printed = tmp_path / "printed.html"
    printed.write_text(html.replace("@media print {", "@media all {")
                       .replace("</style>", "body { width: 190mm; }</style>")
                       .replace("</body>", MEASURE + "</body>"))
    dump = _chromium(tmp_path, "--dump-dom", printed.as_uri()).stdout.decode()
    measured = json.loads(unescape(re.search(r'<pre id="measured">(.*?)</pre>', dump,
                                             re.S).group(1)))
    pictures = [m for m in measured if m[0] == "picture"]
    captions = [m for m in measured if m[0] != "picture"]
    assert pictures and captions
    # big enough to follow: an exercise picture is at least 4 cm wide (113 pt)
    assert min(width for _, _, width in pictures) > 113, pictures
    small = [(kind, text, round(size, 1)) for kind, text, size in captions if size < 9]
    assert not small, small
    # every picture has its panels' labels (Start/End, Avoid/Better) said under it
    doc = Handout(html)
    labels = re.findall(r'<span class="panel"><strong>([^<]+)</strong>', html)
    assert len(labels) == 2 * sum(len(p.imgs) for p in doc.pages), labels


HABIT_LABELS = {("Avoid", "Better"), ("Sit", "Then move"), ("First", "Later")}


@pytest.mark.parametrize("item", sorted(assessor().kb.exercises.values(), key=lambda e: e["id"]),
                         ids=lambda e: e["id"])
def test_every_picture_prints_its_labels_and_captions_as_page_text(item):
    """Nothing is left to scale down inside a drawing: each of its two panels has a
    label and a caption, printed under it as page text; an exercise shows its
    start and end, a habit what to avoid and what is better (or its steps)."""
    from hipguide.report.html import split_picture

    source = picture_bytes(item["picture"])
    drawing_text, panels = split_picture(source.decode())
    assert not words(drawing_text.encode()), words(drawing_text.encode())
    assert drawing(drawing_text.encode()) == drawing(source)
    labels = tuple(label for label, _ in panels)
    assert all(label and caption for label, caption in panels), panels
    if item["kind"] == "exercise":
        assert labels == ("Start", "End")
    else:
        assert labels in HABIT_LABELS, labels


@pytest.mark.skipif(NO_BROWSER, reason="no Chromium or Chrome installed")
@pytest.mark.parametrize("person", sorted(PLANS))
def test_the_fridge_sheet_prints_on_one_a4_page(tmp_path, person):
    """Page 1 holds the whole programme, even a crowded one, and one or two
    exercises (their pictures wider than three in a row)."""
    html = run("score", _plan_file(tmp_path, person), "--format", "html", "-q").stdout
    assert '<div class="sheet fridge">' in html
    page = tmp_path / "fridge.html"
    page.write_text(html.replace("</style>", ".sheet.main { display: none; }</style>"))
    pdf = tmp_path / "fridge.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert len(_media_boxes(pdf.read_bytes())) == 1


@pytest.mark.parametrize("intake_text, brief", [(MANY_FACTORS, False), (LONG_PLAN, True),
                                                (PLANS["office_worker"], False)])
def test_a_long_list_of_factors_is_explained_first_and_named_after(tmp_path, intake_text,
                                                                    brief):
    intake = tmp_path / "many.yaml"
    intake.write_text(intake_text)
    (report,) = report_of(intake)
    factors = report["factors"]
    page, result, _ = handout(intake)
    assert result.returncode == 0, result.stderr
    text = " ".join(re.sub(r"<[^>]+>", " ", unescape(result.stdout)).split())
    text = re.sub(r" ([:;,.])", r"\1", text)
    named = text.split("Also possible: ")[1].split(". ")[0] if "Also possible" in text else ""
    for i, f in enumerate(factors):
        explained = f"{f['name']} ({f['likelihood']}): from your answers:" in text
        assert explained == ((i < 5 and not brief) or bool(f.get("advice"))), f["name"]
        assert (f"{f['name']} ({f['likelihood']})" in named) == (not explained), f["name"]
    later = [r for r in report["recommendations"] if r["stage"] == "add_next"]
    assert later
    for rec in later:
        assert rec["name"] in text and " ".join(rec["dose"].split()) in text
        assert (" ".join(rec["purpose"].split()) in text) == (not brief), rec["name"]
