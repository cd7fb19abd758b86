"""Hand results from thread workers back to the UI safely.

A worker may finish after its screen was closed (the reader pressed ``q`` while a book was
loading) or while the app shuts down; its result is then dropped instead of raising inside a
detached screen.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode
from textual.worker import NoActiveWorker, get_current_worker


def call_from_worker(
    node: DOMNode, callback: Callable[..., object], *args: object, **kwargs: object
) -> None:
    """Run ``callback(*args, **kwargs)`` on the UI thread if ``node`` is still attached."""
    try:
        if get_current_worker().is_cancelled:
            return
    except NoActiveWorker:
        pass
    if not node.is_attached:
        return

    def guarded() -> None:
        # During shutdown the app stops running before its screens lose their widgets; a screen
        # being removed is still attached while its children are gone (Textual: pruning).
        if node.is_attached and node.app.is_running and not getattr(node, "_pruning", False):
            callback(*args, **kwargs)

    try:
        node.app.call_from_thread(guarded)
    except RuntimeError:
        pass  # the app is shutting down
