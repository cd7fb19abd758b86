"""The daily review's scheduler: FSRS cards, the batch rules, undo, stats, bad records."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from annotations.model import AnchorStatus, Annotation
from annotations.review import (
    ARTICLE_ID_KEY,
    ARTICLE_KEY,
    Answer,
    CardStatus,
    ReviewCard,
    ReviewError,
    ReviewFilter,
    ReviewPolicy,
    Reviews,
    apply_answer,
    daily_batch,
    review_time,
)
from annotations.storage import AnnotationStore
from reader.loading import load_article
from reader.reanchoring import reanchor

START = date(2026, 1, 1)


def make_annotations(articles: int, per_article: int, *, tag_every: int = 0) -> list[Annotation]:
    """``articles`` × ``per_article`` highlights, each article its own path."""
    result = []
    text = " ".join(f"word{n}" for n in range(400))
    for article in range(articles):
        for number in range(per_article):
            start = number * 12
            tags = ("theme",) if tag_every and (article * per_article + number) % tag_every == 0 \
                else ()
            result.append(Annotation.create(article_id=f"id{article}",
                                            path=f"/lib/article{article}.md", text=text,
                                            start=start, end=start + 10, tags=tags))
    return result


def simulate(annotations: list[Annotation], days: int, policy: ReviewPolicy,
             answer_for: dict[str, Answer] | None = None, theme: ReviewFilter | None = None,
             ) -> tuple[dict[str, ReviewCard], list[list[str]]]:
    """Review every day's batch for ``days`` days (default answer: good); returns the cards
    and each day's batch ids."""
    cards: dict[str, ReviewCard] = {}
    batches: list[list[str]] = []
    for offset in range(days):
        today = START + timedelta(days=offset)
        batch = daily_batch(annotations, cards, today=today, policy=policy, theme=theme)
        batches.append([item.annotation.id for item in batch])
        for item in batch:
            ident = item.annotation.id
            answer = (answer_for or {}).get(ident, Answer.GOOD)
            cards[ident] = apply_answer(cards.get(ident), ident, answer, when=review_time(today))
    return cards, batches


def test_a_simulated_year_keeps_the_daily_limit_and_the_per_article_cap() -> None:
    annotations = make_annotations(30, 6)
    by_id = {a.id: a for a in annotations}
    policy = ReviewPolicy(per_day=10, new_per_day=5, per_article=2)
    _cards, batches = simulate(annotations, 365, policy)
    assert any(batches), "the year reviewed something"
    for batch in batches:
        assert len(batch) <= 10
        assert len(batch) == len(set(batch)), "never the same highlight twice in a day"
        per_article = Counter(by_id[ident].path for ident in batch)
        assert max(per_article.values(), default=0) <= 2
    assert max(len(batch) for batch in batches) == 10


def test_too_few_articles_fill_the_batch_anyway() -> None:
    annotations = make_annotations(1, 20)
    batch = daily_batch(annotations, {}, today=START, policy=ReviewPolicy(10, 10, 2))
    assert len(batch) == 10


def test_mastered_and_discarded_never_return() -> None:
    annotations = make_annotations(10, 3)
    gone = {annotations[0].id: Answer.MASTER, annotations[5].id: Answer.DISCARD}
    cards, batches = simulate(annotations, 365, ReviewPolicy(), answer_for=gone)
    for ident in gone:
        days = [day for day, batch in enumerate(batches) if ident in batch]
        assert len(days) == 1, "answered once, then never again"
    assert cards[annotations[0].id].status is CardStatus.MASTERED
    assert cards[annotations[5].id].status is CardStatus.DISCARDED


def test_again_returns_sooner_than_good_sooner_than_easy() -> None:
    annotations = make_annotations(3, 1)
    again, good, easy = (a.id for a in annotations)
    answers = {again: Answer.AGAIN, good: Answer.GOOD, easy: Answer.EASY}
    _cards, batches = simulate(annotations, 365, ReviewPolicy(), answer_for=answers)
    seen = Counter(ident for batch in batches for ident in batch)
    assert seen[again] > seen[good] > seen[easy] >= 1
    # The first interval orders the same way.
    when = review_time(START)
    due = {name: apply_answer(None, "x", answer, when=when).due
           for name, answer in (("again", Answer.AGAIN), ("hard", Answer.HARD),
                                ("good", Answer.GOOD), ("easy", Answer.EASY))}
    assert when < due["again"] <= due["hard"] < due["good"] < due["easy"]


