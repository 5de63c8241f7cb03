"""An in-process fake of the Telegram Bot API server, on 127.0.0.1.

It answers the methods the bot calls the way Telegram does, errors included ("message is
not modified", "message is too long", "message to edit not found", 403 for a user who
blocked the bot, 429 with `retry_after` under flood), stores what the bot sends as
events a driver can wait for, and feeds updates to `getUpdates`.

Photos, animations and documents arrive as multipart uploads or as a `file_id` string,
as with the real server: uploads get a `file_id`/`file_unique_id` back (photos a list of
sizes), size limits apply, an unknown or rejected `file_id` is a 400, and every media send
is logged in `media_sends` (uploaded or by `file_id`) so tests can check reuse.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import io
import itertools
import json
import random
import re
import struct
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Literal

from aiohttp import web

from bot.emulator.webhook import WebhookDelivery, WebhookRejected, WebhookSetting

BOT_ID = 7_000_000_001
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "BackCoach",
    "username": "backcoach_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
# The Bot API's upload limits: 10 MB for a photo, 50 MB for anything else.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_FILE_BYTES = 50 * 1024 * 1024
BAD_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
MediaKind = Literal["photo", "animation", "document"]
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "span", "tg-spoiler", "blockquote", "tg-emoji",
}  # fmt: skip


SEND_METHODS = ("sendMessage", "sendPhoto", "sendAnimation")

# How long a waiter gives the bot to answer. Generous: on a loaded 2-core machine a reply
# can take seconds, a passing wait returns as soon as the reply is there, and a test that
# checks how soon something happens says so with its own timeout.
REPLY_TIMEOUT = 15.0


@dataclass(frozen=True)
class _SlowAnswers:
    delay: float
    fraction: float
    methods: tuple[str, ...]
    rng: random.Random
    times: int | None = None


def chat_object(chat_id: int) -> dict[str, Any]:
    """A chat as Telegram describes it: a private chat has its user's (positive) id, a
    group a negative one, a supergroup or channel one that starts with -100."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {-chat_id}"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    data: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass
class StoredFile:
    """A file the bot uploaded, as the emulator keeps it."""

    file_id: str
    file_unique_id: str
    kind: MediaKind
    data: bytes
    filename: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    # Photos: the sizes Telegram would offer, (file_id, file_unique_id, width, height).
    sizes: list[tuple[str, str, int, int]] = field(default_factory=list)

    def to_api(self) -> Any:
        base: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.kind == "photo":
            return [
                {"file_id": fid, "file_unique_id": uid, "width": w, "height": h,
                 "file_size": len(self.data)}
                for fid, uid, w, h in self.sizes
            ]  # fmt: skip
        named = {
            **base,
            **({"file_name": self.filename} if self.filename else {}),
            **({"mime_type": self.mime_type} if self.mime_type else {}),
        }
        if self.kind == "animation":
            return {**named, "width": self.width, "height": self.height,
                    "duration": self.duration}  # fmt: skip
        return named


@dataclass(frozen=True)
class MediaSend:
    """One sendPhoto/sendAnimation/sendDocument that succeeded."""

    method: str
    chat_id: int
    kind: MediaKind
    # True for a multipart upload, False for a send by `file_id`.
    uploaded: bool
    file_id: str
    size: int
    message_id: int


