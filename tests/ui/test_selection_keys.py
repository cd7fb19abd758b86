"""Keyboard selection across paragraph ends, in the real reading view."""

from __future__ import annotations

from pathlib import Path

from reader.document import BlockKind
from tests.support.paths import SEED
from tests.support.pilot import make_app, opened_article


async def test_a_selection_ending_a_paragraph_grows_down_and_shrinks_back(
    isolated_paths: Path, seed_library: Path
) -> None:
    """↓ on a selection that ended a paragraph hung the view; [ never shrank it back."""
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, screen):
        view = screen.view
        document = view.document
        index = next(
            number for number, block in enumerate(document.blocks[:-1])
            if block.kind is BlockKind.PARAGRAPH
            and len(document.sentences_in_block(number)) >= 2
            and document.blocks[number + 1].kind is BlockKind.PARAGRAPH
        )
        block, following = document.blocks[index], document.blocks[index + 1]
        view.set_cursor(document.sentences_in_block(index)[-1])
        await pilot.press("v")
        assert view.selecting and view.selection is not None
        assert view.selection[1] == block.end
        await pilot.press("down")
        assert view.selection is not None and view.selection[1] > following.start
        await pilot.press("left_square_bracket")
        assert view.selection == (document.sentences_in_block(index)[-1][0], block.end)
