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

Tags are the one field that is a set, and merge per tag (:func:`merge_tags`): an observed-remove
set, "add wins". Each add of a tag is a dot named by its change's clock; a removal lists the
adds it had seen and removes only those, so an add made concurrently elsewhere (or a tag added
again after it) survives, and a removal made after seeing every add removes the tag everywhere.
Add-wins rather than a last-writer-wins register per tag because a removal then never takes
away a tag its writer could not have seen (a later clock on a fast machine cannot), which is
"nothing the user wrote is lost", while causality still makes "removed after seeing it" final
(the clocks are hybrid logical clocks). The record's ``tags`` list is what the per-tag state in
``_tags`` decides (tags in the order of their first add still in force); records without
``_tags`` (from before) count their list as added at its clock. A ``tags`` list in a change (as
an older postil wrote it) is the whole list as of its clock: every add older than it is gone.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from annotations.changelog import (
    ANNOTATIONS,
    DELETE,
    POSITIONS,
    PUT,
    SET,
    STATE,
    TAG_ADDS,
    TAG_OPS,
    TAG_REMOVES,
    Change,
)
from annotations.clock import valid_clock
from annotations.model import normalize_id, normalize_tag, normalize_tags

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
    """Apply ``change`` to ``record`` in place; True when anything changed.

    Tags merge per tag (:func:`merge_tags`) once a record has per-tag state or the change
    carries per-tag changes; a ``tags`` list onto a record from before that merges as before.
    """
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
    per_tag = has_tag_ops(change) or ("tags" in change.fields and TAG_STATE in record)
    if change.op == PUT and clock > alive:
        # Fields not in this put keep the clock they had (the old put's) explicitly.
        for name in record:
            if (name not in change.fields and name not in clocks
                    and name not in (CLOCKS, "id", TAG_STATE)):
                clocks[name] = alive
        for name, value in change.fields.items():
            if name in TAG_OPS or (per_tag and name == "tags"):
                continue
            current_clock = clocks.get(name, alive)
            if wins(clock, value, current_clock, record.get(name)):
                record[name] = value
                clocks.pop(name, None)  # now the put's clock
            elif name not in clocks:
                clocks[name] = current_clock
        if per_tag:
            merge_tags(record, change, clocks)
        clocks[ALIVE] = clock
        return True
    for name, value in change.fields.items():
        if name in TAG_OPS or (per_tag and name == "tags"):
            continue
        current_clock = clocks.get(name, alive)
        if wins(clock, value, current_clock, record.get(name)):
            record[name] = value
            clocks[name] = clock
            changed = True
    if per_tag:
        changed = merge_tags(record, change, clocks) or changed
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

    def local_changes(self, change: Change, device: str) -> list[Change]:
        """A change made on this device as it is written: a ``tags`` list turned into the
        tags added and removed (:func:`local_tag_changes`, against the stored record)."""
        if not tags_need_record(change):
            return local_tag_changes(change, None, False, device)
        ident = normalize_id(change.key)
        record = self.annotation(ident)
        live = record is not None
        if record is None and (doc := self.hidden.get(ident)) is not None:
            record = self.data[TOMBSTONES].get(doc)
        return local_tag_changes(change, record, live, device)

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
        if (not was_live and change.op == PUT and ident not in self.hidden
                and not has_tag_ops(change)):
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
    tag_changes: list[Change] = []
    if table == ANNOTATIONS and TAG_STATE in record:
        # Tags as the list at the floor's clock (in the put when that is the put's), then
        # the later adds and the removals (:func:`_tag_record_changes`).
        listed, tag_changes = _tag_record_changes(key, record, _clocks_view(
            record, live=ALIVE in clocks), zero)
        record = {name: value for name, value in record.items() if name != TAG_STATE}
        record["tags"] = listed
    if table == ANNOTATIONS and "tags" in clocks and clocks.get("tags") == clocks.get(ALIVE):
        # Tags changed at the put's own clock (its tags, split off): sent with the put.
        clocks = {name: clock for name, clock in clocks.items() if name != "tags"}
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
    changes.extend(tag_changes)
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


