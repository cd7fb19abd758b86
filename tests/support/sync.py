"""Simulated devices and a simulated transport for the sync tests.

Every device has its own data dir and its own copy of the sync folder; :class:`Transport`
carries files between the copies the way Syncthing or Dropbox do at their worst: late, out of
order, twice, cut off mid-line, as conflict copies. :class:`Reference` is the model the
devices must agree with: every change any device made, folded in clock order (the later change
of a field wins, a delete wins over older edits, the furthest reading position wins unless the
reader moved back after seeing it), and tags as an observed-remove set: every add of a tag
counts unless a removal saw it (:func:`reference_tags`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.changelog import (
    ANNOTATIONS,
    DELETE,
    POSITIONS,
    PUT,
    STATE,
    TAG_ADDS,
    TAG_REMOVES,
    Change,
)
from annotations.model import Annotation, TextPositionSelector, TextQuoteSelector
from annotations.records import shown_position
from annotations.storage import AnnotationStore
from annotations.sync import SyncFolder
from annotations.sync.layout import ROOT_NAME

#: The fields the devices' annotations are compared on.
COMPARED = ("note", "color", "tags", "quote", "path", "article_id")


def make_annotation(ident: str, article: str = "art-1", text: str = "a quote") -> Annotation:
    """A highlight in article ``article``."""
    return Annotation(id=ident, article_id=article, path=f"/library/{article}.txt",
                      quote=TextQuoteSelector(text, "", ""),
                      position=TextPositionSelector(0, len(text)))


@dataclass
class Device:
    """One simulated machine: its database, its copy of the sync folder, its syncer."""

    name: str
    home: Path
    store: AnnotationStore = field(init=False)
    sync: SyncFolder = field(init=False)
    made: list[Change] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.home / "sync").mkdir(parents=True, exist_ok=True)
        self.store = AnnotationStore(self.home / "data" / "postil.json")
        self.sync = SyncFolder(self.store, self.home / "sync", self.name).attach()
        shared = self.sync.share

        def record(changes: list[Change]) -> None:
            self.made.extend(changes)
            shared(changes)

        self.store.on_durable = record

    @property
    def own_folder(self) -> Path:
        """Where this device writes in its copy of the sync folder."""
        return self.home / "sync" / ROOT_NAME / self.store.device

    def annotations(self) -> dict[str, tuple[Any, ...]]:
        """Visible annotations: id → compared fields."""
        return {a.id: _compared(a.to_record()) for a in self.store.all_annotations()}

    def positions(self) -> dict[str, tuple[int, float]]:
        """Reading positions shown: article id → (offset, progress)."""
        return {key: (p.offset, p.progress) for key, p in self.store.all_positions().items()}

    def states(self) -> dict[str, Any]:
        """Review state values."""
        return self.store.state_values("review.")


def _compared(record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(repr(record.get(name)) for name in COMPARED)


class Transport:
    """Copies files between the devices' sync folders, badly on purpose."""

    def __init__(self, devices: list[Device]) -> None:
        self.devices = devices

    def files(self, source: Device) -> list[Path]:
        """The files ``source`` has written (its own folder)."""
        folder = source.own_folder
        return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []

    def target(self, source: Device, destination: Device, name: str) -> Path:
        """Where ``destination``'s copy of ``source``'s file ``name`` goes."""
        return destination.home / "sync" / ROOT_NAME / source.store.device / name

    def deliver(self, source: Device, destination: Device, path: Path, mode: str,
                cut: int = 0) -> None:
        """Deliver one file: ``full``, ``partial`` (the first ``cut`` bytes, often mid-line)
        or ``conflict`` (a Syncthing conflict copy beside the real file)."""
        data = path.read_bytes()
        name = path.name
        if mode == "partial":
            data = data[: cut % (len(data) + 1)]
        elif mode == "conflict":
            if not name.endswith(".jsonl"):
                return
            name = f"{name[:-6]}.sync-conflict-20261201-101010-ABCDEFG.jsonl"
        target = self.target(source, destination, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{name}.arriving")
        temp.write_bytes(data)
        temp.replace(target)

    def mirror(self) -> None:
        """Deliver everything everywhere, and deletions too (conflict copies stay, as a
        transport leaves them)."""
        for source in self.devices:
            names = {path.name for path in self.files(source)}
            for destination in self.devices:
                if destination is source:
                    continue
                for path in self.files(source):
                    self.deliver(source, destination, path, "full")
                folder = self.target(source, destination, "x").parent
                for copy in list(folder.iterdir()) if folder.is_dir() else []:
                    if copy.name not in names and "sync-conflict" not in copy.name:
                        copy.unlink()
                        # a real transport deletes too; a deleted segment was merged by all


class Reference:
    """The expected records: every change made anywhere, folded in clock order."""

    def __init__(self, changes: list[Change]) -> None:
        self.changes = sorted(changes, key=lambda c: c.clock)

    def annotations(self) -> dict[str, tuple[Any, ...]]:
        """Visible annotations: id → compared fields."""
        fields: dict[str, dict[str, Any]] = {}
        alive: dict[str, str] = {}
        deleted: dict[str, str] = {}
        for change in self.changes:
            if change.table != ANNOTATIONS:
                continue
            if change.op == DELETE:
                deleted[change.key] = change.clock
                continue
            if change.op == PUT:
                alive[change.key] = change.clock
            fields.setdefault(change.key, {}).update(
                (name, value) for name, value in change.fields.items()
                if name not in (TAG_ADDS, TAG_REMOVES))
        return {key: _compared({**fields[key], "tags": reference_tags(
                    [c for c in self.changes if c.table == ANNOTATIONS and c.key == key])})
                for key, clock in alive.items() if clock > deleted.get(key, "")}

    def positions(self) -> dict[str, tuple[int, float]]:
        """Reading positions: article id → (offset, progress) as the rule resolves them."""
        records: dict[str, dict[str, Any]] = {}
        for change in self.changes:
            if change.table != POSITIONS:
                continue
            record = records.setdefault(change.key, {})
            record.update(change.fields)
            far = record.get("far")
            candidate = (float(change.fields["progress"]), change.clock)
            if far is None or candidate > (far["progress"], far["clock"]):
                record["far"] = {"offset": change.fields["offset"],
                                 "progress": candidate[0], "clock": change.clock}
        shown = {}
        for key, record in records.items():
            view = shown_position(record)
            shown[key] = (int(view["offset"]), float(view["progress"]))
        return shown

    def states(self) -> dict[str, Any]:
        """State values (the later change wins)."""
        values: dict[str, Any] = {}
        for change in self.changes:
            if change.table == STATE and change.key.startswith("review."):
                values[change.key] = change.fields.get("value")
        return values


def reference_tags(changes: list[Change]) -> list[str]:
    """One annotation's tags from all its changes, as an observed-remove set over every add
    ever made (not the store's per-device summary): an add (tag, clock) counts unless a
    ``tags-`` saw an add of that tag by its device at that clock or later, or a ``tags``
    list (the old whole-list form) is newer than it. Shown in the order of each device's
    latest add still in force, earliest first, then by name."""
    adds: list[tuple[str, str, int]] = []
    seen: dict[tuple[str, str], str] = {}
    floor = ""
    for change in changes:
        if isinstance(change.fields.get("tags"), list):
            floor = max(floor, change.clock)
            adds.extend((tag, change.clock, i) for i, tag in enumerate(change.fields["tags"]))
        adds.extend((tag, change.clock, i)
                    for i, tag in enumerate(change.fields.get(TAG_ADDS, [])))
        for tag, devices in change.fields.get(TAG_REMOVES, {}).items():
            for device, clock in devices.items():
                seen[(tag, device)] = max(seen.get((tag, device), ""), clock)
    latest: dict[tuple[str, str], tuple[str, int]] = {}
    for tag, clock, index in adds:
        device = clock.rsplit("-", 1)[1]
        removed = seen.get((tag, device))
        if clock >= floor and (removed is None or clock > removed):
            latest[(tag, device)] = max(latest.get((tag, device), (clock, index)),
                                        (clock, index))
    first: dict[str, tuple[str, int]] = {}
    for (tag, _), key in latest.items():
        first[tag] = min(first.get(tag, key), key)
    return [tag for _, tag in sorted((key, tag) for tag, key in first.items())]


def make_devices(tmp: Path, names: tuple[str, ...] = ("laptop", "desktop", "server")
                 ) -> list[Device]:
    """Fresh devices under ``tmp``."""
    if tmp.exists():
        shutil.rmtree(tmp)
    return [Device(name, tmp / name) for name in names]
