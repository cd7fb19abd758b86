"""The jump list behaves like vim's ctrl+o / ctrl+i."""

from __future__ import annotations

from reader.jumps import MAX_JUMPS, JumpList


def test_back_and_forward_return_to_each_place() -> None:
    jumps = JumpList()
    jumps.record(10)  # at 10, jumped to 500
    jumps.record(500)  # at 500, jumped to 900
    assert jumps.back(900) == 500
    assert jumps.back(500) == 10
    assert jumps.back(10) is None
    assert jumps.forward() == 500
    assert jumps.forward() == 900
    assert jumps.forward() is None


def test_new_jump_after_going_back_drops_the_ones_ahead() -> None:
    jumps = JumpList()
    jumps.record(1)
    jumps.record(2)
    assert jumps.back(3) == 2
    jumps.record(2)
    assert jumps.forward() is None
    assert jumps.back(7) == 2
    assert jumps.back(2) == 1


def test_size_is_capped() -> None:
    jumps = JumpList()
    for offset in range(MAX_JUMPS * 2):
        jumps.record(offset)
    assert len(jumps.entries) == MAX_JUMPS
    assert jumps.entries[0] == MAX_JUMPS
