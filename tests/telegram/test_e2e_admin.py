"""End to end: /reload and /stats for admins, live reload, alerts to admins."""

from __future__ import annotations

from bot.engine import Engine
from bot.knowledge import Problem
from bot.services import ReloadOutcome
from tests.telegram.fake_api import FakeBotApi, parse_html
from tests.telegram.harness import ADMIN_ID, RunningBot, eventually

USER = 1001
BROKEN = Problem("knowledge/faq/cost.yaml", 12, "unknown key 'anwser'; did you mean 'answer'?")


def test_stats_for_admins_only(api: FakeBotApi, bot: RunningBot, tg_engine: Engine) -> None:
    api.send_text(ADMIN_ID, "/stats")
    (stats,) = api.wait_sent(ADMIN_ID)
    assert parse_html(stats.text) == "Replies recorded: 0 <all kinds>"
    api.send_text(USER, "/stats")
    api.send_text(USER, "/reload")
    help_text = tg_engine.knowledge.messages.help
    assert [parse_html(r.text) for r in api.wait_sent(USER, 2)] == [
        tg_engine.composer.message(help_text).text
    ] * 2


def test_reload_reports_swapped_or_the_problems(api: FakeBotApi, bot: RunningBot) -> None:
    api.send_text(ADMIN_ID, "/reload")
    (done,) = api.wait_sent(ADMIN_ID)
    assert parse_html(done.text).startswith("Knowledge reloaded")
    bot.reloader.now = ReloadOutcome(swapped=False, problems=[BROKEN])
    api.send_text(ADMIN_ID, "/reload")
    _, failed = api.wait_sent(ADMIN_ID, 2)
    assert "NOT reloaded" in failed.text
    assert str(BROKEN) in parse_html(failed.text)


def test_live_reload_failure_is_sent_to_every_admin(api: FakeBotApi, bot: RunningBot) -> None:
    api.send_text(ADMIN_ID, "/help")
    api.wait_sent(ADMIN_ID)
    bot.reloader.polls.append(ReloadOutcome(swapped=False, problems=[BROKEN]))
    _, alert = api.wait_sent(ADMIN_ID, 2)
    assert str(BROKEN) in parse_html(alert.text)
    seen = bot.reloader.poll_count
    eventually(lambda: bot.reloader.poll_count > seen + 1)  # and it keeps polling


def test_a_start_from_the_last_good_copy_is_reported_to_admins(
    api: FakeBotApi, bot: RunningBot
) -> None:
    api.send_text(ADMIN_ID, "/help")  # Telegram knows the admin's chat from now on
    api.wait_sent(ADMIN_ID)
    bot.stop()
    restarted = RunningBot(api, bot.runtime.engine, startup_problems=(BROKEN,))
    restarted.start()
    try:
        _, alert = api.wait_sent(ADMIN_ID, 2)
        text = parse_html(alert.text)
        assert text.startswith("Started from the last good copy")
        assert str(BROKEN) in text
    finally:
        restarted.stop()


def test_admins_get_the_staff_commands_in_their_menu(api: FakeBotApi, bot: RunningBot) -> None:
    # The admin's chat was unknown at start-up, so only the public menu was set;
    # restarting after the admin wrote to the bot registers theirs.
    assert api.commands(f"chat:{ADMIN_ID}") == []
    api.send_text(ADMIN_ID, "/start")
    api.wait_sent(ADMIN_ID, 2)
    bot.stop()
    restarted = RunningBot(api, bot.runtime.engine)
    restarted.start()
    try:
        names = [c["command"] for c in api.commands(f"chat:{ADMIN_ID}")]
        assert names[-2:] == ["reload", "stats"]
    finally:
        restarted.stop()
