"""Fixtures: a fake Bot API per test, and a factory for the running bot over it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.runtime import build_engine
from tests.conftest import KNOWLEDGE, write_kb
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.harness import TOKEN, RunningBot


@pytest.fixture(scope="session")
def tg_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The shipped knowledge with the test deployment's placeholders (shared, read-only)."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        knowledge_dir=KNOWLEDGE,
        data_dir=tmp_path_factory.mktemp("tg-engine-data"),
        emergency_number="999",
        clinic_contact="the front desk on 0123",
    )
    return build_engine(settings)


SMALL_FAQ = """\
entries:
  - id: quick-treatment
    category: treatment
    title: How quick the injection is
    questions:
      - How quick is the injection?
      - Does the injection take long?
    answer: The article states the treatment is quick.
    source:
      id: article
      section: First Heading
      quote: "The first section says the treatment is quick."
  - id: costs
    category: practical
    title: What the injection costs
    questions:
      - What does the injection cost?
      - price of the injection
    answer: The article states costs vary <between> clinics, "a & b" <script>x</script>.
    source:
      id: article
      section: Second Heading
      quote: "costs vary between clinics"
    related: [quick-treatment]
"""
# Wide "did you mean" band: a vague "injection" is asked back, never guessed.
SMALL_MATCHING = """\
answer_threshold: 95
clarify_threshold: 30
clarify_margin: 40
"""


@pytest.fixture(scope="session")
def small_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Two entries that a vague question cannot tell apart, and knowledge text with
    HTML-special characters in it."""
    root = tmp_path_factory.mktemp("small-kb")
    kb = write_kb(root, {"faq/main.yaml": SMALL_FAQ, "matching.yaml": SMALL_MATCHING})
    result = load_knowledge(kb)
    assert result.knowledge is not None, [str(p) for p in result.errors]
    return Engine(result.knowledge, {"emergency_number": "999"})


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as server:
        yield server


@pytest.fixture
def make_bot(api: FakeBotApi, tg_engine: Engine) -> Iterator[Callable[..., RunningBot]]:
    """Start the bot (stopped again after the test); keyword arguments are settings."""
    started: list[RunningBot] = []

    def make(engine: Engine | None = None, **kwargs: Any) -> RunningBot:
        bot = RunningBot(api, engine or tg_engine, **kwargs)
        started.append(bot)
        return bot.start()

    yield make
    for bot in started:
        bot.stop()


@pytest.fixture
def bot(make_bot: Callable[..., RunningBot]) -> RunningBot:
    return make_bot()
