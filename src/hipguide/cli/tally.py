"""Batch conveniences for ``score``: a progress counter and the end-of-batch
summary line on standard error, and the per-factor/per-red-flag summary.

The progress counter shows only when standard error is a terminal and the batch
has more than PROGRESS_MIN files; pipes, CI logs and ``--quiet`` stay silent.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

PROGRESS_MIN = 20
SUMMARY_IDS = 5   # --summary names this many intakes per item, then counts the rest


class Tally:
    def __init__(self, paths, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started = time.monotonic()
        self.status = Counter()
        self.factors, self.red_flags, self.recommendations = Counter(), Counter(), Counter()
        self.names: dict = {}
        self.ids: dict = {}   # (kind, item id) -> the first SUMMARY_IDS intake ids
        self.total = 0
        self.done = 0
        self.last_source = None
        self.last_draw = 0.0
        if not quiet and _isatty(self.stream):
            from ..intake.reading import expand

            total = sum(1 for _ in expand(paths))  # files only: cheap, nothing is read
            self.total = total if total > PROGRESS_MIN else 0

    def add(self, record, report):
        """Count one report; call it before printing that report's problems."""
        if self.total and report.errors:
            self.stream.write("\r\033[K")  # the problems print on a clean line
        self.status[report.status] += 1
        for kind, counts, items in (("factor", self.factors, report.factors),
                                    ("red_flag", self.red_flags, report.red_flags),
                                    ("recommend", self.recommendations,
                                     report.recommendations)):
            for f in items:
                counts[f.id] += 1
                self.names[(kind, f.id)] = f.name
                first = self.ids.setdefault((kind, f.id), [])
                if len(first) < SUMMARY_IDS:
                    first.append(report.id)
        if record.source != self.last_source:
            self.last_source = record.source
            self.done += 1
            self._draw()

    def _draw(self, force: bool = False):
        if not self.total:
            return
        now = time.monotonic()
        if force or now - self.last_draw >= 0.1 or self.done >= self.total:
            self.last_draw = now
            done = min(self.done, self.total)
            width = 30
            filled = width * done // self.total
            self.stream.write(f"\rhipguide: [{'#' * filled}{'.' * (width - filled)}] "
                              f"{done}/{self.total} files")
            self.stream.flush()

    def clear(self):
        """Remove the progress line (before anything else is printed on stderr)."""
        if self.total:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.total = 0

    def line(self) -> str:
        n = sum(self.status.values())
        seconds = time.monotonic() - self.started
        return (f"hipguide: {n} intake{'s' if n != 1 else ''} in {seconds:.2f} s: "
                f"{self.status['ok']} scored ok, {self.status['refer']} referred, "
                f"{self.status['invalid']} invalid")

    def table(self) -> str:
        assessed = self.status["ok"] + self.status["refer"]
        lines = [f"Batch summary: {sum(self.status.values())} intakes: {self.status['ok']} "
                 f"scored ok, {self.status['refer']} referred to a clinician, "
                 f"{self.status['invalid']} invalid"]
        for title, key, counts in (("Red flags", "red_flag", self.red_flags),
                                   ("Factors", "factor", self.factors),
                                   ("Exercises and habits", "recommend", self.recommendations)):
            lines.append(f"{title} (intakes, of {assessed} assessed):")
            if not counts:
                lines.append("  none")
            width = max((len(i) for i in counts), default=0)
            for item, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                share = f"{n / assessed:4.0%}" if assessed else "   -"
                lines.append(f"  {item:<{width}}  {n:>5}  {share}  {self.names[(key, item)]}")
                lines.append(f"  {'':<{width}}  {'':>5}  {'':4}  {self.who(key, item, n)}")
        return "\n".join(lines)

    def who(self, key: str, item: str, n: int) -> str:
        """The intakes an item applies to: all of them, or the first few and a count."""
        from ..core.text import shown

        first = [shown(i) for i in self.ids[(key, item)]]
        more = f" and {n - len(first)} more" if n > len(first) else ""
        return "ids: " + ", ".join(first) + more

    def finish(self, summary: bool = False):
        self.clear()
        if summary:
            print(self.table(), file=self.stream)
        if not self.quiet:
            print(self.line(), file=self.stream)
        self.stream.flush()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
