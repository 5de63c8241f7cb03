"""The matcher's English: slang, synonyms, stop words, small talk, and a tiny stemmer.

Word lists are data the matcher reads; nothing here scores or renders anything. Every list
is compared with stems too (see the end of the module), so "thanks" and "thank" behave alike.
"""

from __future__ import annotations

import re

from bot.core.text import normalise

# Short forms people type, expanded before anything else.
SLANG: dict[str, str] = {
    "y": "why", "wat": "what", "wut": "what", "wht": "what", "waht": "what", "whta": "what",
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks",
    "ty": "thanks", "tnx": "thanks", "thanx": "thanks", "hw": "how", "hwo": "how",
    "abt": "about", "bc": "because", "cuz": "because", "coz": "because", "whats": "what is",
    "hows": "how is", "whys": "why is", "wheres": "where is", "cant": "can not",
    "dont": "do not", "doesnt": "does not", "isnt": "is not", "im": "i am", "ive": "i have",
    "its": "it is", "sec": "seconds", "secs": "seconds", "min": "minutes", "mins": "minutes",
    "howto": "how to", "info": "information", "bout": "about", "gonna": "going to",
    "till": "until", "til": "until", "comfy": "comfortable", "meds": "medicine",
    "shoud": "should", "shld": "should", "wk": "week", "wks": "weeks",
}  # fmt: skip
# Stems that mean the same thing here, mapped to one (after stemming).
SYNONYMS: dict[str, str] = {
    "sore": "hurt", "sorenes": "hurt", "ach": "hurt", "achy": "hurt", "painful": "hurt",
    "agony": "hurt", "er": "hospital", "physiotherapist": "physio", "gp": "doctor",
    "doc": "doctor", "repetition": "rep", "sec": "second", "butt": "glute", "bum": "glute",
    "buttock": "glute", "glut": "glute",
}  # fmt: skip


def words(text: str) -> frozenset[str]:
    """A word set written as one string, which keeps the long lists below readable."""
    return frozenset(text.split())


# Words that carry no meaning for matching (intent words such as "how"/"why" stay).
STOPWORDS = words(
    """a an the i me my mine myself you your yours it its is are am be been being was were to
    of and or in on at this that these those with can could would will shall please just so
    very really also have has had there here we us our get got some any about from by as if
    then than too do does did doing done not one thing things ok okay hey hi hello thanks
    thank cheers anyway actually exactly like mean kind sort bit little lol haha um uh hmm
    know tell want wanna need sorry start begin he she him her his hers they them their
    tomorrow tonight weekend"""
)
# Dropped from the keyword sequence so "what is the knee hug for" reads "what is for".
FILLERS = words("a an the this that these those my your one actually even really just exactly")
# Dropped before looking for exercise names, so "knees to my chest" is "knees to chest".
ALIAS_FILLERS = words("a an the my your")
# Words of exercise names too generic to name an exercise on their own.
GENERIC_NAME_WORDS = words("back stretch knee knees exercise lower hip hips")

# A message made only of these words is small talk.
SMALLTALK_WORDS = words(
    """hi hello hey hiya heya yo howdy hallo hola there morning evening afternoon good day all
    thanks thank you thankyou cheers much so very lot appreciate it that great a bye goodbye
    cya see ya later night for now take care ok okay k kk alright cool nice awesome perfect
    sure got yes yep yeah fine understood right noted lol haha done sorry"""
)
# Its kind is the first whose trigger words it contains ("ack" needs none).
SMALLTALK_TRIGGERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("bye", words("bye goodbye cya later night")),
    ("thanks", words("thanks thank thankyou cheers appreciate")),
    ("greeting", words("hi hello hey hiya heya yo howdy hallo hola morning evening afternoon")),
    ("ack", frozenset()),
)
HOW_ARE_YOU = re.compile(r"^(?:hi |hey |hello )?how (?:are|r) (?:you|u)(?: doing| today)?$")

# Buying things: no topic answers "which pillow should I buy" or "what does it cost".
SHOPPING = words("buy buying purchase price prices cost costs cheap cheapest brand brands shop")

# "can you / could you (please) <verb>": the verb says what the person wants done.
REQUEST = re.compile(r"^(?:please )?(?:can|could|would|will) you (?:please |just )?(\w+)")


def stem(word: str) -> str:
    """A deliberately tiny stemmer: plurals and -ing/-ed, so 'bridges' meets 'bridge'."""
    if len(word) <= 3 or not word.isascii():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouylsz":
        word = word[:-1]  # "hugging" -> "hugg" -> "hug"
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return SYNONYMS.get(word, word)


# The word lists above are compared with stems too.
STOPWORDS = STOPWORDS | frozenset(stem(word) for word in STOPWORDS)
FILLERS = FILLERS | frozenset(stem(word) for word in FILLERS)


# An age: "i am 78", "aged 80", "my mum is 82", "my 10 year old", "14 yo". Not "i am 20
# weeks pregnant" or "my pain is 8".
_NOT_AN_AGE = (
    r"(?! (?:weeks?|months?|days?|hours?|minutes?|times?|kg|kgs|kilos?|lbs?|pounds|stone"
    r"|reps?|out|of|percent|cm|ft|feet|inches|miles?|km|k)\b)"
)
_PERSON = (
    r"(?:i am|aged?|(?:mum|mom|mother|dad|father|gran|granny|grandma|grandmother|grandpa"
    r"|grandfather|nan|nana|wife|husband|partner|son|daughter|child|kid|he|she|aunt|uncle"
    r"|friend|neighbou?r) is)"
)
_AGE = re.compile(
    rf"\b{_PERSON} (\d{{1,3}})\b{_NOT_AN_AGE}|\b(\d{{1,3}}) ?(?:years?|yrs?|yo|y o)(?: old)?\b"
)
OLDER_FROM = 65
CHILD_UNTIL = 17


def _age_words(text: str) -> list[str]:
    """'older' or 'child' for each age in the text that says so; the topics know them."""
    found: list[str] = []
    for match in _AGE.finditer(text):
        age = int(match.group(1) or match.group(2))
        if age >= OLDER_FROM:
            found.append("older")
        elif 0 < age <= CHILD_UNTIL and (match.group(2) or age >= 5):
            found.append("child")
    return found


def expand(normalised: str) -> list[str]:
    """Words of already-normalised text with slang and contractions expanded, and a word
    added for an age ("i am 78" also says "older")."""
    expanded: list[str] = []
    for word in normalised.split():
        expanded.extend(SLANG.get(word, word).split())
    # "how come" asks why, not how.
    joined = " ".join(expanded).replace("how come", "why")
    return joined.split() + (_age_words(joined) if any(c.isdigit() for c in joined) else [])


def raw_words(text: str) -> list[str]:
    """Normalised words with slang and contractions expanded (no typo repair yet)."""
    return expand(normalise(text))
