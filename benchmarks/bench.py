"""Benchmark ``hipguide score`` against the naive pipeline and the parse floor.

    python benchmarks/bench.py --n 10000

Generates N realistic intake files (benchmarks/gen.py), then runs, each in its
own subprocess so that the peak RSS (from wait4's rusage: the largest single
process, workers included) belongs to that measurement alone:

  floor     read every file and parse it with PyYAML (CSafeLoader when present)
  naive     the same rules and knowledge base, a new KnowledgeEngine per intake,
            one process, rendered as jsonl (the rules are compiled once, so this
            baseline is if anything flattering); on --naive-n files (default:
            up to 2,000 of them), as it is slow and its memory grows
  split     ``hipguide score --jobs 1`` in process, timing the engine itself
            (reset, declare, run) apart from everything around it
  plain     the same with HIPGUIDE_EXPERTA=plain: experta without hipguide's
            speed patches (same intakes, same kind of process)
  score -j1 / score    ``hipguide score DIR --format jsonl -o FILE`` end to end,
            with one worker and with the default (every core)
  rss@K     ``hipguide score`` on the first K files, for each --rss-n K
  docs@K    ``hipguide score`` on one file holding K intake documents, for each
            --docs-n K (default 1,000 and 50,000)
  jsonl@K   ``hipguide score`` on one JSON Lines file of K intakes, for each
            --jsonl-n K (default 10,000 and 1,000,000: peak RSS must stay flat)
  experta   experta's trivial-rule bound: the real numbers of given and
            concluded facts per intake (counted in the split run, not assumed)
            through rules that each match one fact and declare one conclusion
  start-up  ``python -c "import click"``, ``hipguide --help``, and the time until
            ``hipguide ask`` shows its first question (best of --startup-repeat)

and prints throughputs, peak RSS, the ratios, and each target with whether
this run meets it.  Ratios within one run are what matter: the machine may be
shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# --- measurements, each run in a child process ----------------------------------

def _files(directory: str) -> list:
    from hipguide.intake.reading import expand

    return [path for _, path in expand([directory])]


def child_floor(directory: str, limit: int) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    start = time.perf_counter()
    count = 0
    for path in _files(directory)[:limit or None]:
        with open(path, "rb") as handle:
            for _ in yaml.load_all(handle.read(), Loader=loader):
                count += 1
    return {"intakes": count, "seconds": time.perf_counter() - start}


def child_naive(directory: str, limit: int, output: str) -> dict:
    """The straightforward pipeline: a new engine for every intake."""
    from hipguide.api import assessor
    from hipguide.batch import report_for
    from hipguide.intake.reading import file_records
    from hipguide.report.writers import Writer

    start = time.perf_counter()
    worker = assessor()
    engine_class = type(worker.engine)
    count = 0
    with open(output, "w", encoding="utf-8") as stream:
        writer = Writer(stream, "jsonl")
        for path in _files(directory)[:limit or None]:
            for record in file_records(str(path), path):
                worker.engine = engine_class()
                writer.write(report_for(worker, record))
                count += 1
    return {"intakes": count, "seconds": time.perf_counter() - start}


def child_split(directory: str, output: str) -> dict:
    """``hipguide score --jobs 1`` in process, with the engine's own time measured."""
    from hipguide import cli
    from hipguide.engine.assessor import Assessor, intake_facts

    engine_time = [0.0, 0]
    facts = [0, 0]   # facts declared: from the intakes (and InitialFact), by the rules
    run = Assessor.run

    def timed(self, intake):
        t = time.perf_counter()
        try:
            return run(self, intake)
        finally:
            engine_time[0] += time.perf_counter() - t
            engine_time[1] += 1
            given = len(intake_facts(intake, self.policy)) + 1
            facts[0] += given
            facts[1] += len(self.engine.facts) - given

    Assessor.run = timed
    start = time.perf_counter()
    try:
        cli.main(["score", directory, "--format", "jsonl", "-o", output, "--jobs", "1"])
    except SystemExit:
        pass
    total = time.perf_counter() - start
    return {"intakes": engine_time[1], "seconds": total, "engine": engine_time[0],
            "facts_in": facts[0] / engine_time[1], "facts_out": facts[1] / engine_time[1]}