def test_an_import_of_2000_highlights_spreads_over_days() -> None:
    annotations = make_annotations(200, 10)
    assert len(annotations) == 2000
    policy = ReviewPolicy(per_day=10, new_per_day=5)
    cards, batches = simulate(annotations, 30, policy)
    first_seen = Counter(card.history[0].day for card in cards.values())
    assert max(first_seen.values()) <= 5, "at most new_per_day new highlights a day"
    assert len(cards) <= 30 * 5 < 2000
    assert len(first_seen) >= 15, "new highlights keep coming day after day"
    assert max(first_seen) >= (START + timedelta(days=25)).isoformat()


def test_a_themed_review_shows_only_its_tag() -> None:
    annotations = make_annotations(20, 5, tag_every=3)
    tagged = {a.id for a in annotations if "theme" in a.tags}
    _cards, batches = simulate(annotations, 60, ReviewPolicy(),
                               theme=ReviewFilter(tag="theme"))
    shown = {ident for batch in batches for ident in batch}
    assert shown and shown <= tagged
    article = annotations[0].path
    only = daily_batch(annotations, {}, today=START, theme=ReviewFilter(path=article))
    assert only and {item.annotation.path for item in only} == {article}


def test_the_order_is_fixed_for_a_day_and_changes_between_days() -> None:
    annotations = make_annotations(40, 2)
    first = daily_batch(annotations, {}, today=START)
    again = daily_batch(list(reversed(annotations)), {}, today=START)
    assert [i.annotation.id for i in first] == [i.annotation.id for i in again]
    later = daily_batch(annotations, {}, today=START + timedelta(days=1))
    assert [i.annotation.id for i in later] != [i.annotation.id for i in first]


def test_due_cards_come_before_new_ones() -> None:
    annotations = make_annotations(20, 1)
    old = annotations[7]
    card = apply_answer(None, old.id, Answer.GOOD, when=review_time(START))
    later = card.due.date() + timedelta(days=3)
    batch = daily_batch(annotations, {old.id: card}, today=later)
    assert batch[0].annotation.id == old.id and not batch[0].is_new
    assert all(item.is_new for item in batch[1:])


def card_records(data: dict[str, dict[str, dict[str, object]]]) -> dict[str, dict[str, object]]:
    """The review cards' records in a database file's JSON, by their document id."""
    return {doc: record for doc, record in data["state"].items()
            if str(record.get("key", "")).startswith("review.card.")}


@pytest.fixture
def store(tmp_path: Path) -> AnnotationStore:
    db = AnnotationStore(tmp_path / "db.json")
    db.put_many(make_annotations(6, 2))
    return db


def test_answers_are_saved_one_record_per_highlight_and_undo_restores(
        store: AnnotationStore) -> None:
    reviews = Reviews(store)
    ident = reviews.batch(today=START)[0].annotation.id
    first = reviews.answer(ident, "good", today=START)
    assert first.next_due is not None and first.next_due > START
    data = json.loads(store.path.read_text())
    records = list(card_records(data).values())
    assert [r["value"]["annotation_id"] for r in records] == [ident]  # type: ignore[index]
    assert ident not in [i.annotation.id for i in reviews.batch(today=START)]
    later = first.next_due
    reviews.answer(ident, "easy", today=later)
    easy_card = reviews.cards.card(ident)
    assert easy_card is not None and len(easy_card.history) == 2
    restored = reviews.undo(ident)
    assert restored is not None and restored.due == first.card.due
    assert len(restored.history) == 1 and restored.stability == first.card.stability
    assert reviews.undo(ident) is None  # the first answer undone: new again
    assert reviews.cards.card(ident) is None
    with pytest.raises(ReviewError):
        reviews.undo(ident)
    with pytest.raises(ReviewError):
        reviews.answer("no-such-id", "good", today=START)


