"""A byte-range index of the database file, so that reading one article parses only its records.

Parsing the whole TinyDB file costs time in proportion to the database (about 0.4 s for 30 MB);
a command or a reader that needs one article's highlights should not pay it. When the store
writes the file whole (compaction), it knows where every record is in the bytes it wrote, and
keeps that beside the file as ``<db>.index``:

* the annotation ids, with each record's document id and byte range (visible records first,
  then the tombstones);
* which of them belong to which article id and which path, and the library-wide counts (tags in
  use, one article id per path);
* the byte ranges of the small tables (positions, state, the change-log bookkeeping);
* what the database file was when the index was written: size, modification and change times,
  inode, device, and checksums of its first and last 64 KiB.

A :class:`PartialView` trusts the index only while all of that still matches the file (any
write of the file changes its change time; postil's own writes replace it, a new inode), and
every record it reads from a range is checked: a JSON object whose id is the one the index
names. Anything that does not check out raises :class:`StaleIndex`, and the store reads the
whole file instead. The index is a cache: it is never needed, losing it costs only speed, and a
crash while it is written leaves an index that does not validate.

The view holds the records it has read in a :class:`~annotations.records.Tables` (so the change
log replays onto them exactly as onto the whole file: a change to a record not read yet reads it
first) and answers the library-wide counts from the index, corrected for the records it holds.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import stat
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from annotations import jsonread
from annotations.atomicfile import write_target
from annotations.jsonfile import Layout
from annotations.model import normalize_id
from annotations.records import ANNOTATIONS, CHANGELOG, TOMBSTONES, Tables

INDEX_FORMAT = "postil-index"
INDEX_VERSION = 1
INDEX_SUFFIX = ".index"
#: The small tables the view reads whole.
WHOLE_TABLES = ("positions", "state", CHANGELOG)
#: An index larger than this is not read (it is a fraction of the database).
MAX_INDEX_BYTES = 256 * 1024 * 1024
_EDGE = 64 * 1024


class StaleIndex(Exception):
    """The index does not describe the database file as it is (or is damaged)."""


def index_path(database: Path) -> Path:
    """Where the index of ``database`` is kept."""
    return database.with_name(database.name + INDEX_SUFFIX)


def _file_facts(status: os.stat_result, head: bytes, tail: bytes) -> dict[str, int]:
    return {"size": status.st_size, "mtime_ns": status.st_mtime_ns,
            "ctime_ns": status.st_ctime_ns, "inode": status.st_ino, "device": status.st_dev,
            "head": zlib.crc32(head), "tail": zlib.crc32(tail)}


def _edges(fd: int, size: int) -> tuple[bytes, bytes]:
    head = os.pread(fd, min(_EDGE, size), 0)
    tail = os.pread(fd, min(_EDGE, size), max(0, size - _EDGE))
    return head, tail


# --------------------------------------------------------------------------- writing


def write_index(database: Path, tables: Tables, layout: Layout,
                signature: tuple[int, int, int] | None) -> None:
    """Write the index of ``database``, whose records are ``tables`` as they are in the file
    and at ``layout``, when the file still has ``signature`` (mtime, size, inode); call under
    the lock.

    Best effort, not fsynced (a cache): on failure an old index is removed, and one that
    was not written whole never validates.
    """
    target = index_path(database)
    try:
        payload = _encode_index(database, tables, layout, signature)
        if payload is None:
            raise OSError("the file changed")
        target = write_target(target)
        # Named like the database's own temp files: one a crash leaves is removed at the next
        # start (annotations.jsonfile.remove_stale_temp_files).
        temp = database.with_name(f".{database.name}.index-{os.getpid()}.postil-tmp")
        try:
            with open(temp, "wb") as stream:
                stream.write(payload)
            os.replace(temp, target)
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()
    except OSError:
        remove_index(database)


def remove_index(database: Path) -> None:
    """Remove the index of ``database`` (a file too small to need one)."""
    with contextlib.suppress(OSError):
        index_path(database).unlink()


def _encode_index(database: Path, tables: Tables, layout: Layout,
                  signature: tuple[int, int, int] | None) -> bytes | None:
    with open(database, "rb") as stream:
        status = os.fstat(stream.fileno())
        if (status.st_size != layout.size
                or (status.st_mtime_ns, status.st_size, status.st_ino) != signature):
            return None  # not the file the layout describes
        head, tail = _edges(stream.fileno(), status.st_size)
    spans = layout.records
    ids: list[str] = []
    docs: list[str] = []
    ranges: list[int] = []
    articles: dict[str, list[int]] = {}
    paths: dict[str, list[int]] = {}
    path_article: dict[str, str] = {}
    records, live_spans = tables.data[ANNOTATIONS], spans[ANNOTATIONS]
    add_range = ranges.extend
    for number, (ident, doc) in enumerate(tables.live.items()):
        ids.append(ident)
        docs.append(doc)
        add_range(live_spans[doc])
        record = records[doc]
        article, path = record.get("article_id"), record.get("path")
        if article.__class__ is str:
            members = articles.get(article)
            if members is None:
                articles[article] = [number]
            else:
                members.append(number)
        if path.__class__ is str:
            members = paths.get(path)
            if members is None:
                paths[path] = [number]
                path_article[path] = article if article.__class__ is str else ""
            else:
                members.append(number)
    live = len(ids)
    hidden_spans = spans[TOMBSTONES]
    for ident, doc in tables.hidden.items():
        ids.append(ident)
        docs.append(doc)
        add_range(hidden_spans[doc])
    following = {}
    for name in (ANNOTATIONS, TOMBSTONES):
        numbers = [int(key) for key in spans.get(name, {}) if key.isdigit() and len(key) < 19]
        following[name] = max(numbers, default=0) + 1
    document = {
        "format": INDEX_FORMAT, "version": INDEX_VERSION,
        "file": _file_facts(status, head, tail),
        "tables": {name: list(layout.tables[name]) for name in WHOLE_TABLES
                   if name in layout.tables},
        "ids": ids, "docs": docs, "ranges": ranges, "live": live, "next": following,
        "articles": articles, "paths": paths, "path_article": path_article,
        "tags": dict(tables.tags),
    }
    return orjson.dumps(document)


# --------------------------------------------------------------------------- reading


def _str_list(value: Any) -> list[str]:
    if value.__class__ is not list or not all(item.__class__ is str for item in value):
        raise StaleIndex("a list of strings expected")
    return value


def _int(value: Any, low: int = 0, high: int = 1 << 62) -> int:
    if value.__class__ is not int or not low <= value <= high:
        raise StaleIndex("an integer out of range")
    return value


def _map(value: Any) -> dict[str, Any]:
    if value.__class__ is not dict:
        raise StaleIndex("a JSON object expected")
    return value


def _members(value: Any, live: int) -> list[int]:
    """Positions of visible records (validated: integers below ``live``)."""
    if value.__class__ is not list:
        raise StaleIndex("a list of record numbers expected")
    for number in value:
        if number.__class__ is not int or not 0 <= number < live:
            raise StaleIndex("a record number out of range")
    return value


@dataclass(slots=True)
class _Contribution:
    """What one record read from the file counted for there (to correct the index's counts)."""

    article: str | None
    path: str | None
    tags: frozenset[str]


class PartialView:
    """The database read record by record through its index (see the module docstring).

    Raises:
        StaleIndex: from the constructor and from any method, when the index or a record it
            points at does not check out; the caller then reads the whole file.
    """

    def __init__(self, database: Path) -> None:
        self.database = database
        raw_index = self._read_index(index_path(database))
        try:
            index = jsonread.loads(raw_index)
        except (ValueError, RecursionError) as error:
            raise StaleIndex("the index is not JSON") from error
        if (index.__class__ is not dict or index.get("format") != INDEX_FORMAT
                or index.get("version") != INDEX_VERSION):
            raise StaleIndex("not a postil index of this version")
        try:
            fd = os.open(database, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as error:
            raise StaleIndex("the database cannot be opened") from error
        try:
            status = os.fstat(fd)
            if not status.st_size or not stat.S_ISREG(status.st_mode):
                raise StaleIndex("not a regular, non-empty file")
            if _file_facts(status, *_edges(fd, status.st_size)) != index.get("file"):
                raise StaleIndex("the database changed since the index was written")
            self._map = mmap.mmap(fd, status.st_size, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        #: (mtime, size, inode) of the file read, as :func:`~annotations.jsonfile.file_signature`.
        self.signature = (status.st_mtime_ns, status.st_size, status.st_ino)
        self._size = status.st_size
        self._ids = _str_list(index.get("ids"))
        self._docs = _str_list(index.get("docs"))
        ranges = index.get("ranges")
        if ranges.__class__ is not list:
            raise StaleIndex("the index's ranges are missing")
        self._ranges: list[Any] = ranges
        if (len(self._ranges) != 2 * len(self._ids)
                or len(self._docs) != len(self._ids)):
            raise StaleIndex("the index's lists do not match")
        self._live = _int(index.get("live"), 0, len(self._ids))
        self._articles = _map(index.get("articles"))
        self._paths = _map(index.get("paths"))
        self._path_article = _map(index.get("path_article"))
        self._tags = _map(index.get("tags"))
        following = _map(index.get("next"))
        spans = _map(index.get("tables"))
        data: dict[str, dict[str, Any]] = {ANNOTATIONS: {}, TOMBSTONES: {}}
        for name, span in spans.items():
            if name in WHOLE_TABLES:
                data[name] = self._table(span)
        self.tables = Tables(data)
        self.tables.reserve_docs({name: _int(following.get(name), 1)
                                  for name in (ANNOTATIONS, TOMBSTONES)})
        self.tables.tags  # noqa: B018 - count from here on, kept up to date by every change
        self.tables.fetch = self.fetch
        # Built here, not at the first change of a record (a write on the writer thread would
        # hold the interpreter for it while the UI waits).
        self._numbers = {known: number for number, known in enumerate(self._ids)}
        self._read: set[int] = set()
        self._counted: dict[str, _Contribution] = {}

    @staticmethod
    def _read_index(path: Path) -> bytes:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as error:
            raise StaleIndex("no index") from error
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_INDEX_BYTES:
                raise StaleIndex("the index is not a regular file of a sane size")
            chunks = []
            while chunk := os.read(fd, 1 << 22):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    @property
    def size(self) -> int:
        """How many records (visible and deleted) the index describes."""
        return len(self._ids)

    def close(self) -> None:
        """Release the file's mapping."""
        with contextlib.suppress(BufferError, ValueError):
            self._map.close()

    # ------------------------------------------------------------------ reading records
    def _bytes(self, start: Any, end: Any) -> bytes:
        start, end = _int(start, 0, self._size), _int(end, 0, self._size)
        if end <= start:
            raise StaleIndex("an empty byte range")
        try:
            return self._map[start:end]
        except ValueError as error:  # closed
            raise StaleIndex("the view was closed") from error

    def _object(self, start: Any, end: Any) -> dict[str, Any]:
        try:
            value = jsonread.loads(self._bytes(start, end))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise StaleIndex("a byte range is not a JSON value") from error
        if value.__class__ is not dict:
            raise StaleIndex("a byte range is not a JSON object")
        return value

    def _table(self, span: Any) -> dict[str, Any]:
        if span.__class__ is not list or len(span) != 2:
            raise StaleIndex("a table's byte range is malformed")
        table = self._object(span[0], span[1])
        # As the whole-file read does: records of the wrong shape are set aside (and kept in
        # the file, which this view never writes).
        return {key: value for key, value in table.items()
                if value.__class__ is dict and key.isdigit()}

    def _load(self, number: int) -> None:
        """Adopt record ``number`` of the index into the tables (once)."""
        if number in self._read:
            return
        ident, doc = self._ids[number], self._docs[number]
        record = self._object(self._ranges[2 * number], self._ranges[2 * number + 1])
        stored = record.get("id")
        if stored.__class__ is not str or normalize_id(stored) != ident:
            raise StaleIndex("a record is not the one the index names")
        self._read.add(number)
        tables = self.tables
        if ident in tables.live or ident in tables.hidden:
            return  # created here since (a change of a record the index did not know)
        live = number < self._live
        if live:
            tags = record.get("tags")
            article, path = record.get("article_id"), record.get("path")
            self._counted[ident] = _Contribution(
                article if article.__class__ is str else None,
                path if path.__class__ is str else None,
                frozenset(t for t in tags if isinstance(t, str))
                if tags.__class__ is list else frozenset())
        tables.adopt(ident, doc, record, live=live)

    def fetch(self, ident: str) -> None:
        """Adopt the record of annotation ``ident`` (normalised) if the file has it."""
        number = self._numbers.get(ident)
        if number is not None:
            self._load(number)

    def load_article(self, article_id: str, path: str) -> None:
        """Adopt every record the file holds for this article id or this path."""
        for number in _members(self._articles.get(article_id, []), self._live):
            self._load(number)
        for number in _members(self._paths.get(path, []), self._live):
            self._load(number)

    def load_where(self, path: Callable[[str], bool], article_ids: Iterable[str]) -> None:
        """Adopt the records whose stored path passes ``path`` or whose article id is listed."""
        for stored, members in self._paths.items():
            if path(stored):
                for number in _members(members, self._live):
                    self._load(number)
        for article in article_ids:
            for number in _members(self._articles.get(article, []), self._live):
                self._load(number)

    # ------------------------------------------------------------------ library-wide answers
    def _corrected(self, stored: dict[str, Any], current: dict[str, set[str]],
                   counted: Callable[[_Contribution], str | None]) -> dict[str, int]:
        totals = {}
        for key, members in stored.items():
            if members.__class__ is not list:
                raise StaleIndex("a list of record numbers expected")
            totals[key] = len(members)
        for contribution in self._counted.values():
            was = counted(contribution)
            if was is not None and was in totals:
                totals[was] -= 1
        for key, idents in current.items():
            totals[key] = totals.get(key, 0) + len(idents)
        return {key: count for key, count in totals.items() if count > 0}

    def highlight_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Visible annotations per article id and per path, as the whole file would count."""
        return (self._corrected(self._articles, self.tables.by_article, lambda c: c.article),
                self._corrected(self._paths, self.tables.by_path, lambda c: c.path))

    def tags(self) -> Counter[str]:
        """Tag → visible annotations carrying it."""
        counts: Counter[str] = Counter()
        for tag, count in self._tags.items():
            counts[tag] = _int(count)
        for contribution in self._counted.values():
            for tag in contribution.tags:
                counts[tag] -= 1
        for tag, count in self.tables.tags.items():
            counts[tag] += count
        return Counter({tag: count for tag, count in counts.items() if count > 0})

    def article_paths(self) -> dict[str, str]:
        """Every stored path of a visible annotation, with one of its article ids."""
        _, by_path = self.highlight_counts()
        found: dict[str, str] = {}
        tables = self.tables
        for path, idents in tables.by_path.items():
            record = tables.annotation(next(iter(idents)))
            article = record.get("article_id") if record else None
            found[path] = article if isinstance(article, str) else ""
        for path in by_path:
            if path not in found:
                article = self._path_article.get(path, "")
                found[path] = article if isinstance(article, str) else ""
        return found

    def ids_starting_with(self, prefix: str) -> list[str]:
        """Ids of visible annotations starting with ``prefix`` (lower case compared)."""
        tables = self.tables
        found = {ident for ident in tables.live if ident.lower().startswith(prefix)}
        for number in range(self._live):
            ident = self._ids[number]
            if (ident.lower().startswith(prefix) and ident not in tables.live
                    and ident not in tables.hidden):
                found.add(ident)
        return sorted(found)
