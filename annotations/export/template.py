"""A small Mustache-like template language for custom Markdown export layouts.

Syntax (a subset of Mustache, with no HTML escaping — every field is already Markdown):

* ``{{name}}`` inserts a field;
* ``{{#name}}...{{/name}}`` renders its body once for each item when ``name`` is a list (the
  item's fields are then visible inside), once when ``name`` is a non-empty value, and not at all
  when it is empty, zero or false;
* ``{{^name}}...{{/name}}`` renders its body only when ``name`` is empty;
* ``{{! comment }}`` is dropped.

A line that holds nothing but one section or comment tag (and spaces) disappears entirely, so
sections can sit on lines of their own without leaving blank lines behind.

Unknown field names, unclosed or mismatched sections, and sections nested more than
:data:`MAX_SECTION_DEPTH` deep are reported by :class:`TemplateError` when the template is
compiled, with the line number.

Compiling costs time in proportion to the template's length (one pass, no backtracking regular
expression, line numbers counted as the pass goes); rendering recurses at most
:data:`MAX_SECTION_DEPTH` levels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Deepest nesting of sections a template may have (a layout needs two or three).
MAX_SECTION_DEPTH = 100

# A tag is "{{", a body without braces, "}}". One quantifier only: matching costs time in
# proportion to the text, whatever it holds (the body is split into kind and name in Python).
_TAG = re.compile(r"\{\{([^{}]*)\}\}")
_SECTION_KINDS = "#^/!"

class TemplateError(ValueError):
    """A template could not be compiled; the message names the line and the problem."""


@dataclass(slots=True)
class _Section:
    name: str
    inverted: bool
    line: int
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str


_Node = str | _Field | _Section


@dataclass(slots=True)
class Template:
    """A compiled template; :meth:`render` fills it with fields."""

    source: str
    nodes: list[_Node]

    @classmethod
    def compile(
        cls, source: str, fields: Mapping[str, frozenset[str]] | None = None
    ) -> Template:
        """Compile ``source``; ``fields`` maps a scope (``""`` top level, or a list field) to
        the names valid in it, so unknown names are rejected now rather than rendered empty.

        Raises:
            TemplateError: for an unknown field, or an unclosed or mismatched section.
        """
        text = _drop_standalone_lines(source.replace("\r\n", "\n"))
        root: list[_Node] = []
        stack: list[_Section] = []
        scopes = _Scopes(fields)
        lines = _LineCounter(text)
        position = 0
        for match in _TAG.finditer(text):
            line = lines.line_at(match.start())
            target = stack[-1].children if stack else root
            if match.start() > position:
                target.append(text[position : match.start()])
            position = match.end()
            kind, name = _split_tag(match.group(1))
            if kind == "!":
                continue
            if not name:
                raise TemplateError(f"line {line}: empty tag {match.group(0)!r}")
            if kind == "/":
                if not stack or stack[-1].name != name:
                    open_name = stack[-1].name if stack else None
                    expected = f"{{{{/{open_name}}}}}" if open_name else "no closing tag"
                    raise TemplateError(
                        f"line {line}: {{{{/{name}}}}} does not close anything "
                        f"(expected {expected})"
                    )
                stack.pop()
                scopes.pop()
                continue
            scopes.check(name, line)
            if kind in ("#", "^"):
                if len(stack) >= MAX_SECTION_DEPTH:
                    raise TemplateError(
                        f"line {line}: sections nested more than {MAX_SECTION_DEPTH} deep"
                    )
                section = _Section(name, kind == "^", line)
                target.append(section)
                stack.append(section)
                scopes.push(name)
            else:
                target.append(_Field(name))
        if stack:
            raise TemplateError(
                f"line {stack[-1].line}: section {{{{#{stack[-1].name}}}}} is never closed"
            )
        if position < len(text):
            (stack[-1].children if stack else root).append(text[position:])
        return cls(source, root)

    def render(self, values: Mapping[str, Any]) -> str:
        """Render with ``values`` (a list value's items are mappings of their own fields)."""
        out: list[str] = []
        _render(self.nodes, [values], out)
        return "".join(out)


def _split_tag(body: str) -> tuple[str, str]:
    """``" # name "`` → ``("#", "name")``; ``"name"`` → ``("", "name")``."""
    body = body.strip()
    if body and body[0] in _SECTION_KINDS:
        return body[0], body[1:].strip()
    return "", body


class _LineCounter:
    """Line numbers of increasing positions in ``text``, counting each newline once."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._position = 0
        self._line = 1

    def line_at(self, position: int) -> int:
        """The 1-based line of ``position`` (positions must not decrease between calls)."""
        if position > self._position:
            self._line += self._text.count("\n", self._position, position)
            self._position = position
        return self._line


class _Scopes:
    """The field names valid at each section depth, built once per section opened."""

    def __init__(self, fields: Mapping[str, frozenset[str]] | None) -> None:
        self._fields = fields
        self._known: list[frozenset[str]] = [fields.get("", frozenset())] if fields else []

    def push(self, name: str) -> None:
        if self._fields is not None:
            self._known.append(self._known[-1] | self._fields.get(name, frozenset()))

    def pop(self) -> None:
        if self._fields is not None:
            self._known.pop()

    def check(self, name: str, line: int) -> None:
        if self._fields is None:
            return
        known = self._known[-1]
        if name not in known:
            listing = ", ".join(sorted(known))
            raise TemplateError(
                f"line {line}: unknown field {{{{{name}}}}} (known here: {listing})"
            )


def _is_standalone(line: str) -> bool:
    """A line that holds one section or comment tag and nothing else but spaces and tabs."""
    stripped = line.strip(" \t")
    if not (stripped.startswith("{{") and stripped.endswith("}}")):
        return False
    match = _TAG.fullmatch(stripped)
    if match is None:
        return False
    body = match.group(1).lstrip()
    return bool(body) and body[0] in _SECTION_KINDS


def _drop_standalone_lines(text: str) -> str:
    lines = text.split("\n")
    pieces: list[str] = []
    for index, line in enumerate(lines):
        if _is_standalone(line):
            pieces.append(line.strip(" \t"))  # the tag stays, its line (and newline) goes
        else:
            pieces.append(line if index == len(lines) - 1 else line + "\n")
    return "".join(pieces)


def _lookup(name: str, scopes: list[Mapping[str, Any]]) -> Any:
    for scope in reversed(scopes):
        if name in scope:
            return scope[name]
    return ""


def _render(nodes: list[_Node], scopes: list[Mapping[str, Any]], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Field):
            value = _lookup(node.name, scopes)
            out.append("" if value is None or value is False else str(value))
        else:
            value = _lookup(node.name, scopes)
            if node.inverted:
                if not value:
                    _render(node.children, scopes, out)
            elif isinstance(value, list | tuple):
                for item in value:
                    _render(node.children, [*scopes, item], out)
            elif value:
                _render(node.children, scopes, out)