def child_experta_floor(facts_in: float, facts_out: float, rounds: int = 2000) -> dict:
    """experta's own cost for an intake's numbers of facts and firings, with trivial
    rules: facts_out rules, each matching one fact of its own type and declaring
    one fact (as a real rule's conclusion), plus facts no rule tests to make up
    facts_in.  No rule set that declares that many facts, one per firing, can
    run faster in experta (with hipguide's patches): the engine's lower bound."""
    from hipguide.engine._experta import AS, Fact, KnowledgeEngine, Rule

    n_out, n_in = round(facts_out), round(facts_in)

    class Conclusion(Fact):
        pass

    class Inert(Fact):
        pass

    kinds, namespace = [], {}
    for i in range(n_out):
        kind = type(f"Given{i}", (Fact,), {})
        kinds.append(kind)

        def action(engine, given, i=i):
            engine.declare(Conclusion(id=i, rule=f"R-{i}", evidence="e", basis=("b",)))

        action.__name__ = f"R-{i}"
        namespace[f"rule_{i}"] = Rule(AS.given << kind(value=1))(action)
    engine = type("FloorEngine", (KnowledgeEngine,), namespace)()
    inert = max(0, n_in - 1 - n_out)   # InitialFact counts as one
    start = time.perf_counter()
    for r in range(rounds):
        engine.reset()
        engine.declare(*[kind(value=1) for kind in kinds],
                       *[Inert(index=j, round=r) for j in range(inert)])
        engine.run()
    return {"intakes": rounds, "seconds": time.perf_counter() - start,
            "declared": len(engine.facts)}


def _measure(args: list, repeat: int = 1, env: dict | None = None
             ) -> tuple[dict | None, float, float]:
    """Run a measurement; (its JSON result, wall seconds, peak RSS in MB), the
    fastest of ``repeat`` runs (the machine may be shared: slower runs measure
    the neighbours).

    It runs under a small ``--child wrap`` process, which reports its children's
    peak RSS: a process forked straight from this (bigger, longer-lived) one
    would be charged this one's RSS at the fork."""
    wrapped = [sys.executable, str(Path(__file__).resolve()), "--child", "wrap", *map(str, args)]
    best = None
    for _ in range(repeat):
        out = subprocess.run(wrapped, stdout=subprocess.PIPE, check=True,
                             env={**os.environ, **(env or {})}).stdout
        data = json.loads(out)
        seconds = (data["result"] or {}).get("seconds", data["wall"])
        if best is None or seconds < best[0]:
            best = (seconds, data)
    data = best[1]
    return data["result"], data["wall"], data["rss_mb"]


def child_wrap(args: list) -> dict:
    import resource

    start = time.perf_counter()
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = proc.stdout.strip()
    return {"result": json.loads(out) if out.startswith(b"{") else None, "wall": wall,
            "rss_mb": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime,
            "returncode": proc.returncode}


def _child(kind: str, *rest) -> list:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *map(str, rest)]


def _score(directory: Path, output: Path, *extra) -> list:
    return [sys.executable, "-m", "hipguide.cli", "score", str(directory), "--format", "jsonl",
            "-o", str(output), *extra]


def _link_first(source: Path, target: Path, k: int) -> Path:
    """A directory holding the first k intake files of source (as symlinks)."""
    if target.exists():
        return target
    target.mkdir(parents=True)
    for i, path in enumerate(_files(str(source))[:k]):
        (target / path.name).symlink_to(path)
        if i + 1 >= k:
            break
    return target


