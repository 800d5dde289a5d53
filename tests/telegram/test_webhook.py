"""End to end in webhook mode: Telegram posts updates; the secret token is checked."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx

from tests.telegram.fake_api import FakeBotApi
from tests.telegram.harness import RunningBot

USER = 1001
SECRET = "s3cret-webhook_token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_webhook_mode_serves_updates_and_rejects_a_wrong_secret(
    api: FakeBotApi, make_bot: Callable[..., RunningBot]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    make_bot(
        webhook=True,
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret_token=SECRET,
    )
    assert api.webhook["url"] == url
    assert api.webhook["secret_token"] == SECRET

    api.send_text(USER, "/start")  # the fake server posts it with the secret header
    api.wait_sent(USER, 2)

    forged = api.message(USER, text="/start")
    forged["update_id"] = 999
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
        response = httpx.post(url, json=forged, headers=headers)
        assert response.status_code == 403
    api.send_text(USER, "/help")
    assert len(api.wait_sent(USER, 3)) == 3  # the forged /start was never answered
