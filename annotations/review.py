"""Daily review: highlights come back on a spaced schedule (FSRS, the scheduler Anki adopted).

Every highlight that has been reviewed once has a :class:`ReviewCard` in the database (one
state record per highlight, ``review.card.<id>``): the FSRS memory state (stability,
difficulty, state, due date), its status
(active, mastered, discarded) and its answer history. A highlight without a card is *new*; new
highlights are fed into the daily batch a few at a time (:attr:`ReviewPolicy.new_per_day`), so
an import of thousands spreads over many days.

The daily batch (:func:`daily_batch`) is due cards first (the most overdue first), then new
highlights, at most :attr:`ReviewPolicy.per_article` from one article unless there are too few
articles, never a highlight already answered that day. The order depends only on the day and the
database (ties are broken by a hash of the day and the highlight id), so scripts and tests can
rely on it. Every date comes from ``today`` when it is given.

All storage goes through :class:`ReviewStore` (a few small methods over the annotation store's
lock and tables); every answer is durable (fsynced) before the function returns.

An article's frequency ("see less of this book") is kept by the article's content id, the
``article_id`` its highlights carry, so it survives a move or rename the way the highlights do
(:class:`ArticleFrequencies` says which record applies to a highlight). Older records keyed by
the article's path still apply to the article at that path; the next change of that article's
frequency (or an answer to one of its highlights) moves the value to the id record.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from fsrs import Card, Rating, Scheduler, State

from annotations.changelog import Change
from annotations.model import AnchorStatus, Annotation
from annotations.quote_only import article_key
from annotations.storage import AnnotationStore, StoreError

#: State keys of review records: one per highlight's card, one per article's frequency (by
#: the article's content id; :data:`ARTICLE_KEY` records, by its path or quote-only key, are
#: those written before, and those of quote-only sources, which have no content id).
CARD_KEY = "review.card."
ARTICLE_ID_KEY = "review.article-id."
ARTICLE_KEY = "review.article."
#: Longest article path an id record may remember (a longer one is ignored).
MAX_PATH_CHARS = 4096

#: Answers and the FSRS rating each stands for (master and discard are not ratings).
RATINGS: dict[str, Rating] = {
    "again": Rating.Again,
    "hard": Rating.Hard,
    "good": Rating.Good,
    "easy": Rating.Easy,
}
#: Words shown for the four ratings on screen (what the answer means for the highlight).
RATING_WORDS: dict[str, str] = {
    "again": "again",
    "hard": "soon",
    "good": "later",
    "easy": "much later",
}
#: Most history entries kept per card (older ones are dropped, the schedule is unaffected).
MAX_HISTORY = 500
#: Frequencies a user can give an article ("see less of this book"), and how they stretch
#: the interval FSRS chose.
FREQUENCY_FACTORS: dict[str, float] = {"less": 2.0, "normal": 1.0, "more": 0.5}
FREQUENCIES: tuple[str, ...] = ("less", "normal", "more")
#: Largest stability (days) and the difficulty range accepted from disk (FSRS's own bounds).
MAX_STABILITY = 36500.0 * 10
MIN_DIFFICULTY, MAX_DIFFICULTY = 1.0, 10.0


class Answer(StrEnum):
    """What the user can answer for one highlight."""

    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"
    MASTER = "master"
    """No more reviews; the highlight stays."""
    DISCARD = "discard"
    """Never in a review again; the highlight is not deleted."""


class CardStatus(StrEnum):
    """Whether a card still takes part in reviews."""

    ACTIVE = "active"
    MASTERED = "mastered"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One answer: when (ISO day), what, and the card's state before it (for undo)."""

    day: str
    answer: str
    before: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """The review state of one highlight.

    Attributes:
        annotation_id: The highlight.
        due: When it is due next (UTC).
        stability: FSRS stability in days (None before the first rating).
        difficulty: FSRS difficulty 1-10 (None before the first rating).
        state: FSRS state (learning, review, relearning).
        step: FSRS learning step (None outside learning).
        last_review: When it was last answered (UTC), if ever.
        status: Active, mastered or discarded.
        history: Every answer, oldest first.
    """

    annotation_id: str
    due: datetime
    stability: float | None = None
    difficulty: float | None = None
    state: State = State.Learning
    step: int | None = 0
    last_review: datetime | None = None
    status: CardStatus = CardStatus.ACTIVE
    history: tuple[HistoryEntry, ...] = ()

    def fsrs_card(self) -> Card:
        """The FSRS card for this state."""
        return Card(card_id=1, state=self.state, step=self.step, stability=self.stability,
                    difficulty=self.difficulty, due=self.due, last_review=self.last_review)

    def snapshot(self) -> dict[str, Any]:
        """The schedule fields as a JSON-ready dict (the history left out)."""
        record = self.to_record()
        del record["history"]
        return record

    def to_record(self) -> dict[str, Any]:
        """Serialise for the database (the value of its ``review.card.<id>`` record)."""
        return {
            "kind": "card",
            "annotation_id": self.annotation_id,
            "due": self.due.isoformat(),
            "stability": self.stability,
            "difficulty": self.difficulty,
            "state": int(self.state),
            "step": self.step,
            "last_review": self.last_review.isoformat() if self.last_review else None,
            "status": self.status.value,
            "history": [
                {"day": entry.day, "answer": entry.answer, "before": entry.before}
                for entry in self.history
            ],
        }

    @classmethod
    def from_record(cls, record: Any) -> ReviewCard:
        """Rebuild from :meth:`to_record` output, validating every field.

        Raises:
            ValueError: the record is not a valid card (it is then skipped and kept).
        """
        if not isinstance(record, dict):
            raise ValueError("not a record")
        ident = record.get("annotation_id")
        if not isinstance(ident, str) or not ident:
            raise ValueError("annotation_id must be a string")
        state = record.get("state")
        if isinstance(state, bool) or state not in (1, 2, 3):
            raise ValueError("state must be 1, 2 or 3")
        step = record.get("step")
        if step is not None and (isinstance(step, bool) or not isinstance(step, int)
                                 or not 0 <= step < 1000):
            raise ValueError("step must be a small whole number")
        status = record.get("status", CardStatus.ACTIVE.value)
        if status not in CardStatus._value2member_map_:
            raise ValueError("unknown status")
        history = []
        raw_history = record.get("history", [])
        if isinstance(raw_history, list):
            for entry in raw_history[-MAX_HISTORY:]:
                parsed = _history_entry(entry)
                if parsed is not None:
                    history.append(parsed)
        return cls(
            annotation_id=ident,
            due=_datetime(record.get("due"), required=True),  # type: ignore[arg-type]
            stability=_bounded_float(record.get("stability"), 0.0, MAX_STABILITY),
            difficulty=_bounded_float(record.get("difficulty"), MIN_DIFFICULTY, MAX_DIFFICULTY),
            state=State(state),
            step=step,
            last_review=_datetime(record.get("last_review"), required=False),
            status=CardStatus(status),
            history=tuple(history),
        )

    def with_snapshot(self, snapshot: dict[str, Any]) -> ReviewCard:
        """This card with its schedule fields restored from :meth:`snapshot` output."""
        restored = ReviewCard.from_record({**snapshot, "annotation_id": self.annotation_id,
                                           "history": []})
        return replace(restored, history=self.history)


