"""Library: file names in the filter, a Folder column for same-titled articles."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from reader.library import LibrarySource
from reader.loading import read_metadata
from reader.ui.screens.library import LibraryScreen
from reader.ui.widgets.article_table import ArticleRow, filter_score
from tests.support.pilot import make_app, wait_for, wait_library

BODY = "A paragraph long enough to be read as the body of this short article."


def test_the_filter_matches_file_names_and_folders(tmp_path: Path) -> None:
    path = tmp_path / "business" / "grain-prices-2004.txt"
    path.parent.mkdir()
    path.write_text(f"Markets Rally\n\n{BODY}\n")
    row = ArticleRow(read_metadata(path), folder="business")
    assert filter_score("grain-prices", row) > 0
    assert filter_score("business", row) > 0
    assert filter_score("zebra crossing", row) == 0


def test_folder_of_is_relative_to_the_library_folder(tmp_path: Path) -> None:
    source = LibrarySource([tmp_path])
    assert source.folder_of(tmp_path / "a.txt") == ""
    assert source.folder_of(tmp_path / "bbc" / "sport" / "a.txt") == "bbc/sport"


async def test_same_titles_in_two_folders_are_told_apart(
    isolated_paths: Path, tmp_path: Path
) -> None:
    library = tmp_path / "lib"
    for folder in ("business", "politics"):
        (library / folder).mkdir(parents=True)
        (library / folder / "001.txt").write_text(f"Budget Day\n\n{BODY} {folder}\n")
    app = make_app(isolated_paths, library)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_library(pilot, 2)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await wait_for(pilot, lambda: screen.table.show_folder)
        table = screen.table
        folders = sorted(
            str(table.get_cell(row_key, "folder"))  # type: ignore[arg-type]
            for row_key in table.rows
        )
        assert folders == ["business", "politics"]
        assert isinstance(table.get_cell_at((0, 0)), Text)


async def test_one_folder_shows_no_folder_column(isolated_paths: Path, tmp_path: Path) -> None:
    library = tmp_path / "flat"
    library.mkdir()
    (library / "a.txt").write_text(f"Alpha\n\n{BODY}\n")
    (library / "b.txt").write_text(f"Beta\n\n{BODY}\n")
    app = make_app(isolated_paths, library)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_library(pilot, 2)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert not screen.table.show_folder
        assert [str(c.label) for c in screen.table.columns.values()][-1] == "✎"