def _digest(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import yaml

    return (f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
            f"PyYAML {yaml.__version__} libyaml={'yes' if yaml.__with_libyaml__ else 'no'}")


def _multi_doc_file(path: Path, k: int) -> Path:
    """One intake file holding k documents (as a clinic's export would)."""
    import random

    from gen import intake_text

    if not path.exists():
        rng = random.Random(2)
        with open(path, "w", encoding="utf-8") as handle:
            for i in range(k):
                handle.write(("---\n" if i else "") + intake_text(i, rng))
    return path


def _count(path: Path) -> tuple[int, int]:
    """(reports, invalid reports) in a jsonl output file."""
    n = invalid = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            n += 1
            invalid += '"status": "invalid"' in line
    return n, invalid


def _best_wall(args: list, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def _first_prompt(exe: str) -> float:
    """Seconds from starting ``hipguide ask`` until its first question (a line ending
    with ': ' after a '?') is on standard error."""
    start = time.perf_counter()
    proc = subprocess.Popen([exe, "ask"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([proc.stderr], [], [], 60)
            chunk = os.read(proc.stderr.fileno(), 65536) if ready else b""
            if not chunk:
                raise RuntimeError(f"hipguide ask showed no question: {seen[-300:]!r}")
            seen += chunk
            if b"?\n" in seen and seen.endswith(b": "):
                return time.perf_counter() - start
    finally:
        proc.stdin.close()  # input ends: ask exits
        proc.stderr.close()
        proc.wait()


def startup_times(repeat: int, cache: Path) -> dict:
    """Best of repeat: import click; hipguide --help; hipguide ask's first question,
    with its first screen cached (cli/firstscreen.py; the cache is in ``cache``)
    and, as on a first run, without (the cache emptied before each run)."""
    import shutil

    exe = str(Path(sys.executable).with_name("hipguide"))
    os.environ["XDG_CACHE_HOME"] = str(cache)
    times = {"click": [], "help": [], "ask": [], "ask_cold": []}
    for _ in range(repeat):  # interleaved: a busy moment hits all of them alike
        times["click"].append(_best_wall([sys.executable, "-c", "import click"], 1))
        times["help"].append(_best_wall([exe, "--help"], 1))
        shutil.rmtree(cache, ignore_errors=True)
        times["ask_cold"].append(_first_prompt(exe))
        times["ask"].append(_first_prompt(exe))
    return {k: min(v) for k, v in times.items()}


TARGETS = []  # (what, value, limit, unit), filled as the run goes


def target(what: str, value: float, limit: float, unit: str = "x") -> None:
    TARGETS.append((what, value, limit, unit))


def print_targets() -> None:
    print("\ntargets (ratios within this run)")
    for what, value, limit, unit in TARGETS:
        shown = f"{value:.2f}{unit}"
        print(f"  {what:<46} {shown:>8}  (target <= {limit:g}{unit})  "
              f"{'met' if value <= limit else 'NOT MET'}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="intake files to generate")
    parser.add_argument("--naive-n", type=int, default=2_000,
                        help="files the naive baseline runs on (0: all N)")
    parser.add_argument("--rss-n", default="1000",
                        help="comma-separated batch sizes for extra peak-RSS runs "
                             "(each at most N); N itself is always measured")
    parser.add_argument("--docs-n", default="1000,50000",
                        help="comma-separated document counts: peak RSS of score on one file "
                             "holding that many intakes (smallest vs largest)")
    parser.add_argument("--jsonl-n", default="10000,1000000",
                        help="comma-separated intake counts: peak RSS of score on one JSON "
                             "Lines file of that many intakes (smallest vs largest; 0: skip)")
    parser.add_argument("--startup-repeat", type=int, default=15,
                        help="runs of each start-up measurement (the fastest counts)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each measurement this many times and keep the fastest")
    parser.add_argument("--dir", default=None, help="keep generated files here (reused)")
    parser.add_argument("--memory-only", action="store_true",
                        help="only the peak-RSS runs (score on N and on each --rss-n): "
                             "for checking memory at 100,000 intakes without the slow "
                             "single-process runs")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the start-up times (import click, --help, ask)")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:  # one measurement, in this child process
        kind, *rest = argv[1:]
        if kind == "wrap":
            result = child_wrap(rest)
        elif kind == "floor":
            result = child_floor(rest[0], int(rest[1]))
        elif kind == "naive":
            result = child_naive(rest[0], int(rest[1]), rest[2])
        elif kind == "experta-floor":
            result = child_experta_floor(float(rest[0]), float(rest[1]))
        else:
            result = child_split(rest[0], rest[1])
        print(json.dumps(result))
        return
    args = parser.parse_args(argv)
    if args.startup_only:
        work = Path(args.dir or tempfile.mkdtemp(prefix="hipguide-bench-"))
        start = startup_times(args.startup_repeat, work / "cache")
        print(f"machine: {machine()}")
        print(f"start-up, best of {args.startup_repeat}: " +
              ", ".join(f"{k} {v:.3f} s" for k, v in start.items()))
        target("hipguide --help / import click", start["help"] / start["click"], 1.5)
        target("hipguide ask first question / import click", start["ask"] / start["click"], 1.5)
        print_targets()
        return

    from gen import generate

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="hipguide-bench-"))
    intakes = work / f"n{args.n}"
    if not intakes.exists():
        t = time.perf_counter()
        generate(intakes, args.n)
        print(f"generated {args.n} intake files in {time.perf_counter() - t:.1f} s: {intakes}")
    out = work / "out"
    out.mkdir(exist_ok=True)
    naive_n = min(args.naive_n or args.n, args.n)
    print(f"machine: {machine()}")
    print(f"hipguide score --jobs default here: {os.cpu_count()} worker(s)\n")

    def row(name, n, seconds, rss, note=""):
        print(f"  {name:<12} {n:>7} intakes {seconds:8.2f} s {n / seconds:8.0f}/s "
              f"peak RSS {rss:6.1f} MB {note}", flush=True)

    if args.memory_only:
        _, wall, rss = _measure(_score(intakes, out / "jN.jsonl"), args.repeat)
        row("score", args.n, wall, rss, f"(end to end, default --jobs = {os.cpu_count()})")
        _print_rss(_rss_runs(args, intakes, work, out, row, rss))
        _docs_runs(args, work, out, row)
        _jsonl_runs(args, work, out, row)
        print_targets()
        return

    res, _, rss = _measure(_child("floor", intakes, 0), args.repeat)
    row("floor", res["intakes"], res["seconds"], rss, "(read + PyYAML parse only)")
    floor = res["intakes"] / res["seconds"]

    res, _, rss = _measure(_child("naive", intakes, naive_n, out / "naive.jsonl"), args.repeat)
    row("naive", res["intakes"], res["seconds"], rss, "(new engine per intake, 1 process)")
    naive = res["intakes"] / res["seconds"]

    res, _, rss = _measure(_child("split", intakes, out / "split.jsonl"), args.repeat)
    engine, around = res["engine"], res["seconds"] - res["engine"]
    per_intake = engine / res["intakes"]
    row("split -j1", res["intakes"], res["seconds"], rss,
        f"(engine {engine:.2f} s = {per_intake * 1e3:.3f} ms/intake, around it "
        f"{around:.2f} s = {around / engine:.0%} of engine)")

    facts_in, facts_out = res["facts_in"], res["facts_out"]
    res, _, _ = _measure(_child("experta-floor", facts_in, facts_out), args.repeat)
    experta_floor = res["seconds"] / res["intakes"]
    print(f"  {'experta':<12} the same numbers of facts ({facts_in:.1f} given, "
          f"{facts_out:.1f} concluded per intake) through trivial rules: "
          f"{experta_floor * 1e3:.3f} ms/intake, {experta_floor * floor:.1f}x the parse floor "
          f"per file", flush=True)

    res, _, rss = _measure(_child("split", intakes, out / "plain.jsonl"), args.repeat,
                           env={"HIPGUIDE_EXPERTA": "plain"})
    plain_engine = res["engine"] / res["intakes"]
    row("plain -j1", res["intakes"], res["seconds"], rss,
        f"(HIPGUIDE_EXPERTA=plain: engine {res['engine']:.2f} s = "
        f"{plain_engine * 1e3:.3f} ms/intake)")
    same_plain = _digest(out / "split.jsonl") == _digest(out / "plain.jsonl")

    _, wall, rss = _measure(_score(intakes, out / "j1.jsonl", "--jobs", "1"), args.repeat)
    row("score -j1", args.n, wall, rss, "(end to end, incl. start-up)")
    j1 = args.n / wall

    _, wall, rss = _measure(_score(intakes, out / "jN.jsonl"), args.repeat)
    row("score", args.n, wall, rss, f"(end to end, default --jobs = {os.cpu_count()})")
    best = args.n / wall
    same = _digest(out / "j1.jsonl") == _digest(out / "jN.jsonl")

    rss_by_n = _rss_runs(args, intakes, work, out, row, rss)
    _docs_runs(args, work, out, row)
    _jsonl_runs(args, work, out, row)

    start = startup_times(args.startup_repeat, work / "cache")
    print(f"\nstart-up, best of {args.startup_repeat}: import click {start['click']:.3f} s, "
          f"hipguide --help {start['help']:.3f} s, hipguide ask first question "
          f"{start['ask']:.3f} s (first screen cached; {start['ask_cold']:.3f} s on a first "
          f"run, {start['ask_cold'] / start['click']:.2f}x import click)")

    print("\nratios (throughput, within this run)")
    print(f"  score vs naive:            {best / naive:6.1f}x")
    print(f"  score -j1 vs naive:        {j1 / naive:6.1f}x")
    print(f"  score vs -j1:              {best / j1:6.2f}x")
    print(f"  floor vs score -j1:        {floor / j1:6.1f}x")
    print(f"  floor vs score:            {floor / best:6.1f}x")
    print(f"  around-engine / engine:    {around / engine:6.0%}")
    print(f"  engine, plain / patched:   {plain_engine / per_intake:6.2f}x")
    print(f"  engine / experta floor:    {per_intake / experta_floor:6.2f}x  (the engine's "
          f"lower bound alone is {experta_floor * floor:.1f}x the parse floor)")
    _print_rss(rss_by_n)
    print(f"  --jobs 1 and default output identical: {same}")
    print(f"  patched and plain experta output identical: {same_plain}")

    target("engine per intake, patched / plain experta", per_intake / plain_engine, 1 / 2.5)
    target(f"score --jobs 1 time / parse floor ({args.n:,} files)", floor / j1, 20)
    target(f"score (default --jobs) time / parse floor ({args.n:,} files)", floor / best, 12)
    target("engine per intake / experta trivial-rule bound", per_intake / experta_floor, 1.3)
    target("hipguide --help / import click", start["help"] / start["click"], 1.5)
    target("hipguide ask first question / import click", start["ask"] / start["click"], 1.5)
    print_targets()


def _docs_runs(args, work: Path, out: Path, row) -> None:
    """Peak RSS of score on one file of K documents, smallest K vs largest."""
    rss_by_k = {}
    for k in sorted({int(x) for x in args.docs_n.split(",") if x.strip()}):
        path = _multi_doc_file(work / f"docs{k}.yaml", k)
        _, wall, rss = _measure(_score(path, out / f"docs{k}.jsonl"), args.repeat)
        reports, invalid = _count(out / f"docs{k}.jsonl")
        row(f"docs@{k}", k, wall, rss, f"(one file, {path.stat().st_size / 1e6:.1f} MB: "
            f"{reports:,} reports, {invalid:,} invalid)")
        rss_by_k[k] = rss
    if len(rss_by_k) > 1:
        big, small = max(rss_by_k), min(rss_by_k)
        target(f"peak RSS, one file of {big:,} vs {small:,} documents",
               rss_by_k[big] / rss_by_k[small], 1.3)


def _jsonl_file(path: Path, k: int) -> Path:
    """One JSON Lines file of k intakes: 1,000 generated ones, repeated with new ids."""
    import random

    import yaml
    from gen import intake_text

    if not path.exists():
        rng = random.Random(3)
        base = [yaml.safe_load(intake_text(i, rng)) for i in range(min(k, 1000))]
        with open(path, "w", encoding="utf-8") as handle:
            for i in range(k):
                data = base[i % len(base)]
                if isinstance(data, dict):
                    data = {**data, "id": f"line-{i:07d}"}
                handle.write(json.dumps(data) + "\n")
    return path


def _jsonl_runs(args, work: Path, out: Path, row) -> None:
    """Peak RSS of score on one JSON Lines file of K intakes, smallest K vs largest."""
    rss_by_k = {}
    for k in sorted({int(x) for x in args.jsonl_n.split(",") if x.strip() and int(x)}):
        path = _jsonl_file(work / f"lines{k}.jsonl", k)
        _, wall, rss = _measure(_score(path, out / f"lines{k}.jsonl"), args.repeat)
        reports, invalid = _count(out / f"lines{k}.jsonl")
        row(f"jsonl@{k}", k, wall, rss, f"(one file, {path.stat().st_size / 1e6:.1f} MB: "
            f"{reports:,} reports, {invalid:,} invalid)")
        rss_by_k[k] = rss
    if len(rss_by_k) > 1:
        big, small = max(rss_by_k), min(rss_by_k)
        target(f"peak RSS, one JSON Lines file of {big:,} vs {small:,} intakes",
               rss_by_k[big] / rss_by_k[small], 1.3)


def _rss_runs(args, intakes: Path, work: Path, out: Path, row, rss_at_n: float) -> dict:
    """Peak RSS of ``score`` on the first K files, for each --rss-n K below N."""
    rss_by_n = {args.n: rss_at_n}
    for k in sorted({int(x) for x in args.rss_n.split(",") if x.strip()}):
        if k >= args.n:
            continue
        subset = _link_first(intakes, work / f"first{k}", k)
        _, wall, rss = _measure(_score(subset, out / f"first{k}.jsonl"), args.repeat)
        row(f"rss@{k}", k, wall, rss)
        rss_by_n[k] = rss
    return rss_by_n


def _print_rss(rss_by_n: dict) -> None:
    big, small = max(rss_by_n), min(rss_by_n)
    print(f"  peak RSS {big} / {small}:  {rss_by_n[big] / rss_by_n[small]:6.2f}x  "
          f"({rss_by_n[big]:.1f} MB vs {rss_by_n[small]:.1f} MB)")
    if big != small:
        target(f"peak RSS, {big:,} files / {small:,} files", rss_by_n[big] / rss_by_n[small], 1.2)


if __name__ == "__main__":
    main()
