"""The default reading column measures the typographic ideal: 60-72 characters a line."""

from __future__ import annotations

import statistics
from pathlib import Path

from reader.document import BlockKind
from reader.ui.widgets.article_view import ArticleView
from tests.support.paths import SEED
from tests.support.pilot import make_app, opened_article


async def test_body_lines_measure_60_to_72_characters_at_120x40(
    isolated_paths: Path, seed_library: Path
) -> None:
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(120, 40)) as (pilot, screen):
        view = screen.query_one(ArticleView)
        layout = view.layout_rows
        assert layout is not None
        document = view.document
        lengths = []
        for y in range(layout.height):
            row = layout.row(y)
            if row is None or row.is_separator:
                continue
            if document.blocks[row.block].kind is BlockKind.PARAGRAPH:
                lengths.append(len(document.text[row.start : row.end].rstrip()))
        assert len(lengths) > 20
        assert 60 <= statistics.median(lengths) <= 72
