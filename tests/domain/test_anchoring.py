"""Anchoring: highlights find their exact text again after the article is edited."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from annotations.anchoring import anchor, anchor_all, find_quote
from annotations.model import AnchorStatus, Annotation

LETTERS = "abcdefghijklmnopqrstuvwxyz"
WORD = st.text(alphabet=LETTERS, min_size=1, max_size=10)
PARAGRAPH = st.lists(WORD, min_size=3, max_size=25).map(lambda words: " ".join(words) + ".")
INSERTED = st.text(alphabet=LETTERS + " .,;—é📚\n", min_size=1, max_size=40)
PROPERTY_SETTINGS = settings(max_examples=80, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


def highlight(text: str, start: int, end: int) -> Annotation:
    """A new highlight of ``text[start:end]``."""
    return Annotation.create(article_id="a", path="/a.txt", text=text, start=start, end=end)


# --------------------------------------------------------------------------- properties


@dataclass
class Quote:
    """A highlighted span inside one paragraph, followed through the edits."""

    paragraph: int
    start: int
    end: int


@dataclass
class EditedArticle:
    """Paragraphs that are edited while the quotes' expected places are kept up to date."""

    paragraphs: list[str]
    quotes: list[Quote]

    def text(self) -> str:
        """The article text (paragraphs separated by blank lines)."""
        return "\n\n".join(self.paragraphs)

    def offset(self, quote: Quote) -> int:
        """Where ``quote`` starts in :meth:`text`."""
        return sum(len(p) + 2 for p in self.paragraphs[: quote.paragraph]) + quote.start

    def free_points(self, index: int) -> list[int]:
        """Offsets of paragraph ``index`` that are not strictly inside a quote."""
        taken = [(q.start, q.end) for q in self.quotes if q.paragraph == index]
        return [o for o in range(len(self.paragraphs[index]) + 1)
                if not any(start < o < end for start, end in taken)]

    def insert_text(self, index: int, at: int, inserted: str) -> None:
        """Insert ``inserted`` at offset ``at`` of paragraph ``index`` (outside the quotes)."""
        paragraph = self.paragraphs[index]
        self.paragraphs[index] = paragraph[:at] + inserted + paragraph[at:]
        for quote in self.quotes:
            if quote.paragraph == index and quote.start >= at:
                quote.start += len(inserted)
                quote.end += len(inserted)

    def delete_text(self, index: int, start: int, end: int) -> None:
        """Delete ``[start, end)`` of paragraph ``index`` (a range touching no quote)."""
        paragraph = self.paragraphs[index]
        self.paragraphs[index] = paragraph[:start] + paragraph[end:]
        for quote in self.quotes:
            if quote.paragraph == index and quote.start >= end:
                quote.start -= end - start
                quote.end -= end - start

    def insert_paragraph(self, at: int, paragraph: str) -> None:
        """Insert a new paragraph before index ``at``."""
        self.paragraphs.insert(at, paragraph)
        for quote in self.quotes:
            if quote.paragraph >= at:
                quote.paragraph += 1

    def delete_paragraph(self, index: int) -> None:
        """Delete a paragraph that holds no quote."""
        del self.paragraphs[index]
        for quote in self.quotes:
            if quote.paragraph > index:
                quote.paragraph -= 1

    def move_paragraph(self, source: int, target: int) -> None:
        """Move paragraph ``source`` (with any quotes in it) to index ``target``."""
        order = list(range(len(self.paragraphs)))
        order.insert(target, order.pop(source))
        self.paragraphs = [self.paragraphs[i] for i in order]
        new_index = {old: new for new, old in enumerate(order)}
        for quote in self.quotes:
            quote.paragraph = new_index[quote.paragraph]


def _free_ranges(article: EditedArticle, index: int) -> list[tuple[int, int]]:
    points = article.free_points(index)
    taken = [(q.start, q.end) for q in article.quotes if q.paragraph == index]
    return [(a, b) for a in points for b in points
            if a < b and not any(a < end and start < b for start, end in taken)]