def _datetime(value: Any, *, required: bool) -> datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("a date must be an ISO 8601 string")
    parsed = datetime.fromisoformat(value)  # raises ValueError
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _bounded_float(value: Any, low: float, high: float) -> float | None:
    """A number from disk within ``(low, high]`` (``[low, high]`` when low > 0), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    number = float(value)  # a huge integer raises OverflowError
    if not math.isfinite(number) or not (low < number if low == 0 else low <= number) \
            or number > high:
        raise ValueError(f"must be a number between {low} and {high}")
    return number


def _history_entry(entry: Any) -> HistoryEntry | None:
    if not isinstance(entry, dict):
        return None
    day, answer, before = entry.get("day"), entry.get("answer"), entry.get("before")
    if not isinstance(day, str) or not isinstance(answer, str) \
            or answer not in Answer._value2member_map_:
        return None
    try:
        date.fromisoformat(day)
    except ValueError:
        return None
    return HistoryEntry(day, answer, before if isinstance(before, dict) else None)


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """How big the daily batch is and how it is made.

    Attributes:
        per_day: Highlights per daily batch (the ``review_per_day`` setting).
        new_per_day: New highlights brought into reviews per day at most.
        per_article: Highlights from one article per batch (unless too few articles).
    """

    per_day: int = 10
    new_per_day: int = 5
    per_article: int = 2


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """A themed review: only a tag's or an article's highlights (None: all)."""

    tag: str | None = None
    path: str | None = None

    def matches(self, annotation: Annotation) -> bool:
        """Whether the highlight belongs to this review."""
        if self.tag is not None and self.tag not in annotation.tags:
            return False
        return self.path is None or annotation.path == self.path


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One highlight of today's batch."""

    annotation: Annotation
    card: ReviewCard | None
    """None for a new highlight (never reviewed)."""
    due: date
    """The day it was due (today for a new highlight)."""

    @property
    def is_new(self) -> bool:
        """Whether it is reviewed for the first time."""
        return self.card is None

    @property
    def orphaned(self) -> bool:
        """Whether its quote was no longer found in the article (it reviews from the quote).

        A quote-only highlight (imported, its book not in the library) is not orphaned: it
        never had a text here."""
        return self.annotation.status is AnchorStatus.ORPHANED and not self.quote_only

    @property
    def quote_only(self) -> bool:
        """Whether it is an imported highlight whose book is not in the library."""
        return self.annotation.quote_only


