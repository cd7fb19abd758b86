"""Wrapping text of wide (CJK) and zero-width characters into screen rows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import get_character_cell_size

import reader.ui.layout as layout_module
from reader.document import BlockKind, DocumentBuilder
from reader.ui.layout import TextLayout, wrap


def _reference_wrap_wide(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """The character-by-character wrap the reading view used before (the definition)."""
    out: list[tuple[int, int]] = []
    position = start
    while position < end:
        cells = 0
        last_space = -1
        index = position
        while index < end:
            size = get_character_cell_size(text[index])
            if cells + size > width:
                break
            if text[index] == " ":
                last_space = index
            cells += size
            index += 1
        if index >= end:
            out.append((position, end))
            return out
        if last_space > position:
            out.append((position, last_space))
            position = last_space + 1
        else:
            index = max(index, position + 1)
            out.append((position, index))
            position = index
        while position < end and text[position] == " ":
            position += 1
    if not out or out[-1][1] != end:
        out.append((end, end))
    return out


_CHARACTERS = st.sampled_from(["中", "文", "字", "a", "b", " ", " ", "\u0301", "😀", "é"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHARACTERS, min_size=1, max_size=200).map("".join),
       st.integers(min_value=1, max_value=30))
def test_the_wide_wrap_cuts_where_the_character_by_character_wrap_did(text: str,
                                                                      width: int) -> None:
    if text.isascii():
        text += "中"
    assert wrap(text, 0, len(text), width) == _reference_wrap_wide(text, 0, len(text), width)


def test_a_short_paragraph_of_wide_characters_gets_all_its_rows() -> None:
    """61 Chinese characters are 122 cells: two rows at width 80 — the second was counted
    away (the block was taken as one row because it has fewer characters than the width), so
    the end of the paragraph was never shown."""
    builder = DocumentBuilder()
    builder.add(BlockKind.PARAGRAPH, "中" * 61)
    builder.add(BlockKind.PARAGRAPH, "next")
    layout = TextLayout(builder.build(), 80)
    assert layout.height == 4  # two rows, the blank one, "next"
    row = layout.row(1)
    assert row is not None and (row.start, row.end) == (40, 61)


def test_each_character_s_width_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 5 MB Chinese text took seconds to lay out, asking the width of every character."""
    asked: list[str] = []
    original = layout_module.get_character_cell_size

    def counting(character: str) -> int:
        asked.append(character)
        return original(character)

    text = ("天地玄黄宇宙洪荒日月盈昃辰宿列张" * 5000) + "。"
    wrap(text, 0, len(text), 60)  # known already to the reading view's table (as in a long run)
    monkeypatch.setattr(layout_module, "get_character_cell_size", counting)
    monkeypatch.setattr(layout_module, "cell_digits", layout_module.CellDigits())
    lines = wrap(text, 0, len(text), 60)
    assert len(lines) == -(-2 * (len(text) - 1) // 60)
    assert len(asked) == len(set(text))