def apply_random_edit(article: EditedArticle, data: st.DataObject) -> None:
    """One random edit outside every quote: text inserted or deleted, paragraphs added,
    deleted or moved."""
    kinds = ["insert-text", "delete-text", "insert-paragraph", "move-paragraph"]
    unquoted = [i for i in range(len(article.paragraphs))
                if not any(q.paragraph == i for q in article.quotes)]
    if unquoted:
        kinds.append("delete-paragraph")
    kind = data.draw(st.sampled_from(kinds), label="edit")
    count = len(article.paragraphs)
    if kind == "insert-text":
        index = data.draw(st.integers(0, count - 1))
        at = data.draw(st.sampled_from(article.free_points(index)))
        article.insert_text(index, at, data.draw(INSERTED))
    elif kind == "delete-text":
        index = data.draw(st.integers(0, count - 1))
        ranges = _free_ranges(article, index)
        if ranges:
            article.delete_text(index, *data.draw(st.sampled_from(ranges)))
    elif kind == "insert-paragraph":
        article.insert_paragraph(data.draw(st.integers(0, count)), data.draw(PARAGRAPH))
    elif kind == "delete-paragraph":
        article.delete_paragraph(data.draw(st.sampled_from(unquoted)))
    else:
        article.move_paragraph(data.draw(st.integers(0, count - 1)),
                               data.draw(st.integers(0, count - 1)))


def draw_quotes(data: st.DataObject, paragraphs: list[str], count: int) -> list[Quote]:
    """``count`` random highlights, each inside one paragraph (they may overlap)."""
    quotes = []
    for _ in range(count):
        index = data.draw(st.integers(0, len(paragraphs) - 1))
        length = len(paragraphs[index])
        start = data.draw(st.integers(0, length - 1))
        end = data.draw(st.integers(start + 1, length))
        quotes.append(Quote(index, start, end))
    return quotes


@PROPERTY_SETTINGS
@given(paragraphs=st.lists(PARAGRAPH, min_size=2, max_size=8), data=st.data(),
       highlights=st.integers(1, 5), edits=st.integers(1, 6))
def test_every_highlight_keeps_its_exact_text_after_edits_outside_the_quotes(
    paragraphs: list[str], data: st.DataObject, highlights: int, edits: int
) -> None:
    article = EditedArticle(list(paragraphs), draw_quotes(data, paragraphs, highlights))
    original = article.text()
    annotations = [highlight(original, article.offset(q), article.offset(q) + q.end - q.start)
                   for q in article.quotes]
    for _ in range(edits):
        apply_random_edit(article, data)
    edited = article.text()

    for annotation, quote, result in zip(annotations, article.quotes,
                                         anchor_all(annotations, edited), strict=True):
        exact = annotation.quote.exact
        assert result.status in {AnchorStatus.ANCHORED, AnchorStatus.MOVED}
        assert edited[result.start:result.end] == exact
        if edited.count(exact) == 1:  # unambiguous: it must be the very same passage
            assert result.start == article.offset(quote)
        if result.status is AnchorStatus.ANCHORED:
            assert result.position == annotation.position
        assert (result.id, result.note, result.quote) == (annotation.id, annotation.note,
                                                          annotation.quote)


UNIQUE_WORDS = st.lists(st.text(alphabet=LETTERS, min_size=3, max_size=9), min_size=30,
                        max_size=90, unique=True)


@PROPERTY_SETTINGS
@given(words=UNIQUE_WORDS, data=st.data(), edits=st.integers(1, 3),
       shift=st.sampled_from(["", "A new first paragraph, added later.\n\n"]))