# --------------------------------------------------------------------------- tags, per tag

#: The per-tag state of a record (beside its ``tags`` list, which it decides):
#: tag → ``{"+": {device: [clock, index]}, "-": {device: clock}}``.
TAG_STATE = "_tags"
_TagState = dict[str, dict[str, dict[str, Any]]]


def _device_of(clock: str) -> str:
    return clock.rsplit("-", 1)[1] if valid_clock(clock) else ""


def _clocks_view(record: dict[str, Any] | None, *, live: bool) -> dict[str, str]:
    """The record's clocks as :func:`clocks_of` reads them, without changing the record."""
    clocks = record.get(CLOCKS) if record is not None else None
    if not isinstance(clocks, dict):
        return {ALIVE: ""} if live and record is not None else {}
    view = {name: value for name, value in clocks.items() if isinstance(value, str)}
    if live:
        view.setdefault(ALIVE, "")
    return view


def _floor(clocks: dict[str, Any]) -> str:
    """The clock of the last whole ``tags`` list (adds older than it are gone)."""
    floor = clocks.get("tags", clocks.get(ALIVE, ""))
    return floor if isinstance(floor, str) else ""


def _tag_state(record: dict[str, Any] | None, clocks: dict[str, Any]) -> _TagState:
    """The record's per-tag state, validated (a fresh copy), or made from its ``tags`` list
    (a record from before tags merged per tag: each tag added at the list's clock)."""
    if record is None:
        return {}
    raw = record.get(TAG_STATE)
    if raw.__class__ is not dict:
        floor = _floor(clocks)
        device = _device_of(floor)
        return {tag: {"+": {device: [floor, index]}, "-": {}}
                for index, tag in enumerate(_listed(record.get("tags")))}
    state: _TagState = {}
    for tag, entry in raw.items():
        if not (isinstance(tag, str) and isinstance(entry, dict)):
            continue
        adds, removes = entry.get("+"), entry.get("-")
        clean_adds = {device: [dot[0], dot[1]] for device, dot in adds.items()
                      if isinstance(device, str) and isinstance(dot, list) and len(dot) == 2
                      and isinstance(dot[0], str) and dot[1].__class__ is int
                      } if isinstance(adds, dict) else {}
        clean_removes = {device: clock for device, clock in removes.items()
                         if isinstance(device, str) and isinstance(clock, str)
                         } if isinstance(removes, dict) else {}
        state[tag] = {"+": clean_adds, "-": clean_removes}
    # A tag the list has and the state does not show (the list written by an older postil
    # since, or by hand): added at the list's clock, as the list says.
    floor = _floor(clocks)
    shown = set(_tags_shown(state, floor))
    for index, tag in enumerate(_listed(record.get("tags"))):
        if tag not in shown:
            _add_dot(state, tag, floor, index)
    return state


def _listed(value: Any) -> tuple[str, ...]:
    """The tags of a ``tags`` value read from disk (anything but a list holds none)."""
    return normalize_tags(value) if isinstance(value, list) else ()


def _alive_dots(entry: dict[str, dict[str, Any]], floor: str) -> dict[str, tuple[str, int]]:
    """The adds of one tag still in force: not older than the floor, not removed."""
    removes = entry["-"]
    alive = {}
    for device, (clock, index) in entry["+"].items():
        gone = removes.get(device)
        if clock >= floor and (gone is None or clock > gone):
            alive[device] = (clock, index)
    return alive


def _tags_shown(state: _TagState, floor: str) -> list[str]:
    """The tags present, in the order they were first added (then by name)."""
    keyed = []
    for tag, entry in state.items():
        alive = _alive_dots(entry, floor)
        if alive:
            keyed.append((min(alive.values()), tag))
    return [tag for _, tag in sorted(keyed)]