@dataclass(frozen=True, slots=True)
class ReviewStats:
    """Numbers for ``postil review --stats`` and the summary screen."""

    due_today: int
    """Highlights still waiting in today's batch."""
    reviewed_today: int
    streak: int
    """Consecutive days with a review, ending today (or yesterday if none yet today)."""
    total: int
    """Highlights that take part in reviews (not mastered, not discarded)."""
    mastered: int
    discarded: int
    per_day: tuple[int, ...] = field(default=())
    """Answers per day over the last weeks, oldest first, today last."""


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """What recording an answer did."""

    card: ReviewCard
    next_due: date | None
    """The day the highlight comes back (None when mastered or discarded)."""


def review_time(today: date | None) -> datetime:
    """The moment an answer is recorded: noon UTC of ``today`` when given, else now."""
    if today is None:
        return datetime.now(UTC)
    return datetime.combine(today, time(12), UTC)


def current_day(today: date | None) -> date:
    """``today`` if given, else the current date (UTC, the day the scheduler counts in)."""
    return today if today is not None else datetime.now(UTC).date()


#: No learning steps: a highlight is reviewed at most once a day, so every rating goes
#: straight to a day interval; no fuzzing, so the schedule is deterministic.
_SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def _tiebreak(day: date, annotation_id: str) -> str:
    return hashlib.sha256(f"{day.isoformat()}\0{annotation_id}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ArticleFrequencies:
    """The per-article frequencies as stored, and which one applies to a highlight.

    A highlight's article is found the way the store finds an article's annotations
    (``AnnotationStore.annotations_for(article_id, path)``): by the content id the highlight
    carries (a moved or renamed file keeps it), else by its path. So a record applies, best
    first, when it is

    1. the id record of the highlight's ``article_id``;
    2. an id record set at the highlight's path whose id no highlight carries any more: the
       article's text was edited and re-anchoring gave its highlights the new id (while some
       highlight still carries the old id, that article is elsewhere and keeps its record);
    3. the older record keyed by the highlight's path (or quote-only key).

    Attributes:
        records: Frequency (``less``/``more``) by state key, both kinds of record.
        paths: The path each id record was set at (by state key).
    """

    records: Mapping[str, str] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)

    def keys(self, annotation: Annotation, carried: Collection[str] = ()) -> list[str]:
        """The state keys of the records that apply to the highlight's article, the one that
        counts first; ``carried`` is every article id the database's highlights carry."""
        found: list[str] = []
        own = frequency_key(annotation)
        if own.startswith(ARTICLE_ID_KEY):
            if own in self.records:
                found.append(own)
            if annotation.path:
                found.extend(key for key, path in self.paths.items()
                             if path == annotation.path and key != own
                             and key[len(ARTICLE_ID_KEY):] not in carried)
        legacy = ARTICLE_KEY + article_key(annotation)
        if legacy in self.records:
            found.append(legacy)
        return found

    def of(self, annotation: Annotation, carried: Collection[str] = ()) -> str:
        """How often the highlight's article comes back (``normal`` when nothing is set)."""
        keys = self.keys(annotation, carried)
        return self.records[keys[0]] if keys else "normal"

    def settled(self, annotation: Annotation, carried: Collection[str] = ()) -> bool:
        """Whether the highlight's frequency is where it belongs: nothing set, or only the id
        record of its article, set at its current path."""
        keys = self.keys(annotation, carried)
        own = frequency_key(annotation)
        return not keys or (keys == [own] and self.paths.get(own, annotation.path)
                            == annotation.path)


