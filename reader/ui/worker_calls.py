"""Hand results from thread workers back to the UI safely.

A worker may finish after its screen was closed (the reader pressed ``q`` while a book was
loading) or while the app shuts down; its result is then dropped instead of raising inside a
detached screen.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode
from textual.events import Callback
from textual.worker import NoActiveWorker, get_current_worker


def call_from_worker(
    node: DOMNode, callback: Callable[..., object], *args: object, **kwargs: object
) -> None:
    """Run ``callback(*args, **kwargs)`` on the UI thread if ``node`` is still attached.

    From a Textual worker this waits until the UI has run it. From any other thread (the
    session's writer) it only hands the call over: the UI thread may itself be waiting for that
    thread (``session.flush`` at exit), and waiting both ways would block until a timeout.
    """
    in_worker = True
    try:
        if get_current_worker().is_cancelled:
            return
    except NoActiveWorker:
        in_worker = False
    if not node.is_attached:
        return

    def guarded() -> None:
        # During shutdown the app stops running before its screens lose their widgets; a screen
        # being removed is still attached while its children are gone (Textual: pruning).
        if node.is_attached and node.app.is_running and not getattr(node, "_pruning", False):
            callback(*args, **kwargs)

    if not in_worker:
        node.post_message(Callback(callback=guarded))
        return
    try:
        node.app.call_from_thread(guarded)
    except RuntimeError:
        pass  # the app is shutting down
