"""Helpers shared by several subcommands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reader.cli import CommandError, Context
from reader.loading import ArticleMeta
from reader.terminal_output import err

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
        err(f"warning: {error}")
        return ReadingState()
    by_id, by_path = store.highlight_counts()
    return ReadingState(by_id, by_path, store.all_positions())


def relocated_articles(context: Context, missing: dict[str, str]) -> dict[str, str]:
    """Find moved or renamed articles again by their content id.

    ``missing`` maps a path that no longer exists to the article id stored with its
    annotations; the result maps such paths to where that article is now in the library.
    """
    if not missing:
        return {}
    from reader.library import scan

    wanted = {article_id: path for path, article_id in missing.items() if article_id}
    source = context.library_source()
    if source.is_sample:
        return {}  # the bundled samples are not where the user's articles moved to
    found: dict[str, str] = {}
    for meta in scan(source):
        old = wanted.get(meta.id)
        if old is not None and meta.error is None:
            found[old] = meta.path
    return found
