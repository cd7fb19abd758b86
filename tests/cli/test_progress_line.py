"""The command-line progress bar: drawn only on a terminal, result lines above it."""

from __future__ import annotations

import io

from reader.progress import ProgressLine


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_stderr_is_not_a_terminal() -> None:
    err, out = io.StringIO(), io.StringIO()
    bar = ProgressLine(err, 3, "pages")
    for done in range(1, 4):
        bar.update(done)
        bar.print(f"added {done}", out)
    bar.close()
    assert err.getvalue() == ""
    assert out.getvalue() == "added 1\nadded 2\nadded 3\n"


def test_bar_on_a_terminal_is_cleared_around_result_lines() -> None:
    err, out = FakeTerminal(), io.StringIO()
    bar = ProgressLine(err, 2, "pages \x1b[31m")
    bar.update(1)
    assert err.getvalue().startswith("\r[")
    assert "1/2 pages" in err.getvalue() and "\x1b[31m" not in err.getvalue()
    bar.print("added one", out)
    assert out.getvalue() == "added one\n"
    bar.update(2)
    bar.close()
    assert err.getvalue().endswith("\r\x1b[K")  # nothing left on the line