def test_a_few_characters_edited_inside_a_long_quote_anchor_fuzzily(
    words: list[str], data: st.DataObject, edits: int, shift: str
) -> None:
    per_paragraph = data.draw(st.integers(6, 15))
    paragraphs = [" ".join(words[i:i + per_paragraph])
                  for i in range(0, len(words), per_paragraph)]
    text = "\n\n".join(paragraphs)
    start = data.draw(st.integers(0, len(text) - 40))
    end = data.draw(st.integers(start + 40, min(len(text), start + 300)))
    annotation = highlight(text, start, end)

    quoted = list(text[start:end])
    for _ in range(edits):  # never the first or last two characters: those are the anchors
        at = data.draw(st.integers(2, len(quoted) - 3))
        kind = data.draw(st.sampled_from(["substitute", "insert", "delete"]))
        if kind == "substitute":
            quoted[at] = data.draw(st.sampled_from("QXZ0"))
        elif kind == "insert":
            quoted.insert(at, data.draw(st.sampled_from("QXZ0")))
        else:
            del quoted[at]
    edited_quote = "".join(quoted)
    assume(edited_quote != text[start:end])  # an insertion deleted again is no edit
    edited = shift + text[:start] + edited_quote + text[end:]
    expected_start, expected_end = len(shift) + start, len(shift) + start + len(edited_quote)

    result = anchor(annotation, edited)
    assert result.status is AnchorStatus.FUZZY
    assert abs(result.start - expected_start) <= edits
    assert abs(result.end - expected_end) <= edits
    assert Levenshtein.distance(edited[result.start:result.end], edited_quote) <= 2 * edits


# --------------------------------------------------------------------------- statuses

ARTICLE = (
    "Marginalia are the notes readers leave in the margins of books.\n\n"
    "Some readers underline every other sentence, which helps nobody later.\n\n"
    "The best notes argue with the text and say why a passage matters."
)


def test_unchanged_text_anchors_in_place() -> None:
    start = ARTICLE.index("underline every")
    annotation = highlight(ARTICLE, start, start + 40)
    result = anchor(annotation, ARTICLE)
    assert result == annotation  # nothing changes, not even the status


def test_text_inserted_before_moves_the_highlight() -> None:
    start = ARTICLE.index("The best notes")
    annotation = highlight(ARTICLE, start, start + 30)
    edited = "A new introduction.\n\n" + ARTICLE.replace("Some readers", "Many readers")
    result = anchor(annotation, edited)
    assert result.status is AnchorStatus.MOVED
    assert result.start == edited.index("The best notes")
    assert edited[result.start:result.end] == annotation.quote.exact


def test_duplicate_quotes_choose_the_occurrence_with_the_same_context() -> None:
    text = ("Chapter one ends: it was late. Chapter two ends: it was late. "
            "Chapter three ends: it was late.")
    second = text.index("it was late", text.index("two"))
    annotation = highlight(text, second, second + len("it was late"))
    for edited in (
        "Foreword. " + text,  # every offset shifted
        text.replace("Chapter one ends: it was late. ", ""),  # the first occurrence removed
        text.replace("Chapter one", "Part one").replace("three", "3"),
    ):
        result = anchor(annotation, edited)
        assert result.status is AnchorStatus.MOVED
        assert edited[result.start - len("two ends: "):result.start] == "two ends: "


def test_identical_contexts_choose_the_occurrence_nearest_the_old_position() -> None:
    text = "la la la la la la la la la la la la"
    annotation = highlight(text, 15, 20)  # the sixth "la la"
    edited = "x" + text
    result = anchor(annotation, edited)
    assert result.status is AnchorStatus.MOVED
    assert edited[result.start:result.end] == "la la" and abs(result.start - 15) <= 1


def test_deleted_passage_is_orphaned_and_keeps_everything() -> None:
    start = ARTICLE.index("Some readers")
    end = ARTICLE.index("later.") + len("later.")
    annotation = highlight(ARTICLE, start, end)
    annotation = replace(annotation, note="my note", tags=("kept",))
    edited = ARTICLE[:start] + ARTICLE[end:]
    result = anchor(annotation, edited)
    assert result.status is AnchorStatus.ORPHANED
    assert (result.position, result.quote, result.note, result.tags) == (
        annotation.position, annotation.quote, "my note", ("kept",))
    assert anchor(annotation, "").status is AnchorStatus.ORPHANED


def test_short_quotes_are_never_guessed_fuzzily() -> None:
    start = ARTICLE.index("margins")
    annotation = highlight(ARTICLE, start, start + len("margins"))
    edited = ARTICLE.replace("margins", "margons")
    assert anchor(annotation, edited).status is AnchorStatus.ORPHANED


