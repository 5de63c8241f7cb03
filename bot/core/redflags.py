"""Spot red-flag symptoms in free text, so the bot sends people to a doctor before anything else.

The list mirrors the safety screen (content/safety.toml). A miss is far worse than a false
alarm, so the patterns are generous about phrasing ("my leg is going numb", "peeing myself",
"numb down there") and typos ("numbess", "bladdr"), and careful only where an exercise's own
words could trip them ("knees to chest" is not chest pain, "without falling over" is not a
fall). Negation is honoured only when it directly precedes the symptom ("no fever").

Pure Python: regular expressions over normalised text, plus rapidfuzz to repair typos in
the few medical words the patterns rely on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from bot.core.text import normalise

Level = Literal["urgent", "see_doctor"]

# Telegram messages are at most 4096 characters; anything longer is cut there, and so is the
# normalised text (decomposition can expand a character 18 times): a bounded worst case.
MAX_CHARS = 4096


@dataclass(frozen=True, slots=True)
class RedFlag:
    """A red flag found in a message: how urgent it is and a short label for it."""

    level: Level
    label: str


# Words the patterns depend on; a typo of one of these (5+ letters, same first letter) is
# repaired first, unless it is an ordinary word (_ORDINARY_WORDS).
_MEDICAL_WORDS = (
    "numbness", "numb", "tingling", "tingly", "tingle", "groin", "saddle", "genitals",
    "genital", "buttocks", "bladder", "bowels", "bowel", "incontinence", "incontinent",
    "urinate", "urinating", "urine", "peeing", "fever", "feverish", "cancer", "tumour",
    "tumor", "chemotherapy", "accident", "weakness", "weaker", "constant",
)  # fmt: skip
_MEDICAL_SET = frozenset(_MEDICAL_WORDS)
_TYPO_CUTOFF = 82
# A typo keeps its first letter ("numbess", "bladdr"); asking for it keeps "single" from
# becoming "tingle" and "dancer" from becoming "cancer".
_MEDICAL_BY_LETTER: dict[str, tuple[str, ...]] = {
    letter: tuple(word for word in _MEDICAL_WORDS if word[0] == letter)
    for letter in {word[0] for word in _MEDICAL_WORDS}
}
# Correctly spelled English words that are within the typo cutoff of a medical word with the
# same first letter ("cancel" -> "cancer", "forever" -> "fever", "seeing" -> ...). They are
# never repaired. Found by running the repair over an English word list (wamerican), minus
# the medical words' own forms ("fevers", "accidents"), plus a few near misses and common
# typos of ordinary words ("cancle"). Re-check it when _MEDICAL_WORDS or the cutoff changes.
_ORDINARY_WORDS = frozenset((
    "accent", "accept", "answer", "badder", "blade", "blander", "bowers", "bowls", "cancel",
    "canceled", "cancelled", "cancle", "canker", "canter", "chance", "chancery", "chancier",
    "clever", "consonant", "constrain", "constraint", "constraints", "consultant",
    "consultants", "contestant", "contestants", "dancer", "fewer", "forever", "genial",
    "groping", "growing", "jingle", "lever", "mingle", "never", "peeking", "peeling",
    "peelings", "peeping", "peering", "peeving", "petering", "pieing", "preening", "pureeing",
    "river", "sadden", "sadder", "single", "straddle", "swaddle", "swaddled", "swaddles",
    "tangle", "tangling", "thinly", "tiling", "tinge", "tinged", "tingeing", "tinges",
    "tinging", "tinkle", "tinkling", "tinseling", "triangle", "twinge", "twingeing", "twinging",
    "twinkling", "ukraine", "uterine", "wacker", "wackiness", "walker", "wearer", "weariness",
    "weaver",
))  # fmt: skip

_G = r"(?: \S+){0,%d}"  # a gap of up to N words, between two parts of a pattern


def _gap(words: int) -> str:
    return _G % words


_NUMB = (
    r"(?:numb\w*|tingl\w*|pins and needles|no feeling|lost feeling|loss of feeling"
    r"|no sensation|lost sensation|loss of sensation|feels? dead|gone dead|asleep)"
)
_CANT_FEEL = r"(?:cant|can not|cannot|unable to|not able to|dont) feel"
_SADDLE = (
    r"(?:groin\w*|saddle|genital\w*|crotch|buttock\w*|bum|butt|butts|bottom|backside"
    r"|private parts|privates|down there|perineum|perineal|inner thighs?|vagina\w*|vulva"
    r"|penis|scrotum|testicles?|balls|anus|rectum|between my legs)"
)
_LEGS = r"(?:legs?|foot|feet|toes?|thighs?|calf|calves|shins?|ankles?)"
_BOTH_LEGS = r"(?:(?:both|two|2)(?: of)?(?: my| the)? (?:legs?|feet|foot)|legs both|feet both)"
# Plural legs or feet with a numbness word: both legs, even without the word "both".
_NUMB_LEGS = r"(?:legs|feet)"
_NUMB_WORD = (
    r"(?:numb\w*|tingl\w*|pins and needles|no feeling|lost feeling|loss of feeling"
    r"|no sensation|lost sensation|loss of sensation|feel dead|gone dead|going dead)"
)
_LEG_SYMPTOM = (
    r"(?:numb\w*|tingl\w*|pins and needles|weak\w*|giving way|gives way|gave way|give way"
    r"|buckl\w*|no feeling|lost feeling|feels? dead|gone dead|going dead|collaps\w*)"
)
_PAIN = r"(?:pain\w*|hurt\w*|ache\w*|aching|sore\w*|agony|killing me)"
_PEE = r"(?:pee|peeing|wee|weeing|urinat\w*|piss|pissing|empty my bladder|go to the toilet)"
_CONSTANT = (
    r"(?:constant|constantly|non stop|nonstop|never stops|doesnt stop|does not stop"
    r"|never goes away|doesnt go away|all the time|24 7|unrelenting|relentless)\b"
)
_CONTROL_OF = r"(?:bladder|bowels?|pee|urine|poo|poop|peeing|pooping|toilet)"

_PATTERNS: tuple[tuple[Level, str, str], ...] = (
    # --- urgent ---------------------------------------------------------------------------
    ("urgent", "numbness in the groin or saddle area", r"\bcauda equina\b"),
    (
        "urgent",
        "numbness or tingling in both legs",
        rf"\b{_NUMB}{_gap(5)} {_BOTH_LEGS}\b|\b{_BOTH_LEGS}{_gap(5)} (?:{_NUMB}|{_LEG_SYMPTOM})"
        rf"|\b(?:{_CANT_FEEL}|{_LEG_SYMPTOM}){_gap(3)} {_BOTH_LEGS}"
        rf"|\b{_CANT_FEEL} my (?:legs|feet)\b"
        rf"|\b{_NUMB_WORD}{_gap(4)} {_NUMB_LEGS}\b|\b{_NUMB_LEGS}{_gap(3)} {_NUMB_WORD}"
        rf"|\b{_NUMB_LEGS}{_gap(2)} (?:fall\w*|fell|go|goes|going|gone|went) (?:asleep|to sleep)",
    ),
    (
        "urgent",
        "numbness in the groin or saddle area",
        rf"\b{_NUMB}{_gap(5)} {_SADDLE}\b|\b{_SADDLE}{_gap(5)} {_NUMB}"
        rf"|\b{_CANT_FEEL}(?: anything)?(?: in| around| on)?(?: my)? {_SADDLE}\b",
    ),
    (
        "urgent",
        "loss of bladder or bowel control",
        r"\b(?:lost|losing|loss of|lose|no|cant|can not|cannot|unable to|trouble|problems?"
        rf"|difficulty)(?: \S+){{0,2}} control(?: of| over)?(?: my| the)? {_CONTROL_OF}\b"
        r"|\b(?:bladder|bowels?) (?:control|problems?|issues?|leak\w*|accidents?)\b"
        r"|\bincontinen\w*"
        r"|\b(?:wet|wetting|wets|peed|peeing|pees|pissed|pissing|pooped|pooping|soiled"
        r"|soiling|shat|shit|messed|messing) (?:myself|my pants|my trousers|my bed|the bed)\b"
        r"|\bleak\w* (?:urine|pee|wee|poo)\b|\b(?:urine|pee|wee) leak\w*"
        r"|\bhad (?:an|a few|some) accidents?\b",
    ),
    (
        "urgent",
        "trouble peeing",
        r"\b(?:trouble|difficulty|difficulties|hard|harder|problems?|struggl\w*|cant|can not"
        rf"|cannot|unable to|not able to|pain when|burns? when){_gap(2)} {_PEE}\b"
        rf"|\bno urge to {_PEE}\b|\bretention\b",
    ),
    (
        "urgent",
        "chest pain",
        rf"\bchest {_PAIN}|\bchest (?:tight\w*|pressure|pains?)\b"
        rf"|\b(?:{_PAIN}|tightness|pressure|crushing){_gap(2)} (?:in|on|across|around|to)"
        r"(?: my| the)? chest\b|\bheart attack\b",
    ),
    (
        "urgent",
        "pain after a fall or accident",
        r"\b(?:fell|fallen)\b(?! asleep)|\b(?:a|bad|the|my|after|since|from|had|took) fall\b"
        r"|\bfalling (?:down|off|from)\b|\bfall (?:down|off|from)\b"
        r"|\b(?:slipped|tripped) (?:on|and|down|over|up|off)\b"
        r"|\baccident\b|\b(?:car|bike|motorbike|motorcycle|bicycle|road|traffic|ski|skiing"
        r"|cycling|riding) (?:crash|wreck)\b|\bcrashed (?:my|into|the|on)\b"
        r"|\brear ended\b|\brearended\b|\bhit by an? \w+|\bknocked (?:down|over|off)\b"
        r"|\bwhiplash\b|\bcame off (?:my|the|a) \w+|\bthrown (?:off|from)\b",
    ),
    # --- see a doctor ---------------------------------------------------------------------
    (
        "see_doctor",
        "a leg getting weaker or numb",
        rf"\b{_LEGS}{_gap(4)} {_LEG_SYMPTOM}|\b{_LEG_SYMPTOM}{_gap(3)} {_LEGS}\b"
        rf"|\b{_CANT_FEEL}(?: my)? {_LEGS}\b|\b(?:drop foot|foot drop)\b"
        # Foot drop: the foot can't be lifted, or drags ("dragging my feet" is an idiom).
        r"|\b(?:cant|can not|cannot|unable to|not able to|struggl\w* to|trouble|difficulty)"
        r"(?: \S+)? (?:lift\w*|rais\w*|pick\w* up|point\w*|flex\w*)(?: my| the| one)?"
        r" (?:foot|feet|toes?)\b"
        r"|\b(?:foot|toes?) (?:is |are |keeps? |has been |have been |been |started )?"
        r"(?:dragg\w*|drags|drag|flopp\w*|flops|slapp\w*|slaps)\b"
        r"|\bdragg\w* (?:my|the|one|his|her) (?:foot|leg)\b",
    ),
    (
        "see_doctor",
        "fever or feeling unwell",
        r"\bfever\w*|\bfebrile\b|\bhigh temp\w*|\b(?:a|running a|have a|got a) temp(?:erature)?\b"
        r"|\bchills\b|\bnight sweats?\b|\bsweating at night\b|\bflu\b"
        r"|\bunwell\b|\b(?:feel|feels|feeling|felt|been|am|im)(?: \S+)?"
        r"(?: generally| really| very| quite| so| pretty| rather| a bit| a little| kind of)?"
        r" (?:ill|poorly|sick)\b(?! of)|\bfeel(?:ing)? (?:generally |really |very )?rough\b",
    ),
    (
        "see_doctor",
        "unexplained weight loss",
        r"\b(?:lost|losing|dropped|dropping|loss of)(?: \S+){0,4} (?:weight|kg|kgs|kilos?"
        r"|pounds|lbs|stone)\b|\b\d+ ?(?:kg|kgs|kilos?|pounds|lbs) (?:lost|down|lighter)\b"
        r"|\b(?:unexplained|unintentional|unintended|sudden|rapid|unexpected|mysterious"
        r"|strange|unexplainable) weight loss\b",
    ),
    (
        "see_doctor",
        "a history of cancer",
        r"\bcancer\w*|\btumou?r\w*|\bchemo\w*|\boncolog\w*|\bmalignan\w*|\bmetasta\w*"
        r"|\blymphoma\b|\bleuka?emia\b|\bmyeloma\b|\bradiotherapy\b|\bcarcinoma\b|\bsarcoma\b",
    ),
    (
        "see_doctor",
        "constant pain that is worse at night",
        r"\b(?:worse|worst|bad|awful|terrible|wakes?|waking|woke|keeps? me (?:up|awake)"
        r"|cant sleep|can not sleep|unable to sleep|no sleep)(?: \S+){0,5}"
        r" (?:at )?(?:night|nights|nighttime)\b"
        r"|\bnight\w*(?: \S+){0,3} (?:worse|worst|wakes?)\b"
        rf"|\b{_PAIN}(?: \S+){{0,3}} (?:at|every|all|during the) night\b"
        rf"|\b{_CONSTANT}(?: \S+){{0,3}} {_PAIN}|\b{_PAIN}(?: \S+){{0,3}} {_CONSTANT}",
    ),
)

_COMPILED = tuple((level, label, re.compile(pattern)) for level, label, pattern in _PATTERNS)

# Exercise wording that contains a red-flag word but is not one.
_BENIGN = re.compile(
    r"\b(?:knees?|legs?|thighs?|chin)(?: in| up)? (?:to|towards|toward|into|up to|against)"
    r"(?: my| your| the)? chest\b"
    r"|\b(?:without|not|dont|avoid|stop myself|keep from) (?:falling|fall|tipping|tip) over\b"
    r"|\bfall(?:ing)? over\b(?= (?:in|during|when|while|on) )"
)
# "no fever", "I don't have any numbness": negation right before the symptom.
_NEGATED = re.compile(
    r"(?:\bno|\bnot|\bwithout|\bnor|\bdont have|\bdo not have|\bnever had|\bhavent had"
    r"|\bhave not had|\bno history of|\bnever)(?: any)? $"
)


@lru_cache(maxsize=20_000)
def _repair_word(word: str) -> str:
    if len(word) < 5 or word in _MEDICAL_SET or word in _ORDINARY_WORDS or not word.isascii():
        return word
    candidates = _MEDICAL_BY_LETTER.get(word[0], ())
    found = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=_TYPO_CUTOFF)
    return word if found is None else found[0]


def _repair_typos(normalised: str) -> str:
    return " ".join(_repair_word(word) for word in normalised.split())


def detect_red_flag(text: str) -> RedFlag | None:
    """The most urgent red flag mentioned in `text`, or None. Never raises on odd input."""
    cleaned = _repair_typos(normalise(text, limit=MAX_CHARS))
    if not cleaned:
        return None
    cleaned = _BENIGN.sub(" exercise ", cleaned)
    for level, label, pattern in _COMPILED:
        for found in pattern.finditer(cleaned):
            # Negation sits right before the symptom: look at the last few words only.
            if not _NEGATED.search(cleaned[max(0, found.start() - 40) : found.start()]):
                return RedFlag(level=level, label=label)
    return None
