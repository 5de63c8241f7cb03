"""The question matcher, told as what a user types and what they get back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import Content, load_content
from bot.core.answers import MAX_MATCH_CHARS, AnswerMatcher
from bot.core.answers.matcher import MAX_CANDIDATES, MAX_CHARS, MAX_PART_CHARS, question_parts
from bot.core.text import TELEGRAM_LIMIT, normalise, utf16_len
from bot.views.answers import AnswerTexts

# Hypothesis tests cannot take function-scoped fixtures; the matcher is immutable anyway.
_CONTENT = load_content()
_MATCHER = AnswerMatcher(_CONTENT, AnswerTexts(_CONTENT))


def test_why_glute_bridge_gets_the_seed_rationale(matcher: AnswerMatcher) -> None:
    reply = matcher.match("why glute bridge?")
    assert reply.kind == "answer" and reply.topic is not None
    assert reply.topic.id == "why_glute_bridge" and reply.topic.source == "seed"
    for idea in ("hip mobility", "lower back", "stabiliser", "pelvis", "sacrum", "tilt"):
        assert idea in reply.text


@pytest.mark.parametrize(
    "text",
    ["why glute bridg", "why the brige", "Why BRIDGES??", "y glute bridge 🤔", "bridge: why"],
)
def test_typos_plurals_case_and_word_order_still_reach_the_bridge_rationale(
    matcher: AnswerMatcher, text: str
) -> None:
    reply = matcher.match(text)
    assert reply.topic is not None and reply.topic.id == "why_glute_bridge", text


@pytest.mark.parametrize(
    ("text", "topic_id"),
    [
        ("how long do I hold the knee hug", "how_flexion"),
        ("what's cat cow for", "why_cat_cow"),
        ("why cat-cow", "why_cat_cow"),
        ("catcow reps?", "how_cat_cow"),
        ("how long is the lying twist", "how_trunk_twist"),
        ("hip lift how many", "how_glute_bridge"),
        ("why knee rolls", "why_knee_rocks"),
    ],
)
def test_exercise_synonyms_and_intent_pick_the_topic(
    matcher: AnswerMatcher, text: str, topic_id: str
) -> None:
    reply = matcher.match(text)
    assert reply.topic is not None and reply.topic.id == topic_id, text


def test_how_to_answers_carry_the_exact_numbers(matcher: AnswerMatcher) -> None:
    expected = {
        "flexion": ["20–30 seconds"],
        "cat_cow": ["15–20 times", "Breathe in", "Breathe out"],
        "trunk_twist": ["15–20 seconds", "right", "left", "shoulder blades"],
        "knee_rocks": ["10–15", "each side", "feet together", "45 degrees"],
        "glute_bridge": ["12", "3 seconds", "squeeze your glutes", "stomach", "gently"],
    }
    for exercise_id, fragments in expected.items():
        text = matcher.reply_for_topic(f"how_{exercise_id}").text
        for fragment in fragments:
            assert fragment in text, (exercise_id, fragment)


def test_every_exercise_has_a_why_and_a_how(matcher: AnswerMatcher, content: Content) -> None:
    for exercise in content.exercises:
        assert matcher.topic_for_exercise(exercise.id, "why").exercise == exercise.id
        assert matcher.topic_for_exercise(exercise.id, "how").exercise == exercise.id


def test_slash_why_can_name_the_exercise_any_way(matcher: AnswerMatcher) -> None:
    assert matcher.find_exercise("knee hug") == "flexion"
    assert matcher.find_exercise("hugging my knees") == "flexion"
    assert matcher.find_exercise("glute bridges") == "glute_bridge"
    assert matcher.find_exercise("lying twist") == "trunk_twist"
    assert matcher.find_exercise("windscreen wipers") == "knee_rocks"
    assert matcher.find_exercise("what's the weather") is None


def test_a_question_during_the_routine_uses_the_current_exercise(matcher: AnswerMatcher) -> None:
    reply = matcher.match("how long do I hold this?", exercise="flexion")
    assert reply.topic is not None and reply.topic.id == "how_flexion"
    # ...but a question naming another exercise is about that one.
    reply = matcher.match("why glute bridge?", exercise="flexion")
    assert reply.topic is not None and reply.topic.id == "why_glute_bridge"


def test_a_red_flag_wins_over_the_exercise_question(matcher: AnswerMatcher) -> None:
    reply = matcher.match("why glute bridge, also I can't feel my groin")
    assert reply.kind == "red_flag" and reply.red_flag is not None
    assert reply.red_flag.level == "urgent"
    assert "emergency" in reply.text


def test_see_a_doctor_lists_the_safety_screen_flags(
    matcher: AnswerMatcher, content: Content
) -> None:
    text = matcher.reply_for_topic("see_doctor").text
    for flag in content.safety.red_flags.urgent + content.safety.red_flags.see_doctor:
        assert flag in text


def test_routine_length_uses_the_real_minutes(matcher: AnswerMatcher, content: Content) -> None:
    reply = matcher.match("how long does the routine take")
    assert reply.topic is not None and reply.topic.id == "routine_length"
    assert f"{content.routine_minutes} minutes" in reply.text and "{" not in reply.text


def test_privacy_answer_says_what_is_kept_and_how_to_delete(matcher: AnswerMatcher) -> None:
    text = matcher.match("what data do you keep about me").text
    for fragment in (
        "user and chat id",
        "first name",
        "safety",
        "pain scores",
        "time zone",
        "/forget",
    ):
        assert fragment in text


def test_off_topic_gets_not_sure_with_no_confident_guess(matcher: AnswerMatcher) -> None:
    reply = matcher.match("what is bitcoin")
    assert reply.kind == "unsure" and reply.topic is None
    assert len(reply.suggestions) <= 3


def test_not_sure_offers_the_closest_topics(matcher: AnswerMatcher) -> None:
    reply = matcher.match("how come a little back pain hurts so bad")
    assert reply.kind == "unsure"
    assert 1 <= len(reply.suggestions) <= 3
    assert "lumbar" in {topic.id for topic in reply.suggestions}


@pytest.mark.parametrize("text", ["hi", "Hello!", "thanks 🙏", "ok", "bye", "how are you"])
def test_small_talk_gets_a_short_friendly_reply(matcher: AnswerMatcher, text: str) -> None:
    reply = matcher.match(text)
    assert reply.kind == "smalltalk" and 0 < len(reply.text) < 200


@pytest.mark.parametrize(
    "text",
    [
        "pause", "Pause please", "pasue", "stop", "stop it", "skip", "skip this", "next",
        "next one", "ok next", "done", "start", "resume", "continue", "go on", "cancel", "go",
        "back", "menu", "help", "wait", "quit",
    ],
)  # fmt: skip
def test_a_bare_command_is_never_answered_from_a_topic(matcher: AnswerMatcher, text: str) -> None:
    for exercise in (None, "flexion"):
        reply = matcher.match(text, exercise=exercise)
        assert reply.kind == "unsure" and reply.topic is None, (text, exercise)
        assert reply.suggestions == () and "/routine" in reply.text, text


@pytest.mark.parametrize("text", ["can I pause the routine", "how do I start", "let's start"])
def test_command_words_in_a_question_do_not_look_like_causes(
    matcher: AnswerMatcher, text: str
) -> None:
    # "pause" is one letter from "cause", and "start" is in a causes example.
    reply = matcher.match(text)
    assert reply.topic is None or reply.topic.id != "causes", text


def test_sorry_is_not_a_typo_of_worry(matcher: AnswerMatcher) -> None:
    assert matcher.match("sorry").kind == "smalltalk"
    reply = matcher.match("sorry, why glute bridge")
    assert reply.topic is not None and reply.topic.id == "why_glute_bridge"


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "?!...", "👍"])
def test_empty_or_emoji_only_gets_a_prompt(matcher: AnswerMatcher, text: str) -> None:
    assert matcher.match(text).kind == "empty"


@pytest.mark.parametrize("text", ["Почему мостик?", "这个练习有什么用", "ما هو هذا التمرين"])
def test_other_scripts_get_not_sure(matcher: AnswerMatcher, text: str) -> None:
    assert matcher.match(text).kind == "unsure"


def test_other_script_with_an_english_red_flag_still_gets_the_doctor(
    matcher: AnswerMatcher,
) -> None:
    assert matcher.match("Помогите! chest pain").kind == "red_flag"


def test_four_thousand_characters_are_handled(matcher: AnswerMatcher) -> None:
    reply = matcher.match("why glute bridge " + "blah " * 800)
    assert reply.kind in {"answer", "unsure"}
    reply = matcher.match("lorem ipsum " * 350)
    assert reply.kind == "unsure"


def test_every_reply_fits_one_telegram_message(matcher: AnswerMatcher, content: Content) -> None:
    for topic in content.answers:
        text = matcher.reply_for_topic(topic.id).text
        assert utf16_len(text) <= 700 < TELEGRAM_LIMIT, topic.id


def test_answers_never_claim_a_cure_or_a_diagnosis(content: Content) -> None:
    for topic in content.answers:
        lowered = topic.answer.lower()
        assert "will cure" not in lowered and "you have a" not in lowered, topic.id


def test_unknown_topic_is_a_key_error(matcher: AnswerMatcher) -> None:
    with pytest.raises(KeyError):
        matcher.reply_for_topic("no_such_topic")


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=600))
def test_any_text_gets_a_reply_and_never_an_exception(text: str) -> None:
    reply = _MATCHER.match(text)
    assert reply.kind in {"red_flag", "answer", "unsure", "smalltalk", "empty"}
    assert utf16_len(reply.text) <= TELEGRAM_LIMIT


_STORY = (
    "So about three weeks ago I helped my sister move into her new flat and we carried "
    "boxes up three flights of stairs all day. The next morning my lower back was stiff, "
    "especially on the right side, and it took me ages to get out of bed. I sit at a desk "
    "for eight hours a day and in the evening I mostly sit on the sofa. My partner said I "
    "should try some stretches, so I found this bot and have done the routine twice now. "
    "The cat cow feels okay and the twist is a bit strange but I think I am doing it right. "
) * 6  # about 3,000 characters, like the 2,900-character story in issue 10


@pytest.mark.parametrize(
    ("question", "topic_id"),
    [
        ("Why should I do the glute bridge?", "why_glute_bridge"),
        ("so why should i do the glute bridge", "why_glute_bridge"),  # no question mark
        ("How long do I hold the twist?", "how_trunk_twist"),
        ("Anyway. How often should I do the routine? Thanks!", "how_often"),
    ],
)
def test_a_long_story_is_answered_by_its_question(
    matcher: AnswerMatcher, question: str, topic_id: str
) -> None:
    text = _STORY + question
    assert len(text) > 2800
    reply = matcher.match(text)
    assert reply.kind == "answer" and reply.topic is not None, question
    assert reply.topic.id == topic_id, question


def test_a_question_first_and_a_story_after_is_answered_too(matcher: AnswerMatcher) -> None:
    reply = matcher.match("How many cat cows do I do? " + _STORY)
    assert reply.topic is not None and reply.topic.id == "how_cat_cow"


def test_a_red_flag_in_the_middle_of_a_long_story_still_wins(matcher: AnswerMatcher) -> None:
    text = _STORY + "Also both my legs have gone numb since Tuesday. " + _STORY + "Why the bridge?"
    assert matcher.match(text).kind == "red_flag"


def test_a_long_story_with_no_question_we_know_gets_not_sure(matcher: AnswerMatcher) -> None:
    reply = matcher.match(_STORY.replace("stretches", "ideas") + "What do you think of my new car?")
    assert reply.kind == "unsure"


def test_a_long_message_is_searched_in_a_few_short_parts_only() -> None:
    text = "why? " * 800 + "x " * 2000
    parts = question_parts(text[:MAX_CHARS])
    assert 1 <= len(parts) <= MAX_CANDIDATES
    assert all(len(part) <= MAX_PART_CHARS for part in parts)


def test_text_that_expands_18_times_is_bounded_before_matching(matcher: AnswerMatcher) -> None:
    # U+FDFA is 18 characters once normalised; the matcher reads a bounded prefix only.
    assert matcher.match("\ufdfa" * 4096).kind == "unsure"
    assert matcher.match("\ufdfa" * 400).kind == "unsure"
    assert len(normalise("\ufdfa" * 400, limit=MAX_MATCH_CHARS)) <= MAX_MATCH_CHARS


@pytest.mark.parametrize(
    ("text", "topic_id"),
    [
        # Issue 10: these all got "not sure".
        ("can I do this while pregnant", "pregnancy"),
        ("I'm pregnant, is this safe?", "pregnancy"),
        ("is it safe during pregnancy", "pregnancy"),
        ("I have sciatica, can I do these?", "sciatica"),
        ("I hurt my back lifting a box yesterday, what should I do?", "injury"),
        ("how has my pain changed this week", "progress"),
        ("I had an operation on my spine last month", "surgery"),
        ("I have osteoporosis, is the twist ok", "older_age"),
        ("can my 13 year old do these", "children"),
        ("how long until my back pain goes away", "how_long_pain"),
        ("heat or ice?", "heat_ice"),
        ("should I take ibuprofen", "painkillers"),
        ("I sit at a desk all day", "sitting_work"),
        ("what's the best position to sleep in", "sleep"),
        ("can I still go running", "walking_running"),
    ],
)
def test_questions_people_really_ask_get_a_general_answer(
    matcher: AnswerMatcher, text: str, topic_id: str
) -> None:
    reply = matcher.match(text)
    assert reply.kind == "answer" and reply.topic is not None, text
    assert reply.topic.id == topic_id, text
    if topic_id != "progress":
        assert reply.topic.source == "general"
        assert "General advice, not from the article" in reply.text


@pytest.mark.parametrize(
    ("text", "topic_id"),
    [
        ("I'm pregnant, how many glute bridges should I do?", "pregnancy"),
        ("had a c section 6 weeks ago, how long do I hold the back flexion stretch", "pregnancy"),
        ("I had back surgery, how often should I do the routine", "surgery"),
        ("I have osteoporosis, how do I do the trunk twist", "older_age"),
        ("I have sciatica, how many knee rocks", "sciatica"),
    ],
)
def test_someone_who_should_check_first_is_told_so_before_any_exercise_answer(
    matcher: AnswerMatcher, text: str, topic_id: str
) -> None:
    reply = matcher.match(text)
    assert reply.topic is not None and reply.topic.id == topic_id, text
    assert reply.topic.check_first


@pytest.mark.parametrize(
    "text",
    [
        "I fell down the stairs and can't feel my legs",
        "I hurt my back in a fall yesterday, heat or ice?",
        "im pregnant and I've lost control of my bladder",
        "I have sciatica and now both legs are numb",
        "had surgery for cancer last year, can I do these",
    ],
)
def test_a_red_flag_still_wins_over_the_new_topics(matcher: AnswerMatcher, text: str) -> None:
    assert matcher.match(text).kind == "red_flag", text


def test_the_painkiller_answer_names_no_medicine_and_no_dose(matcher: AnswerMatcher) -> None:
    text = matcher.reply_for_topic("painkillers").text
    assert "pharmacist" in text
    assert not re.search(r"\d", text)
    for medicine in ("ibuprofen", "paracetamol", "aspirin", "codeine", "naproxen"):
        assert medicine not in text.lower()


def test_progress_points_to_the_progress_command(matcher: AnswerMatcher) -> None:
    reply = matcher.match("show me my progress")
    assert reply.text == "Send /progress to see your pain scores and routines over time."


def test_general_answers_send_people_to_a_clinician_not_to_a_diagnosis(
    content: Content,
) -> None:
    for topic_id in ("pregnancy", "surgery", "older_age", "sciatica", "children"):
        answer = next(t for t in content.answers if t.id == topic_id).answer.lower()
        assert any(who in answer for who in ("doctor", "surgeon", "midwife", "physio")), topic_id
        assert "cure" not in answer and "you have" not in answer, topic_id


@pytest.mark.parametrize(
    ("text", "topic_id"),
    [
        ("im 78 can i do these", "older_age"),
        ("my dad is 80 years old, can he do this", "older_age"),
        ("my 10 year old has back pain", "children"),
    ],
)
def test_an_age_typed_as_a_number_counts(matcher: AnswerMatcher, text: str, topic_id: str) -> None:
    reply = matcher.match(text)
    assert reply.topic is not None and reply.topic.id == topic_id, text


@pytest.mark.parametrize(
    "text", ["im 20 weeks pregnant is the bridge ok", "i am 8 weeks postpartum"]
)
def test_weeks_are_not_an_age(matcher: AnswerMatcher, text: str) -> None:
    reply = matcher.match(text)
    assert reply.topic is not None and reply.topic.id == "pregnancy", text


@pytest.mark.parametrize(
    "text", ["where do i buy a hot water bottle", "what's the best pillow to buy"]
)
def test_shopping_is_not_answered_from_a_topic(matcher: AnswerMatcher, text: str) -> None:
    reply = matcher.match(text)
    assert reply.kind == "unsure" and reply.suggestions, text
