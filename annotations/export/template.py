"""A small Mustache-like template language for custom Markdown export layouts.

Syntax (a subset of Mustache, with no HTML escaping — every field is already Markdown):

* ``{{name}}`` inserts a field;
* ``{{#name}}...{{/name}}`` renders its body once for each item when ``name`` is a list (the
  item's fields are then visible inside), once when ``name`` is a non-empty value, and not at all
  when it is empty, zero or false;
* ``{{^name}}...{{/name}}`` renders its body only when ``name`` is empty;
* ``{{*name}}...{{/name}}`` defines the partial ``name`` (at the top level of the template; it
  renders nothing where it stands) and ``{{>name}}`` renders it in place, with the fields
  visible there — one block written once and used in several places;
* ``{{! comment }}`` is dropped.

A line that holds nothing but one section, partial or comment tag (and spaces) disappears
entirely, so such tags can sit on lines of their own without leaving blank lines behind.

Unknown field names (checked where each partial is used), unclosed or mismatched sections,
unknown or twice-defined partials, a partial that includes itself (directly or through others),
and sections and partials nested more than :data:`MAX_SECTION_DEPTH` deep are reported by
:class:`TemplateError` when the template is compiled, with the line number.

Compiling costs time in proportion to the template's length (one pass, no backtracking regular
expression, line numbers counted as the pass goes) plus, with partials, to its size once they
are expanded, which may not exceed :data:`MAX_EXPANDED_NODES` (partials that each use the next
twice would otherwise double it at every step); rendering recurses at most
:data:`MAX_SECTION_DEPTH` levels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Deepest nesting of sections a template may have (a layout needs two or three); a partial
#: used inside a section counts as one more level, its own sections too.
MAX_SECTION_DEPTH = 100
#: Most parts (texts, fields, sections, uses of partials) a template may have once its partials
#: are expanded: about as many as a template of 1 MB (its size cap) can hold without partials.
MAX_EXPANDED_NODES = 250_000

# A tag is "{{", a body without braces, "}}". One quantifier only: matching costs time in
# proportion to the text, whatever it holds (the body is split into kind and name in Python).
_TAG = re.compile(r"\{\{([^{}]*)\}\}")
_SECTION_KINDS = "#^/!>*"


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
    line: int = 0


@dataclass(slots=True)
class _Include:
    """``{{>name}}``: the partial's nodes (set once every partial is defined)."""

    name: str
    line: int
    partial: _Partial | None = None


@dataclass(slots=True)
class _Partial:
    """``{{*name}}...{{/name}}``: a block defined once, rendered where it is included."""

    name: str
    line: int
    children: list[_Node] = field(default_factory=list)