def test_seeing_an_article_less_often_stretches_its_intervals(store: AnnotationStore) -> None:
    reviews = Reviews(store)
    one, other = store.all_annotations()[0], store.all_annotations()[-1]
    assert one.path != other.path
    reviews.set_frequency(one, "less")
    assert reviews.frequency(one) == "less" and reviews.frequency(other) == "normal"
    slow = reviews.answer(one.id, "good", today=START).card.due
    normal = reviews.answer(other.id, "good", today=START).card.due
    assert slow - review_time(START) == 2 * (normal - review_time(START))
    reviews.set_frequency(one, "normal")
    assert reviews.frequency(one) == "normal"
    assert store.state_values(ARTICLE_ID_KEY) == {ARTICLE_ID_KEY + one.article_id: None}


ESSAY = "\n\n".join(f"Paragraph {n} says something worth keeping about topic {n}."
                     for n in range(8)) + "\n"


def highlight_file(store: AnnotationStore, path: Path, quotes: int = 2) -> list[Annotation]:
    """Highlight the first ``quotes`` paragraphs of the article at ``path`` and save them."""
    article = load_article(path)
    made = []
    for number in range(quotes):
        start = article.text.index(f"Paragraph {number} ")
        made.append(Annotation.create(article_id=article.id, path=article.meta.path,
                                      text=article.text, start=start, end=start + 30))
    store.put_many(made)
    return made


def reanchor_file(store: AnnotationStore, path: Path, annotations: list[Annotation]
                  ) -> list[Annotation]:
    """What opening the article at ``path`` does: re-anchor and save; the saved highlights."""
    article = load_article(path)
    result = reanchor([store.get(a.id) or a for a in annotations], article)
    store.update_anchors(result.changed)
    return [store.get(a.id) for a in annotations]  # type: ignore[misc]


def stretched(store: AnnotationStore, ident: str) -> bool:
    """Whether answering ``good`` for a new highlight gave twice the usual interval."""
    due = Reviews(store).answer(ident, "good", today=START).card.due
    usual = apply_answer(None, ident, Answer.GOOD, when=review_time(START)).due
    return due - review_time(START) == 2 * (usual - review_time(START))


def test_a_moved_article_keeps_its_frequency(tmp_path: Path) -> None:
    store = AnnotationStore(tmp_path / "db.json")
    old = tmp_path / "lib" / "essay.md"
    old.parent.mkdir()
    old.write_text(ESSAY)
    first, second = highlight_file(store, old)
    Reviews(store).set_frequency(first, "less")
    moved = tmp_path / "lib" / "renamed" / "essay-2026.md"
    moved.parent.mkdir()
    old.rename(moved)
    # Before the article is opened again its highlights still name the old path; after, the
    # new one (re-anchoring found them by the article's id): the frequency applies both times.
    assert Reviews(store).frequency(store.get(second.id)) == "less"  # type: ignore[arg-type]
    first, second = reanchor_file(store, moved, [first, second])
    assert second.path == str(moved) and second.article_id == first.article_id
    assert Reviews(store).frequency(second) == "less"
    assert stretched(store, second.id)
    # The answer refreshed the record to where the article is now.
    assert store.state_values(ARTICLE_ID_KEY) == {
        ARTICLE_ID_KEY + second.article_id: {"frequency": "less", "path": str(moved)}}


def test_an_edited_article_keeps_its_frequency_as_its_highlights_do(tmp_path: Path) -> None:
    store = AnnotationStore(tmp_path / "db.json")
    path = tmp_path / "essay.md"
    path.write_text(ESSAY)
    first, second = highlight_file(store, path)
    Reviews(store).set_frequency(first, "more")
    old_key = ARTICLE_ID_KEY + first.article_id
    path.write_text("A new first line.\n\n" + ESSAY)  # new text: a new content id
    first, second = reanchor_file(store, path, [first, second])
    assert ARTICLE_ID_KEY + first.article_id != old_key  # the highlights carry the new id
    assert Reviews(store).frequency(second) == "more"  # found by the path it was set at
    Reviews(store).answer(second.id, "good", today=START)
    assert store.state_values(ARTICLE_ID_KEY) == {
        old_key: None,
        ARTICLE_ID_KEY + first.article_id: {"frequency": "more", "path": str(path)}}
    Reviews(store).set_frequency(first, "normal")  # the old record does not come back
    assert Reviews(store).frequency(first) == "normal"


