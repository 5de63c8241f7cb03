"""People ask things in their own words, between and during routines."""

from __future__ import annotations

from bot.emulator import ChatUser
from bot.runtime.deps import BotApp, deps_of
from tests.conftest import clear_safety, cleared_routine, next_step


async def test_why_glute_bridge_gets_the_seed_rationale_in_our_words(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("why glute bridge?")
    answer = await user.expect_message()
    for idea in ("hip mobility", "lower back", "stabiliser", "pelvis", "sacrum", "tilt"):
        assert idea in answer.plain


async def test_a_typo_and_a_synonym_still_find_the_answer(bot: BotApp, user: ChatUser) -> None:
    await user.send("how long do i hold the knee hugg")
    assert "20–30 seconds" in (await user.expect_message()).plain


async def test_a_red_flag_wins_over_the_question(bot: BotApp, user: ChatUser) -> None:
    await user.send("why glute bridge, also I can't control my bladder since yesterday")
    answer = await user.expect_message()
    assert "emergency" in answer.plain.lower()
    assert "hip mobility" not in answer.plain


async def test_an_off_topic_question_gets_not_sure_and_choices(bot: BotApp, user: ChatUser) -> None:
    await user.send("what is the best pizza in town")
    answer = await user.expect_message()
    assert "not sure" in answer.plain.lower()


async def test_a_close_miss_offers_topics_as_buttons_that_answer(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("/why")
    choices = await user.expect_message("Which exercise?")
    assert len(choices.buttons) == 5
    await user.press("Cat/cow", choices)
    assert "Why cat/cow?" in (await user.expect_message()).plain


async def test_why_and_ask_commands(bot: BotApp, user: ChatUser) -> None:
    await user.send("/why hip lifts")
    assert "pelvis" in (await user.expect_message()).plain
    await user.send("/ask how many cat cows")
    assert "15–20" in (await user.expect_message()).plain
    await user.send("/ask")
    assert "Type your question after /ask" in (await user.expect_message()).plain


async def test_small_talk_emoji_long_text_and_other_scripts_get_short_sensible_replies(
    bot: BotApp, user: ChatUser
) -> None:
    for text in ("hi", "👍🙂", "back " * 800, "почему болит спина"):
        await user.send(text)
        reply = await user.expect_message()
        assert 0 < len(reply.plain) <= 4096


async def test_a_question_mid_routine_keeps_the_step_and_its_buttons(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await next_step(user, 2)
    await user.send("how long do I hold this?")
    answer = await user.expect_message()
    assert "20–30 seconds" in answer.plain
    assert "still at Back flexion stretch, step 2 of 4" in answer.plain
    await user.press("Next")
    assert "Step 3 of 4" in (await user.expect_edit()).plain


async def test_text_where_a_button_was_expected_reminds_of_the_choices(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await user.send("asdf qwerty")
    reply = await user.expect_message()
    assert "buttons above still work" in reply.plain


async def test_a_typed_pain_score_counts_like_a_pressed_one(bot: BotApp, user: ChatUser) -> None:
    await clear_safety(user)
    await user.send("/routine")
    await user.expect_message("How is your pain right now")
    await user.send("7")
    await user.expect_message("1/5 · Back flexion stretch")
    row = await deps_of(bot).db.fetchone("SELECT pain_before FROM routine_runs")
    assert row is not None
    assert row["pain_before"] == 7


async def test_a_red_flag_mid_routine_pauses_it_until_the_safety_check_is_retaken(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    card = user.find_button_message("Next")
    await user.send("my leg is going numb")
    answer = await user.expect_message()
    assert "doctor" in answer.plain.lower() and "/safety" in answer.plain
    paused = await user.expect_message("Paused at Back flexion stretch")
    row = await deps_of(bot).db.fetchone("SELECT status FROM routine_runs")
    assert row is not None
    assert row["status"] == "paused"
    # The old step's buttons are gone; Resume asks for the safety check first.
    assert card.buttons == []
    answer_event = await user.press("Resume", paused)
    assert "safety check first" in answer_event.text
    await user.expect_message("safety check")
    row = await deps_of(bot).db.fetchone("SELECT status FROM routine_runs")
    assert row is not None
    assert row["status"] == "paused"


async def test_typing_pause_skip_or_stop_mid_routine_works_like_the_buttons(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await user.send("skip this one please")
    await user.expect_message("2/5 · Cat/cow")
    await user.send("pause")
    await user.expect_message("Paused at Cat/cow stretch")
    await user.send("continue")
    assert "2/5 · Cat/cow" in (await user.expect_message()).plain
    await user.send("stop")
    await user.expect_message("Routine stopped")
    row = await deps_of(bot).db.fetchone("SELECT status FROM routine_runs")
    assert row is not None
    assert row["status"] == "stopped"


async def test_next_typed_before_starting_a_hold_says_it_does_not_fit(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await user.press("Show all steps")
    await user.expect_edit("20–30 seconds")
    await user.send("next")
    reply = await user.expect_message()
    assert "doesn't fit this step" in reply.plain
