"""The database's records in memory, with indexes, and the merge that applies changes to them.

The records are the TinyDB tables exactly as they are in the file (document id → JSON object),
so writing them back is the same file any TinyDB or JSON tool reads. Each record postil changed
carries its clocks in ``_hlc``: ``"+"`` the last put (creation), ``"-"`` the last delete, and a
field's name for a field changed later than the put. Records from before clocks existed have
none and lose to any change.

The merge is a per-field last-writer-wins register with tombstones: a field takes a change's
value only when the change's clock is later than the field's (a tie, only possible within one
device, goes to the larger value), a delete hides the record until a later put, and an edit never
brings a deleted record back. Any order of the same changes gives the same records, and applying a
change twice changes nothing. Hidden records (deleted, or edits of records not seen yet) live in
the ``tombstones`` table with their fields, so a late change still merges correctly.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from annotations.changelog import ANNOTATIONS, DELETE, POSITIONS, PUT, SET, STATE, Change
from annotations.clock import valid_clock
from annotations.model import normalize_id

TOMBSTONES = "tombstones"
CHANGELOG = "changelog"
#: Older copies of an annotation stored under a second spelling of its id (an older postil
#: wrote "BEDE…" beside "bede…"): kept in the file, never shown or changed.
SUPERSEDED = "superseded"
CLOCKS = "_hlc"
ALIVE, DELETED = "+", "-"


def _order(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return ""


def wins(clock: str, value: Any, current_clock: str, current: Any) -> bool:
    """Whether a change (``clock``, ``value``) replaces a field (``current_clock``, ``current``)."""
    if clock != current_clock:
        return clock > current_clock
    return value != current and _order(value) > _order(current)


def clocks_of(record: dict[str, Any], *, live: bool) -> dict[str, str]:
    """The record's clocks (created: a record from before clocks counts as put at time zero).

    Clocks that are not strings (a hand-edited file) are dropped: they lose to any change.
    """
    clocks = record.get(CLOCKS)
    if not isinstance(clocks, dict):
        clocks = {ALIVE: ""} if live else {}
        record[CLOCKS] = clocks
    elif not all(isinstance(value, str) for value in clocks.values()):
        for name in [name for name, value in clocks.items() if not isinstance(value, str)]:
            del clocks[name]
        if live:
            clocks.setdefault(ALIVE, "")
    return clocks


def visible(record: dict[str, Any]) -> bool:
    """Whether the record is shown: put (or from before clocks) and not deleted since."""
    clocks = record.get(CLOCKS)
    if not isinstance(clocks, dict):
        return True
    alive, deleted = clocks.get(ALIVE), clocks.get(DELETED)
    if not isinstance(alive, str):
        return False
    return not isinstance(deleted, str) or alive > deleted


def merge(record: dict[str, Any], change: Change, *, live: bool) -> bool:
    """Apply ``change`` to ``record`` in place; True when anything changed."""
    clocks = clocks_of(record, live=live)
    clock = change.clock
    alive = clocks.get(ALIVE, "")
    alive = alive if isinstance(alive, str) else ""
    changed = False
    if change.op == DELETE:
        deleted = clocks.get(DELETED, "")
        if not isinstance(deleted, str) or clock > deleted:
            clocks[DELETED] = clock
            return True
        return False
    if change.op == PUT and clock > alive:
        # Fields not in this put keep the clock they had (the old put's) explicitly.
        for name in record:
            if name not in change.fields and name not in clocks and name not in (CLOCKS, "id"):
                clocks[name] = alive
        for name, value in change.fields.items():
            current_clock = clocks.get(name, alive)
            if wins(clock, value, current_clock, record.get(name)):
                record[name] = value
                clocks.pop(name, None)  # now the put's clock
            elif name not in clocks:
                clocks[name] = current_clock
        clocks[ALIVE] = clock
        return True
    for name, value in change.fields.items():
        current_clock = clocks.get(name, alive)
        if wins(clock, value, current_clock, record.get(name)):
            record[name] = value
            clocks[name] = clock
            changed = True
    return changed


class Tables:
    """The database's tables with indexes by annotation id, article id, path and tag.

    Attributes:
        data: Table name → document id (a decimal string) → record, as in the file.
        max_clock: The latest clock reading applied (the process clock is moved past it).
    """

    def __init__(self, data: dict[str, dict[str, Any]]) -> None:
        self.data = data
        for name in (ANNOTATIONS, TOMBSTONES, POSITIONS, STATE):
            table = data.setdefault(name, {})
            if not isinstance(table, dict):  # pragma: no cover - the storage checks the shape
                data[name] = {}
        self.max_clock = ""
        self._next: dict[str, int] = {}
        self.live: dict[str, str] = {}
        self.hidden: dict[str, str] = {}
        self._indexed = False
        self._tags_counted = False
        self._by_article: dict[str, set[str]] = {}
        self._by_path: dict[str, set[str]] = {}
        self._tags: Counter[str] = Counter()
        self.positions: dict[str, str] = {}
        self.states: dict[str, str] = {}
        #: Set for records loaded only in part (:mod:`annotations.recordindex`): called with a
        #: normalised annotation id that is neither live nor hidden here, it adopts that
        #: record from the file if the file has it.
        self.fetch: Callable[[str], None] | None = None
        self._build()

    # ------------------------------------------------------------------ indexes
    def _build(self) -> None:
        live = self.live
        annotations = self.data[ANNOTATIONS]
        superseded: list[str] = []
        for doc, record in annotations.items():
            ident = record.get("id")
            if ident.__class__ is str:
                ident = normalize_id(ident)  # one annotation however its id is spelled
                other = live.get(ident)
                if other is None:
                    live[ident] = doc
                    continue
                # An older postil stored "BEDE…" beside "bede…": the most recently changed copy
                # is the annotation; the other is kept aside (SUPERSEDED), not lost.
                if str(record.get("updated", "")) > str(annotations[other].get("updated", "")):
                    live[ident], doc = doc, other
                superseded.append(doc)
        if superseded:
            kept = self.data.setdefault(SUPERSEDED, {})
            if not isinstance(kept, dict):  # pragma: no cover - the storage checks the shape
                kept = self.data[SUPERSEDED] = {}
            following = max((int(key) for key in kept if key.isdigit() and len(key) < 19),
                            default=0)
            for doc in superseded:
                following += 1
                kept[str(following)] = annotations.pop(doc)
        for doc, record in self.data[TOMBSTONES].items():
            ident = record.get("id")
            if isinstance(ident, str) and (ident := normalize_id(ident)) not in live:
                self.hidden.setdefault(ident, doc)
        for doc, record in self.data[POSITIONS].items():
            key = record.get("article_id")
            if isinstance(key, str):
                self.positions.setdefault(key, doc)
        for doc, record in self.data[STATE].items():
            key = record.get("key")
            if isinstance(key, str):
                self.states.setdefault(key, doc)
        meta = self.data.get(CHANGELOG)
        if isinstance(meta, dict):
            for record in meta.values():
                clock = record.get("clock") if isinstance(record, dict) else None
                if isinstance(clock, str) and clock > self.max_clock:
                    self.max_clock = clock

    def _ensure_index(self) -> None:
        """Build the article and path indexes (once, when first needed).

        One plain loop over the visible records (no call per record): on a 50k database this
        is most of what a one-article read costs after parsing the file.
        """
        if self._indexed:
            return
        self._indexed = True
        table = self.data[ANNOTATIONS]
        by_article, by_path = self._by_article, self._by_path
        for ident, doc in self.live.items():
            record = table[doc]
            article, path = record.get("article_id"), record.get("path")
            if article.__class__ is str:
                members = by_article.get(article)
                if members is None:
                    by_article[article] = {ident}
                else:
                    members.add(ident)
            if path.__class__ is str:
                members = by_path.get(path)
                if members is None:
                    by_path[path] = {ident}
                else:
                    members.add(ident)

    def _ensure_tags(self) -> None:
        """Count the tags in use (once, when first asked: a one-article read never is)."""
        if self._tags_counted:
            return
        self._ensure_index()  # kept up to date together with it (see _index)
        self._tags_counted = True
        table, counts = self.data[ANNOTATIONS], self._tags
        for doc in self.live.values():
            tags = table[doc].get("tags")
            if tags.__class__ is list:
                for tag in {tag for tag in tags if isinstance(tag, str)}:
                    counts[tag] = counts.get(tag, 0) + 1

    @property
    def by_article(self) -> dict[str, set[str]]:
        """Article id → ids of its visible annotations."""
        self._ensure_index()
        return self._by_article

    @property
    def by_path(self) -> dict[str, set[str]]:
        """Article path → ids of its visible annotations."""
        self._ensure_index()
        return self._by_path

    @property
    def tags(self) -> Counter[str]:
        """Tag → number of visible annotations carrying it."""
        self._ensure_tags()
        return self._tags

    def _index(self, ident: str, record: dict[str, Any]) -> None:
        if not self._indexed:
            return
        article, path, tags = record.get("article_id"), record.get("path"), record.get("tags")
        if article.__class__ is str:
            members = self._by_article.get(article)
            if members is None:
                self._by_article[article] = {ident}
            else:
                members.add(ident)
        if path.__class__ is str:
            members = self._by_path.get(path)
            if members is None:
                self._by_path[path] = {ident}
            else:
                members.add(ident)
        if tags.__class__ is list and self._tags_counted:
            counts = self._tags
            for tag in {tag for tag in tags if isinstance(tag, str)}:
                counts[tag] = counts.get(tag, 0) + 1

    def _unindex(self, ident: str, record: dict[str, Any]) -> None:
        if not self._indexed:
            return
        article, path, tags = record.get("article_id"), record.get("path"), record.get("tags")
        if isinstance(article, str) and article in self._by_article:
            self._by_article[article].discard(ident)
            if not self._by_article[article]:
                del self._by_article[article]
        if isinstance(path, str) and path in self._by_path:
            self._by_path[path].discard(ident)
            if not self._by_path[path]:
                del self._by_path[path]
        if isinstance(tags, list) and self._tags_counted:
            for tag in {tag for tag in tags if isinstance(tag, str)}:
                left = self._tags[tag] - 1
                if left > 0:
                    self._tags[tag] = left
                else:
                    self._tags.pop(tag, None)

    def adopt(self, ident: str, doc: str, record: dict[str, Any], *, live: bool) -> None:
        """Take in a record read on its own from the file (``ident`` normalised, not here yet):
        visible in the annotations table when ``live``, else hidden in the tombstones."""
        if live:
            self.data[ANNOTATIONS][doc] = record
            self.live[ident] = doc
            self._index(ident, record)
        else:
            self.data[TOMBSTONES][doc] = record
            self.hidden[ident] = doc

    def reserve_docs(self, following: dict[str, int]) -> None:
        """Start new document ids at ``following`` (table → first free id): records loaded in
        part do not show the file's largest id."""
        for table, first in following.items():
            self._next[table] = max(first, self._next.get(table, 0))

    def _new_doc(self, table: str) -> str:
        following = self._next.get(table)
        if following is None:
            following = max((int(key) for key in self.data[table] if key.isdigit()), default=0)
            following += 1
        self._next[table] = following + 1
        return str(following)

    # ------------------------------------------------------------------ reading
    def annotation(self, ident: str) -> dict[str, Any] | None:
        """The visible record of annotation ``ident`` (any spelling of its id)."""
        ident = normalize_id(ident)
        if self.fetch is not None and ident not in self.live and ident not in self.hidden:
            self.fetch(ident)
        doc = self.live.get(ident)
        return self.data[ANNOTATIONS].get(doc) if doc is not None else None

    def annotations(self, idents: set[str] | None = None) -> Iterator[dict[str, Any]]:
        """Visible annotation records in file order (only ``idents`` when given)."""
        table = self.data[ANNOTATIONS]
        if idents is None:
            yield from table.values()
            return
        docs = sorted((self.live[i] for i in idents if i in self.live), key=_doc_order)
        for doc in docs:
            yield table[doc]

    def position(self, article_id: str) -> dict[str, Any] | None:
        """The position record of an article."""
        doc = self.positions.get(article_id)
        return self.data[POSITIONS].get(doc) if doc is not None else None

    def state(self, key: str) -> dict[str, Any] | None:
        """The state record under ``key``."""
        doc = self.states.get(key)
        return self.data[STATE].get(doc) if doc is not None else None

    # ------------------------------------------------------------------ changing
    def apply(self, change: Change) -> bool:
        """Merge ``change`` into the records; True when anything changed."""
        if change.clock > self.max_clock:
            self.max_clock = change.clock
        if change.table == ANNOTATIONS:
            return self._apply_annotation(change)
        if change.op == DELETE:
            return False  # positions and state are only ever put
        index, table = ((self.positions, POSITIONS) if change.table == POSITIONS
                        else (self.states, STATE))
        doc = index.get(change.key)
        if doc is None:
            doc = self._new_doc(table)
            index[change.key] = doc
            self.data[table][doc] = {}
        record = self.data[table][doc]
        changed = merge(record, Change(change.table, change.key, PUT, change.fields,
                                       change.clock), live=True)
        if table == POSITIONS:
            changed = _further(record, change) or changed
        return changed

    def furthest_clock(self, article_id: str) -> str:
        """The clock of the furthest position read in an article ("" when none is known)."""
        record = self.position(article_id)
        far = record.get(FURTHEST) if record is not None else None
        if isinstance(far, dict) and isinstance(far.get("clock"), str):
            return str(far["clock"])
        clocks = record.get(CLOCKS) if record is not None else None
        alive = clocks.get(ALIVE) if isinstance(clocks, dict) else None
        return alive if isinstance(alive, str) else ""

    def _apply_annotation(self, change: Change) -> bool:
        ident = normalize_id(change.key)
        if self.fetch is not None and ident not in self.live and ident not in self.hidden:
            self.fetch(ident)
        doc = self.live.get(ident)
        was_live = doc is not None
        if not was_live and change.op == PUT and ident not in self.hidden:
            # A new annotation (the common case of adding and importing): straight in.
            record = {"id": ident, **change.fields, CLOCKS: {ALIVE: change.clock}}
            doc = self._new_doc(ANNOTATIONS)
            self.data[ANNOTATIONS][doc] = record
            self.live[ident] = doc
            self._index(ident, record)
            return True
        if doc is not None:
            record = self.data[ANNOTATIONS][doc]
        else:
            doc = self.hidden.get(ident)
            if doc is None:
                doc = self._new_doc(TOMBSTONES)
                self.hidden[ident] = doc
                self.data[TOMBSTONES][doc] = {"id": ident}
            record = self.data[TOMBSTONES][doc]
        if was_live:
            self._unindex(ident, record)
        changed = merge(record, change, live=was_live)
        shown = visible(record)
        if shown and not was_live:
            del self.data[TOMBSTONES][doc]
            del self.hidden[ident]
            doc = self._new_doc(ANNOTATIONS)
            self.data[ANNOTATIONS][doc] = record
            self.live[ident] = doc
        elif was_live and not shown:
            del self.data[ANNOTATIONS][doc]
            del self.live[ident]
            doc = self._new_doc(TOMBSTONES)
            self.data[TOMBSTONES][doc] = record
            self.hidden[ident] = doc
        if shown:
            self._index(ident, record)
        return changed