def test_a_move_then_an_edit_keep_the_frequency_when_an_answer_comes_between(
        tmp_path: Path) -> None:
    store = AnnotationStore(tmp_path / "db.json")
    old, moved = tmp_path / "essay.md", tmp_path / "moved.md"
    old.write_text(ESSAY)
    first, second, third = highlight_file(store, old, 3)
    Reviews(store).set_frequency(first, "less")
    old.rename(moved)
    first, second, third = reanchor_file(store, moved, [first, second, third])
    assert stretched(store, first.id)  # the record now names the new path
    moved.write_text(ESSAY + "\nA last paragraph added later.\n")
    first, second, third = reanchor_file(store, moved, [first, second, third])
    assert Reviews(store).frequency(second) == "less"
    assert stretched(store, third.id)


def test_a_new_file_at_a_moved_articles_old_path_does_not_take_its_frequency(
        tmp_path: Path) -> None:
    store = AnnotationStore(tmp_path / "db.json")
    old, moved = tmp_path / "essay.md", tmp_path / "moved.md"
    old.write_text(ESSAY)
    (first,) = highlight_file(store, old, 1)
    Reviews(store).set_frequency(first, "less")
    old.rename(moved)
    (first,) = reanchor_file(store, moved, [first])
    old.write_text("Paragraph 0 of something else entirely, and more words.\n")
    (other,) = highlight_file(store, old, 1)
    assert other.article_id != first.article_id and other.path == str(old)
    assert Reviews(store).frequency(other) == "normal"
    assert Reviews(store).frequency(first) == "less"
    assert not stretched(store, other.id)


def test_a_frequency_saved_by_path_still_applies_and_moves_to_the_id(
        store: AnnotationStore) -> None:
    one, other = store.all_annotations()[0], store.all_annotations()[-1]
    store.set_state(ARTICLE_KEY + one.path, "less")  # as an older postil saved it
    store.set_state(ARTICLE_KEY + other.path, "more")
    reviews = Reviews(store)
    assert reviews.frequency(one) == "less" and reviews.frequency(other) == "more"
    reviews.set_frequency(one, "more")
    assert reviews.frequency(one) == "more"
    assert store.state_values(ARTICLE_KEY)[ARTICLE_KEY + one.path] is None
    assert store.state_values(ARTICLE_ID_KEY) == {
        ARTICLE_ID_KEY + one.article_id: {"frequency": "more", "path": one.path}}
    assert stretched(store, other.id) is False  # "more" halves it instead
    assert store.state_values(ARTICLE_KEY)[ARTICLE_KEY + other.path] is None  # migrated
    assert reviews.frequency(other) == "more"


def test_damaged_frequency_records_are_skipped(store: AnnotationStore) -> None:
    one = store.all_annotations()[0]
    for value in (["less"], {"frequency": "often"}, {"frequency": 2}, "less"):
        store.set_state(ARTICLE_ID_KEY + one.article_id, value)
        assert Reviews(store).frequency(one) == "normal"
    store.set_state(ARTICLE_ID_KEY + one.article_id, {"frequency": "less", "path": 5})
    assert Reviews(store).frequency(one) == "less"  # a bad path only loses the fallback


def test_stats_count_streak_mastered_and_discarded(store: AnnotationStore) -> None:
    reviews = Reviews(store, ReviewPolicy(per_day=4, new_per_day=4))
    ids = [a.id for a in store.all_annotations()]
    for offset in range(3):
        reviews.answer(ids[offset], "good", today=START + timedelta(days=offset))
    reviews.answer(ids[3], "master", today=START + timedelta(days=2))
    reviews.answer(ids[4], "discard", today=START + timedelta(days=2))
    stats = reviews.stats(today=START + timedelta(days=2))
    assert stats.streak == 3 and stats.reviewed_today == 3
    assert stats.mastered == 1 and stats.discarded == 1 and stats.total == len(ids) - 2
    assert stats.per_day[-3:] == (1, 1, 3)
    assert reviews.stats(today=START + timedelta(days=3)).streak == 3  # kept until the day ends
    assert reviews.stats(today=START + timedelta(days=4)).streak == 0


