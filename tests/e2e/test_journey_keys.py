"""Journeys in a real terminal: keys pressed early or fast land where the reader meant them.

(issue 13, items 1-3: keys while a long book loads, a library search hit at the end of a long
article, typing fast into the library list.)
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.tmux import TmuxSession, postil_executable
from tests.support.paths import SEED
from tests.support.pilot import BOOK_END, write_book

pytestmark = pytest.mark.e2e

#: A 3 MB book: its full parse takes long enough that keys pressed at once arrive before it.
BOOK_PARAGRAPHS = 20_000


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "POSTIL_DB": str(tmp_path / "db.json"),
        "POSTIL_CACHE": str(tmp_path / "cache"),
        "POSTIL_CONFIG": str(tmp_path / "config.toml"),
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
    }


def shows_as_text(screen: str, line: str) -> bool:
    """True if ``line`` is shown as text of the reading column, possibly wrapped over rows
    (rows inside a dialog's border do not count)."""
    rows = [row.strip() for row in screen.splitlines()]
    column = " ".join(row for row in rows if row and row[0] not in "│┃▊▌╭╰┌└")
    return line in column


def settled(session: TmuxSession, predicate: Callable[[str], bool], polls: int = 8) -> str:
    """Wait until ``predicate`` holds, then require it for ``polls`` more captures in a row
    (a passing frame while the view still jumps elsewhere does not count)."""
    deadline = time.monotonic() + 60
    while True:
        screen = session.wait_until(predicate, timeout=max(1.0, deadline - time.monotonic()))
        for _ in range(polls):
            time.sleep(0.1)
            screen = session.screen()
            if not predicate(screen):
                break
        else:
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"the screen did not settle:\n{screen}")


def test_G_pressed_at_once_in_a_long_book_shows_its_last_paragraph(tmp_path: Path) -> None:
    postil = postil_executable()
    book = write_book(tmp_path / "book.txt", paragraphs=BOOK_PARAGRAPHS)
    session = TmuxSession([str(postil), str(book)], environment(tmp_path), width=100, height=30)
    try:
        session.wait_for("The Long Generated Book")  # the preview (or the book) is painted
        session.send("G")
        screen = settled(session, lambda text: shows_as_text(text, BOOK_END))
        assert "100%" in screen or "finished" in screen
        session.send("q")
        session.wait_for("POSTIL-EXITED-0")
    finally:
        session.close()


def test_library_search_hit_at_the_end_of_a_long_book_is_on_screen(tmp_path: Path) -> None:
    postil = postil_executable()
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(SEED, library / SEED.name)
    write_book(library / "book.txt", paragraphs=BOOK_PARAGRAPHS)
    session = TmuxSession([str(postil), "--library", str(library)], environment(tmp_path),
                          width=100, height=30)
    try:
        session.wait_for("The Long Generated Book")
        session.wait_for("2 articles")
        session.send("/")
        session.wait_for("Find a passage")
        session.type("quokkas juggle marmalade")
        session.wait_for("Zephyrine quokkas", timeout=60)  # the hit in the results
        session.send("Enter")
        session.wait_for("chars selected", timeout=60)  # in the book, the hit selected
        screen = settled(
            session, lambda text: "Find a passage" not in text and shows_as_text(text, BOOK_END)
        )
        assert "chars selected" in screen
    finally:
        session.close()


def test_typing_fast_into_the_library_loses_nothing(tmp_path: Path) -> None:
    postil = postil_executable()
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(SEED, library / SEED.name)
    (library / "war.txt").write_text("War and Peace\n\nLeo Tolstoy\n\nWell, Prince, so Genoa.\n")
    (library / "bread.txt").write_text("Sourdough Basics\n\nFlour, water and salt.\n")
    session = TmuxSession([str(postil), "--library", str(library)], environment(tmp_path),
                          width=100, height=30)
    try:
        session.wait_for("3 articles")
        session.type("war and peace")  # one send-keys: the terminal delivers it at once
        screen = session.wait_for("war and peace")
        screen = session.wait_for("1 of 3 articles match")
        assert "Sourdough" not in screen
        session.send("Enter")
        session.wait_for("Well, Prince, so Genoa.")
    finally:
        session.close()
