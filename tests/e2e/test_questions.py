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


# -- issue 10: names, sources, the questions people really ask, long messages ---------------

GENERAL = "General advice, not from the article."

_STORY = (
    "So about three weeks ago I helped my sister move into her new flat and we carried "
    "boxes up three flights of stairs all day. The next morning my lower back was stiff, "
    "especially on the right side, and it took me ages to get out of bed. I sit at a desk "
    "for eight hours a day and in the evening I mostly sit on the sofa. My partner said I "
    "should try some stretches, so I found this bot and have done the routine twice now. "
)


async def test_a_question_about_pregnancy_gets_general_advice_marked_as_such(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("I'm pregnant, is this safe?")
    answer = await user.expect_message()
    assert "midwife, doctor or physiotherapist" in answer.plain
    assert answer.plain.endswith(GENERAL)


async def test_pregnant_and_asking_about_an_exercise_is_told_to_check_first(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("im pregnant, how many glute bridges should i do?")
    answer = await user.expect_message()
    assert "midwife" in answer.plain and "Do 12" not in answer.plain


async def test_a_long_story_ending_in_a_question_gets_that_question_answered(
    bot: BotApp, user: ChatUser
) -> None:
    story = (_STORY * 7)[:2870] + " Anyway, why should I do the glute bridge?"
    assert len(story) > 2900
    await user.send(story)
    answer = await user.expect_message()
    for idea in ("hip mobility", "pelvis", "sacrum"):
        assert idea in answer.plain
    assert GENERAL not in answer.plain  # the glute bridge's why is the article's


async def test_the_back_flexion_stretch_is_called_by_its_article_name(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("why the knee hug?")
    answer = await user.expect_message()
    assert answer.plain.startswith("Why the back flexion stretch (knee hug)?")
    assert answer.plain.endswith(GENERAL)
    await user.send("/help")
    assert "how long do I hold the back flexion stretch?" in (await user.expect_message()).plain


async def test_sciatica_a_fresh_strain_and_progress_get_answers_not_not_sure(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("I have sciatica, can I do these?")
    assert "further down your leg" in (await user.expect_message()).plain
    await user.send("I hurt my back lifting a box yesterday, what should I do?")
    assert "keeping gently active" in (await user.expect_message()).plain
    # The progress question gets /progress itself (issue 12): with no routines yet, the
    # honest "not enough yet".
    await user.send("how has my pain changed this week")
    answer = await user.expect_message()
    assert answer.plain.startswith("Do a couple of routines and I'll show your trend here.")


async def test_a_fall_is_still_a_red_flag_whatever_else_is_asked(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("I fell down the stairs and can't feel my legs, heat or ice?")
    answer = await user.expect_message()
    assert "emergency" in answer.plain.lower()
    assert "hot water bottle" not in answer.plain


async def test_text_that_unicode_expands_18_times_gets_a_calm_reply(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("\ufdfa" * 4096)
    assert "not sure" in (await user.expect_message()).plain.lower()
    await user.send("why glute bridge?")
    assert "hip mobility" in (await user.expect_message()).plain
