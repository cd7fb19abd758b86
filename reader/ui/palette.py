"""Command palette providers: open an article by fuzzy title; pick a theme.

The providers never import the app: the articles come from the session's library rows
(:attr:`ReaderSession.library_rows`), and choosing one posts :class:`ArticleProvider.OpenArticle`.

Textual's ``Matcher.highlight`` parses the candidate as markup, which article titles must never
be; :func:`highlight_plain` builds the highlighted label from the plain string instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.screen import Screen

from reader.sanitize import clean_line
from reader.ui import messages
from reader.ui.dialogs.help_dialog import collect_keys
from reader.ui.session import ReaderSession


def highlight_plain(matcher: Matcher, candidate: str) -> Content:
    """Highlight fuzzy-matched characters of ``candidate`` without parsing it as markup."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if offset < len(candidate) and not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ArticleProvider(Provider):
    """"Open article…": every article in the library, matched by title and author.

    It lists the rows of the app's session (an app without a ``session`` lists nothing).
    """

    class OpenArticle(messages.OpenArticle):
        """An article was chosen in the palette."""

    def _articles(self) -> list[tuple[str, str]]:
        session = getattr(self.app, "session", None)
        if not isinstance(session, ReaderSession):
            return []
        return [
            (row.meta.path, clean_line(f"{row.meta.title} — {row.meta.author}")
             if row.meta.author else clean_line(row.meta.title))
            for row in list(session.library_rows.values())
            if not row.meta.error and row.quote_only is None
        ]

    def _open(self, path: str) -> None:
        self.app.post_message(self.OpenArticle(path))

    async def discover(self) -> Hits:
        """List articles when nothing is typed."""
        for path, title in self._articles()[:50]:
            yield DiscoveryHit(
                Content(f"Open: {title}"), partial(self._open, path), text=f"Open: {title}",
                help="Open this article",
            )

    async def search(self, query: str) -> Hits:
        """Articles whose "Open: title" fuzzy-matches the query."""
        matcher = self.matcher(query)
        for path, title in self._articles():
            label = f"Open: {title}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, highlight_plain(matcher, label), partial(self._open, path),
                          text=label, help="Open this article")


class ThemePicker(Provider):
    """"Change theme…": every theme, the one in use marked (and listed first)."""

    CURRENT = "  ✓ in use"

    def _themes(self) -> list[tuple[str, bool]]:
        current = self.app.theme
        names = sorted(self.app.available_themes)
        return [(name, name == current) for name in sorted(names, key=lambda n: n != current)]

    def _set(self, name: str) -> None:
        self.app.theme = name

    def _label(self, name: str, current: bool, matcher: Matcher | None = None) -> Content:
        label = highlight_plain(matcher, name) if matcher is not None else Content(name)
        if current:
            label = label + Content.styled(self.CURRENT, "bold")
        return label

    async def discover(self) -> Hits:
        """Every theme, the current one first and marked."""
        for name, current in self._themes():
            yield DiscoveryHit(self._label(name, current), partial(self._set, name),
                               text=name, help="the theme in use" if current else None)

    async def search(self, query: str) -> Hits:
        """Themes matching the query, the current one marked."""
        matcher = self.matcher(query)
        for name, current in self._themes():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, self._label(name, current, matcher), partial(self._set, name),
                          text=name, help="the theme in use" if current else None)


def key_commands(screen: Screen[Any]) -> Iterator[SystemCommand]:
    """Every key action of ``screen`` as a palette command ("key: h" beside it), once each;
    the app's own keys are left to the app."""
    seen: set[str] = set()
    for entry in collect_keys(screen):
        if entry.description in seen or entry.section == "App":
            continue
        seen.add(entry.description)
        binding = next(
            (a.binding for a in screen.active_bindings.values()
             if (a.binding.description or a.binding.action.replace("_", " "))
             == entry.description),
            None,
        )
        if binding is None:
            continue
        node = next(a.node for a in screen.active_bindings.values() if a.binding is binding)
        yield SystemCommand(entry.description, f"key: {entry.keys}",
                            partial(_run_binding, screen, node, binding.action))


def _run_binding(screen: Screen[Any], node: Any, action: str) -> None:
    app = screen.app
    app.call_later(app.run_action, action, node)