def _clock_or(clock: Any, zero: str) -> str:
    return clock if valid_clock(clock) else zero


def record_changes(table: str, key: str, record: dict[str, Any], zero: str) -> list[Change]:
    """Changes that rebuild ``record`` on another device, each with the clock it has here.

    A put with the record's own clock and the fields still at that clock, one set per other
    field clock, the tombstone if there is one, and (for a position) the furthest position
    read. A record from before clocks counts as put at ``zero`` (the earliest clock of this
    device), so any real change beats it.
    """
    clocks = record.get(CLOCKS)
    clocks = clocks if isinstance(clocks, dict) else {ALIVE: ""}
    changes: list[Change] = []
    own = {name: value for name, value in record.items()
           if name not in (CLOCKS, "id", FURTHEST) and name not in clocks}
    if ALIVE in clocks:
        changes.append(Change(table, key, PUT, own, _clock_or(clocks.get(ALIVE), zero)))
    by_clock: dict[str, dict[str, Any]] = {}
    for name, clock in clocks.items():
        if name in (ALIVE, DELETED) or name not in record:
            continue
        by_clock.setdefault(_clock_or(clock, zero), {})[name] = record[name]
    for clock, fields in sorted(by_clock.items()):
        changes.append(Change(table, key, SET if table == ANNOTATIONS else PUT, fields, clock))
    if DELETED in clocks and valid_clock(clocks[DELETED]):
        changes.append(Change(table, key, DELETE, {}, str(clocks[DELETED])))
    far = record.get(FURTHEST)
    if table == POSITIONS and isinstance(far, dict) and valid_clock(far.get("clock")):
        changes.append(Change(table, key, PUT, {"offset": far.get("offset"),
                                                "progress": far.get("progress")},
                              str(far["clock"])))
    return changes