def frequency_key(annotation: Annotation) -> str:
    """The state key a highlight's article frequency is saved under: its article id's record,
    or for a highlight without one (quote-only), its :func:`article_key`'s."""
    if annotation.article_id and not annotation.quote_only:
        return ARTICLE_ID_KEY + annotation.article_id
    return ARTICLE_KEY + article_key(annotation)


class ReviewStore:
    """Review cards and per-article frequencies, one state record each in the database
    (``review.card.<annotation id>``, ``review.article-id.<article id>``, and the older
    ``review.article.<path>``).

    The only place that touches storage for reviews: each change is one batch of record
    changes (one record, or an answer's card with the frequency record it moves) through the
    store's field-level, durable write path (fsynced when the call returns).
    """

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store
        self.skipped_records = 0

    def cards(self) -> dict[str, ReviewCard]:
        """Every valid card by annotation id (invalid records are skipped and kept)."""
        cards: dict[str, ReviewCard] = {}
        skipped = 0
        for key, value in self.store.state_values(CARD_KEY).items():
            if value is None:
                continue  # a card that was taken back (undo of a first answer)
            try:
                card = ReviewCard.from_record(value)
            except (ValueError, TypeError, OverflowError):
                skipped += 1
                continue
            if key != CARD_KEY + card.annotation_id:
                skipped += 1
                continue
            cards[card.annotation_id] = card
        self.skipped_records = skipped
        return cards

    def card(self, annotation_id: str) -> ReviewCard | None:
        """The card of one highlight, if it has one."""
        return self.cards().get(annotation_id)

    def put_card(self, card: ReviewCard, also: Iterable[Change] = ()) -> None:
        """Save one card (only its own record changes, and those of ``also`` in the same
        batch); durable when this returns."""
        self.store.apply_changes([Change.state(CARD_KEY + card.annotation_id, card.to_record()),
                                  *also])

    def remove_card(self, annotation_id: str) -> None:
        """Forget a highlight's card (it is new again); durable when this returns."""
        self.store.set_state(CARD_KEY + annotation_id, None)

    def frequencies(self) -> ArticleFrequencies:
        """Every valid per-article frequency record (invalid ones are skipped and kept)."""
        records: dict[str, str] = {}
        paths: dict[str, str] = {}
        for key, frequency in self.store.state_values(ARTICLE_KEY).items():
            if frequency in ("less", "more"):
                records[key] = frequency
        for key, value in sorted(self.store.state_values(ARTICLE_ID_KEY).items()):
            if len(key) == len(ARTICLE_ID_KEY) or not isinstance(value, dict) \
                    or value.get("frequency") not in ("less", "more"):
                continue
            records[key] = value["frequency"]
            path = value.get("path")
            if isinstance(path, str) and 0 < len(path) <= MAX_PATH_CHARS:
                paths[key] = path
        return ArticleFrequencies(records, paths)

    def set_frequency(self, annotation: Annotation, frequency: str,
                      replaces: Iterable[str] = ()) -> None:
        """Save how often the highlight's article comes back, under its :func:`frequency_key`
        (with the path it is at), and remove the records in ``replaces`` (those it supersedes,
        see :meth:`ArticleFrequencies.keys`): one batch, durable when this returns."""
        self.store.apply_changes(self.frequency_changes(annotation, frequency, replaces))

    @staticmethod
    def frequency_changes(annotation: Annotation, frequency: str,
                          replaces: Iterable[str] = ()) -> list[Change]:
        """The changes :meth:`set_frequency` makes.

        Raises:
            ValueError: ``frequency`` is not one of :data:`FREQUENCIES`.
        """
        if frequency not in FREQUENCY_FACTORS:
            raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}")
        own = frequency_key(annotation)
        value: Any = None
        if frequency != "normal":
            value = frequency if own.startswith(ARTICLE_KEY) else {
                "frequency": frequency, "path": annotation.path}
        changes = [Change.state(own, value)]
        changes.extend(Change.state(key, None) for key in dict.fromkeys(replaces) if key != own)
        return changes


