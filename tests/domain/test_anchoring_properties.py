"""Anchoring: highlights find their text again after the article changes."""

from __future__ import annotations

import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.anchoring import anchor, anchor_all, find_quote
from annotations.model import AnchorStatus, Annotation

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)
PARAGRAPH = st.lists(WORDS, min_size=4, max_size=30).map(lambda w: " ".join(w).capitalize() + ".")
ARTICLE = st.lists(PARAGRAPH, min_size=3, max_size=10)


def make(text: str, start: int, end: int) -> Annotation:
    return Annotation.create(article_id="a", path="/a.txt", text=text, start=start, end=end)


def _quote_span(data: st.DataObject, paragraphs: list[str]) -> tuple[str, int, int, int]:
    text = "\n\n".join(paragraphs)
    index = data.draw(st.integers(0, len(paragraphs) - 1))
    offset = sum(len(p) + 2 for p in paragraphs[:index])
    paragraph = paragraphs[index]
    start = data.draw(st.integers(0, max(0, len(paragraph) - 8)))
    end = data.draw(st.integers(min(len(paragraph), start + 8), len(paragraph)))
    return text, index, offset + start, offset + end


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=ARTICLE, data=st.data())
def test_edits_outside_the_quote_keep_the_exact_text(paragraphs: list[str],
                                                     data: st.DataObject) -> None:
    text, index, start, end = _quote_span(data, paragraphs)
    annotation = make(text, start, end)
    quote = annotation.quote.exact
    edit = data.draw(st.sampled_from(["insert", "delete", "move"]))
    edited_paragraphs = list(paragraphs)
    others = [i for i in range(len(paragraphs)) if i != index]
    if edit == "insert":
        at = data.draw(st.integers(0, len(paragraphs)))
        edited_paragraphs.insert(at, data.draw(PARAGRAPH))
    elif edit == "delete":
        edited_paragraphs.pop(data.draw(st.sampled_from(others)))
    else:
        moved = edited_paragraphs.pop(data.draw(st.sampled_from(others)))
        edited_paragraphs.insert(data.draw(st.integers(0, len(edited_paragraphs))), moved)
    edited = "\n\n".join(edited_paragraphs)
    anchored = anchor(annotation, edited)
    assert anchored.status in {AnchorStatus.ANCHORED, AnchorStatus.MOVED}
    assert edited[anchored.start:anchored.end] == quote


# The quoted paragraph uses distinct words of its own alphabet, so the edited quote cannot
# also occur unedited somewhere else (which would rightly anchor as "moved").
LONG_PARAGRAPH = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=9), min_size=12,
    max_size=40, unique=True,
).map(lambda w: " ".join(w).capitalize() + ".")
OTHER_ARTICLE = st.lists(
    st.lists(st.text(alphabet="0123456789", min_size=1, max_size=6), min_size=4, max_size=20)
    .map(lambda w: " ".join(w) + "."),
    min_size=1, max_size=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=OTHER_ARTICLE, quoted=LONG_PARAGRAPH, after=OTHER_ARTICLE, data=st.data(),
       typos=st.integers(1, 3))
def test_small_edits_inside_a_long_quote_anchor_fuzzily(
    before: list[str], quoted: str, after: list[str], data: st.DataObject, typos: int
) -> None:
    text = "\n\n".join([*before, quoted, *after])
    base = len("\n\n".join(before)) + 2
    start = base + data.draw(st.integers(0, len(quoted) - 45))
    end = data.draw(st.integers(start + 40, base + len(quoted)))
    annotation = make(text, start, end)
    chars = list(text)
    rng = random.Random(data.draw(st.integers(0, 10_000)))
    for _ in range(typos):
        position = rng.randrange(start + 1, end - 1)
        chars[position] = "Q" if chars[position] != "Q" else "Z"
    edited = "".join(chars)
    anchored = anchor(annotation, edited)
    assert anchored.status is AnchorStatus.FUZZY
    assert abs(anchored.start - start) <= typos and abs(anchored.end - end) <= typos


def test_statuses_for_unchanged_moved_fuzzy_orphaned() -> None:
    text = "Alpha beta gamma. The quick brown fox jumps over the lazy dog. Omega."
    start = text.index("The quick")
    annotation = make(text, start, start + len("The quick brown fox jumps"))
    assert anchor(annotation, text).status is AnchorStatus.ANCHORED
    moved = "New opening sentence here. " + text
    result = anchor(annotation, moved)
    assert result.status is AnchorStatus.MOVED
    assert moved[result.start:result.end] == "The quick brown fox jumps"
    typo = text.replace("brown fox", "brwn fox")
    assert anchor(annotation, typo).status is AnchorStatus.FUZZY
    gone = "Something else entirely, with no foxes and no dogs at all."
    orphan = anchor(annotation, gone)
    assert orphan.status is AnchorStatus.ORPHANED
    assert orphan.position == annotation.position  # kept, never dropped


def test_duplicate_quotes_choose_the_occurrence_by_context() -> None:
    text = "In spring: the cat sat. In autumn: the cat sat. In winter: the cat sat."
    second = text.index("the cat sat", text.index("autumn"))
    annotation = make(text, second, second + len("the cat sat"))
    shifted = "Preface. " + text
    result = anchor(annotation, shifted)
    assert shifted[result.start - 8:result.start] == "autumn: "


def test_find_quote_ignores_whitespace_and_tolerates_typos() -> None:
    text = "The U.S. authorities claimed that the\ncompany represented a national security threat."
    found = find_quote(text, "claimed that the company represented")
    assert found is not None and found[2] is AnchorStatus.ANCHORED
    assert text[found[0]:found[1]] == "claimed that the\ncompany represented"
    typo = find_quote(text, "represnted a nationl security threat")
    assert typo is not None and typo[2] is AnchorStatus.FUZZY
    assert "security threat" in text[typo[0]:typo[1]]
    assert find_quote(text, "entirely absent words that never appear") is None


def test_anchoring_a_thousand_highlights_in_a_big_text_is_fast() -> None:
    rng = random.Random(3)
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8)))
             for _ in range(3000)]
    text = " ".join(rng.choice(words) for _ in range(500_000))
    annotations = []
    for _ in range(1000):
        start = rng.randrange(0, len(text) - 200)
        annotations.append(make(text, start, start + rng.randint(20, 150)))
    began = time.perf_counter()
    result = anchor_all(annotations, text)
    elapsed = time.perf_counter() - began
    assert all(a.status is AnchorStatus.ANCHORED for a in result)
    began_reference = time.perf_counter()
    for a in annotations:
        _ = text[a.start:a.end] == a.quote.exact
    reference = time.perf_counter() - began_reference
    # Unchanged text is a position check per highlight: same order as slicing itself.
    assert elapsed < max(1.0, reference * 200)
