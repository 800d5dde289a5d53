"""The commands of SPEC section 7, run as a user would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KNOWLEDGE, ROOT, SAMPLE_CASES, needs_sample_cases

ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT),
    "KNOWLEDGE_DIR": str(KNOWLEDGE),
    "EMERGENCY_NUMBER": "911",
    "TELEGRAM_BOT_TOKEN": "",
}


@pytest.fixture(autouse=True)
def _data_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command writes its logs under a test's own directory, which pytest removes."""
    monkeypatch.setitem(ENV, "DATA_DIR", str(data_dir))


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**ENV, **(env or {})},
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def test_ask_json_one_object_per_question_from_stdin() -> None:
    result = run("-m", "bot", "ask", "--json", stdin="hw much is it\nbest pizza near me\n\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    for obj in objects:
        assert list(obj) == ["question", "kind", "entry_id", "suggestions", "score", "text"]
    assert objects[0]["question"] == "hw much is it"
    assert objects[0]["kind"] == "answer"
    assert objects[0]["entry_id"] == "cost-and-insurance"
    assert objects[1]["kind"] == "no_match"
    assert objects[1]["entry_id"] is None


def test_ask_one_question_as_text() -> None:
    result = run("-m", "bot", "ask", "my legs are both numb and weak")
    assert result.returncode == 0
    assert result.stdout.startswith("[urgent]")
    assert "911" in result.stdout


@needs_sample_cases
def test_eval_scores_the_sample_file() -> None:
    result = run("-m", "bot", "eval", str(SAMPLE_CASES), "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["cases"] == 45
    assert metrics["urgent_recall"] == 1.0
    assert metrics["crisis_recall"] == 1.0
    assert metrics["false_alarms"] == 0


def test_eval_lists_failing_cases(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n"
        '- {ask: "how much is it", expect: injection-sites}\n'
        '- {ask: "I want to end my life", expect: crisis}\n',
        encoding="utf-8",
    )
    result = run("-m", "bot", "eval", str(cases))
    assert result.returncode == 0
    assert "in-scope top-1      0.0%" in result.stdout
    assert "crisis recall       100.0%" in result.stdout
    assert "line 2: expected injection-sites; got answer cost-and-insurance" in result.stdout


def test_eval_bad_case_file_is_reported(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text("cases:\n- {ask: hi, expct: no-answer}\n", encoding="utf-8")
    result = run("-m", "bot", "eval", str(cases))
    assert result.returncode == 1
    assert f"{cases}:2: unknown key 'expct': did you mean 'expect'?" in result.stderr
    assert "Traceback" not in result.stderr
    # The case file is read first: its mistakes are told without waiting for the engine.
    result = run("-m", "bot", "eval", str(cases), env={"KNOWLEDGE_DIR": str(tmp_path / "none")})
    assert result.returncode == 1
    assert "unknown key 'expct'" in result.stderr
    assert "knowledge" not in result.stderr


@needs_sample_cases
def test_eval_sweep_prints_a_threshold_table() -> None:
    result = run("-m", "bot", "eval", str(SAMPLE_CASES), "--sweep")
    assert result.returncode == 0
    header, *rows = result.stdout.splitlines()
    assert header.split()[:3] == ["answer", "clarify", "margin"]
    assert len(rows) > 10


def test_run_bot_without_token_or_terminal_exits_2() -> None:
    result = run("run_bot.py", stdin="")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_a_bad_setting_is_one_line_without_its_value() -> None:
    env = {"RETENTION_DAYS": "0", "TELEGRAM_BOT_TOKEN": "123456:TOKEN-VALUE"}
    result = run("run_bot.py", stdin="", env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("RETENTION_DAYS: ")
    assert "Traceback" not in result.stderr and "TOKEN-VALUE" not in result.stderr


def test_console_chat() -> None:
    result = run("run_bot.py", "--console", stdin="price?\n/quote\n2\n/quit\n")
    assert result.returncode == 0, result.stderr
    transcript = result.stdout
    assert "not always covered by insurance" in transcript
    assert "The source says, word for word:" in transcript
    assert "Cost and availability can be a barrier" in transcript


def test_commands_use_knowledge_dir(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "price"],
        capture_output=True,
        text=True,
        env={**ENV, "KNOWLEDGE_DIR": str(tmp_path / "missing")},
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert "no such knowledge directory" in result.stderr
