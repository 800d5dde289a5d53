"""Speed and memory of the engine at a given knowledge size, one process per size.

``python -m benchmarks.speed --entries 5000`` writes a synthetic knowledge directory of
that size to a temporary folder (``--entries 0``: the shipped knowledge), then measures,
pinned to one CPU core:

- knowledge load time: :func:`load_knowledge` with every check (median of a few runs);
- engine build time: :class:`Engine` over that knowledge (index, vocabulary, safety);
- time per question: :meth:`Engine.reply` (safety triage, matching, reply text) for every
  message of several runs, each run a fresh mix of the project's dev messages and
  generated questions; p50 and p99 per run, the median over runs is reported;
- queries per second on that one core, and the peak resident memory of the process.

It prints one JSON object. :func:`measure_sizes` runs it in a subprocess per size so that
every size starts with a clean heap and its own peak memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from benchmarks import synthetic
from bot.evaluation import load_cases
from bot.knowledge import DEFAULT_DIR, Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parents[1]
DEV_CASES = ROOT / "tests" / "eval" / "dev.yaml"
ARTICLE = "uc-msc-back-pain.txt"
T = TypeVar("T")

# Environment for the measured subprocess: numerical libraries stay on one thread.
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


def _peak_rss_mb() -> float:
    """This process's peak resident memory.

    ``VmHWM`` is reset when a program starts; ``ru_maxrss`` is not (a child started by a
    big parent reports the parent's peak), so it is only the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _pin_one_core() -> int | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[-1]})
    return cores[-1]


def _timed(function: Callable[[], T], runs: int) -> tuple[T, list[float]]:
    seconds: list[float] = []
    result: T | None = None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    assert result is not None
    return result, seconds


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0-1) of a non-empty sequence."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def _entries_for_queries(knowledge: Knowledge) -> list[dict[str, object]]:
    return [{"id": e.id, "questions": list(e.questions)} for e in knowledge.entries]


def measure(
    n_entries: int,
    *,
    runs: int,
    queries_per_run: int,
    load_runs: int,
    workdir: Path,
    pin: bool = True,
    model: bool = True,
) -> dict[str, Any]:
    """Everything for one size, in this process (see the module docstring).
    ``model=False``: the words-only engine (``CRISIS_SIMILARITY=false``)."""
    from bot.engine import Engine  # imported here so the baseline memory includes it

    core = _pin_one_core() if pin else None
    baseline_mb = _peak_rss_mb()
    shipped = load_knowledge(DEFAULT_DIR).knowledge
    assert shipped is not None, "the shipped knowledge does not load: run python -m bot check"
    vocab = synthetic.vocabulary(shipped)
    if n_entries:
        generated = synthetic.generate(n_entries, vocab)
        directory = synthetic.write_knowledge(
            workdir / f"knowledge-{n_entries}", generated, DEFAULT_DIR / "sources" / ARTICLE
        )
        del generated
        gc.collect()
    else:
        directory = DEFAULT_DIR
    result, load_seconds = _timed(lambda: load_knowledge(directory), load_runs)
    knowledge = result.knowledge
    if knowledge is None:
        raise SystemExit(f"{directory} does not load: {result.errors[:3]}")
    engine, build_seconds = _timed(
        lambda: Engine(knowledge, similarity=model), max(1, min(load_runs, 3))
    )
    after_build_mb = _peak_rss_mb()
    targets = _entries_for_queries(knowledge)
    dev_messages = [case.ask for case in load_cases(DEV_CASES)] if DEV_CASES.exists() else []

    p50s, p99s, means, qps, hits, asked = [], [], [], [], 0, 0
    for run in range(runs):
        generated_queries = synthetic.queries(targets, vocab, queries_per_run, seed=100 + run)
        messages = [*dev_messages, *(q for q, _ in generated_queries)]
        for message in messages[:20]:  # warm the caches of this run's first messages only
            engine.reply(message)
        times: list[int] = []
        started = time.perf_counter_ns()
        for message in messages:
            start = time.perf_counter_ns()
            engine.reply(message)
            times.append(time.perf_counter_ns() - start)
        elapsed = time.perf_counter_ns() - started
        p50s.append(percentile(times, 0.50) / 1e6)
        p99s.append(percentile(times, 0.99) / 1e6)
        means.append(statistics.fmean(times) / 1e6)
        qps.append(len(messages) / (elapsed / 1e9))
        for question, expected in generated_queries:
            if expected is not None:
                reply = engine.reply(question)
                asked += 1
                hits += reply.entry is not None and reply.entry.id == expected
    return {
        "entries": len(knowledge.entries),
        "phrasings": sum(len(e.questions) for e in knowledge.entries),
        "synthetic": bool(n_entries),
        "model": engine.uses_model,
        "warnings": len(result.warnings),
        "load_s": statistics.median(load_seconds),
        "load_runs": load_runs,
        "build_s": statistics.median(build_seconds),
        "p50_ms": statistics.median(p50s),
        "p99_ms": statistics.median(p99s),
        "mean_ms": statistics.median(means),
        "qps": statistics.median(qps),
        "runs": runs,
        "queries_per_run": queries_per_run + len(dev_messages),
        "synthetic_top1": hits / asked if asked else None,
        "baseline_mb": baseline_mb,
        "after_build_mb": after_build_mb,
        "peak_mb": _peak_rss_mb(),
        "core": core,
    }


def measure_sizes(
    sizes: Sequence[int],
    *,
    runs: int,
    queries_per_run: int,
    load_runs: Callable[[int], int],
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """One fresh subprocess per size; sizes of 0 mean the shipped knowledge."""
    env = {**os.environ, **ONE_THREAD, "PYTHONPATH": str(ROOT)}
    out = []
    with tempfile.TemporaryDirectory(prefix="bench-knowledge-") as workdir:
        for size in sizes:
            command = [
                sys.executable,
                "-m",
                "benchmarks.speed",
                "--entries",
                str(size),
                "--runs",
                str(runs),
                "--queries",
                str(queries_per_run),
                "--load-runs",
                str(load_runs(size)),
                "--workdir",
                workdir,
            ]
            log(f"  speed: {size or 'shipped'} entries ...")
            started = time.perf_counter()
            done = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
            row = json.loads(done.stdout.strip().splitlines()[-1])
            log(
                f"    {row['entries']} entries: load {row['load_s']:.2f} s, "
                f"p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms "
                f"({time.perf_counter() - started:.0f} s)"
            )
            out.append(row)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__)
    parser.add_argument("--entries", type=int, default=0, help="0: the shipped knowledge")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", type=int, default=500, help="generated ones per run")
    parser.add_argument("--load-runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--words-only", action="store_true", help="without the sentence model, if installed"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-knowledge-") as scratch:
        row = measure(
            args.entries,
            runs=args.runs,
            queries_per_run=args.queries,
            load_runs=args.load_runs,
            workdir=args.workdir or Path(scratch),
            model=not args.words_only,
        )
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
