"""What screens and widgets ask the app to coordinate, as messages.

Screens never import the app (:mod:`reader.ui.app`): they post these upwards and the app
handles them. Each sender nests its own subclass (``LibraryScreen.OpenArticle``,
``ReadingScreen.ExportRequested`` …, frogmouth style) so a handler can tell who asked; the app
handles the base class here, which matches every sender's subclass.

A worker that fails in a way the user should hear about raises :class:`WorkerFailure`; the
app shows it, in its one ``Worker.StateChanged`` handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from textual.message import Message

if TYPE_CHECKING:
    from reader.search import SearchHit


@dataclass
class OpenArticle(Message):
    """Open ``path`` in the reading screen (the one showing it already, if it is on top).

    Attributes:
        path: The article's file.
        select: A span to scroll to, flash and select.
        hits: Search results in it, for ``n``/``N`` (``select`` is ``hits[index]``).
        index: Which of ``hits`` was chosen.
    """

    path: str
    select: tuple[int, int] | None = None
    hits: list[SearchHit] = field(default_factory=list)
    index: int = 0


@dataclass
class ExportRequested(Message):
    """Export annotations as Markdown files into the export folder.

    Attributes:
        paths: Only these articles' annotations; None: every annotation.
    """

    paths: list[str] | None = None


@dataclass
class StoreProblem(Message):
    """The annotation database could not be opened or read (the app says so once)."""

    error: str


@dataclass
class IndexWanted(Message):
    """A library search needs the library's search index: build it if it is not built yet."""

    refresh: bool = False
    """True: the library was just listed or changed, so bring the index up to date."""


class WorkerFailure(Exception):
    """A worker could not do what was asked; the message is for the user (one line)."""

    def __init__(
        self,
        message: str,
        *,
        title: str = "",
        severity: Literal["information", "warning", "error"] = "error",
        timeout: float | None = None,
    ) -> None:
        super().__init__(message)
        self.title = title
        self.severity = severity
        self.timeout = timeout
