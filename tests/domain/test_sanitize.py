"""Escape sequences and control characters never reach the terminal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reader.sanitize import clean_line, clean_text, is_clean, normalize_newlines


def test_osc_title_and_clipboard_sequences_are_removed() -> None:
    text = "before\x1b]0;pwned\x07after \x1b]52;c;aGVsbG8=\x1b\\end"
    assert clean_text(text) == "beforeafter end"


def test_csi_colour_and_cursor_sequences_are_removed() -> None:
    assert clean_text("\x1b[31mred\x1b[0m \x1b[2J\x1b[Hx") == "red x"


def test_controls_bidi_and_c1_are_removed_but_newline_and_tab_kept() -> None:
    text = "a\x00b\x07c\td\ne\u202ef\u2066g\x9bh\x7fi"
    assert clean_text(text) == "abc\td\nefgi"
    assert is_clean(clean_text(text))


def test_clean_line_flattens_whitespace() -> None:
    assert clean_line("  a\nb\t c \x1b[1m ") == "a b c"


def test_newlines_normalised() -> None:
    assert normalize_newlines("a\r\nb\rc\n") == "a\nb\nc\n"


@given(st.text())
def test_cleaned_text_is_always_clean(text: str) -> None:
    assert is_clean(clean_text(text))
    assert "\x1b" not in clean_line(text)
