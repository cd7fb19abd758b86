"""Fast JSON reading of big files: orjson with the cyclic garbage collector paused.

Parsing a 30 MB database (or a 70 MB W3C export) creates millions of objects; with the
collector running, it re-scans the growing heap many times during the parse (about a third of
the parse time at 50,000 annotations). What orjson refuses but Python's JSON reads (lone
surrogate escapes, NaN, infinities) is read by the standard library, which also reports the line
and column of a real syntax error. One difference: orjson reads an integer beyond 64 bits as a
float (the database's validation rejects both as a position); the W3C import, which reports such
numbers per record, keeps the standard library with its number hooks.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from typing import Any

import orjson


def loads(raw: bytes | str) -> Any:
    """Parse JSON text like :func:`json.loads` (bytes must be UTF-8).

    Raises:
        json.JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError: as
            :func:`json.loads` does for the same text.
    """
    with paused_gc():
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)


#: Bytes → "0" for a digit, " " for anything else (a digit run is then a run of "0").
_DIGITS = bytes(ord("0") if chr(byte).isdigit() else ord(" ") for byte in range(256))
#: orjson reads integers of 19+ digits beyond 64 bits as floats; the standard library does not.
_LONG_RUN = b"0" * 19


def loads_as_standard(raw: bytes | str) -> Any | None:
    """The document :func:`json.loads` (without hooks) gives for ``raw``, parsed by orjson with
    the collector paused; ``None`` when orjson might read it differently or refuses it.

    That is, when the text has a run of 19 or more digits (an integer beyond 64 bits, which
    orjson turns into a float) or anything orjson rejects (NaN, infinities, lone surrogates,
    deep nesting, invalid JSON): the caller then uses the standard library, with its hooks and
    its error messages. Checking for digit runs costs a byte translation, not a regex.
    """
    data = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else raw
    if _LONG_RUN in data.translate(_DIGITS):
        return None
    with paused_gc():
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return None


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk step builds many objects that stay.

    Reference counting still frees everything dropped meanwhile; only the repeated scans of
    the growing heap are skipped. The collector is resumed (if it was running) afterwards.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