_Node = str | _Field | _Section | _Include
_Open = _Section | _Partial


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
            TemplateError: for an unknown field or partial, an unclosed or mismatched section,
                a partial that includes itself, or a template too deep or too large once its
                partials are expanded.
        """
        text, dropped = _drop_standalone_lines(source.replace("\r\n", "\n"))
        root: list[_Node] = []
        stack: list[_Open] = []
        partials: dict[str, _Partial] = {}
        includes: list[_Include] = []
        lines = _LineCounter(text, dropped)
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
                    expected = _closing(stack[-1]) if stack else "no closing tag"
                    raise TemplateError(
                        f"line {line}: {{{{/{name}}}}} does not close anything "
                        f"(expected {expected})"
                    )
                stack.pop()
                continue
            if kind in ("#", "^", "*"):
                if len(stack) >= MAX_SECTION_DEPTH:
                    raise TemplateError(
                        f"line {line}: sections nested more than {MAX_SECTION_DEPTH} deep"
                    )
                opened: _Open
                if kind == "*":
                    opened = _define(name, line, stack, partials)
                else:
                    opened = _Section(name, kind == "^", line)
                    target.append(opened)
                stack.append(opened)
            elif kind == ">":
                include = _Include(name, line)
                includes.append(include)
                target.append(include)
            else:
                target.append(_Field(name, line))
        if stack:
            raise TemplateError(f"line {stack[-1].line}: {_opening(stack[-1])} is never closed")
        if position < len(text):
            root.append(text[position:])
        if includes:
            _link_partials(includes, partials)
            _check_expansion(root)
        if fields is not None:
            _check_fields(root, _Scopes(fields))
        return cls(source, root)

    def render(self, values: Mapping[str, Any]) -> str:
        """Render with ``values`` (a list value's items are mappings of their own fields)."""
        out: list[str] = []
        _render(self.nodes, [values], out)
        return "".join(out)


def _opening(node: _Open) -> str:
    if isinstance(node, _Partial):
        return f"partial {{{{*{node.name}}}}}"
    return f"section {{{{{'^' if node.inverted else '#'}{node.name}}}}}"


def _closing(node: _Open) -> str:
    return f"{{{{/{node.name}}}}}"


def _define(name: str, line: int, stack: list[_Open],
            partials: dict[str, _Partial]) -> _Partial:
    """A new partial ``name`` (defined at the top level, once)."""
    if stack:
        raise TemplateError(f"line {line}: partial {{{{*{name}}}}} must be defined at the top "
                            f"level, not inside {_opening(stack[-1])}")
    if name in partials:
        raise TemplateError(f"line {line}: partial {{{{*{name}}}}} is already defined on "
                            f"line {partials[name].line}")
    partial = partials[name] = _Partial(name, line)
    return partial


def _link_partials(includes: list[_Include], partials: Mapping[str, _Partial]) -> None:
    for include in includes:
        partial = partials.get(include.name)
        if partial is None:
            known = ", ".join(sorted(partials)) or "none"
            raise TemplateError(f"line {include.line}: unknown partial {{{{>{include.name}}}}} "
                                f"(defined: {known})")
        include.partial = partial


def _check_expansion(root: list[_Node]) -> None:
    """Refuse partials that include themselves, and a template too deep or too large once its
    partials are expanded. Each partial is measured once (its size and depth remembered), and
    nesting is checked on the way down, so this costs time in proportion to the template's
    length and recurses at most :data:`MAX_SECTION_DEPTH` levels, however partials nest."""
    measured: dict[str, tuple[int, int]] = {}
    using: list[_Include] = []

    def too_deep(line: int) -> TemplateError:
        return TemplateError(f"line {line}: sections and partials nested more than "
                             f"{MAX_SECTION_DEPTH} deep")

    def measure(nodes: list[_Node], level: int) -> tuple[int, int]:
        """(parts once expanded, deepest nesting below) of ``nodes``, ``level`` deep."""
        size, depth, line = 0, 0, 1
        for node in nodes:
            if not isinstance(node, str):
                line = node.line
            if isinstance(node, _Section | _Include):
                if level + 1 > MAX_SECTION_DEPTH:
                    raise too_deep(node.line)
                if isinstance(node, _Section):
                    inner_size, inner_depth = measure(node.children, level + 1)
                else:
                    inner_size, inner_depth = measure_partial(node, level + 1)
                    if level + 1 + inner_depth > MAX_SECTION_DEPTH:
                        raise too_deep(node.line)
                size, depth = size + 1 + inner_size, max(depth, inner_depth + 1)
            else:
                size += 1
            if size > MAX_EXPANDED_NODES:
                line = using[0].line if using else line
                raise TemplateError(
                    f"line {line}: the template is too large once its partials are "
                    f"expanded (more than {MAX_EXPANDED_NODES:,} parts)")
        return size, depth

    def measure_partial(include: _Include, level: int) -> tuple[int, int]:
        partial = include.partial
        assert partial is not None  # linked before
        known = measured.get(partial.name)
        if known is not None:
            return known
        for used in using:
            if used.name == partial.name:
                chain = " → ".join([*(u.name for u in using), partial.name])
                raise TemplateError(f"line {include.line}: partial {{{{>{partial.name}}}}} "
                                    f"includes itself ({chain})")
        using.append(include)
        try:
            found = measured[partial.name] = measure(partial.children, level)
        finally:
            using.pop()
        return found

    measure(root, 0)


def _check_fields(nodes: list[_Node], scopes: _Scopes, via: _Include | None = None) -> None:
    """Check every field name in the scope it is used in (a partial's where it is included)."""
    for node in nodes:
        if isinstance(node, _Field):
            scopes.check(node.name, node.line, via)
        elif isinstance(node, _Section):
            scopes.check(node.name, node.line, via)
            scopes.push(node.name)
            _check_fields(node.children, scopes, via)
            scopes.pop()
        elif isinstance(node, _Include) and node.partial is not None:
            _check_fields(node.partial.children, scopes, via or node)


def _split_tag(body: str) -> tuple[str, str]:
    """``" # name "`` → ``("#", "name")``; ``"name"`` → ``("", "name")``."""
    body = body.strip()
    if body and body[0] in _SECTION_KINDS:
        return body[0], body[1:].strip()
    return "", body


class _LineCounter:
    """Line numbers of increasing positions in ``text``, counting each newline once; the
    newlines dropped from the text (at positions ``dropped``, increasing) count too."""

    def __init__(self, text: str, dropped: list[int] | None = None) -> None:
        self._text = text
        self._position = 0
        self._line = 1
        self._dropped = dropped or []
        self._next_dropped = 0

    def line_at(self, position: int) -> int:
        """The 1-based line of ``position`` (positions must not decrease between calls)."""
        if position > self._position:
            self._line += self._text.count("\n", self._position, position)
            self._position = position
        dropped, following = self._dropped, self._next_dropped
        while following < len(dropped) and dropped[following] <= position:
            following += 1
        self._line += following - self._next_dropped
        self._next_dropped = following
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

    def check(self, name: str, line: int, via: _Include | None = None) -> None:
        if self._fields is None:
            return
        known = self._known[-1]
        if name not in known:
            listing = ", ".join(sorted(known))
            where = f" (in partial {{{{>{via.name}}}}} used on line {via.line})" if via else ""
            raise TemplateError(
                f"line {line}: unknown field {{{{{name}}}}}{where} (known here: {listing})"
            )


def _is_standalone(line: str) -> bool:
    """A line that holds one section, partial or comment tag and nothing else but spaces and
    tabs."""
    stripped = line.strip(" \t")
    if not (stripped.startswith("{{") and stripped.endswith("}}")):
        return False
    match = _TAG.fullmatch(stripped)
    if match is None:
        return False
    body = match.group(1).lstrip()
    return bool(body) and body[0] in _SECTION_KINDS


def _drop_standalone_lines(text: str) -> tuple[str, list[int]]:
    """The text without its standalone tags' lines (each tag stays, its spaces and newline go),
    and where in the result each newline was dropped (so line numbers stay the source's)."""
    lines = text.split("\n")
    pieces: list[str] = []
    dropped: list[int] = []
    length = 0
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        if _is_standalone(line):
            piece = line.strip(" \t")  # the tag stays, its line (and newline) goes
            if not last:
                dropped.append(length + len(piece))
        else:
            piece = line if last else line + "\n"
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces), dropped


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
        elif isinstance(node, _Include):
            if node.partial is not None:
                _render(node.partial.children, scopes, out)
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