def all_changes(tables: Tables, device: str) -> Iterator[Change]:
    """Every record as changes with their own clocks (see :func:`record_changes`): replayed
    on another device, in any order, they give the same records."""
    zero = f"{0:013d}-0000-{device}"
    for name in (ANNOTATIONS, TOMBSTONES):
        for record in tables.data[name].values():
            ident = record.get("id") if isinstance(record, dict) else None
            if isinstance(ident, str) and ident:
                yield from record_changes(ANNOTATIONS, normalize_id(ident), record, zero)
    for name, key_field in ((POSITIONS, "article_id"), (STATE, "key")):
        for record in tables.data[name].values():
            key = record.get(key_field) if isinstance(record, dict) else None
            if isinstance(key, str) and key:
                yield from record_changes(name, key, record, zero)


#: The furthest position read in an article, kept in its position record beside the latest.
FURTHEST = "far"


def _progress(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _further(record: dict[str, Any], change: Change) -> bool:
    """Keep the furthest position read (by progress, ties by clock) beside the latest one.

    A max-register: any order of the same changes keeps the same furthest position.
    """
    progress = _progress(change.fields.get("progress"))
    offset = change.fields.get("offset")
    if progress is None or isinstance(offset, bool) or not isinstance(offset, int):
        return False
    far = record.get(FURTHEST)
    if isinstance(far, dict):
        known = _progress(far.get("progress"))
        clock = far.get("clock")
        if known is not None and isinstance(clock, str) and (known, clock) >= (progress,
                                                                               change.clock):
            return False
    record[FURTHEST] = {"offset": offset, "progress": progress, "clock": change.clock}
    return True


def shown_position(record: dict[str, Any]) -> dict[str, Any]:
    """The position to show from a position record: the furthest read wins, unless the
    latest move went back *after* its device knew of that furthest position.

    The latest position (the later clock wins) is shown when it is at least as far as the
    furthest one, or when its ``base`` (the furthest position its device had seen) is not
    older than the furthest one: the reader moved back on purpose. Otherwise the latest came
    from a device that had not seen the furthest position yet (it was reading an older copy),
    and the furthest position is shown. Records without a furthest position (from before
    sync) show the latest.
    """
    far = record.get(FURTHEST)
    if not isinstance(far, dict):
        return record
    far_progress, latest = _progress(far.get("progress")), _progress(record.get("progress"))
    far_clock, base = far.get("clock"), record.get("base")
    if far_progress is None or not isinstance(far_clock, str) or latest is None:
        return record
    if latest >= far_progress or (isinstance(base, str) and base >= far_clock):
        return record
    return {**record, "offset": far.get("offset"), "progress": far_progress}


def _doc_order(doc: str) -> tuple[int, str]:
    return (int(doc), doc) if doc.isdigit() else (1 << 62, doc)
