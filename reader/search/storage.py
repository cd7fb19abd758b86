"""The search index cache file: a compact binary format, written atomically.

Layout: ``MAGIC``, a little JSON header (format version, byte order, article table, section
sizes), then raw sections: the vocabulary (newline-joined UTF-8), posting-list lengths and the
concatenated posting lists, per-passage owner / start / end arrays, passage lengths and the
passage texts (one UTF-8 blob). Loading is a few bulk reads and slices: no pickle, nothing in the
file is ever executed, and anything unexpected makes the cache count as missing.
"""

from __future__ import annotations

import json
import sys
from array import array
from pathlib import Path
from typing import Any

from annotations.atomicfile import atomic_write_bytes
from reader.safe_read import MAX_CACHE_BYTES, read_regular_file
from reader.search.data import IndexData, IndexedArticle

MAGIC = b"POSTIL-SEARCH\n"
FORMAT_VERSION = 3  # 3: image alt text is not searched; windows overlap by a phrase
_ARRAY_SECTIONS = ("posting_lengths", "postings", "owners", "starts", "ends", "text_lengths")


def write_index(path: Path, data: IndexData) -> None:
    """Write ``data`` (without dead passages) to ``path``: temp file, fsync, os.replace."""
    if data.needs_compaction:
        raise ValueError("compact the index before writing it")
    postings = array("I")
    for posting in data.postings:
        postings.extend(posting)
    sections: dict[str, bytes] = {
        "terms": "\n".join(data.vocabulary.terms).encode("utf-8", "surrogatepass"),
        "posting_lengths": array("I", (len(p) for p in data.postings)).tobytes(),
        "postings": postings.tobytes(),
        "owners": data.owners.tobytes(),
        "starts": data.starts.tobytes(),
        "ends": data.ends.tobytes(),
        "text_lengths": array("I", (len(text) for text in data.texts)).tobytes(),
        "texts": "".join(data.texts).encode("utf-8", "surrogatepass"),
    }
    header = {
        "version": FORMAT_VERSION,
        "byteorder": sys.byteorder,
        "itemsize": array("I").itemsize,
        "articles": [
            [a.path, a.id, a.title, a.size, a.mtime_ns, a.first, a.count]
            for a in data.articles
            if a is not None
        ],
        "sections": [[name, len(blob)] for name, blob in sections.items()],
    }
    head = json.dumps(header, ensure_ascii=True).encode("ascii")
    atomic_write_bytes(
        path,
        b"".join([MAGIC, len(head).to_bytes(8, "little"), head, *sections.values()]),
    )


def read_index(path: Path) -> IndexData | None:
    """Read an index written by :func:`write_index`; ``None`` if missing, damaged or outdated."""
    try:
        raw = read_regular_file(path, MAX_CACHE_BYTES)
    except OSError:  # missing, not a regular file, too large: rebuilt
        return None
    try:
        return _decode(raw)
    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError, OverflowError,
            RecursionError):
        return None


def _decode(raw: bytes) -> IndexData | None:
    if not raw.startswith(MAGIC):
        return None
    offset = len(MAGIC)
    head_length = int.from_bytes(raw[offset : offset + 8], "little")
    offset += 8
    header: dict[str, Any] = json.loads(raw[offset : offset + head_length])
    offset += head_length
    if (
        header.get("version") != FORMAT_VERSION
        or header.get("byteorder") != sys.byteorder
        or header.get("itemsize") != array("I").itemsize
    ):
        return None
    blobs: dict[str, bytes] = {}
    for name, length in header["sections"]:
        blobs[name] = raw[offset : offset + length]
        offset += length
        if len(blobs[name]) != length:
            return None
    arrays: dict[str, array[int]] = {}
    for name in _ARRAY_SECTIONS:
        values = array("I")
        values.frombytes(blobs[name])
        arrays[name] = values
    data = IndexData()
    terms = blobs["terms"].decode("utf-8", "surrogatepass").split("\n") if blobs["terms"] else []
    lengths = arrays["posting_lengths"]
    if len(terms) != len(lengths):
        return None
    vocabulary = data.vocabulary
    for term in terms:
        vocabulary.add(term)
    if len(vocabulary) != len(terms):
        return None
    flat = arrays["postings"]
    position = 0
    for length in lengths:
        data.postings.append(flat[position : position + length])
        position += length
    if position != len(flat):
        return None
    text = blobs["texts"].decode("utf-8", "surrogatepass")
    position = 0
    for length in arrays["text_lengths"]:
        data.texts.append(text[position : position + length])
        position += length
    count = len(data.texts)
    data.owners, data.starts, data.ends = arrays["owners"], arrays["starts"], arrays["ends"]
    if position != len(text):
        return None
    if not len(data.owners) == len(data.starts) == len(data.ends) == count:
        return None
    data.alive = bytearray(b"\x01") * count
    for path, ident, title, size, mtime_ns, first, passages in header["articles"]:
        if first < 0 or first + passages > count:
            return None
        entry = IndexedArticle(
            str(path), str(ident), str(title), int(size), int(mtime_ns), len(data.articles),
            int(first), int(passages),
        )
        data.articles.append(entry)
        data.by_path[entry.path] = entry
    if any(owner >= len(data.articles) for owner in set(data.owners)):
        return None
    return data