@dataclass
class StoredMessage:
    """A message in a chat, as the emulator holds it (the latest version after edits)."""

    chat_id: int
    message_id: int
    date: int
    from_bot: bool
    text: str = ""
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    kind: str = "text"
    media: bytes | None = None
    edits: int = 0
    history: list[str] = field(default_factory=list)
    # The file behind a photo, animation or document, and whether this send uploaded it.
    stored_file: StoredFile | None = None
    uploaded: bool = False

    @property
    def plain(self) -> str:
        """The text as a person reads it: tags removed, entities decoded."""
        if self.parse_mode and self.parse_mode.upper() == "HTML":
            return html.unescape(re.sub(r"<[^>]+>", "", self.text))
        return self.text

    @property
    def file_id(self) -> str:
        """The `file_id` of this message's photo, animation or document."""
        if self.stored_file is not None:
            return self.stored_file.file_id
        return f"{self.kind}-{self.chat_id}-{self.message_id}"

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or self.reply_markup.get("keyboard") or []
        return [button for row in rows for button in row]

    @property
    def button_labels(self) -> list[str]:
        return [str(button.get("text", "")) for button in self.buttons]

    def to_api(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": chat_object(self.chat_id),
        }
        if self.from_bot:
            result["from"] = BOT_USER
        if self.kind == "text":
            result["text"] = self.plain
        else:
            if self.plain:
                result["caption"] = self.plain
            # What Telegram answers for a sent photo or animation: the file_id lets the bot
            # send the same file again without uploading it.
            if self.stored_file is not None:
                result[self.kind] = self.stored_file.to_api()
                if self.kind == "animation":
                    # Telegram also gives an animation as a document.
                    result["document"] = {
                        k: v for k, v in self.stored_file.to_api().items()
                        if k not in ("width", "height", "duration")
                    }  # fmt: skip
        if self.edits:
            result["edit_date"] = self.date
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            result["reply_markup"] = self.reply_markup
        return result


@dataclass(frozen=True)
class Event:
    """Something the bot did in a chat, in order: a new message, an edit, an answer."""

    seq: int
    kind: Literal["send", "edit", "delete", "answer", "action"]
    chat_id: int
    message: StoredMessage | None = None
    text: str = ""
    callback_query_id: str | None = None
    at: float = field(default_factory=time.monotonic)
    wall: float = field(default_factory=time.time)  # to compare with stored instants


