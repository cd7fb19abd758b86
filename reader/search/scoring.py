"""Rank one passage against a query: exact phrase > every word (typos allowed) > partial.

:func:`prepare_query` turns the user's text into a :class:`PreparedQuery` once;
:func:`score_text` then scores any text against it and finds the best-matching span:

* **tier 2 — exact phrase**: the query's words appear in order, separated only by spaces or
  punctuation (the last word may be a prefix: the user is still typing). Score 100.
* **tier 1 — every word**: each query word of two or more letters appears (exactly, within the
  typo tolerance of :func:`max_typos`, or as a prefix for the last word) near the best
  alignment. Score 60-99.
* **tier 0 — partial**: anything else. Score 0-59.

Within a tier the score is the rapidfuzz ``partial_ratio`` alignment of the query with the text,
blended with the share of query words found anywhere in it. A text *shorter* than the query is
compared whole (``ratio``), so "No." does not score 100 by being contained in "no way, he said".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from reader.search.text import fold, fold_query, token_spans, tokens

#: Queries are cut to this many characters, so a pasted page cannot freeze the search.
MAX_QUERY_CHARS = 64

EXACT_TIER, ALL_WORDS_TIER, PARTIAL_TIER = 2, 1, 0
_DIGIT = re.compile(r"\d")


def max_typos(word: str) -> int:
    """How many edits (OSA distance) a query word may have and still match a text word.

    Numbers are not typos: a word with a digit ("2004", "3g", "covid19") must match exactly,
    so "2004" never finds "2005".
    """
    if len(word) <= 2 or (not word.isalpha() and _DIGIT.search(word)):
        return 0
    if len(word) <= 7:
        return 1
    return 2


def cap_query(query: str) -> str:
    """Cut ``query`` to :data:`MAX_QUERY_CHARS`, at a space when one is near the end."""
    query = query.lstrip()
    if len(query) <= MAX_QUERY_CHARS:
        return query
    cut = query.rfind(" ", MAX_QUERY_CHARS - 16, MAX_QUERY_CHARS + 1)
    return query[: cut if cut > 0 else MAX_QUERY_CHARS]


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """A query ready for scoring.

    Attributes:
        text: The capped query as typed.
        folded: Lowercase, punctuation blanked, whitespace collapsed.
        words: Its unique word tokens in order.
        prefix: The last word when the user may still be typing it (no trailing space), or "".
        phrase: Regex matching the words as a phrase in folded text.
        prefix_pattern: Regex matching a word starting with ``prefix`` in folded text.
    """

    text: str
    folded: str
    words: tuple[str, ...]
    prefix: str
    phrase: re.Pattern[str] | None
    prefix_pattern: re.Pattern[str] | None = None

    @property
    def empty(self) -> bool:
        """True when the query has no words to look for (only spaces, punctuation, emoji)."""
        return not self.words


def prepare_query(query: str) -> PreparedQuery:
    """Cap, fold and tokenise ``query``."""
    text = cap_query(query)
    words = tokens(text)
    unique = tuple(dict.fromkeys(words))
    still_typing = bool(text) and not text[-1].isspace() and not fold(text[-1]).isspace()
    prefix = words[-1] if words and still_typing and len(words[-1]) >= 2 else ""
    phrase = None
    if words:
        parts = [re.escape(word) for word in words]
        if prefix:
            parts[-1] += r"\w*"
        pattern = r"(?<!\w)" + r"\W+".join(parts)
        phrase = re.compile(pattern if prefix else pattern + r"(?!\w)")
    prefix_pattern = re.compile(r"(?<!\w)" + re.escape(prefix)) if prefix else None
    return PreparedQuery(text, fold_query(text), unique, prefix, phrase, prefix_pattern)


@dataclass(frozen=True, slots=True)
class TextScore:
    """How well a text matches a query; offsets are relative to the text.

    Attributes:
        tier: :data:`EXACT_TIER`, :data:`ALL_WORDS_TIER` or :data:`PARTIAL_TIER`.
        score: 0-100, consistent with the tiers (a higher tier always scores higher).
        match_start: Start of the best-matching span.
        match_end: End of the best-matching span.
    """

    tier: int
    score: float
    match_start: int
    match_end: int

    @property
    def key(self) -> tuple[int, float]:
        """Sort key: higher is better."""
        return (self.tier, self.score)


def word_matches(query_word: str, text_word: str, is_prefix: bool = False) -> bool:
    """True when ``text_word`` is ``query_word`` within its typo tolerance (or extends it)."""
    if query_word == text_word:
        return True
    if is_prefix and text_word.startswith(query_word):
        return True
    limit = max_typos(query_word)
    if not limit or abs(len(query_word) - len(text_word)) > limit:
        return False
    return OSA.distance(query_word, text_word, score_cutoff=limit) <= limit


def _found(
    query: PreparedQuery,
    word: str,
    exact: set[str],
    words: list[str],
    folded: str,
    span: tuple[int, int],
) -> bool:
    """Whether ``word`` is in ``words`` (the words of ``folded[span]``), typos allowed."""
    if word in exact:
        return True
    if word == query.prefix and query.prefix_pattern is not None:
        if query.prefix_pattern.search(folded, *span):
            return True
    limit = max_typos(word)
    if not limit:
        return False
    best = process.extractOne(word, words, scorer=OSA.distance, score_cutoff=limit)
    return best is not None


def score_text(query: PreparedQuery, text: str, folded: str | None = None) -> TextScore | None:
    """Score ``text`` against ``query``; ``None`` when nothing of it matches.

    ``folded`` is ``fold(text)`` when the caller already has it.
    """
    if query.empty or not text:
        return None
    if folded is None:
        folded = fold(text)
    if query.phrase is not None:
        phrase = query.phrase.search(folded)
        if phrase:
            return TextScore(EXACT_TIER, 100.0, phrase.start(), phrase.end())
    needle = query.folded
    if len(folded.strip()) < len(needle):
        alignment = fuzz.ratio(needle, folded.strip())
        first = len(folded) - len(folded.lstrip())
        match_start, match_end = first, first + len(folded.strip())
    else:
        aligned = fuzz.partial_ratio_alignment(needle, folded)
        if aligned is None:
            return None
        alignment = aligned.score
        match_start, match_end = _snap_to_words(folded, aligned.dest_start, aligned.dest_end)
    text_words = folded.split()
    if not text_words:
        return None
    exact = set(text_words)
    counted = [word for word in query.words if len(word) >= 2] or list(query.words)
    whole = (0, len(folded))
    found = [word for word in counted if _found(query, word, exact, text_words, folded, whole)]
    coverage = len(found) / len(counted)
    blended = 0.8 * alignment + 20.0 * coverage
    # Every word of three letters or more must be there; a mistyped "he" or "of" is forgiven.
    required = [word for word in counted if len(word) >= 3] or counted
    if all(word in found for word in required):
        slack = len(needle) // 4 + 2
        span = (max(0, match_start - slack), min(len(folded), match_end + slack))
        region = folded[span[0] : span[1]].split()
        region_set = set(region)
        if all(_found(query, word, region_set, region, folded, span) for word in required):
            return TextScore(ALL_WORDS_TIER, 60.0 + 0.39 * blended, match_start, match_end)
    if blended <= 0:
        return None
    return TextScore(PARTIAL_TIER, 0.59 * blended, match_start, match_end)


def _snap_to_words(folded: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole words and trim the blanks at its ends."""
    while start > 0 and not folded[start - 1].isspace() and not folded[start].isspace():
        start -= 1
    while end < len(folded) and end > 0 and not folded[end].isspace() \
            and not folded[end - 1].isspace():
        end += 1
    while start < end and folded[start].isspace():
        start += 1
    while end > start and folded[end - 1].isspace():
        end -= 1
    return start, end


def matched_word_spans(
    query: PreparedQuery, text: str, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Spans of the words of ``text[start:end]`` that match a query word (for emphasis)."""
    wanted = set(query.words)
    fuzzy = [word for word in query.words if max_typos(word)]
    spans = []
    for word_start, word_end in token_spans(text, start, end):
        word = text[word_start:word_end].lower()
        if word in wanted or (query.prefix and word.startswith(query.prefix)):
            spans.append((word_start, word_end))
            continue
        if len(word) < 2 or not fuzzy:
            continue
        best = process.extractOne(word, fuzzy, scorer=OSA.distance, score_cutoff=2)
        if best is not None and best[1] <= max_typos(best[0]):
            spans.append((word_start, word_end))
    return spans
