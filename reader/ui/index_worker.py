"""The library search index, built in the background for the session.

:class:`IndexBuilds` decides when a build runs: once per run when a library search first needs
it, again whenever the library was listed or changed, and never two at once (a build already
running finishes first — restarting it would throw its work away — and the refresh follows).
:func:`build_index` is the build itself, run by the app in a thread worker; the index and its
progress are the session's.
"""

from __future__ import annotations

from collections.abc import Callable

from reader.ui.session import IndexProgress, ReaderSession


class IndexBuilds:
    """When the library's search index is (re)built."""

    def __init__(self) -> None:
        self.started = False
        """True once a build was asked for in this run."""
        self._running = False
        self._again = False

    def wanted(self, *, refresh: bool) -> bool:
        """A search needs the index (``refresh``: the library changed); True: start a build."""
        if self.started and not refresh:
            return False
        self.started = True
        if self._running:
            self._again = True
            return False
        self._running = True
        return True

    def finished(self) -> bool:
        """A build ended; True: start the refresh asked for meanwhile."""
        self._running = False
        if not self._again:
            return False
        self._again = False
        self._running = True
        return True


def build_index(
    session: ReaderSession,
    publish: Callable[[IndexProgress], object],
    cancelled: Callable[[], bool],
) -> None:
    """(In a worker.) Bring the session's library index up to date and save it.

    ``session.index_progress`` follows as articles are indexed; ``publish`` is called with
    each step (to hand it to the UI thread). While an article loads (``session.foreground``),
    the build waits between files.
    """
    from reader.search import library_index

    index = library_index(session.library)
    session.search_index = index
    files = session.library.article_paths()

    def progress(done: int, total: int) -> None:
        session.index_progress = IndexProgress(done, total)
        publish(session.index_progress)

    index.update(files, progress=progress, cancelled=session.foreground.giving_way(cancelled))
    progress(len(files), len(files))
    index.save()
