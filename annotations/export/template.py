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

Unknown field names, unclosed or mismatched sections are reported by :class:`TemplateError`
when the template is compiled, with the line number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_TAG = re.compile(r"\{\{\s*([#^/!]?)\s*([^{}]*?)\s*\}\}")
_STANDALONE = re.compile(r"^[ \t]*\{\{\s*[#^/!][^{}]*\}\}[ \t]*$")

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
        position = 0
        for match in _TAG.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            target = stack[-1].children if stack else root
            if match.start() > position:
                target.append(text[position : match.start()])
            position = match.end()
            kind, name = match.group(1), match.group(2)
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
                continue
            _check_name(name, line, stack, fields)
            if kind in ("#", "^"):
                section = _Section(name, kind == "^", line)
                target.append(section)
                stack.append(section)
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


def _check_name(
    name: str, line: int, stack: list[_Section], fields: Mapping[str, frozenset[str]] | None
) -> None:
    if fields is None:
        return
    scopes = [""] + [section.name for section in stack]
    known: set[str] = set()
    for scope in scopes:
        known |= fields.get(scope, frozenset())
    if name not in known:
        listing = ", ".join(sorted(known))
        raise TemplateError(f"line {line}: unknown field {{{{{name}}}}} (known here: {listing})")


def _drop_standalone_lines(text: str) -> str:
    lines = text.split("\n")
    pieces: list[str] = []
    for index, line in enumerate(lines):
        if _STANDALONE.match(line) and len(_TAG.findall(line)) == 1:
            pieces.append(line.strip())  # the tag stays, its line (and newline) goes
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
