"""The reading view's cursor and selection model, without Textual."""

from __future__ import annotations

from reader.document import BlockKind, Document, DocumentBuilder
from reader.ui.layout import TextLayout
from reader.ui.selection import SelectionModel, Step, word_boundary


def _document() -> Document:
    builder = DocumentBuilder()
    builder.add(BlockKind.PARAGRAPH, "One sentence here. Two follows it. Three ends it.")
    builder.add(BlockKind.PARAGRAPH, "Second block starts. It has more.")
    return builder.build()


def _text(document: Document, span: tuple[int, int] | None) -> str:
    assert span is not None
    return document.text[span[0] : span[1]]


def test_the_cursor_starts_at_the_top_and_steps_by_sentence() -> None:
    document = _document()
    marks = SelectionModel()
    step = marks.next_sentence(document, top=0)
    assert step == Step(0) and _text(document, marks.cursor) == "One sentence here."
    marks.next_sentence(document, top=0)
    assert _text(document, marks.cursor) == "Two follows it."
    marks.previous_sentence(document, top=0)
    assert _text(document, marks.cursor) == "One sentence here."
    assert marks.previous_sentence(document, top=0) is None  # nothing before the first


def test_a_keyboard_selection_grows_from_its_anchor_and_never_past_it() -> None:
    document = _document()
    marks = SelectionModel()
    marks.next_sentence(document, top=0)
    marks.next_sentence(document, top=0)  # cursor on "Two follows it."
    assert marks.toggle_select(document, top=0) is not None
    assert marks.selecting and _text(document, marks.selection) == "Two follows it."
    marks.next_sentence(document, top=0)
    assert _text(document, marks.selection) == "Two follows it. Three ends it."
    marks.extend_word(document.text, forward=False)
    assert _text(document, marks.selection) == "Two follows it. Three ends"
    marks.previous_sentence(document, top=0)  # [ from inside a sentence: back to the last end
    assert _text(document, marks.selection) == "Two follows it."
    marks.next_sentence(document, top=0)
    assert _text(document, marks.selection) == "Two follows it. Three ends it."
    marks.previous_sentence(document, top=0)  # [ used to leave a sentence's end where it was
    assert _text(document, marks.selection) == "Two follows it."
    marks.extend_word(document.text, forward=True)
    assert _text(document, marks.selection) == "Two follows it. Three"
    marks.previous_sentence(document, top=0)
    assert _text(document, marks.selection) == "Two follows it."
    assert marks.previous_sentence(document, top=0) is None  # would cross the anchor
    for _ in range(5):
        marks.extend_word(document.text, forward=False)
    assert _text(document, marks.selection) == "Two"  # a word is the least it keeps
    ended = marks.toggle_select(document, top=0)
    assert ended == Step(None, moved=False)
    assert not marks.selecting and _text(document, marks.selection) == "Two"


def test_rows_extend_the_selection_across_blocks() -> None:
    """↓ from a selection that ends a paragraph steps over the blank row into the next block
    (it used to look the blank row up again and again: the reading view hung)."""
    document = _document()
    layout = TextLayout(document, 20)
    marks = SelectionModel()
    marks.toggle_select(document, top=0)
    ends = []
    for _ in range(layout.height + 1):
        if marks.extend_row(layout, down=True) is None:
            break
        assert marks.selection is not None
        ends.append(marks.selection[1])
    first_block_end = document.blocks[0].end
    assert first_block_end in ends  # a selection ending the first paragraph went on
    assert ends == sorted(set(ends)) and ends[-1] == len(document.text)
    marks.extend_row(layout, down=False)
    assert marks.selection is not None and marks.selection[1] < len(document.text)


def test_empty_selections_clear_and_the_mouse_ends_a_keyboard_selection() -> None:
    marks = SelectionModel()
    marks.anchor = 3
    assert marks.set_selection((5, 5)) == Step(None)
    assert marks.selection is None and not marks.selecting
    marks.set_selection((2, 8))
    marks.anchor = 2
    assert marks.mouse_selection((4, 9)) == Step(None)
    assert marks.selection == (4, 9) and not marks.selecting
    assert marks.clear_selection() and not marks.clear_selection()
    assert marks.extend_word("abc", forward=True) is None  # no keyboard selection


def test_word_boundaries() -> None:
    text = "alpha  beta gamma"
    assert word_boundary(text, 0, forward=True) == len("alpha  beta")
    assert word_boundary(text, len("alpha  beta"), forward=False) == len("alpha  ")
    assert word_boundary(text, 3, forward=False) == 0
