"""run_bot.py: the modes and their clear exits when the configuration is incomplete."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import KNOWLEDGE, ROOT
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.harness import TOKEN


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """run_bot.py in an empty directory (no .env), with only the given environment."""
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "KNOWLEDGE_DIR": str(KNOWLEDGE),
            # the sentence model is tested elsewhere; here it would only add start-up time
            "CRISIS_SIMILARITY": "false",
            **env,
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_token_and_no_terminal_exits_2(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr


def test_webhook_without_url_or_secret_exits_2(tmp_path: Path) -> None:
    token = "123:fake"
    result = run(tmp_path, "--webhook", TELEGRAM_BOT_TOKEN=token)
    assert result.returncode == 2
    assert "WEBHOOK_URL" in result.stderr
    result = run(
        tmp_path, "--webhook", TELEGRAM_BOT_TOKEN=token, WEBHOOK_URL="https://x.example/hook"
    )
    assert result.returncode == 2
    assert "WEBHOOK_SECRET_TOKEN" in result.stderr
    assert token not in result.stderr


def test_run_bot_polls_telegram_api_base_url_and_stops_cleanly(
    tmp_path: Path, data_dir: Path
) -> None:
    """The real entry point, configured only by the environment, over real HTTP."""
    with FakeBotApi(TOKEN) as api:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "run_bot.py")],
            cwd=tmp_path,
            env={
                "PATH": "/usr/bin:/bin",
                "KNOWLEDGE_DIR": str(KNOWLEDGE),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": api.base_url,
                "ADMIN_USER_IDS": "4242",
                "DATA_DIR": str(data_dir),
            },
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            api.send_text(1001, "/start")
            assert len(api.wait_sent(1001, 2, timeout=60)) == 2
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Application started" in stderr  # INFO logging is on ...
    assert TOKEN not in stderr  # ... and the token is not in it
    assert "setMyCommands" in [c.method for c in api.calls()]


def test_a_rejected_token_exits_2_without_printing_it(tmp_path: Path) -> None:
    wrong = "999:WRONG-secret-token-abc"
    with FakeBotApi(TOKEN) as api:  # knows only TOKEN: answers 401 Unauthorized
        result = run(tmp_path, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=api.base_url)
    assert result.returncode == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in result.stderr
    assert wrong not in result.stderr and "WRONG-secret" not in result.stderr


def test_console_mode_still_answers(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "--console"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "KNOWLEDGE_DIR": str(KNOWLEDGE), "CRISIS_SIMILARITY": "0"},
        input="how much does the stem cell treatment cost?\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "Source:" in result.stdout