def _answered_on(card: ReviewCard, day: str) -> int:
    return sum(1 for entry in card.history if entry.day == day)


def _first_day(card: ReviewCard) -> str | None:
    return card.history[0].day if card.history else None


def daily_batch(
    annotations: Sequence[Annotation],
    cards: dict[str, ReviewCard],
    *,
    today: date,
    policy: ReviewPolicy | None = None,
    theme: ReviewFilter | None = None,
    frequencies: ArticleFrequencies | None = None,
    limit: int | None = None,
) -> list[BatchItem]:
    """Today's batch: what is still to review today, in a fixed order for the day.

    Highlights answered today already count against the day's size and are never shown again
    that day; new highlights are capped per day (counting those first answered today).
    ``limit`` replaces ``policy.per_day`` as the day's size.
    """
    frequencies = frequencies or ArticleFrequencies()
    carried = {a.article_id for a in annotations}
    policy = policy or ReviewPolicy()
    theme = theme or ReviewFilter()
    day = today.isoformat()
    size = policy.per_day if limit is None else limit
    chosen = [a for a in annotations if theme.matches(a)]
    done_today = sum(1 for a in chosen if a.id in cards and _answered_on(cards[a.id], day))
    size -= done_today
    if size <= 0:
        return []
    new_today = sum(1 for a in chosen if a.id in cards and _first_day(cards[a.id]) == day)
    due: list[BatchItem] = []
    new: list[Annotation] = []
    for annotation in chosen:
        card = cards.get(annotation.id)
        if card is None:
            new.append(annotation)
            continue
        if card.status is not CardStatus.ACTIVE or _answered_on(card, day):
            continue
        due_day = card.due.date()
        if due_day <= today:
            due.append(BatchItem(annotation, card, due_day))
    due.sort(key=lambda item: (item.due, _tiebreak(today, item.annotation.id)))
    boost = {"more": 0, "normal": 1, "less": 2}
    new.sort(key=lambda a: (boost[frequencies.of(a, carried)], _tiebreak(today, a.id)))
    new_room = max(0, policy.new_per_day - new_today)
    new_items = [BatchItem(a, None, today) for a in new[:new_room]]
    # Too few articles to fill a day under the cap: the library's (or theme's) articles, not
    # those due today (few due today only means a shorter day).
    few_articles = len({article_key(a) for a in chosen}) * policy.per_article < size
    return _cap_per_article([*due, *new_items], size, policy.per_article, relax=few_articles)


