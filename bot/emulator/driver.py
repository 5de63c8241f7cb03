"""The user's side of a chat with the bot: type, press buttons, wait for what comes back.

Each `ChatUser` keeps a cursor into the emulator's event log, so `expect_message()`
returns the bot's next message in that chat after the last thing the user waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.emulator.server import BOT_USER, REPLY_TIMEOUT, BotApiEmulator, Event, StoredMessage


class ChatUser:
    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int = 1001,
        first_name: str = "Alex",
        language_code: str = "en",
    ) -> None:
        self.emulator = emulator
        self.user_id = user_id
        self.chat_id = user_id  # a private chat has the user's id
        self.first_name = first_name
        self.language_code = language_code
        self.cursor = 0

    # -- what the user does ----------------------------------------------------------------

    def _user(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": "private", "first_name": self.first_name}

    async def send(self, text: str) -> int:
        """Type a message (a command when it starts with /); returns the update id."""
        stored = self.emulator.store_user_message(self.chat_id, text)
        message: dict[str, Any] = {
            "message_id": stored.message_id,
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._user(),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else 1
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self.emulator.push_update({"message": message})

    async def send_update(self, **fields: Any) -> int:
        """Send an odd message (a sticker, a location, an edited message...)."""
        stored = self.emulator.store_user_message(self.chat_id, "")
        base = {
            "message_id": stored.message_id,
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._user(),
        }
        key = fields.pop("update_key", "message")
        return await self.emulator.push_update({key: {**base, **fields}})

    async def share_location(self, latitude: float, longitude: float) -> int:
        return await self.send_update(location={"latitude": latitude, "longitude": longitude})

    async def press(
        self, label: str, message: StoredMessage | None = None, *, timeout: float = REPLY_TIMEOUT
    ) -> Event:
        """Press the button whose label contains `label` (case-insensitive) on `message`, or
        on the newest bot message that has such a button; returns the callback's answer."""
        target = message or self.find_button_message(label)
        button = self._button(target, label)
        return await self.press_data(str(button["callback_data"]), target, timeout=timeout)

    async def press_data(
        self, data: str, message: StoredMessage, *, timeout: float = REPLY_TIMEOUT
    ) -> Event:
        """Send a callback query with exactly this data, as an old or forged button would."""
        query_id = await self.press_nowait(data, message)
        return await self.emulator.wait_for(
            lambda e: e.kind == "answer" and e.callback_query_id == query_id, timeout=timeout
        )

    async def press_nowait(self, data: str, message: StoredMessage) -> str:
        """Send the callback query and return its id without waiting for the answer (the
        playground shows the answer whenever it comes)."""
        query_id = self.emulator.new_callback_id(self.chat_id)
        await self.emulator.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(),
                    "chat_instance": str(self.chat_id),
                    "data": data,
                    "message": message.to_api(),
                }
            }
        )
        return query_id

    # -- the chat itself: blocking the bot, groups ------------------------------------------

    async def _bot_status(self, old: str, new: str) -> int:
        """A `my_chat_member` update: the bot's membership of this chat changed."""

        def member(status: str) -> dict[str, Any]:
            # A banned member ("kicked") always has until_date (0: for ever).
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"user": BOT_USER, "status": status, **extra}

        return await self.emulator.push_update(
            {
                "my_chat_member": {
                    "chat": self._chat(),
                    "from": self._user(),
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    async def block_bot(self) -> int:
        """The user blocks the bot: Telegram says so, and sends to them fail with 403."""
        self.emulator.blocked_chats.add(self.chat_id)
        return await self._bot_status("member", "kicked")

    async def unblock_bot(self) -> int:
        """The user unblocks the bot (Telegram's "Restart" button)."""
        self.emulator.blocked_chats.discard(self.chat_id)
        return await self._bot_status("kicked", "member")

    def in_group(self, group_id: int, title: str = "Back pain club") -> GroupMember:
        """This user, talking in a group chat (`group_id` negative, as Telegram's are)."""
        return GroupMember(self, group_id, title)

    # -- what the user sees ----------------------------------------------------------------

    def find_button_message(self, label: str) -> StoredMessage:
        for (chat_id, _), stored in sorted(
            self.emulator.messages.items(), key=lambda item: item[0][1], reverse=True
        ):
            if chat_id == self.chat_id and stored.from_bot and self._has(stored, label):
                return stored
        raise AssertionError(f"no message in the chat has a button labelled {label!r}")

    @staticmethod
    def _has(message: StoredMessage, label: str) -> bool:
        return any(label.lower() in text.lower() for text in message.button_labels)

    @staticmethod
    def _button(message: StoredMessage, label: str) -> dict[str, Any]:
        for button in message.buttons:
            if label.lower() in str(button.get("text", "")).lower():
                return button
        raise AssertionError(f"no button {label!r} on message: {message.button_labels}")

    async def expect(
        self,
        predicate: Callable[[Event], bool],
        *,
        timeout: float = REPLY_TIMEOUT,
    ) -> Event:
        event = await self.emulator.wait_for(
            lambda e: e.chat_id == self.chat_id and predicate(e), after=self.cursor, timeout=timeout
        )
        self.cursor = event.seq
        return event

    async def _expect_text(
        self, kinds: tuple[str, ...], contains: str, timeout: float
    ) -> StoredMessage:
        needle = contains.lower()
        event = await self.expect(
            lambda e: e.kind in kinds and needle in e.text.lower(), timeout=timeout
        )
        assert event.message is not None
        return event.message

    async def expect_message(
        self, contains: str = "", *, timeout: float = REPLY_TIMEOUT
    ) -> StoredMessage:
        """The bot's next new message in this chat (containing `contains`, if given)."""
        return await self._expect_text(("send",), contains, timeout)

    async def expect_edit(
        self, contains: str = "", *, timeout: float = REPLY_TIMEOUT
    ) -> StoredMessage:
        """The bot's next edit of a message in this chat (containing `contains`)."""
        return await self._expect_text(("edit",), contains, timeout)

    def sent_texts(self) -> list[str]:
        """Every new message the bot sent this user, in order."""
        return [e.text for e in self.emulator.chat_events(self.chat_id, "send")]


class GroupMember(ChatUser):
    """A user in a group the bot is in: what they send, and what they wait for, is in the
    group's chat. Presses on a group message come from this user."""

    def __init__(self, member: ChatUser, group_id: int, title: str) -> None:
        if group_id >= 0:
            raise ValueError("group ids are negative")
        super().__init__(member.emulator, member.user_id, member.first_name, member.language_code)
        self.chat_id = group_id
        self.title = title

    def _chat(self) -> dict[str, Any]:
        kind = "supergroup" if str(self.chat_id).startswith("-100") else "group"
        return {"id": self.chat_id, "type": kind, "title": self.title}

    async def mention(self, text: str) -> int:
        """A message that names the bot (`@username`), as Telegram marks it."""
        handle = f"@{BOT_USER['username']}"
        offset = text.find(handle)
        entities = [{"type": "mention", "offset": offset, "length": len(handle)}]
        return await self.send_update(text=text, entities=entities if offset >= 0 else [])

    async def add_bot(self) -> int:
        """Someone adds the bot to the group."""
        return await self._bot_status("left", "member")
