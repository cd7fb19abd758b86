"""Helpers shared by several subcommands."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reader.cli import CommandError, Context
from reader.loading import ArticleMeta

if TYPE_CHECKING:
    from annotations.storage import ReadingPosition


@dataclass(slots=True)
class ReadingState:
    """Highlight counts and reading positions, looked up by article id or path."""

    by_id: dict[str, int] = field(default_factory=dict)
    by_path: dict[str, int] = field(default_factory=dict)
    positions: dict[str, ReadingPosition] = field(default_factory=dict)

    def highlights(self, meta: ArticleMeta) -> int:
        """Number of highlights of the article."""
        return max(self.by_id.get(meta.id, 0), self.by_path.get(meta.path, 0))

    def progress(self, meta: ArticleMeta) -> float:
        """Reading progress 0-1 of the article."""
        position = self.positions.get(meta.id)
        return position.progress if position is not None else 0.0


def reading_state(context: Context) -> ReadingState:
    """Load counts and positions; a damaged database is reported on stderr, not fatal here."""
    if not context.db_path.exists():
        return ReadingState()
    try:
        store = context.open_store()
    except CommandError as error:
        print(f"postil: warning: {error}", file=sys.stderr)
        return ReadingState()
    by_id, by_path = store.highlight_counts()
    return ReadingState(by_id, by_path, store.all_positions())