def _cap_per_article(items: list[BatchItem], size: int, cap: int, *,
                     relax: bool) -> list[BatchItem]:
    """Take ``size`` items in order, at most ``cap`` per article; when there are too few
    articles for that (``relax``), fill the batch from the rest in order."""
    taken: list[BatchItem] = []
    per_article: dict[str, int] = {}
    for item in items:
        if len(taken) >= size:
            break
        key = article_key(item.annotation)
        if per_article.get(key, 0) < cap:
            per_article[key] = per_article.get(key, 0) + 1
            taken.append(item)
    if relax and len(taken) < size:
        remaining = [item for item in items if item not in taken]
        taken.extend(remaining[: size - len(taken)])
        order = {id(item): index for index, item in enumerate(items)}
        taken.sort(key=lambda item: order[id(item)])
    return taken


def apply_answer(
    card: ReviewCard | None,
    annotation_id: str,
    answer: Answer,
    *,
    when: datetime,
    frequency: str = "normal",
) -> ReviewCard:
    """The card after ``answer`` at ``when`` (pure: nothing is saved)."""
    if card is None:
        card = ReviewCard(annotation_id=annotation_id, due=when)
        before: dict[str, Any] | None = None
    else:
        before = card.snapshot()
        if card.last_review is not None and card.last_review > when:
            card = replace(card, last_review=when)  # a clock set back: no negative intervals
    entry = HistoryEntry(when.date().isoformat(), answer.value, before)
    history = (*card.history, entry)[-MAX_HISTORY:]
    if answer is Answer.MASTER:
        return replace(card, status=CardStatus.MASTERED, last_review=when, history=history)
    if answer is Answer.DISCARD:
        return replace(card, status=CardStatus.DISCARDED, last_review=when, history=history)
    scheduled, _log = _SCHEDULER.review_card(card.fsrs_card(), RATINGS[answer.value], when)
    due = scheduled.due
    factor = FREQUENCY_FACTORS.get(frequency, 1.0)
    if factor != 1.0:
        due = when + timedelta(seconds=max((due - when).total_seconds() * factor, 86400))
    return ReviewCard(
        annotation_id=annotation_id,
        due=due,
        stability=scheduled.stability,
        difficulty=scheduled.difficulty,
        state=scheduled.state,
        step=scheduled.step,
        last_review=when,
        status=CardStatus.ACTIVE,
        history=history,
    )


class ReviewError(StoreError):
    """A review action cannot be done (unknown highlight, nothing to undo)."""


