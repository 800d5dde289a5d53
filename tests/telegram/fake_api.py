"""A fake Telegram Bot API server: real HTTP on 127.0.0.1, for end-to-end tests.

It runs tornado on its own thread and event loop, so the bot under test talks to it
over real sockets exactly as it would talk to api.telegram.org (its base URL is
``http://127.0.0.1:PORT/bot``). It implements the methods the bot calls, checks what
Telegram checks where a bug could hide (HTML entities, 4,096-character texts, 64-byte
callback data, answering a callback query twice, editing a missing message), records
every request, and fails on demand: 429 with ``retry_after``, 403 blocked, 400 can't
parse entities, or a slow response that makes the client time out.

Test code drives it from the test's thread: :meth:`FakeBotApi.send_text` and friends
queue updates for ``getUpdates`` (or post them to a webhook), and
:meth:`FakeBotApi.wait_for` blocks until the bot has made the requests expected.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

JSON = dict[str, Any]
BOT_ID = 7_000_000_001
BOT_USERNAME = "clinic_faq_bot"

_JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "link_preview_options",
    "reply_parameters",
    "entities",
}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id"}
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_ENTITY_NAMES = {"lt", "gt", "amp", "quot"}


class ApiError(Exception):
    """A Bot API error response: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def too_many_requests(retry_after: int = 1) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def blocked() -> ApiError:
    return ApiError(403, "Forbidden: bot was blocked by the user")


def cant_parse() -> ApiError:
    return ApiError(
        400, 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'
    )


