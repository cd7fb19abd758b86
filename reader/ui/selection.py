"""The sentence cursor and the selection of the reading view (plain Python, no Textual).

Every position is a canonical text offset (see :mod:`reader.document`). The cursor is one
sentence; the selection is any ``[start, end)`` span, made with the keyboard (``v`` starts it at
the cursor sentence, then sentences, words and rows extend or shrink it from its fixed start,
the *anchor*) or with the mouse (no anchor). Each step returns a :class:`Step` saying what the
view must do (scroll an offset into view, tell the screen); the model itself draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.document import Document
from reader.ui.layout import TextLayout

TextRange = tuple[int, int]
"""A ``[start, end)`` range of canonical offsets."""


@dataclass(frozen=True, slots=True)
class Step:
    """What a change of cursor or selection asks of the view.

    Attributes:
        reveal: An offset to scroll into view, or None to stay where the view is.
        moved: True if the cursor or selection changed (the view announces it); False when
            only the way it is drawn changed (a keyboard selection was ended).
    """

    reveal: int | None
    moved: bool = True


def word_boundary(text: str, offset: int, forward: bool) -> int:
    """The end of the next word after ``offset`` (forward), or the start of the word before.

    Forward skips the rest of the current word and the spaces after it, then the next word;
    backward skips spaces before ``offset`` and then the word before them.
    """
    if forward:
        index = offset
        while index < len(text) and not text[index].isspace():
            index += 1
        while index < len(text) and text[index].isspace():
            index += 1
        end = index
        while end < len(text) and not text[end].isspace():
            end += 1
        return end
    index = offset
    while index > 0 and text[index - 1].isspace():
        index -= 1
    while index > 0 and not text[index - 1].isspace():
        index -= 1
    return max(index, 0)


class SelectionModel:
    """The cursor sentence, the selection, and the anchor of a keyboard selection."""

    __slots__ = ("cursor", "selection", "anchor")

    def __init__(self) -> None:
        self.cursor: TextRange | None = None
        """The sentence under the reading cursor."""
        self.selection: TextRange | None = None
        """The selected span (keyboard or mouse)."""
        self.anchor: int | None = None
        """Where a keyboard selection started; None when no keyboard selection is extending."""

    @property
    def selecting(self) -> bool:
        """True while a keyboard selection is being extended."""
        return self.anchor is not None

    def reset(self) -> None:
        """Forget cursor and selection (another document is shown)."""
        self.cursor = None
        self.selection = None
        self.anchor = None

    # ----------------------------------------------------------------- setting directly
    def set_cursor(self, span: TextRange | None) -> Step:
        """Put the cursor on ``span`` (None removes it)."""
        self.cursor = span
        return Step(None if span is None else span[0])

    def set_selection(self, span: TextRange | None) -> Step:
        """Select ``span``; an empty or reversed span, or None, clears the selection."""
        if span is not None and span[1] <= span[0]:
            span = None
        self.selection = span
        if span is None:
            self.anchor = None
            return Step(None)
        return Step(span[0])

    def clear_selection(self) -> bool:
        """Clear the selection and end a keyboard selection; True if there was a selection."""
        had = self.selection is not None
        self.anchor = None
        self.selection = None
        return had

    def mouse_selection(self, span: TextRange | None) -> Step:
        """The mouse selected ``span`` (None: nothing); a keyboard selection ends."""
        self.anchor = None
        self.selection = span
        return Step(None)

    # ----------------------------------------------------------------- keyboard steps
    def next_sentence(self, document: Document, top: int) -> Step | None:
        """``]``: extend the keyboard selection to the next sentence's end, or move the cursor.

        With no cursor yet, the cursor goes to the sentence at ``top`` (the top of the view).
        None: nothing changed.
        """
        if self.anchor is not None and self.selection is not None:
            following = document.next_sentence(self.selection[1] - 1)
            return None if following is None else self._extend_to(following[1])
        if self.cursor is None:
            return self.set_cursor(document.sentence_at(top))
        following = document.next_sentence(self.cursor[0])
        return None if following is None else self.set_cursor(following)

    def previous_sentence(self, document: Document, top: int) -> Step | None:
        """``[``: shrink the keyboard selection to the end of the sentence before the one it
        ends in (never past its anchor), or move the cursor back."""
        if self.anchor is not None and self.selection is not None:
            end = self.selection[1]
            previous = document.previous_sentence(end - 1)
            while previous is not None and previous[1] >= end:  # the sentence the end is in
                previous = document.previous_sentence(previous[0])
            if previous is not None and previous[1] > self.anchor:
                return self._extend_to(previous[1])
            return None
        if self.cursor is None:
            return self.set_cursor(document.sentence_at(top))
        previous = document.previous_sentence(self.cursor[0])
        return None if previous is None else self.set_cursor(previous)

    def toggle_select(self, document: Document, top: int) -> Step | None:
        """``v``: start a keyboard selection at the cursor sentence (or at ``top``'s), or end it.

        Ending keeps the selected span (so ``h`` can still highlight it).
        """
        if self.anchor is not None:
            self.anchor = None
            return Step(None, moved=False)
        sentence = self.cursor or document.sentence_at(top)
        if sentence is None:
            return None
        self.cursor = sentence
        self.anchor = sentence[0]
        return self.set_selection(sentence)

    def extend_word(self, text: str, forward: bool) -> Step | None:
        """``→`` / ``←``: extend or shrink the keyboard selection by a word."""
        if self.anchor is None or self.selection is None:
            return None
        if forward:
            return self._extend_to(word_boundary(text, self.selection[1], forward=True))
        end = word_boundary(text, self.selection[1], forward=False)
        while end > self.anchor and text[end - 1].isspace():
            end -= 1
        return self._extend_to(end) if end > self.anchor else None

    def extend_row(self, layout: TextLayout, down: bool) -> Step | None:
        """``↓`` / ``↑``: extend the keyboard selection to the end of the next row, or shrink
        it to the end of the previous one (blank rows between blocks are skipped)."""
        if self.anchor is None or self.selection is None:
            return None
        row = layout.row_of_offset(self.selection[1])
        if not down:
            target = layout.row(max(0, row - 1))
            if target is not None and target.end > self.anchor:
                return self._extend_to(target.end)
            return None
        target_row = row + 1
        target = layout.row(target_row)
        while target is not None and target.is_separator:  # the blank row between blocks
            target_row += 1
            target = layout.row(target_row)
        if target is None:
            return None
        return self._extend_to(min(target.end, len(layout.document.text)))

    def _extend_to(self, end: int) -> Step:
        assert self.anchor is not None
        start = self.anchor
        self.selection = (min(start, end), max(start, end))
        return Step(end)