class _HtmlChecker(HTMLParser):
    """Rejects what Telegram rejects: unknown tags and unbalanced ones."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS and self.error is None:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if (not self.stack or self.stack[-1] != tag) and self.error is None:
            self.error = f'Can\'t find end tag corresponding to start tag "{tag}"'
        elif self.stack:
            self.stack.pop()


def check_html(text: str) -> str:
    """Return the visible text, or raise the 400 Telegram gives for bad markup."""
    if "<" in text and re.search(r"<(?![/a-zA-Z])", text):
        raise ApiError(400, "Bad Request: can't parse entities: unexpected '<'")
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {checker.error}")
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class BotApiEmulator:
    """Start with `await emulator.start()`; point `TELEGRAM_API_URL` at `emulator.url`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        flood_limit_per_second: float | None = None,
        flood_retry_after: int = 1,
        per_chat_limit_per_second: float | None = None,
        webhook_targets: list[str] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.flood_limit = flood_limit_per_second
        self.flood_retry_after = flood_retry_after
        self.per_chat_limit = per_chat_limit_per_second
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.events: list[Event] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.commands: list[dict[str, str]] = []
        self.callback_answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # Every answerCallbackQuery call, failed ones included: a button answered twice
        # shows up here even though Telegram refuses the second answer.
        self.answer_attempts: Counter[str] = Counter()
        self.blocked_chats: set[int] = set()
        self.throttled: int = 0
        # Downloadable files by path (getFile's file_path), as /file/bot<token>/<path>.
        self.files: dict[str, bytes] = {}
        # Uploaded files by every file_id Telegram would accept for them.
        self.uploads: dict[str, StoredFile] = {}
        self.media_sends: list[MediaSend] = []
        self.rejected_file_ids: set[str] = set()
        self._file_ids = itertools.count(1)
        self._faults: list[tuple[str, Callable[[dict[str, Any]], bool], ApiError | None, int]] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._callback_ids = itertools.count(1)
        self._callback_chats: dict[str, int] = {}
        self._event_seq = itertools.count(1)
        self._changed = asyncio.Condition()
        self._send_times: deque[float] = deque()
        self._chat_send_times: dict[int, deque[float]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        # Webhook mode (after setWebhook): updates are POSTed, to `webhook_targets` in
        # turn if given (a load balancer's upstreams), else to the webhook's URL.
        self.webhook_targets = webhook_targets
        self.webhook: WebhookDelivery | None = None
        # Reliability faults (issue 9): see "faults of the server itself" below.
        self.token_rejection: int | None = None
        self.slow_answered: int = 0
        self._slow: _SlowAnswers | None = None
        self._lost_answers: list[tuple[str, Callable[[dict[str, Any]], bool], int]] = []
        # Set by `stop()`: open long polls answer at once instead of running out their
        # timeout (a stopped bot has already cancelled its request; without this the
        # server's shutdown would wait for it, up to the whole poll timeout).
        self._closing = False

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.*}", self._handle_file)
        app.router.add_route("*", "/{path:.*}", self._handle_unknown_path)  # last
        # On stop, calls still waiting (a long poll, a slow answer) are cut after 1 s
        # instead of aiohttp's 60 s: the emulator going away is the point of stopping it.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._closing = True
        if self.webhook is not None:
            await self.webhook.close()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- the user's side ---------------------------------------------------------------------

    async def push_update(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        if self.webhook is not None:
            self.webhook.submit({"update_id": update_id, **update})
            return update_id
        if not self._wanted(update):
            return update_id  # the bot did not ask for this kind: Telegram never sends it
        self._updates.append({"update_id": update_id, **update})
        async with self._changed:
            self._changed.notify_all()
        return update_id

    def store_user_message(self, chat_id: int, text: str, **extra: Any) -> StoredMessage:
        message = StoredMessage(
            chat_id=chat_id,
            message_id=next(self._message_ids[chat_id]),
            date=int(time.time()),
            from_bot=False,
            text=text,
        )
        self.messages[(chat_id, message.message_id)] = message
        return message

    def new_callback_id(self, chat_id: int) -> str:
        query_id = str(next(self._callback_ids))
        self._callback_chats[query_id] = chat_id
        return query_id

    def fail(
        self,
        method: str,
        error: ApiError | None = None,
        *,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> None:
        """Make the next `times` calls of `method` fail with `error`, or drop the
        connection when `error` is None (a network fault)."""
        self._faults.append((method, when, error, times))

    def reject_file_id(self, file_id: str) -> None:
        """From now on a send by this `file_id` fails as an expired or foreign id does
        ("wrong file identifier"), so a test can check that the bot uploads again."""
        self.rejected_file_ids.add(file_id)

    def uploaded(self, chat_id: int | None = None) -> list[MediaSend]:
        """Media sends that uploaded a file (optionally in one chat)."""
        return [m for m in self.media_sends if m.uploaded and chat_id in (None, m.chat_id)]

    def sent_by_file_id(self, chat_id: int | None = None) -> list[MediaSend]:
        """Media sends that reused a `file_id` (optionally in one chat)."""
        return [m for m in self.media_sends if not m.uploaded and chat_id in (None, m.chat_id)]

    async def wait_for(
        self,
        predicate: Callable[[Event], bool],
        *,
        after: int = 0,
        timeout: float = REPLY_TIMEOUT,
    ) -> Event:
        """The first event after sequence number `after` that satisfies `predicate`."""
        deadline = asyncio.get_running_loop().time() + timeout
        # Sequence numbers start at 1 and have no gaps: event N sits at index N - 1, so
        # each wake-up looks only at what is new (hundreds of waiters stay cheap).
        scanned = max(0, after)
        async with self._changed:
            while True:
                for event in self.events[scanned:]:
                    if predicate(event):
                        return event
                scanned = len(self.events)
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise TimeoutError("no matching event from the bot in time")
                # Not `asyncio.wait_for`: on Python 3.11 it swallows a cancellation that
                # lands while the condition is being notified, and this loop would go on
                # waiting (the playground's /quit then hung until its 3600 s timeout).
                try:
                    async with asyncio.timeout(remaining):
                        await self._changed.wait()
                except TimeoutError:
                    continue

    def chat_events(self, chat_id: int, kind: str | None = None) -> list[Event]:
        return [e for e in self.events if e.chat_id == chat_id and (kind is None or e.kind == kind)]

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        data = self.files.get(request.match_info["path"])
        if data is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=data)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
            return params
        if request.method == "POST":
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = Upload(value.file.read(), value.filename, value.content_type)
                elif hasattr(value, "file"):
                    params[key] = value.file.read()
                else:
                    params[key] = _decode(key, str(value))
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        self.requests.append((method, params))
        try:
            self._check_token()
            fault = self._take_fault(method, params)
            if fault is not None:
                raise fault
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
            await self._after_method(request, method, params)
        except ApiError as exc:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return web.json_response(body, status=exc.code)
        except ConnectionResetError:  # a simulated network fault: no answer at all
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, params: dict[str, Any]) -> ApiError | None:
        for index, (name, when, error, times) in enumerate(self._faults):
            if name == method and when(params):
                if times <= 1:
                    del self._faults[index]
                else:
                    self._faults[index] = (name, when, error, times - 1)
                if error is None:
                    raise ConnectionResetError("simulated network fault")
                return error
        return None

    async def _record(self, event_kind: str, chat_id: int, **kwargs: Any) -> Event:
        event = Event(seq=next(self._event_seq), kind=event_kind, chat_id=chat_id, **kwargs)  # type: ignore[arg-type]
        self.events.append(event)
        async with self._changed:
            self._changed.notify_all()
        return event

    def _check_flood(self, chat_id: int) -> None:
        now = time.monotonic()
        if self.flood_limit is not None:
            window = self._send_times
            while window and now - window[0] > 1.0:
                window.popleft()
            if len(window) >= self.flood_limit:
                self.throttled += 1
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {self.flood_retry_after}",
                    self.flood_retry_after,
                )
            window.append(now)
        if self.per_chat_limit is not None:
            chat_window = self._chat_send_times[chat_id]
            while chat_window and now - chat_window[0] > 1.0:
                chat_window.popleft()
            if len(chat_window) >= self.per_chat_limit:
                self.throttled += 1
                raise ApiError(429, "Too Many Requests: retry after 1", 1)
            chat_window.append(now)

    def _chat(self, params: dict[str, Any]) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    @staticmethod
    def _text(params: dict[str, Any], key: str = "text") -> tuple[str, str | None]:
        text = params.get(key)
        if text is None or str(text) == "":
            if key == "caption":
                return "", params.get("parse_mode")
            raise ApiError(400, "Bad Request: message text is empty")
        text = str(text)
        parse_mode = params.get("parse_mode")
        visible = check_html(text) if parse_mode and parse_mode.upper() == "HTML" else text
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        limit = MAX_TEXT if key == "text" else MAX_CAPTION
        if len(visible) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        return text, parse_mode

    # -- faults of the server itself (issue 9) -------------------------------------------------
    # Kept apart from the methods: an older server's updates, a rejected token, a wrong
    # path, answers that come late or never, a server that is down.

    async def push_raw_updates(self, *updates: dict[str, Any]) -> list[int]:
        """Deliver these update dicts exactly as given, in one `getUpdates` batch, as a
        server speaking another Bot API version might send them (an `update_id` is added
        only where one is missing). Returns the update ids."""
        ids: list[int] = []
        for update in updates:
            raw = dict(update)
            if "update_id" not in raw:
                raw["update_id"] = next(self._update_ids)
            ids.append(int(raw["update_id"]))
            self._updates.append(raw)
        async with self._changed:
            self._changed.notify_all()
        return ids

    def reject_token(self, status: Literal[401, 404] | None = 401) -> None:
        """Answer every method as Telegram answers a revoked token (401 Unauthorized) or a
        malformed one (404 Not Found); None answers normally again."""
        self.token_rejection = status

    def _check_token(self) -> None:
        if self.token_rejection == 401:
            raise ApiError(401, "Unauthorized")
        if self.token_rejection == 404:
            raise ApiError(404, "Not Found")

    async def _handle_unknown_path(self, request: web.Request) -> web.StreamResponse:
        """Any other path (a TELEGRAM_API_URL with a wrong path): Telegram's JSON 404."""
        self.requests.append((f"unknown path {request.path}", {}))
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    def answer_slowly(
        self,
        delay: float,
        *,
        fraction: float = 1.0,
        methods: tuple[str, ...] = SEND_METHODS,
        seed: int = 0,
        times: int | None = None,
    ) -> None:
        """Answer `fraction` of the calls of `methods` (at most `times` of them) only after
        `delay` seconds. The message is delivered (recorded) at once, as Telegram does when
        only its answer is slow: a client that gave up waiting cannot know it arrived."""
        self._slow = _SlowAnswers(delay, fraction, methods, random.Random(seed), times)

    def answer_promptly(self) -> None:
        self._slow = None

    def lose_answers(
        self,
        method: str,
        *,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> None:
        """Carry out the next `times` calls of `method`, then drop the connection instead
        of answering: the request arrived and took effect, the answer never comes back."""
        self._lost_answers.append((method, when, times))

    async def go_offline(self) -> None:
        """Stop listening and close every connection: calls fail to connect, as when the
        server is down or unreachable. `go_online()` listens again on the same port."""
        await self.stop()

    async def go_online(self) -> None:
        await self.start()

    async def _after_method(
        self, request: web.Request, method: str, params: dict[str, Any]
    ) -> None:
        """After a method took effect: maybe answer late, maybe never."""
        slow = self._slow
        if slow is not None and method in slow.methods and slow.rng.random() < slow.fraction:
            if slow.times is not None and self.slow_answered >= slow.times:
                self._slow = None
            else:
                self.slow_answered += 1
                if await self._stopped_within(slow.delay):
                    if request.transport is not None:
                        request.transport.abort()  # going away: no answer, at once
                    return
        for index, (name, when, times) in enumerate(self._lost_answers):
            if name == method and when(params):
                if times <= 1:
                    del self._lost_answers[index]
                else:
                    self._lost_answers[index] = (name, when, times - 1)
                if request.transport is not None:
                    request.transport.abort()
                return

    async def _stopped_within(self, seconds: float) -> bool:
        """Wait `seconds`, or less if `stop()` comes first (True then): a slow answer
        pending when the emulator stops is cut at once, not after aiohttp's 1 s."""
        async with self._changed:
            try:
                async with asyncio.timeout(seconds):
                    await self._changed.wait_for(lambda: self._closing)
            except TimeoutError:
                return False
        return True

    # -- methods ---------------------------------------------------------------------------

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            await self.webhook.close()
            self.webhook = None
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        """Store the webhook; pending and later updates are POSTed (bot/emulator/webhook.py)."""
        try:
            setting = WebhookSetting.from_params(params)
        except WebhookRejected as exc:
            raise ApiError(400, str(exc)) from None
        if self.webhook is not None and self.webhook.setting == setting:
            return True  # every worker sets the same webhook: nothing changes
        if self.webhook is not None:
            await self.webhook.close()
        self.webhook = WebhookDelivery(setting, self.webhook_targets)
        pending, self._updates = self._updates, []
        for update in pending:
            self.webhook.submit(update)
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        if self.webhook is None:
            return {"url": "", "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}  # fmt: skip
        return self.webhook.setting.info(self.webhook.pending)

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands = [dict(c) for c in commands]
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands

    def _wanted(self, update: dict[str, Any]) -> bool:
        """Is `update` of a kind the bot asked for in `allowed_updates`?"""
        allowed = getattr(self, "allowed_updates", None)
        return allowed is None or any(kind in update for kind in allowed)

    def _remember_allowed(self, params: dict[str, Any]) -> None:
        """`allowed_updates` holds until a getUpdates call names other kinds (as Telegram
        does); updates of other kinds are not even queued."""
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list) and allowed:
            self.allowed_updates: list[str] | None = [str(kind) for kind in allowed]

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._remember_allowed(params)
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while not self._updates and not self._closing:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:  # asyncio.timeout, not wait_for: see wait_for above
                    async with asyncio.timeout(remaining):
                        await self._changed.wait()
                except TimeoutError:
                    break
        return self._updates[:limit]

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat(params)
        await self._record("action", chat_id, text=str(params.get("action", "")))
        return True

    async def _send(
        self, params: dict[str, Any], *, kind: str, text_key: str, media_key: str | None
    ) -> Any:
        chat_id = self._chat(params)
        text, parse_mode = self._text(params, text_key)
        markup = self._markup(params)
        stored: StoredFile | None = None
        uploaded = False
        if media_key is not None:
            stored, uploaded = self._media(params, media_key, kind)  # type: ignore[arg-type]
        self._check_flood(chat_id)
        message = StoredMessage(
            chat_id=chat_id,
            message_id=next(self._message_ids[chat_id]),
            date=int(time.time()),
            from_bot=True,
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            kind=kind,
            media=stored.data if stored is not None else None,
            stored_file=stored,
            uploaded=uploaded,
        )
        self.messages[(chat_id, message.message_id)] = message
        if stored is not None:
            self.media_sends.append(
                MediaSend(
                    method=f"send{kind.capitalize()}",
                    chat_id=chat_id,
                    kind=stored.kind,
                    uploaded=uploaded,
                    file_id=stored.file_id,
                    size=len(stored.data),
                    message_id=message.message_id,
                )
            )
        await self._record("send", chat_id, message=message, text=message.plain)
        return message.to_api()

    def _media(
        self, params: dict[str, Any], key: str, kind: MediaKind, value: Any = None
    ) -> tuple[StoredFile, bool]:
        """The file a send names: a fresh upload (stored, given ids) or a known file_id."""
        value = params.get(key) if value is None else value
        if isinstance(value, bytes):
            value = Upload(value)
        if isinstance(value, Upload):
            limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_FILE_BYTES
            if len(value.data) > limit:
                if kind == "photo":
                    raise ApiError(400, "Bad Request: file is too big")
                raise ApiError(413, "Request Entity Too Large")
            if not value.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return self._store(value, kind), True
        if isinstance(value, str) and value:
            if value in self.rejected_file_ids or value not in self.uploads:
                raise ApiError(400, BAD_FILE_ID)
            return self.uploads[value], False
        raise ApiError(400, f"Bad Request: there is no {key} in the request")

    def _store(self, upload: Upload, kind: MediaKind) -> StoredFile:
        number = next(self._file_ids)
        digest = hashlib.sha256(upload.data).hexdigest()
        prefix = {"photo": "AgAC", "animation": "CgAC", "document": "BQAC"}[kind]
        file_id = f"{prefix}{number:06d}{digest[:24]}"
        unique = f"AQAD{digest[:12]}"
        width, height, duration = _dimensions(upload.data)
        if kind == "photo" and not width:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            kind=kind,
            data=upload.data,
            filename=upload.filename,
            mime_type=upload.content_type,
            width=width,
            height=height,
            duration=duration,
        )
        if kind == "photo":
            # Like Telegram: a few sizes, the largest no wider than 1280 px; each size has
            # its own ids and any of them sends the photo again.
            for index, side in enumerate((90, 320, 800, 1280)):
                scale = min(1.0, side / max(width, height))
                size = (round(width * scale), round(height * scale))
                if stored.sizes and size == stored.sizes[-1][2:]:
                    continue
                stored.sizes.append(
                    (f"{file_id}_{index}", f"{unique}{index}", size[0], size[1])
                )
            for size_id, *_ in stored.sizes:
                self.uploads[size_id] = stored
            stored.file_id = stored.sizes[-1][0]
        self.uploads[stored.file_id] = stored
        return stored

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        return await self._send(params, kind="text", text_key="text", media_key=None)

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return await self._send(params, kind="photo", text_key="caption", media_key="photo")

    async def _m_sendAnimation(self, params: dict[str, Any]) -> Any:
        return await self._send(params, kind="animation", text_key="caption", media_key="animation")

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return await self._send(params, kind="document", text_key="caption", media_key="document")

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id") or "")
        stored = self.uploads.get(file_id)
        if stored is None or file_id in self.rejected_file_ids:
            raise ApiError(400, "Bad Request: invalid file_id")
        path = f"{stored.kind}s/file_{stored.file_unique_id}"
        self.files[path] = stored.data
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": path,
        }

    def _existing(self, params: dict[str, Any]) -> StoredMessage:
        chat_id = self._chat(params)
        try:
            key = (chat_id, int(params["message_id"]))
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: message identifier is not specified") from None
        message = self.messages.get(key)
        if message is None or not message.from_bot:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _edit(
        self,
        message: StoredMessage,
        text: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
        markup_given: bool,
    ) -> Any:
        new_text = message.text if text is None else text
        new_mode = message.parse_mode if text is None else parse_mode
        new_markup = markup if markup_given else (message.reply_markup if text is None else None)
        if (new_text, new_markup) == (message.text, message.reply_markup):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message.history.append(message.plain)
        message.text, message.parse_mode, message.reply_markup = new_text, new_mode, new_markup
        message.edits += 1
        await self._record("edit", message.chat_id, message=message, text=message.plain)
        return message.to_api()

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        message = self._existing(params)
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, parse_mode = self._text(params)
        markup = self._markup(params)
        return await self._edit(message, text, parse_mode, markup, True)

    async def _m_editMessageCaption(self, params: dict[str, Any]) -> Any:
        message = self._existing(params)
        if message.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption, parse_mode = self._text(params, "caption")
        markup = self._markup(params)
        return await self._edit(message, caption, parse_mode, markup, True)

    async def _m_editMessageMedia(self, params: dict[str, Any]) -> Any:
        """Swap a picture message's file (e.g. the twist's mirror for the second side)."""
        message = self._existing(params)
        if message.kind == "text":
            raise ApiError(400, "Bad Request: there is no media in the message to edit")
        media = params.get("media")
        if isinstance(media, str):
            try:
                media = json.loads(media)
            except ValueError:
                media = None
        if not isinstance(media, dict) or media.get("type") not in ("photo", "animation",
                                                                      "document"):  # fmt: skip
            raise ApiError(400, "Bad Request: can't parse InputMedia")
        kind: MediaKind = media["type"]
        ref = str(media.get("media") or "")
        attached = ref.startswith("attach://")
        value: Any = params.get(ref.removeprefix("attach://")) if attached else ref
        stored, uploaded = self._media(params, "media", kind, value)
        caption, parse_mode = self._text(
            {"caption": media.get("caption"), "parse_mode": media.get("parse_mode")}, "caption"
        )
        markup = self._markup(params)
        message.history.append(message.plain)
        message.kind, message.media, message.stored_file = kind, stored.data, stored
        message.uploaded = uploaded
        message.text, message.parse_mode, message.reply_markup = caption, parse_mode, markup
        message.edits += 1
        self.media_sends.append(
            MediaSend(
                method="editMessageMedia",
                chat_id=message.chat_id,
                kind=kind,
                uploaded=uploaded,
                file_id=stored.file_id,
                size=len(stored.data),
                message_id=message.message_id,
            )
        )
        await self._record("edit", message.chat_id, message=message, text=message.plain)
        return message.to_api()

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = self._existing(params)
        markup = self._markup(params)
        return await self._edit(message, None, None, markup, True)

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        message = self._existing(params)
        del self.messages[(message.chat_id, message.message_id)]
        await self._record("delete", message.chat_id, message=message)
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        text = str(params.get("text") or "")
        self.answer_attempts[query_id] += 1
        if self.callback_answers.get(query_id):
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query id is invalid",
            )
        if len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id].append(params)
        chat_id = self._callback_chats.get(query_id, 0)
        await self._record("answer", chat_id, text=text, callback_query_id=query_id)
        return True


