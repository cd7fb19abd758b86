"""The reading view's highlight index: which highlights cover a row or an offset."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.ui.highlight_index import Highlight, HighlightIndex


def test_overlap_queries_find_exactly_the_covering_highlights() -> None:
    long = Highlight("long", 0, 100)
    short = Highlight("short", 40, 45)
    later = Highlight("later", 120, 130)
    index = HighlightIndex([later, short, long])
    assert [h.id for h in index] == ["long", "short", "later"]  # text order
    assert [h.id for h in index.overlapping(42, 43)] == ["long", "short"]
    assert [h.id for h in index.overlapping(100, 120)] == []  # ends are exclusive
    assert [h.id for h in index.at(42)] == ["short", "long"]  # innermost first
    assert [h.id for h in index.within(125, 125)] == ["later"]  # an empty range: its character
    assert len(HighlightIndex()) == 0 and HighlightIndex().overlapping(0, 10) == []


def test_order_of_counts_text_order_even_for_equal_starts() -> None:
    first, second, third = Highlight("a", 5, 9), Highlight("b", 5, 12), Highlight("c", 20, 30)
    index = HighlightIndex([third, second, first])
    assert [index.order_of(h) for h in (first, second, third)] == [0, 1, 2]
    assert index.order_of(Highlight("missing", 5, 9)) == 3


spans = st.tuples(st.integers(0, 200), st.integers(1, 60)).map(lambda p: (p[0], p[0] + p[1]))


@settings(max_examples=80, deadline=None)
@given(st.lists(spans, max_size=30), spans)
def test_overlapping_agrees_with_a_scan_of_every_highlight(
    found: list[tuple[int, int]], query: tuple[int, int]
) -> None:
    highlights = [Highlight(str(n), start, end) for n, (start, end) in enumerate(found)]
    index = HighlightIndex(highlights)
    expected = {h.id for h in highlights if h.start < query[1] and h.end > query[0]}
    assert {h.id for h in index.overlapping(*query)} == expected
