"""JSON for standard output and files: always strict JSON (RFC 8259), whatever the data holds.

Python's ``json`` writes ``NaN`` and ``Infinity`` for non-finite floats, which no other JSON
reader accepts. Values from disk are validated where they are read, so none should reach an
output; as the last line of defence a non-finite number is written as ``null`` here, and the
encoder runs with ``allow_nan=False``. Every JSON postil prints or exports goes through
:func:`dumps_json` / :func:`dump_json`.
"""

from __future__ import annotations

import json
import math
from typing import IO, Any


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (at any depth) replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def dumps_json(value: Any, *, indent: int | None = None) -> str:
    """Encode ``value`` as strict JSON (UTF-8 text, non-ASCII kept)."""
    return json.dumps(_finite(value), ensure_ascii=False, indent=indent, allow_nan=False)


def dump_json(value: Any, stream: IO[str], *, indent: int | None = 2) -> None:
    """Write ``value`` as strict JSON and a newline to ``stream``."""
    stream.write(dumps_json(value, indent=indent) + "\n")
