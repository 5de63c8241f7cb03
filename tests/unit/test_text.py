"""Text helpers: one normal form for matching, and messages that fit Telegram's limit."""

from __future__ import annotations

from bot.core.text import TELEGRAM_LIMIT, normalise, split_for_telegram, utf16_len


def test_normalise_drops_case_accents_punctuation_and_emoji() -> None:
    assert normalise("Can't do the Glute-Bridge 😩!! Café") == "cant do the glute bridge cafe"


def test_normalise_of_only_emoji_or_punctuation_is_empty() -> None:
    assert normalise("🙏🙂 ?!... ") == ""


def test_normalise_keeps_other_scripts() -> None:
    assert normalise("Почему МОСТИК?") == "почему мостик"


def test_short_text_is_one_message() -> None:
    assert split_for_telegram("Hold 20–30 seconds.") == ["Hold 20–30 seconds."]


def test_blank_text_is_no_message() -> None:
    assert split_for_telegram("  \n ") == []


def test_long_text_splits_at_paragraphs_first() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert split_for_telegram(f"{first}\n\n{second}") == [first, second]


def test_a_long_paragraph_splits_at_sentence_ends() -> None:
    sentence = "Breathe in as you lift your chest. "
    parts = split_for_telegram(sentence * 300)
    assert len(parts) > 1
    assert all(utf16_len(part) <= TELEGRAM_LIMIT for part in parts)
    assert all(part.endswith(".") for part in parts)


def test_one_enormous_word_is_cut_hard_and_nothing_is_lost() -> None:
    word = "x" * 10_000
    parts = split_for_telegram(word, limit=4096)
    assert [len(part) for part in parts] == [4096, 4096, 1808]
    assert "".join(parts) == word


def test_emoji_count_double_towards_the_limit() -> None:
    parts = split_for_telegram("😀" * 3000)
    assert all(utf16_len(part) <= TELEGRAM_LIMIT for part in parts)
    assert "".join(parts) == "😀" * 3000
