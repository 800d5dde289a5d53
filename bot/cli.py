"""``python -m bot``: the staff and developer commands, all over the same engine."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from bot import gaps
from bot.config import Settings
from bot.engine import Engine
from bot.evaluation import (
    CaseFileError,
    engine_answerer,
    evaluate,
    format_report,
    format_sweep,
    load_cases,
    sweep,
)
from bot.knowledge import load_knowledge


def _knowledge_dir(arg: str | None) -> Path:
    return Path(arg) if arg else Settings().knowledge_dir


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a knowledge directory and print every problem as ``path:line: message``."""
    directory = _knowledge_dir(args.directory)
    result = load_knowledge(directory)
    for problem in result.problems:
        print(problem)
    errors, warnings = len(result.errors), len(result.warnings)
    strict_failure = args.strict and warnings
    if result.knowledge is not None and not strict_failure:
        k = result.knowledge
        phrasings = sum(len(e.questions) for e in k.entries)
        print(
            f"OK: {directory}: {len(k.entries)} entries, {phrasings} phrasings, "
            f"{len(k.sources)} sources, {len(k.categories)} categories, "
            f"{len(k.safety.rules)} safety rules, {warnings} warning(s)"
        )
        return 0
    print(
        f"FAILED: {directory}: {errors} error(s), {warnings} warning(s)"
        + (" (--strict: warnings count as errors)" if strict_failure else ""),
        file=sys.stderr,
    )
    return 1


def load_engine(settings: Settings) -> Engine | None:
    """The engine over ``KNOWLEDGE_DIR``, or ``None`` after printing what is wrong."""
    result = load_knowledge(settings.knowledge_dir)
    if result.knowledge is None:
        print(f"cannot load the knowledge in {settings.knowledge_dir}:", file=sys.stderr)
        for problem in result.errors:
            print(f"  {problem}", file=sys.stderr)
        print("run `python -m bot check` for details", file=sys.stderr)
        return None
    return Engine(
        result.knowledge,
        settings.placeholders(),
        max_message_chars=settings.max_message_chars,
        similarity=settings.crisis_similarity,
        vector_cache=settings.vector_cache,
    )


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or one per stdin line, as the patient would see it."""
    engine = load_engine(Settings())
    if engine is None:
        return 1
    questions = (
        [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    )
    for question in questions:
        reply = engine.reply(question)
        if args.json:
            print(json.dumps(reply.to_json(), ensure_ascii=False), flush=True)
        else:
            print(f"[{reply.kind.value}] {reply.text}\n", flush=True)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Score a case file: accuracy, no-answer, safety recall and false alarms."""
    try:  # before the engine, so a mistake in the file is told at once
        cases = load_cases(Path(args.cases))
    except CaseFileError as error:
        print(error, file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{args.cases}: cannot read: {error.strerror}", file=sys.stderr)
        return 1
    engine = load_engine(Settings())
    if engine is None:
        return 1
    if args.sweep:
        thresholds = [float(t) for t in range(20, 82, 2)]
        print(format_sweep(sweep(engine, cases, thresholds)))
        return 0
    report = evaluate(engine_answerer(engine), cases)
    if args.json:
        print(json.dumps(report.metrics))
    else:
        print(format_report(report, args.cases))
    return 0


def cmd_gaps(args: argparse.Namespace) -> int:
    """What to add next, from the questions and feedback the running bot stored."""
    settings = Settings()
    path = settings.data_dir / gaps.DB_FILENAME
    try:
        conn = gaps.open_database(path)
    except (OSError, sqlite3.Error) as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        return 1
    if conn is None:
        print(f"no stored questions yet: {path} does not exist (DATA_DIR)", file=sys.stderr)
        return 1
    result = load_knowledge(settings.knowledge_dir)
    engine = (
        Engine(result.knowledge, settings.placeholders(), similarity=False)
        if result.knowledge
        else None
    )
    if engine is None:
        print("the knowledge has errors: closest entries are left out", file=sys.stderr)
    with closing(conn):
        since = gaps.since_days(time.time(), args.days)
        report = gaps.build_report(conn, engine=engine, since=since, similarity=args.similarity)
    if args.csv:
        gaps.write_csv(report, sys.stdout)
    else:
        print(gaps.format_text(report, str(path)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="validate a knowledge directory")
    check.add_argument("directory", nargs="?", help="knowledge directory (default KNOWLEDGE_DIR)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(func=cmd_check)

    ask = sub.add_parser("ask", help="the reply to a question (or one per stdin line)")
    ask.add_argument("question", nargs="?", help="the question; omit to read stdin lines")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.set_defaults(func=cmd_ask)

    evaluate_ = sub.add_parser("eval", help="score a case file (sample-cases.yaml format)")
    evaluate_.add_argument("cases", help="the case file")
    evaluate_.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate_.add_argument(
        "--sweep",
        action="store_true",
        help="show how other thresholds would score (to calibrate matching.yaml)",
    )
    evaluate_.set_defaults(func=cmd_eval)

    gaps_ = sub.add_parser("gaps", help="what staff should add next (stored questions, feedback)")
    gaps_.add_argument("--csv", action="store_true", help="CSV on stdout, for a spreadsheet")
    gaps_.add_argument("--days", type=int, metavar="N", help="only the last N days")
    gaps_.add_argument(
        "--similarity",
        type=float,
        default=gaps.DEFAULT_SIMILARITY,
        metavar="0-100",
        help="how alike two questions must be to share a group (default %(default)g)",
    )
    gaps_.set_defaults(func=cmd_gaps)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except BrokenPipeError:
        # The reader (``| head``) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code