class _TelegramHtml(HTMLParser):
    """Parses a text the way Telegram's HTML parse mode does, strictly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def _fail(self, message: str) -> None:
        self.error = self.error or message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self._fail(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self._fail(f'Unmatched end tag "{tag}"')
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data or "&" in data:
            self._fail("Unescaped character in text")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _ENTITY_NAMES:
            self._fail(f'Unsupported HTML entity "&{name};"')
        self.text.append({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(name, ""))

    def handle_charref(self, name: str) -> None:
        code = int(name[1:], 16) if name.lower().startswith("x") else int(name)
        self.text.append(chr(code))

    def unknown_decl(self, data: str) -> None:
        self._fail("Unsupported declaration")

    def handle_comment(self, data: str) -> None:
        self._fail("Unsupported comment")


def parse_html(text: str) -> str:
    """The visible text of a Telegram-HTML message; raises ``ApiError`` like Telegram."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.rawdata:  # an unterminated "<..." left over
        parser._fail("Unclosed start tag")
    if parser.stack and parser.error is None:
        parser._fail(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    if parser.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
    return "".join(parser.text)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made, as the server decoded it."""

    method: str
    params: JSON
    at: float
    status: int = 0
    response: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """``(label, callback_data)`` of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


@dataclass
class Failure:
    """An injected failure: the next ``times`` matching requests fail or stall."""

    method: str
    error: ApiError | None = None
    delay: float = 0.0
    chat_id: int | None = None
    when: Callable[[JSON], bool] | None = None
    times: int = 1

    def matches(self, method: str, params: JSON) -> bool:
        if self.times <= 0 or method != self.method:
            return False
        if self.chat_id is not None and params.get("chat_id") != self.chat_id:
            return False
        return self.when is None or self.when(params)


@dataclass
class _State:
    updates: list[JSON] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    chats: dict[int, JSON] = field(default_factory=dict)
    messages: dict[tuple[int, int], JSON] = field(default_factory=dict)
    open_queries: set[str] = field(default_factory=set)
    answered_queries: set[str] = field(default_factory=set)
    commands: dict[str, list[JSON]] = field(default_factory=dict)
    webhook: JSON = field(default_factory=dict)


class FakeBotApi:
    """The fake server. Use as a context manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.port = 0
        self._state = _State()
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._query_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._server: tornado.httpserver.HTTPServer | None = None
        self._stopped: asyncio.Event | None = None
        self._closing = False
        self._delivered = 0
        self.me: JSON = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Clinic FAQ",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeBotApi:
        self._thread = threading.Thread(target=self._serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake Bot API did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._stopped:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        app = tornado.web.Application(
            [(r"/bot([^/]+)/(\w+)", _Handler, {"api": self})],
            log_function=lambda handler: None,  # the calls are recorded; keep output quiet
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self._ready.set()
        await self._stopped.wait()
        self._closing = True
        self._wake.set()  # release pending long polls with an empty answer
        await asyncio.sleep(0.05)
        self._server.stop()
        await self._server.close_all_connections()

    def _notify(self) -> None:
        """Wake long polls (server thread) and waiters (test thread)."""
        with self._cond:
            self._cond.notify_all()
        if self._loop and self._wake:
            self._loop.call_soon_threadsafe(self._wake.set)

    # --- driving the bot (test thread) --------------------------------------------------

    def push(self, update: JSON) -> int:
        """Queue an update (``update_id`` assigned) for getUpdates or the webhook."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **update}
        with self._cond:
            self._state.updates.append(update)
            for kind in ("message", "edited_message"):
                chat = update.get(kind, {}).get("chat")
                if chat:
                    self._state.chats[chat["id"]] = chat
            query = update.get("callback_query")
            if query:
                self._state.open_queries.add(query["id"])
        if self._state.webhook.get("url"):
            self._deliver_webhook(update)
        self._notify()
        return update_id

    def _deliver_webhook(self, update: JSON) -> None:
        headers = {}
        secret = self._state.webhook.get("secret_token")
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        response = httpx.post(self._state.webhook["url"], json=update, headers=headers)
        response.raise_for_status()

    @staticmethod
    def user(user_id: int, first_name: str = "Pat") -> JSON:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}

    @staticmethod
    def private_chat(user_id: int) -> JSON:
        return {"id": user_id, "type": "private", "first_name": "Pat"}

    @staticmethod
    def group_chat(chat_id: int) -> JSON:
        return {"id": chat_id, "type": "supergroup", "title": "Back pain support group"}

    def message(
        self,
        user_id: int,
        *,
        chat: JSON | None = None,
        **content: Any,
    ) -> JSON:
        """A message update body from ``user_id`` (private chat unless ``chat`` given)."""
        return {
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": chat or self.private_chat(user_id),
                "from": self.user(user_id),
                **content,
            }
        }

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat: JSON | None = None,
        reply_to: JSON | None = None,
    ) -> int:
        """A patient types ``text``; commands and @mentions get their entities."""
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
        handle = f"@{BOT_USERNAME}"
        start = text.find(handle)
        if start >= 0 and not text.startswith("/"):
            entities.append(
                {
                    "type": "mention",
                    "offset": _utf16_len(text[:start]),
                    "length": len(handle),
                }
            )
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        return self.push(self.message(user_id, chat=chat, **content))

    def send_sticker(self, user_id: int, *, chat: JSON | None = None) -> int:
        sticker = {
            "file_id": "CAACAgIAAxkBAAEBsticker",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.push(self.message(user_id, chat=chat, sticker=sticker))

    def send_photo(self, user_id: int, caption: str | None = None) -> int:
        photo = [{"file_id": "photo1", "file_unique_id": "p1", "width": 90, "height": 90}]
        body = self.message(user_id, photo=photo)
        if caption is not None:
            body["message"]["caption"] = caption
        return self.push(body)

    def edit_text(self, user_id: int, message_id: int, text: str) -> int:
        """The patient edits message ``message_id`` of the private chat to ``text``."""
        body = self.message(user_id, text=text)["message"]
        body["message_id"] = message_id
        body["edit_date"] = int(time.time())
        return self.push({"edited_message": body})

    def send_voice(self, user_id: int) -> int:
        voice = {"file_id": "voice1", "file_unique_id": "v1", "duration": 3}
        return self.push(self.message(user_id, voice=voice))

    def press(self, user_id: int, sent: Call, data: str, *, check: bool = True) -> str:
        """``user_id`` presses the button with ``data`` under a message the bot sent.

        The button must be there now (after an edit: the current keyboard), unless
        ``check`` is off to play an old or tampered client.
        """
        assert sent.ok and isinstance(sent.response, dict), "press a delivered message"
        key = (sent.response["chat"]["id"], sent.response["message_id"])
        with self._cond:
            message = json.loads(json.dumps(self._state.messages[key]))
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        present = [b.get("callback_data") for row in rows for b in row]
        assert data in present or not check, f"no button {data!r} there now: {present}"
        query_id = f"q{next(self._query_ids)}"
        self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "chat_instance": f"ci{user_id}",
                    "message": message,
                    "data": data,
                }
            }
        )
        return query_id

    def fail(
        self,
        method: str,
        error: ApiError | None = None,
        *,
        delay: float = 0.0,
        chat_id: int | None = None,
        when: Callable[[JSON], bool] | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` matching calls fail with ``error`` (after ``delay``)."""
        with self._cond:
            self._state.failures.append(Failure(method, error, delay, chat_id, when, times))

    # --- observing (test thread) --------------------------------------------------------

    def calls(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        with self._cond:
            return [
                c
                for c in self._state.calls
                if (method is None or c.method == method)
                and (chat_id is None or c.chat_id == chat_id)
            ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages delivered (sendMessage that succeeded), in order."""
        return [c for c in self.calls("sendMessage", chat_id) if c.ok]

    def wait_for(self, predicate: Callable[[FakeBotApi], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out; calls so far: {[c.method for c in self._state.calls]}"
                    )
                self._cond.wait(remaining)

    def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 15.0) -> list[Call]:
        """Block until ``count`` messages reached ``chat_id``; returns them all."""
        self.wait_for(lambda api: len(api.sent(chat_id)) >= count, timeout)
        return self.sent(chat_id)

    @property
    def delivered(self) -> int:
        """How many messages were delivered so far (successful sendMessage calls)."""
        return self._delivered

    def answered(self, query_id: str) -> bool:
        with self._cond:
            return query_id in self._state.answered_queries

    def commands(self, scope: str = "default") -> list[JSON]:
        with self._cond:
            return list(self._state.commands.get(scope, []))

    @property
    def webhook(self) -> JSON:
        with self._cond:
            return dict(self._state.webhook)

    # --- the server side (server thread) ------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._cond:
            self._state.calls.append(call)
            if call.method == "sendMessage" and call.ok:
                self._delivered += 1
        self._notify()

    def _take_failure(self, method: str, params: JSON) -> Failure | None:
        with self._cond:
            for failure in self._state.failures:
                if failure.matches(method, params):
                    failure.times -= 1
                    return failure
        return None

    async def handle(self, token: str, method: str, params: JSON) -> tuple[int, JSON]:
        call = Call(method, params, time.monotonic())
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            failure = self._take_failure(method, params)
            if failure:
                if failure.delay:
                    await asyncio.sleep(failure.delay)
                if failure.error:
                    raise failure.error
            result = await self._dispatch(method, params)
            call.status, call.response = 200, result
            body: JSON = {"ok": True, "result": result}
        except ApiError as error:
            call.status, call.response = error.code, error.description
            body = error.body()
        # getUpdates is polled constantly; recording its empty polls would drown the log.
        if method != "getUpdates" or call.response:
            self._record(call)
        return call.status, body

    async def _dispatch(self, method: str, params: JSON) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return await handler(params)

    async def _api_getMe(self, params: JSON) -> JSON:
        return self.me

    async def _api_getUpdates(self, params: JSON) -> list[JSON]:
        if self._state.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        assert self._wake is not None
        while True:
            self._wake.clear()  # before looking, so an update pushed meanwhile still wakes us
            with self._cond:
                if offset:
                    self._state.updates = [
                        u for u in self._state.updates if u["update_id"] >= offset
                    ]
                pending = self._state.updates[:limit]
            if pending:
                return pending
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)

    def _chat(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        with self._cond:
            chat = self._state.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    @staticmethod
    def _check_markup(params: JSON) -> JSON | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    @staticmethod
    def _visible_text(params: JSON) -> str:
        text = str(params.get("text", ""))
        visible = parse_html(text) if params.get("parse_mode") == "HTML" else text
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(visible) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return visible

    async def _api_sendMessage(self, params: JSON) -> JSON:
        chat = self._chat(params)
        visible = self._visible_text(params)
        markup = self._check_markup(params)
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
            "text": visible,
        }
        if markup:
            message["reply_markup"] = markup
        with self._cond:
            self._state.messages[(chat["id"], message["message_id"])] = message
        return message

    def _stored(self, params: JSON) -> JSON:
        key = (params.get("chat_id"), params.get("message_id"))
        with self._cond:
            message = self._state.messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _api_editMessageText(self, params: JSON) -> JSON:
        message = self._stored(params)
        visible = self._visible_text(params)
        markup = self._check_markup(params)
        if visible == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        with self._cond:
            message["text"] = visible
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
        return message

    async def _api_editMessageReplyMarkup(self, params: JSON) -> JSON:
        message = self._stored(params)
        markup = self._check_markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        with self._cond:
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
        return message

    async def _api_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        with self._cond:
            if query_id not in self._state.open_queries:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or "
                    "query ID is invalid",
                )
            self._state.open_queries.discard(query_id)
            self._state.answered_queries.add(query_id)
        return True

    async def _api_sendChatAction(self, params: JSON) -> bool:
        self._chat(params)
        return True

    async def _api_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.islower()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
        scope = params.get("scope") or {"type": "default"}
        key = scope["type"]
        if key == "chat":
            self._chat({"chat_id": scope.get("chat_id")})
            key = f"chat:{scope['chat_id']}"
        with self._cond:
            self._state.commands[key] = list(commands)
        return True

    async def _api_deleteWebhook(self, params: JSON) -> bool:
        with self._cond:
            self._state.webhook = {}
        return True

    async def _api_setWebhook(self, params: JSON) -> bool:
        with self._cond:
            self._state.webhook = {
                "url": params.get("url"),
                "secret_token": params.get("secret_token"),
                "allowed_updates": params.get("allowed_updates"),
            }
        return True

    async def _api_getWebhookInfo(self, params: JSON) -> JSON:
        with self._cond:
            url = self._state.webhook.get("url") or ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_close(self, params: JSON) -> bool:
        return True

    async def _api_logOut(self, params: JSON) -> bool:
        return True


class _Handler(tornado.web.RequestHandler):
    """``POST /bot<token>/<method>`` with form, multipart or JSON parameters."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def _params(self) -> JSON:
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            raw: JSON = json.loads(self.request.body)
        else:
            raw = {key: self.get_body_argument(key) for key in self.request.body_arguments}
            raw.update({key: self.get_query_argument(key) for key in self.request.query_arguments})
        params: JSON = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in _JSON_FIELDS:
                value = json.loads(value)
            elif isinstance(value, str) and key in _INT_FIELDS:
                value = int(value)
            params[key] = value
        return params

    async def _respond(self, token: str, method: str) -> None:
        status, body = await self.api.handle(token, method, self._params())
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    async def post(self, token: str, method: str) -> None:
        await self._respond(token, method)

    async def get(self, token: str, method: str) -> None:
        await self._respond(token, method)
