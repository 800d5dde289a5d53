"""The console chat: the same engine as Telegram, in a terminal, for staff and developers.

Numbers pick from the last list shown (did-you-mean, follow-ups, closest topics);
``/quote`` shows the verbatim source of the last answer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine, Reply
from bot.knowledge import Entry

PROMPT = "you> "
HELP = (
    "Type a question. A number picks from the last list; /quote shows the source quote "
    "of the last answer; /topics lists all topics; /quit leaves."
)


class ConsoleChat:
    def __init__(
        self,
        engine: Engine,
        read: Callable[[str], str] = input,
        out: TextIO = sys.stdout,
        reload: Callable[[], object] | None = None,
    ) -> None:
        self.engine = engine
        self._read = read
        self._out = out
        self._reload = reload or (lambda: None)
        self._choices: tuple[Entry, ...] = ()
        self._last: Entry | None = None

    def _say(self, text: str) -> None:
        print(f"bot> {text}\n", file=self._out, flush=True)

    def _show(self, reply: Reply) -> None:
        self._say(reply.text)
        self._choices = reply.suggestions
        if reply.entry is not None:
            self._last = reply.entry

    def handle(self, line: str) -> bool:
        """Answer one line; ``False`` when the user wants to leave."""
        self._reload()
        text = line.strip()
        if text in ("/quit", "/exit", "/q"):
            return False
        messages = self.engine.knowledge.messages
        if text in ("/help", "/start"):
            welcome = self.engine.composer.message(messages.welcome).text
            self._say(welcome if text == "/start" else f"{HELP}")
        elif text == "/topics":
            entries = self.engine.knowledge.entries
            self._choices = tuple(entries)
            self._say("\n".join(f"{i}. {e.title}" for i, e in enumerate(entries, 1)))
        elif text == "/quote":
            quote = self.engine.quote(self._last.id) if self._last else None
            self._say(
                quote.text if quote else "Ask a question first; then /quote shows its source."
            )
        elif text.isdigit() and 1 <= int(text) <= len(self._choices):
            reply = self.engine.answer(self._choices[int(text) - 1].id)
            if reply is not None:
                self._show(reply)
        else:
            self._show(self.engine.reply(line))
        return True

    def run(self) -> None:
        self._say(self.engine.composer.message(self.engine.knowledge.messages.welcome).text)
        self._say(HELP)
        while True:
            try:
                line = self._read(PROMPT)
            except (EOFError, KeyboardInterrupt):
                print(file=self._out)
                return
            if not self.handle(line):
                return
