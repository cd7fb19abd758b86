"""The actions whose keys the ``[keys]`` table of the settings may change.

Each is the id of a key binding in the app (Textual's keymap maps binding ids to keys). The
settings are checked against this list without starting the UI, so ``postil config`` and the
app report a misspelt action the same way; a test checks that the app's bindings and this list
name the same actions.
"""

from __future__ import annotations

import difflib

from reader.highlight_colors import HIGHLIGHT_NAMES

#: Binding ids by where they act (the help screen, ``?``, shows their keys).
KEY_ACTIONS: frozenset[str] = frozenset(
    (
        # library
        "open_article", "cycle_sort", "search", "filter", "clear_filter", "add_article",
        "rescan", "review", "quit",
        # lists (library, annotations panel, search results, links)
        "list_first", "list_last", "list_page_up", "list_page_down",
        # reading: moving, the sentence cursor and selecting
        "line_down", "line_up", "page_down", "page_up", "top", "bottom", "next_sentence",
        "previous_sentence", "toggle_select", "extend_right", "extend_left", "toggle_chrome",
        # reading: annotating, finding, books
        "back", "clear_or_back", "highlight", "note", "tags", "delete", "undo", "reattach",
        "toggle_panel", "next_result", "previous_result", "export", "open_link", "contents",
        "headings", "next_chapter", "previous_chapter", "jump_back", "jump_forward",
        *(f"color-{name}" for name in HIGHLIGHT_NAMES),
        # review
        "review-again", "review-hard", "review-good", "review-easy", "review-master",
        "review-discard", "review-undo", "review-note", "review-tags", "review-open",
        "review-frequency", "review-back",
    )
)


def unknown_action(name: str) -> str:
    """The problem line for a ``[keys]`` entry naming no action: a suggestion, then the list."""
    close = difflib.get_close_matches(name, KEY_ACTIONS, n=1, cutoff=0.6) if len(name) <= 64 else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"is not an action{hint}; ignored. Actions: {', '.join(sorted(KEY_ACTIONS))}"
