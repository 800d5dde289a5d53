"""Live reload in the running Telegram bot: the real reloader under the adapter's loop.

The adapter's own tests script the reloader's outcomes; this one edits real files.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine, ReplyKind
from bot.knowledge import load_knowledge
from bot.reload import KnowledgeReloader
from tests.conftest import KNOWLEDGE, PLACEHOLDERS
from tests.test_reload import NEW_QUESTION, add_phrasing, entry_file

pytest.importorskip("telegram")
fake_api = pytest.importorskip("tests.telegram.fake_api")
harness = pytest.importorskip("tests.telegram.harness")

PATIENT = 1001


@pytest.fixture
def api() -> Iterator[Any]:
    with fake_api.FakeBotApi(harness.TOKEN) as server:
        yield server


def test_edits_go_live_and_broken_edits_reach_the_admins(api: Any, tmp_path: Path) -> None:
    kb = Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))
    result = load_knowledge(kb)
    assert result.knowledge is not None
    engine = Engine(result.knowledge, PLACEHOLDERS)
    before = engine.reply(NEW_QUESTION).entry
    target = "cost-and-insurance" if before and before.id == "talk-to-staff" else "talk-to-staff"

    bot = harness.RunningBot(api, engine, knowledge_dir=kb)
    reloader = KnowledgeReloader(engine, kb)
    bot.runtime.reloader = reloader
    bot.start()
    try:
        api.send_text(harness.ADMIN_ID, "/help")  # the admin's chat exists from now on
        api.wait_sent(harness.ADMIN_ID)

        add_phrasing(kb, target, NEW_QUESTION)
        harness.eventually(lambda: getattr(engine.reply(NEW_QUESTION).entry, "id", "") == target)
        api.send_text(PATIENT, NEW_QUESTION)
        (answer,) = api.wait_sent(PATIENT)
        expected = engine.reply(NEW_QUESTION)
        assert expected.kind is ReplyKind.ANSWER and expected.entry is not None
        assert expected.entry.id == target
        assert fake_api.parse_html(answer.text).startswith(expected.text.split("\n")[0])

        path, lines, start = entry_file(kb, target)
        lines.insert(start + 1, "    colour: blue\n")
        path.write_text("".join(lines), encoding="utf-8")
        _, alert = api.wait_sent(harness.ADMIN_ID, 2)
        assert f"{path}:{start + 2}: unknown key 'colour'" in fake_api.parse_html(alert.text)

        api.send_text(PATIENT, NEW_QUESTION)  # still answered from the last good version
        _, again = api.wait_sent(PATIENT, 2)
        assert again.text == answer.text
    finally:
        bot.stop()