def _add_dot(state: _TagState, tag: str, clock: str, index: int) -> bool:
    entry = state.setdefault(tag, {"+": {}, "-": {}})
    device = _device_of(clock)
    dot = entry["+"].get(device)
    if dot is not None and dot[0] >= clock:
        return False
    entry["+"][device] = [clock, index]
    return True


def merge_tags(record: dict[str, Any], change: Change, clocks: dict[str, str]) -> bool:
    """Merge a change's tags into ``record`` per tag, an observed-remove set; True when the
    record changed.

    ``tags+`` adds each tag with the change's clock as its dot; ``tags-`` removes the adds it
    lists (what its writer had seen), so an add nobody had seen when removing — made
    concurrently on another device — survives. A ``tags`` list (written before tags merged
    per tag) is the whole list as of its clock: its tags are added at that clock, and every
    add older than it is gone (the list's clock is the floor, kept in the ``tags`` clock).
    Every part is a join (max per device, max floor), so any order of the same changes gives
    the same tags.
    """
    state = _tag_state(record, clocks)
    floor = _floor(clocks)
    clock = change.clock
    fields = change.fields
    changed = False
    listed = fields.get("tags")
    if isinstance(listed, list):  # anything else is not a list of tags: ignored
        if clock > floor:
            floor, changed = clock, True
        for index, tag in enumerate(normalize_tags(listed)):
            changed = _add_dot(state, tag, clock, index) or changed
    adds = fields.get(TAG_ADDS)
    if isinstance(adds, list):
        for index, tag in enumerate(normalize_tags(adds)):
            changed = _add_dot(state, tag, clock, index) or changed
    removes = fields.get(TAG_REMOVES)
    if isinstance(removes, dict):
        for name, seen in removes.items():
            tag = normalize_tag(name) if isinstance(name, str) else ""
            if not tag or not isinstance(seen, dict):
                continue
            gone = state.setdefault(tag, {"+": {}, "-": {}})["-"]
            for device, at in seen.items():
                if isinstance(device, str) and isinstance(at, str) and (
                        device not in gone or at > gone[device]):
                    gone[device] = at
                    changed = True
    clocks["tags"] = floor
    state = {tag: {"+": dict(sorted(entry["+"].items())), "-": dict(sorted(entry["-"].items()))}
             for tag, entry in sorted(state.items())}  # the same bytes in any order
    shown = _tags_shown(state, floor)
    if record.get("tags") != shown or record.get(TAG_STATE, state) != state:
        changed = True
    record["tags"] = shown
    if _plain(state, shown, floor):
        # Every tag added at the floor, none removed: what the list alone says (a new
        # highlight's tags). Kept as the list only, as in a record from before.
        changed = record.pop(TAG_STATE, None) is not None or changed
    else:
        changed = changed or TAG_STATE not in record
        record[TAG_STATE] = state
    return changed


def _plain(state: _TagState, shown: list[str], floor: str) -> bool:
    """Whether ``state`` is exactly what :func:`_tag_state` makes of the list ``shown``."""
    if len(state) != len(shown):
        return False
    device = _device_of(floor)
    for index, tag in enumerate(shown):
        entry = state[tag]
        if entry["-"] or entry["+"] != {device: [floor, index]}:
            return False
    return True


def has_tag_ops(change: Change) -> bool:
    """Whether a change carries per-tag changes (``tags+`` / ``tags-``)."""
    return TAG_ADDS in change.fields or TAG_REMOVES in change.fields


def tags_need_record(change: Change) -> bool:
    """Whether turning a change's ``tags`` list into per-tag changes needs the stored record:
    only to remove a tag (a put only adds; so does a change whose copy had all its tags)."""
    if change.table != ANNOTATIONS or change.op != SET or "tags" not in change.fields:
        return False
    if change.tags_before is None:
        return True
    return bool(set(normalize_tags(change.tags_before)) - set(normalize_tags(
        change.fields["tags"])))