@pytest.mark.parametrize("bad", [
    {"stability": float("nan")}, {"stability": 1e400}, {"due": 12}, {"due": "not a date"},
    {"state": 9}, {"state": True}, {"annotation_id": ["x"]}, {"status": "gone"},
    {"step": 10**30}, {"history": "x"}, {"difficulty": 11.0}, {"stability": 0},
    {"stability": 10**400}, {"due": "0001-01-01T00:00:00+14:00"},
])
def test_a_bad_card_is_skipped_and_kept(store: AnnotationStore, bad: dict[str, object]) -> None:
    reviews = Reviews(store)
    ident = store.all_annotations()[0].id
    reviews.answer(ident, "good", today=START)
    data = json.loads(store.path.read_text())
    key, record = next(iter(card_records(data).items()))
    record["value"].update(bad)  # type: ignore[attr-defined]
    text = json.dumps(data).replace("NaN", "NaN")
    store.path.write_text(text)
    fresh = Reviews(AnnotationStore(store.path))
    cards = fresh.cards.cards()
    if bad == {"history": "x"}:
        assert cards[ident].history == ()  # a bad history is dropped, the card kept
        return
    assert ident not in cards and fresh.cards.skipped_records == 1
    assert fresh.batch(today=START)  # the review still works
    other = store.all_annotations()[1].id
    fresh.answer(other, "good", today=START)
    kept = json.loads(store.path.read_text().replace("NaN", "0"))["state"][key]
    assert kept["key"] == f"review.card.{ident}"  # the bad record is kept as it was


def test_orphaned_highlights_are_marked_in_the_batch() -> None:
    annotations = make_annotations(2, 1)
    annotations[0] = replace(annotations[0], status=AnchorStatus.ORPHANED)
    batch = daily_batch(annotations, {}, today=START)
    marks = {item.annotation.id: item.orphaned for item in batch}
    assert marks[annotations[0].id] and not marks[annotations[1].id]


def test_a_review_dated_before_the_last_one_still_schedules(store: AnnotationStore) -> None:
    reviews = Reviews(store)
    ident = store.all_annotations()[0].id
    reviews.answer(ident, "good", today=START + timedelta(days=30))
    result = reviews.answer(ident, "again", today=START)  # the clock went back
    assert result.next_due is not None and result.next_due > START


def test_undo_with_a_damaged_previous_state_is_refused(store: AnnotationStore) -> None:
    reviews = Reviews(store)
    ident = store.all_annotations()[0].id
    reviews.answer(ident, "good", today=START)
    reviews.answer(ident, "good", today=START + timedelta(days=5))
    data = json.loads(store.path.read_text())
    record = next(iter(card_records(data).values()))
    record["value"]["history"][-1]["before"]["state"] = "bad"  # type: ignore[index]
    store.path.write_text(json.dumps(data))
    fresh = Reviews(AnnotationStore(store.path))
    with pytest.raises(ReviewError, match="nothing was undone"):
        fresh.undo(ident)
    assert len(fresh.cards.card(ident).history) == 2  # type: ignore[union-attr]


def test_the_per_article_cap_holds_when_only_a_few_articles_are_due_today() -> None:
    """The cap is relaxed only for a library of too few articles, not because few articles
    happen to be due today (the simulated year broke the cap on about 3 runs in 100)."""
    annotations = make_annotations(10, 3)
    cards: dict[str, ReviewCard] = {}
    for annotation in annotations:
        first = apply_answer(None, annotation.id, Answer.GOOD, when=review_time(START))
        article = int(annotation.article_id.removeprefix("id"))
        due = START if article < 3 else START + timedelta(days=30)
        cards[annotation.id] = replace(first, due=review_time(due))
    batch = daily_batch(annotations, cards, today=START + timedelta(days=1),
                        policy=ReviewPolicy(per_day=10, new_per_day=5, per_article=2))
    assert len(batch) == 6
    assert max(Counter(item.annotation.path for item in batch).values()) == 2