def test_a_typo_fixed_inside_the_quote_is_fuzzy_and_covers_the_new_words() -> None:
    text = ARTICLE.replace("underline", "underlnie")
    start = text.index("Some readers")
    annotation = highlight(text, start, text.index(" which"))
    result = anchor(annotation, ARTICLE)
    assert result.status is AnchorStatus.FUZZY
    assert ARTICLE[result.start:result.end] == "Some readers underline every other sentence,"


def test_unicode_text_offsets_are_characters() -> None:
    text = "Ça commence ici — 📚 naïve café, e\u0301toile; ensuite la fin 🎉."
    start = text.index("naïve")
    annotation = highlight(text, start, text.index(";"))
    edited = "🎉🎉 " + text
    result = anchor(annotation, edited)
    assert edited[result.start:result.end] == "naïve café, e\u0301toile"


# --------------------------------------------------------------------------- find_quote


def test_find_quote_exact_returns_the_canonical_span() -> None:
    found = find_quote(ARTICLE, "argue with the text")
    assert found == (ARTICLE.index("argue"), ARTICLE.index("argue") + 19, AnchorStatus.ANCHORED)


def test_find_quote_ignores_whitespace_differences() -> None:
    text = "The notes\n   argue  with\tthe\n\ntext, always."
    for quote in ("notes argue with the text", "  notes   argue with the text \n",
                  "notes\nargue\nwith the\ttext"):
        found = find_quote(text, quote)
        assert found is not None and found[2] is AnchorStatus.ANCHORED
        assert text[found[0]:found[1]] == "notes\n   argue  with\tthe\n\ntext"


def test_find_quote_tolerates_typos_in_a_longer_quote() -> None:
    found = find_quote(ARTICLE, "the best ntoes argue with teh text")
    assert found is not None and found[2] is AnchorStatus.FUZZY
    assert ARTICLE[found[0]:found[1]].lower().startswith("the best notes argue with the")


def test_find_quote_gives_none_when_absent_or_empty() -> None:
    assert find_quote(ARTICLE, "gardening tomatoes in the summer heat") is None
    assert find_quote(ARTICLE, "") is None
    assert find_quote(ARTICLE, " \n\t ") is None
    assert find_quote(ARTICLE, "margons") is None  # short: exact only


def test_find_quote_near_picks_the_closest_occurrence() -> None:
    text = "echo. " * 50
    found = find_quote(text, "echo", near=120)
    assert found is not None and found[0] == 120


# --------------------------------------------------------------------------- speed


def _big_text(rng: random.Random, size: int) -> str:
    words = ["".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 10)))
             for _ in range(20_000)]
    paragraphs: list[str] = []
    total = 0
    while total < size:
        paragraph = " ".join(rng.choice(words) for _ in range(rng.randint(40, 120))) + "."
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def test_a_thousand_highlights_in_three_megabytes_anchor_fast() -> None:
    rng = random.Random(7)
    text = _big_text(rng, 3_000_000)
    annotations = []
    for _ in range(1000):
        start = rng.randrange(0, len(text) - 300)
        annotations.append(highlight(text, start, start + rng.randint(20, 200)))

    began = time.perf_counter()
    unchanged = anchor_all(annotations, text)
    unchanged_seconds = time.perf_counter() - began
    assert all(a.status is AnchorStatus.ANCHORED for a in unchanged)
    assert unchanged_seconds < 0.5

    shifted = "A new preface, added after the highlights were made.\n\n" + text
    began = time.perf_counter()
    moved = anchor_all(annotations, shifted)
    moved_seconds = time.perf_counter() - began
    assert all(shifted[a.start:a.end] == a.quote.exact for a in moved)
    assert moved_seconds < 8  # each highlight searched in 3 MB: about 1 ms apiece

    chars = list(text)
    for annotation in annotations[:20]:
        chars[(annotation.start + annotation.end) // 2] = "Q"
    typos = "".join(chars)
    began = time.perf_counter()
    fuzzy = anchor_all(annotations[:20], typos)
    assert time.perf_counter() - began < 3
    assert all(a.status is AnchorStatus.FUZZY for a in fuzzy)