_JSON_KEYS = {
    "reply_markup", "commands", "scope", "entities", "caption_entities",
    "link_preview_options", "reply_parameters", "allowed_updates",
}  # fmt: skip


def _decode(key: str, value: str) -> Any:
    """PTB sends nested parameters (reply_markup, commands) as JSON strings in form data;
    plain strings such as `text` arrive as they are."""
    if key in _JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _dimensions(data: bytes) -> tuple[int, int, int]:
    """Width, height and whole seconds of an image or MP4 (0s when unknown)."""
    if data[4:8] == b"ftyp":
        return _mp4_dimensions(data)
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            millis = int(image.info.get("duration", 0)) * frames
            return image.width, image.height, millis // 1000
    except Exception:  # not an image Pillow knows: a document
        return 0, 0, 0


def _mp4_dimensions(data: bytes) -> tuple[int, int, int]:
    width = height = seconds = 0
    at = data.find(b"tkhd")
    if at > 0:
        version = data[at + 4]
        offset = at + (92 if version == 1 else 80)
        if offset + 8 <= len(data):
            width, height = (v >> 16 for v in struct.unpack(">II", data[offset : offset + 8]))
    at = data.find(b"mvhd")
    if at > 0 and data[at + 4] == 0 and at + 24 <= len(data):
        timescale, duration = struct.unpack(">II", data[at + 16 : at + 24])
        seconds = round(duration / timescale) if timescale else 0
    return width, height, seconds
