"""Text helpers shared by the core: normalising what people type, and fitting Telegram's limit.

Normalising once, the same way everywhere, is what lets the red-flag detector and the
question matcher ignore case, accents, emoji and punctuation without each re-inventing it.
"""

from __future__ import annotations

import html
import re
import unicodedata

TELEGRAM_LIMIT = 4096

_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[\W_]+")


def esc(text: str) -> str:
    """Escape content- or user-provided text for Telegram HTML."""
    return html.escape(text, quote=False)


# Unicode compatibility decomposition can expand one character up to 18 times (U+FDFA is
# a whole Arabic phrase), so a bounded input alone does not bound the work after it.
_NFKD_CHUNK = 256


def normalise(text: str, limit: int | None = None) -> str:
    """Lower-case, accents and apostrophes dropped, everything else non-alphanumeric to spaces.

    "Can't do the Glute-Bridge 😩!!" -> "cant do the glute bridge". Letters of other scripts
    are kept (they simply match nothing), so the result is empty only for text with no
    letters or digits at all (emoji, punctuation, whitespace).

    With a `limit`, at most `limit` characters are read and at most `limit` come out (the
    start of the text), however much decomposition expands them: the callers' regular
    expressions then have a bounded worst case.
    """
    if limit is None:
        decomposed = unicodedata.normalize("NFKD", text)
    else:
        decomposed = _bounded_nfkd(text[:limit], 2 * limit)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if limit is not None:
        stripped = stripped[:limit]
    lowered = _APOSTROPHES.sub("", stripped.casefold())
    if limit is not None:
        lowered = lowered[:limit]
    return _NON_WORD.sub(" ", lowered).strip()


def _bounded_nfkd(text: str, limit: int) -> str:
    """NFKD of the start of `text`, stopping once `limit` characters are out.

    Decomposed a chunk at a time; a chunk border between a letter and its accents only
    changes the order of combining marks, which `normalise` drops anyway.
    """
    parts: list[str] = []
    total = 0
    for start in range(0, len(text), _NFKD_CHUNK):
        part = unicodedata.normalize("NFKD", text[start : start + _NFKD_CHUNK])
        parts.append(part)
        total += len(part)
        if total >= limit:
            break
    return "".join(parts)[:limit]


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji can count as two)."""
    return len(text.encode("utf-16-le")) // 2


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_for_telegram(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split `text` into messages of at most `limit` UTF-16 units, at the gentlest break.

    Prefers paragraph breaks, then line breaks, then sentence ends, then spaces; cuts a
    word only when a single word is longer than the limit. Empty or blank text gives [].
    Note: it does not re-balance HTML tags, so keep tags within a sentence.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    if not text:
        return []
    if utf16_len(text) <= limit:
        return [text]
    return [part for part in _split(text, limit, 0) if part]


# Separators from gentlest to harshest; each splitter returns the pieces with the separator
# re-attached where it matters (sentences keep their punctuation).
_SPLITTERS: tuple[tuple[str, re.Pattern[str] | None], ...] = (
    ("\n\n", None),
    ("\n", None),
    (" ", _SENTENCE_END),
    (" ", None),
)


def _split(text: str, limit: int, level: int) -> list[str]:
    if utf16_len(text) <= limit:
        return [text.strip()]
    if level >= len(_SPLITTERS):
        return _hard_cut(text, limit)
    joiner, pattern = _SPLITTERS[level]
    pieces = pattern.split(text) if pattern is not None else text.split(joiner)
    if len(pieces) == 1:
        return _split(text, limit, level + 1)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        candidate = f"{current}{joiner}{piece}" if current else piece
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if utf16_len(piece) <= limit:
            current = piece
        else:
            chunks.extend(_split(piece, limit, level + 1))
            current = ""
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int) -> list[str]:
    """Last resort for one enormous word: cut by code units, never inside a surrogate pair."""
    chunks: list[str] = []
    start = units = 0
    for index, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > limit:
            chunks.append(text[start:index])
            start, units = index, 0
        units += width
    chunks.append(text[start:])
    return chunks