def local_tag_changes(change: Change, record: dict[str, Any] | None, live: bool,
                      device: str) -> list[Change]:
    """A change made here, with a ``tags`` list turned into per-tag changes (what is
    written): the change without ``tags``, then (same clock) one with ``tags+`` and
    ``tags-``.

    What was added and removed is worked out against the tags the writer started from
    (:attr:`Change.tags_before`), else against ``record`` (the stored record, or None). A put
    keeps its list: the whole record as of its clock, tags too (a new highlight's tags, as
    every postil reads them; nobody can have added a tag to it before). A removal lists the
    adds of the tag in ``record`` older than the change (those its writer can have seen: a
    later one was made after it, concurrently).
    Changes without a ``tags`` list are returned as they are.
    """
    if change.table != ANNOTATIONS or change.op != SET or "tags" not in change.fields:
        return [change]
    fields = dict(change.fields)
    listed = normalize_tags(fields.pop("tags"))
    clocks = _clocks_view(record, live=live)
    state, floor = _tag_state(record, clocks), _floor(clocks)
    present = _tags_shown(state, floor)
    base = list(normalize_tags(change.tags_before)) if change.tags_before is not None \
        else present
    adds = [tag for tag in listed if tag not in base]
    removes: dict[str, dict[str, str]] = {}
    zero = f"{0:013d}-0000-{device}"
    for tag in base:
        if tag in listed or tag not in state:
            continue
        seen = {dot_device: clock for dot_device, (clock, _) in
                _alive_dots(state[tag], floor).items() if clock < change.clock}
        if "" in seen:  # a record from before clocks: other devices know that add as ours
            seen[device] = zero
        if seen:
            removes[tag] = seen
    result = []
    if fields:
        result.append(Change(change.table, change.key, change.op, fields, change.clock))
    tag_fields: dict[str, Any] = {}
    if adds:
        tag_fields[TAG_ADDS] = adds
    if removes:
        tag_fields[TAG_REMOVES] = removes
    if tag_fields:
        result.append(Change(ANNOTATIONS, change.key, SET, tag_fields, change.clock))
    return result


def _tag_record_changes(key: str, record: dict[str, Any], clocks: dict[str, Any],
                        zero: str) -> tuple[list[str], list[Change]]:
    """A record's per-tag state as changes: the tags added at the floor (sent as the
    ``tags`` list at the floor's clock), and one ``tags+`` per clock of later adds and one
    ``tags-`` with every removal (see :func:`record_changes`)."""
    state, floor = _tag_state(record, clocks), _floor(clocks)
    zero_device = _device_of(zero)
    at_floor: list[tuple[int, str]] = []
    later: dict[str, list[tuple[int, str]]] = {}
    removes: dict[str, dict[str, str]] = {}
    for tag, entry in state.items():
        for clock, index in entry["+"].values():
            if clock == floor:
                at_floor.append((index, tag))
            elif clock > floor:
                later.setdefault(clock, []).append((index, tag))
        for device, clock in entry["-"].items():
            if clock < floor:
                continue  # the adds it removed are older than the floor: gone anyway
            if not device:  # a record from before clocks: sent as this device's, at zero
                device, clock = zero_device, zero
            removes.setdefault(tag, {})[device] = clock
    changes = [Change(ANNOTATIONS, key, SET, {TAG_ADDS: [tag for _, tag in sorted(tags)]},
                      _clock_or(clock, zero)) for clock, tags in sorted(later.items())]
    if removes:
        newest = max((clock for seen in removes.values() for clock in seen.values()
                      if valid_clock(clock)), default=zero)
        changes.append(Change(ANNOTATIONS, key, SET, {TAG_REMOVES: removes}, newest))
    return [tag for _, tag in sorted(at_floor)], changes


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