class Reviews:
    """The review of one database: the batch, answers, undo and stats."""

    def __init__(self, store: AnnotationStore, policy: ReviewPolicy | None = None) -> None:
        self.store = store
        self.cards = ReviewStore(store)
        self.policy = policy or ReviewPolicy()

    def batch(self, *, today: date | None = None, theme: ReviewFilter | None = None,
              limit: int | None = None) -> list[BatchItem]:
        """Today's (remaining) batch."""
        return daily_batch(self.store.all_annotations(), self.cards.cards(),
                           today=current_day(today), policy=self.policy, theme=theme,
                           frequencies=self.cards.frequencies(), limit=limit)

    def answer(self, annotation_id: str, answer: Answer | str, *,
               today: date | None = None) -> AnswerResult:
        """Record one answer durably (fsynced before this returns).

        Raises:
            ReviewError: no highlight has this id.
        """
        answer = Answer(answer)
        annotation = self.store.get(annotation_id)
        if annotation is None:
            raise ReviewError(f"no highlight with id {annotation_id}")
        frequencies = self.cards.frequencies()
        carried = self._carried(frequencies, annotation)
        frequency = frequencies.of(annotation, carried)
        try:
            card = apply_answer(self.cards.card(annotation_id), annotation_id, answer,
                                when=review_time(today), frequency=frequency)
        except (ArithmeticError, ValueError, TypeError) as error:
            raise ReviewError(f"the review card of {annotation_id} cannot be scheduled "
                              f"({error}); nothing was saved") from None
        moved: list[Change] = []
        if not frequencies.settled(annotation, carried):
            # The article moved, was edited or has a path-keyed record: the frequency follows
            # its highlights to their current article id and path (with the card, one write).
            moved = self.cards.frequency_changes(annotation, frequency,
                                                 frequencies.keys(annotation, carried))
        self.cards.put_card(card, moved)
        next_due = card.due.date() if card.status is CardStatus.ACTIVE else None
        return AnswerResult(card, next_due)

    def undo(self, annotation_id: str) -> ReviewCard | None:
        """Take back the last answer of a highlight; returns the card as it was before (None:
        it is new again).

        Raises:
            ReviewError: the highlight has no answer to take back.
        """
        card = self.cards.card(annotation_id)
        if card is None or not card.history:
            raise ReviewError("nothing to undo for this highlight")
        last = card.history[-1]
        if last.before is None:
            self.cards.remove_card(annotation_id)
            return None
        try:
            restored = replace(card.with_snapshot(last.before), history=card.history[:-1])
        except (ValueError, TypeError, OverflowError):
            raise ReviewError("the card's previous state is damaged; nothing was undone"
                              ) from None
        self.cards.put_card(restored)
        return restored

    def _carried(self, frequencies: ArticleFrequencies, annotation: Annotation) -> set[str]:
        """Of the article ids whose records were set at the highlight's path, those some
        highlight still carries (read from the index: only their records)."""
        prefix = len(ARTICLE_ID_KEY)
        candidates = [key[prefix:] for key, path in frequencies.paths.items()
                      if annotation.path and path == annotation.path]
        if not candidates:
            return set()
        found = self.store.annotations_where(lambda _path: False, candidates)
        return {a.article_id for a in found}

    def set_frequency(self, annotation: Annotation, frequency: str) -> None:
        """See the highlight's article's highlights less or more often (or normally).

        Saved by the article's content id as the database has the highlight now (the records
        it supersedes, such as an older one by path, are removed in the same write)."""
        annotation = self.store.get(annotation.id) or annotation
        frequencies = self.cards.frequencies()
        self.cards.set_frequency(annotation, frequency,
                                 frequencies.keys(annotation,
                                                  self._carried(frequencies, annotation)))

    def frequency(self, annotation: Annotation) -> str:
        """How often the highlight's article comes back (see :class:`ArticleFrequencies`), as
        the database has the highlight now."""
        annotation = self.store.get(annotation.id) or annotation
        frequencies = self.cards.frequencies()
        return frequencies.of(annotation, self._carried(frequencies, annotation))

    def stats(self, *, today: date | None = None, days: int = 28) -> ReviewStats:
        """Counts for today, the streak and answers per day over the last ``days`` days."""
        day = current_day(today)
        cards = self.cards.cards()
        annotations = self.store.all_annotations()
        return compute_stats(annotations, cards, day, len(self.batch(today=day)), days)


def compute_stats(annotations: Iterable[Annotation], cards: dict[str, ReviewCard], today: date,
                  due_today: int, days: int = 28) -> ReviewStats:
    """:class:`ReviewStats` from the highlights and their cards."""
    ids = {annotation.id for annotation in annotations}
    counts: dict[str, int] = {}
    mastered = discarded = 0
    for ident, card in cards.items():
        if ident not in ids:
            continue
        for entry in card.history:
            counts[entry.day] = counts.get(entry.day, 0) + 1
        if card.status is CardStatus.MASTERED:
            mastered += 1
        elif card.status is CardStatus.DISCARDED:
            discarded += 1
    streak = 0
    cursor = today if counts.get(today.isoformat()) else today - timedelta(days=1)
    while counts.get(cursor.isoformat()):
        streak += 1
        cursor -= timedelta(days=1)
    per_day = tuple(counts.get((today - timedelta(days=offset)).isoformat(), 0)
                    for offset in range(days - 1, -1, -1))
    return ReviewStats(
        due_today=due_today,
        reviewed_today=counts.get(today.isoformat(), 0),
        streak=streak,
        total=len(ids) - mastered - discarded,
        mastered=mastered,
        discarded=discarded,
        per_day=per_day,
    )
