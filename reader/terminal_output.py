"""The one way postil's command line writes to stdout and stderr: cleaned of terminal controls.

Everything a command prints can hold text from files: article titles, file names, imported ids,
notes, tags, error messages naming paths, argparse errors quoting arguments. The CLI entry point
wraps ``sys.stdout`` and ``sys.stderr`` in :class:`CleanStream` (see :func:`cleaned_output`), so
no escape sequence, control character or bidi override from any of them reaches the terminal,
whichever command or message printed it.

Two kinds of output need more than cleaning:

* JSON (``--json``, ``export --format json``, ``search --batch``): :func:`json_text` escapes
  every unsafe character *inside* JSON strings (``\\u001b``, ``\\u009b``, ``\\u202e``), so the
  output stays valid, lossless JSON and holds no raw control byte.
* postil's own formatting (bold search matches, the indexing progress line) is written with
  :func:`write_trusted` after the untrusted parts were cleaned.

:func:`err` prints one-line messages (``postil: ...``) on stderr.
:func:`data_stream` gives the unwrapped stdout for lossless data (Markdown export into a pipe
or file); on a terminal it is the cleaning stream too.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from reader.json_output import dumps_json
from reader.sanitize import clean_line, clean_text

# What clean_text removes; inside JSON strings these are escaped instead (json.dumps already
# escapes C0 controls; with ensure_ascii=False it leaves DEL, C1 and bidi controls raw).
# JSON whitespace (tab, newline, carriage return) is left alone: json.dumps escapes those
# inside strings itself, and outside strings they are indentation.
_UNSAFE_IN_JSON = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_output(text: str) -> str:
    """``text`` as it may reach a terminal: no controls, no escapes, no lone surrogates.

    Lone surrogates (undecodable bytes in a file name) would make the write fail; they become
    U+FFFD.
    """
    text = clean_text(text)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return text


class CleanStream:
    """A text stream that cleans every string written to it (:func:`clean_output`).

    Each ``write`` is cleaned on its own, so an escape sequence split over two writes loses its
    ESC and prints as harmless text. Everything else (``isatty``, ``fileno``, ``encoding``,
    ``flush``) is the wrapped stream's.
    """

    def __init__(self, stream: TextIO) -> None:
        self.wrapped = stream

    def write(self, text: str) -> int:
        """Write ``text`` cleaned; returns ``len(text)`` (what the caller gave)."""
        self.wrapped.write(clean_output(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each line cleaned."""
        for line in lines:
            self.write(line)

    def write_trusted(self, text: str) -> None:
        """Write postil's own formatting unchanged (callers clean what came from data)."""
        self.wrapped.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def _unwrapped(stream: TextIO) -> TextIO:
    return stream.wrapped if isinstance(stream, CleanStream) else stream


@contextlib.contextmanager
def cleaned_output() -> Iterator[None]:
    """Clean everything written to ``sys.stdout`` / ``sys.stderr`` inside the block."""
    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, CleanStream):
        sys.stdout = CleanStream(sys.stdout)
    if not isinstance(sys.stderr, CleanStream):
        sys.stderr = CleanStream(sys.stderr)
    try:
        yield
    finally:
        # Leave the original streams (not a wrapper of a stream someone else replaced).
        if isinstance(sys.stdout, CleanStream):
            sys.stdout = saved[0]
        if isinstance(sys.stderr, CleanStream):
            sys.stderr = saved[1]


def write_trusted(stream: TextIO, text: str) -> None:
    """Write postil's own escape sequences (``text``'s data parts must be cleaned already)."""
    _unwrapped(stream).write(text)


def data_stream() -> TextIO:
    """Where lossless data goes: stdout itself into a pipe or file, cleaned on a terminal."""
    stdout = sys.stdout
    return stdout if stdout.isatty() else _unwrapped(stdout)


def _escape_unsafe(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape_json_controls(text: str) -> str:
    """JSON text with every unsafe character escaped as ``\\uXXXX`` (the same JSON value).

    Outside strings JSON holds only structural characters and whitespace, so such characters
    are always inside strings, where the escape means the same character.
    """
    text = _UNSAFE_IN_JSON.sub(_escape_unsafe, text)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(_escape_unsafe, text)
    return text


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as strict JSON (:func:`reader.json_output.dumps_json`: a non-finite number is
    ``null``) without a raw control character (see :func:`escape_json_controls`)."""
    return escape_json_controls(dumps_json(value, indent=indent))


def err(message: str) -> None:
    """Print ``postil: <message>`` on stderr as exactly one line (a file name holding a newline
    cannot forge a second message)."""
    print(f"postil: {clean_line(message)}", file=sys.stderr)


def print_json(value: Any, *, indent: int | None = 2) -> None:
    """Print ``value`` as JSON on stdout (see :func:`json_text`), with a final newline."""
    sys.stdout.write(json_text(value, indent=indent) + "\n")
