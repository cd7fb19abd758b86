"""Find annotations again in an article's current text (quote + position anchoring).

Each annotation is re-anchored in four steps, the way Hypothesis does it:

1. **Position check**: the text at the stored offsets still equals the quote → ``anchored``.
2. **Exact search**: the quote occurs elsewhere → the occurrence whose context (prefix and
   suffix) matches best, nearest the old position on ties → ``moved``.
3. **Fuzzy search** (rapidfuzz): the best approximate match of the quote, first in a window
   around the old position, then in the whole text, scored like Hypothesis
   (50·quote + 20·prefix + 20·suffix + 2·position) and accepted within an error budget
   proportional to the quote's length → ``fuzzy``.
4. Otherwise the annotation is an **orphan**: kept with its old offsets, listed, never deleted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from annotations.model import AnchorStatus, Annotation, TextPositionSelector, quote_selector

#: Quotes shorter than this are only anchored exactly (a fuzzy match would be a guess).
MIN_FUZZY_LENGTH = 8
#: Share of the quote's characters that may differ in a fuzzy match.
ERROR_RATE = 0.25
#: Most occurrences of an exact quote considered.
MAX_OCCURRENCES = 5000
#: Quotes longer than this are only anchored exactly (fuzzy matching is quadratic).
MAX_FUZZY_LENGTH = 4000
#: Texts longer than this are fuzzily searched only near the old position.
MAX_FULL_SEARCH = 8 * 1024 * 1024
#: A fuzzy placement scoring below this (0-100 similarity of the quote to the text found)
#: "needs review": shown as such in the reader and listed by ``postil notes --status review``.
REVIEW_THRESHOLD = 90.0


def needs_review(annotation: Annotation) -> bool:
    """True for a fuzzy placement below :data:`REVIEW_THRESHOLD` (or an orphan)."""
    if annotation.status is AnchorStatus.ORPHANED:
        return bool(annotation.path)
    return annotation.status is AnchorStatus.FUZZY and annotation.score < REVIEW_THRESHOLD


def similarity(quote: str, found: str) -> float:
    """How alike a quote and the text found for it are, 0-100 (one decimal)."""
    return round(fuzz.ratio(quote, found), 1)


def error_budget(quote: str) -> int:
    """How many edits a fuzzy match of ``quote`` may have."""
    if not MIN_FUZZY_LENGTH <= len(quote) <= MAX_FUZZY_LENGTH:
        return 0
    return max(1, int(len(quote) * ERROR_RATE))


def anchor(annotation: Annotation, text: str) -> Annotation:
    """Return ``annotation`` with its position and status for ``text``.

    An imported highlight placed fuzzily (its quote was not in the text as the source wrote
    it; it covers the article's own text) stays fuzzy, with its score, while that text is
    still where it was placed: whether the place is right is for the user to say (select it
    and re-attach it), never settled silently by re-anchoring.
    """
    quote = annotation.quote
    exact = quote.exact
    start, end = annotation.position.start, annotation.position.end
    if exact and text[start:end] == exact:
        if annotation.status is AnchorStatus.FUZZY and annotation.source is not None:
            return annotation
        return _with(annotation, start, end, AnchorStatus.ANCHORED)
    found = _exact_match(text, exact, quote.prefix, quote.suffix, start)
    if found is not None:
        return _with(annotation, found, found + len(exact), AnchorStatus.MOVED)
    fuzzy = _fuzzy_match(text, exact, quote.prefix, quote.suffix, start)
    if fuzzy is not None:
        placed = _with(annotation, fuzzy[0], fuzzy[1], AnchorStatus.FUZZY)
        return replace(placed, score=similarity(exact, text[fuzzy[0] : fuzzy[1]]))
    return replace(annotation, status=AnchorStatus.ORPHANED, score=100.0)


def anchor_all(annotations: Iterable[Annotation], text: str) -> list[Annotation]:
    """Re-anchor every annotation against ``text``."""
    return [anchor(annotation, text) for annotation in annotations]


def find_quote(
    text: str, quote: str, near: int | None = None, *, fuzzy: bool = True
) -> tuple[int, int, AnchorStatus] | None:
    """Find ``quote`` in ``text``: exactly, then ignoring whitespace differences, then fuzzily
    (unless ``fuzzy`` is False).

    Returns ``(start, end, status)`` — ``anchored`` for an exact match, ``fuzzy`` otherwise —
    or None when nothing close enough is found.
    """
    quote = quote.strip()
    if not quote:
        return None
    found = _exact_match(text, quote, "", "", near or 0)
    if found is not None:
        return (found, found + len(quote), AnchorStatus.ANCHORED)
    words = quote.split()
    if len(words) > 1:
        pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
        matches = list(pattern.finditer(text))
        if matches:
            best = min(matches, key=lambda m: abs(m.start() - (near or 0)))
            return (best.start(), best.end(), AnchorStatus.ANCHORED)
    if not fuzzy:
        return None
    close = _fuzzy_match(text, quote, "", "", near if near is not None else 0,
                         whole_text_first=near is None)
    if close is None:
        return None
    return (close[0], close[1], AnchorStatus.FUZZY)


def _with(annotation: Annotation, start: int, end: int, status: AnchorStatus) -> Annotation:
    if (start, end) == (annotation.position.start, annotation.position.end):
        return replace(annotation, status=status, score=100.0)
    return replace(
        annotation, position=TextPositionSelector(start, end), status=status, score=100.0
    )


def _common_suffix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        count += 1
    return count


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _exact_match(text: str, exact: str, prefix: str, suffix: str, near: int) -> int | None:
    """Offset of the occurrence of ``exact`` with the best context, nearest ``near`` on ties."""
    if not exact:
        return None
    occurrences: list[int] = []
    position = text.find(exact)
    while position >= 0 and len(occurrences) < MAX_OCCURRENCES:
        occurrences.append(position)
        position = text.find(exact, position + 1)
    if not occurrences:
        return None
    if len(occurrences) == 1:
        return occurrences[0]

    def score(offset: int) -> tuple[int, int]:
        before = text[max(0, offset - len(prefix)) : offset]
        after = text[offset + len(exact) : offset + len(exact) + len(suffix)]
        context = _common_suffix(before, prefix) + _common_prefix(after, suffix)
        return (context, -abs(offset - near))

    return max(occurrences, key=score)


def _fuzzy_match(
    text: str,
    exact: str,
    prefix: str,
    suffix: str,
    near: int,
    *,
    whole_text_first: bool = False,
) -> tuple[int, int] | None:
    budget = error_budget(exact)
    if budget == 0 or not text:
        return None
    span = len(exact)
    reach = 4 * span + 2000
    windows = [(max(0, near - reach), min(len(text), near + span + reach))]
    if len(text) <= MAX_FULL_SEARCH:
        windows.append((0, len(text)))
    if whole_text_first:
        windows.reverse()
    best: tuple[float, int, int] | None = None
    for window_start, window_end in windows:
        candidate = _best_in_window(text, exact, window_start, window_end, budget)
        if candidate is None:
            continue
        start, end = candidate
        score = _hypothesis_score(text, exact, prefix, suffix, start, end, near)
        if best is None or score > best[0]:
            best = (score, start, end)
        if window_end - window_start < len(text):
            break  # found near the old position: no need to search everywhere
    return (best[1], best[2]) if best else None


def _best_in_window(
    text: str, exact: str, window_start: int, window_end: int, budget: int
) -> tuple[int, int] | None:
    haystack = text[window_start:window_end]
    if not haystack:
        return None
    cutoff = max(0.0, 100.0 * (1 - 2 * budget / max(1, len(exact))))
    alignment = fuzz.partial_ratio_alignment(exact, haystack, score_cutoff=cutoff)
    if alignment is None:
        return None
    start = window_start + alignment.dest_start
    end = window_start + alignment.dest_end
    start, end = _refine(text, exact, start, end, min(budget, 12))
    if Levenshtein.distance(exact, text[start:end], score_cutoff=budget) > budget:
        return None
    return (start, end)


def _refine(text: str, exact: str, start: int, end: int, slack: int) -> tuple[int, int]:
    """Move both ends by up to ``slack`` characters to minimise the edit distance."""
    best = (Levenshtein.distance(exact, text[start:end]), start, end)
    for new_start in range(max(0, start - slack), min(len(text), start + slack) + 1):
        for new_end in range(max(new_start + 1, end - slack), min(len(text), end + slack) + 1):
            distance = Levenshtein.distance(exact, text[new_start:new_end], score_cutoff=best[0])
            candidate = (distance, new_start, new_end)
            if candidate[0] < best[0] or (
                candidate[0] == best[0]
                and abs(new_end - new_start - len(exact)) < abs(best[2] - best[1] - len(exact))
            ):
                best = candidate
    return best[1], best[2]


def _hypothesis_score(
    text: str, exact: str, prefix: str, suffix: str, start: int, end: int, near: int
) -> float:
    quote_score = Levenshtein.normalized_similarity(exact, text[start:end])
    prefix_score = (
        Levenshtein.normalized_similarity(prefix, text[max(0, start - len(prefix)) : start])
        if prefix else 1.0
    )
    suffix_score = (
        Levenshtein.normalized_similarity(suffix, text[end : end + len(suffix)])
        if suffix else 1.0
    )
    position_score = 1.0 - min(1.0, abs(start - near) / max(1, len(text)))
    return 50 * quote_score + 20 * prefix_score + 20 * suffix_score + 2 * position_score


def reattached(
    annotation: Annotation, text: str, span: tuple[int, int], article_id: str, path: str
) -> Annotation:
    """``annotation`` moved by hand to ``text[start:end]``: the quote (and its context) is the
    new text, the status exact; note, tags and colour are kept."""
    start, end = span
    return annotation.edited(
        quote=quote_selector(text, start, end),
        position=TextPositionSelector(start, end),
        status=AnchorStatus.ANCHORED,
        score=100.0,
        article_id=article_id,
        path=path,
    )


@dataclass(frozen=True, slots=True)
class Reanchored:
    """Annotations of one article re-anchored against its current text.

    Attributes:
        annotations: Every annotation, with its new position, status, article id and path.
        changed: Those whose stored position, status, article id or path must be updated.
    """

    annotations: list[Annotation]
    changed: list[Annotation]

    def count(self, *statuses: AnchorStatus) -> int:
        """How many annotations have one of ``statuses``."""
        return sum(1 for annotation in self.annotations if annotation.status in statuses)

    @property
    def exact(self) -> int:
        """Found at their old place."""
        return self.count(AnchorStatus.ANCHORED)

    @property
    def moved(self) -> int:
        """Found elsewhere, exactly or approximately."""
        return self.count(AnchorStatus.MOVED, AnchorStatus.FUZZY)

    @property
    def orphaned(self) -> int:
        """Not found (kept with their old offsets)."""
        return self.count(AnchorStatus.ORPHANED)

    @property
    def review(self) -> int:
        """Placed approximately with too little confidence: the user should look."""
        return sum(
            1 for a in self.annotations if a.status is AnchorStatus.FUZZY and needs_review(a)
        )
