"""The privacy rules: only a user's own private chat is theirs; what in a group is ours."""

from __future__ import annotations

from bot.core.chats import addressed_to, is_own_private_chat, private_link


def test_only_a_private_chat_with_the_users_own_id_is_theirs() -> None:
    assert is_own_private_chat("private", 1001, 1001)
    assert not is_own_private_chat("private", 1001, 2002)  # someone else's chat
    assert not is_own_private_chat("group", -42, 1001)
    assert not is_own_private_chat("supergroup", -1001234567890, 1001)
    assert not is_own_private_chat("channel", -1009, None)
    assert not is_own_private_chat(None, None, 1001)  # a press with no message


def test_group_messages_for_the_bot_are_its_commands_and_mentions() -> None:
    assert addressed_to("backcoach_bot", ["/why"], [])
    assert addressed_to("backcoach_bot", ["/why@BackCoach_Bot"], [])
    assert not addressed_to("backcoach_bot", ["/help@other_bot"], [])
    assert addressed_to("backcoach_bot", [], ["@backcoach_bot"])
    assert not addressed_to("backcoach_bot", [], ["@alice"])
    assert not addressed_to("backcoach_bot", [], [])


def test_the_private_link_opens_the_bot_with_start() -> None:
    assert private_link("backcoach_bot") == "https://t.me/backcoach_bot?start=from_group"
