"""A safe reader for the Lua table literals KOReader writes (``return { ... }``).

This is a tokenizer and recursive-descent parser for *data* only: strings (quoted with all
escapes, and long brackets ``[[…]]``/``[==[…]==]``), numbers (decimal, hex, exponents),
``true``/``false``/``nil``, and nested tables with ``["key"] =``, ``[1] =``, ``name =`` and
positional fields. Nothing is ever executed; anything else (a function call, an operator, a
variable) is a :class:`LuaError`. Depth and size are bounded.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: Deepest table nesting accepted.
MAX_DEPTH = 64
#: Most table fields accepted in one file.
MAX_FIELDS = 1_000_000

LuaValue = Any


class LuaError(ValueError):
    """The text is not a Lua table literal postil reads (one-line message with the line)."""


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?(?:[pP][+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
)
_LONG_OPEN = re.compile(r"\[(=*)\[")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
            "\\": "\\", '"': '"', "'": "'", "\n": "\n"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.fields = 0

    def fail(self, message: str) -> LuaError:
        line = self.text.count("\n", 0, self.pos) + 1
        return LuaError(f"line {line}: {message}")

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r\n\f\v":
                self.pos += 1
            elif text.startswith("--", self.pos):
                long = _LONG_OPEN.match(text, self.pos + 2)
                if long:
                    close = "]" + long[1] + "]"
                    end = text.find(close, long.end())
                    if end < 0:
                        raise self.fail("unfinished long comment")
                    self.pos = end + len(close)
                else:
                    end = text.find("\n", self.pos)
                    self.pos = len(text) if end < 0 else end + 1
            else:
                return

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def expect(self, token: str) -> None:
        self.skip()
        if not self.text.startswith(token, self.pos):
            raise self.fail(f"expected {token!r}")
        self.pos += len(token)

    def value(self, depth: int) -> LuaValue:
        if depth > MAX_DEPTH:
            raise self.fail("tables nested too deeply")
        ch = self.peek()
        if ch == "{":
            return self.table(depth + 1)
        if ch in "\"'":
            return self.quoted()
        if ch == "[":
            long = _LONG_OPEN.match(self.text, self.pos)
            if long:
                return self.long_string(long)
            raise self.fail("unexpected '['")
        if ch == "-" or ch.isdigit() or ch == ".":
            return self.number()
        name = _NAME.match(self.text, self.pos)
        if name:
            word = name[0]
            self.pos = name.end()
            if word == "true":
                return True
            if word == "false":
                return False
            if word == "nil":
                return None
            raise self.fail(f"{word!r} is code, not data (not read)")
        raise self.fail(f"unexpected {ch!r}" if ch else "unexpected end of file")

    def number(self) -> float | int:
        negative = False
        if self.text.startswith("-", self.pos):
            negative = True
            self.pos += 1
            self.skip()
        match = _NUMBER.match(self.text, self.pos)
        if not match or len(match[0]) > 400:
            raise self.fail("malformed number")
        self.pos = match.end()
        token = match[0]
        value: float | int
        try:
            if token[:2] in ("0x", "0X"):
                value = float.fromhex(token) if ("." in token or "p" in token.lower()) else int(
                    token, 16
                )
            elif any(c in token for c in ".eE"):
                value = float(token)
            else:
                value = int(token)
        except (ValueError, OverflowError):
            raise self.fail("malformed number") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail("number out of range")
        return -value if negative else value

    def long_string(self, opening: re.Match[str]) -> str:
        close = "]" + opening[1] + "]"
        end = self.text.find(close, opening.end())
        if end < 0:
            raise self.fail("unfinished long string")
        body = self.text[opening.end() : end]
        self.pos = end + len(close)
        return body[1:] if body.startswith("\n") else body

    def quoted(self) -> str:
        text = self.text
        quote = text[self.pos]
        self.pos += 1
        parts: list[str] = []
        while True:
            if self.pos >= len(text):
                raise self.fail("unfinished string")
            ch = text[self.pos]
            if ch == quote:
                self.pos += 1
                return "".join(parts)
            if ch == "\n":
                raise self.fail("line break inside a quoted string")
            if ch != "\\":
                run = self.pos
                while self.pos < len(text) and text[self.pos] not in (quote, "\\", "\n"):
                    self.pos += 1
                parts.append(text[run : self.pos])
                continue
            self.pos += 1
            escape = text[self.pos : self.pos + 1]
            if escape in _ESCAPES:
                parts.append(_ESCAPES[escape])
                self.pos += 1
            elif escape.isdigit():
                digits = re.match(r"\d{1,3}", text[self.pos :])
                assert digits is not None
                code = int(digits[0])
                if code > 255:
                    raise self.fail("decimal escape too large")
                parts.append(chr(code))
                self.pos += len(digits[0])
            elif escape == "x":
                hexa = text[self.pos + 1 : self.pos + 3]
                if not re.fullmatch(r"[0-9a-fA-F]{2}", hexa):
                    raise self.fail("malformed \\x escape")
                parts.append(chr(int(hexa, 16)))
                self.pos += 3
            elif escape == "z":
                self.pos += 1
                while self.pos < len(text) and text[self.pos] in " \t\r\n\f\v":
                    self.pos += 1
            elif escape == "u":
                match = re.match(r"u\{([0-9a-fA-F]{1,8})\}", text[self.pos :])
                if not match or int(match[1], 16) > 0x10FFFF:
                    raise self.fail("malformed \\u escape")
                parts.append(chr(int(match[1], 16)))
                self.pos += len(match[0])
            else:
                raise self.fail(f"unknown escape \\{escape}")

    def table(self, depth: int) -> dict[Any, Any]:
        self.expect("{")
        result: dict[Any, Any] = {}
        index = 1
        while True:
            ch = self.peek()
            if ch == "}":
                self.pos += 1
                return result
            self.fields += 1
            if self.fields > MAX_FIELDS:
                raise self.fail("too many table fields")
            if ch == "[" and not _LONG_OPEN.match(self.text, self.pos):
                self.pos += 1
                key = self.value(depth)
                self.expect("]")
                self.expect("=")
                if key is None or (isinstance(key, float) and math.isnan(key)):
                    raise self.fail("nil table key")
                if isinstance(key, float) and key.is_integer():
                    key = int(key)
                result[key] = self.value(depth)
            else:
                name = _NAME.match(self.text, self.pos)
                after = self.pos
                if name and name[0] not in ("true", "false", "nil"):
                    after = name.end()
                    rest = re.compile(r"\s*=(?!=)").match(self.text, after)
                    if rest:
                        self.pos = rest.end()
                        result[name[0]] = self.value(depth)
                        after = -1
                if after != -1:
                    result[index] = self.value(depth)
                    index += 1
            sep = self.peek()
            if sep in (",", ";"):
                self.pos += 1
            elif sep != "}":
                raise self.fail("expected ',' or '}' in a table")


def parse_lua_table(text: str) -> dict[Any, Any]:
    """Read ``return { ... }`` (leading comments allowed) into nested dicts.

    Positional fields get keys 1, 2, ...; use :func:`as_list` for array-like tables.

    Raises:
        LuaError: for anything that is not a plain table literal.
    """
    parser = _Parser(text.lstrip("\ufeff"))
    parser.skip()
    name = _NAME.match(parser.text, parser.pos)
    if not name or name[0] != "return":
        raise parser.fail("expected 'return {' (a KOReader metadata file)")
    parser.pos = name.end()
    if parser.peek() != "{":
        raise parser.fail("expected a table after 'return'")
    try:
        result = parser.table(1)
    except RecursionError:
        raise parser.fail("tables nested too deeply") from None
    if parser.peek():
        raise parser.fail("unexpected text after the table")
    return result


def as_list(value: Any) -> list[Any]:
    """An array-like table's values in key order (integer keys only); else []."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        return []
    keys = sorted(k for k in value if isinstance(k, int) and not isinstance(k, bool))
    return [value[k] for k in keys]
