"""Tags merge per tag: an observed-remove set (add wins over a removal that had not seen it).

Two writers that each add a tag keep both; a tag removed by one while another adds a different
one keeps the added one and drops the removed one; a tag removed and added again resolves by
which adds the removal had seen. Databases and change logs from before (a ``tags`` list as one
field) still load, and old records keep their tags.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from annotations import storage as storage_module
from annotations.changelog import TAG_ADDS, TAG_REMOVES, Change, encode_line, header_line
from annotations.clock import CLOCK
from annotations.model import Annotation
from annotations.records import Tables, all_changes
from annotations.storage import AnnotationStore

TEXT = "Marginalia are the reader's half of a conversation with the book. " * 30


def make(number: int = 0, **fields: object) -> Annotation:
    """A highlight of ``TEXT``."""
    start = number % (len(TEXT) - 80)
    return Annotation.create(article_id="article", path="/library/article.txt", text=TEXT,
                             start=start, end=start + 40, **fields)  # type: ignore[arg-type]


@pytest.fixture(params=["whole-file", "change-log"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A database written whole (small) or through the change log (big)."""
    path = tmp_path / "db.json"
    if request.param == "change-log":
        AnnotationStore(path).put_many(
            [make(n, note=f"filler {n} " + "x" * 200, tags=["filler"]) for n in range(800)])
        assert path.stat().st_size > storage_module.DIRECT_WRITE_BYTES
    return path


def _retag(store: AnnotationStore, copy: Annotation, *tags: str) -> None:
    """What the reader's tag dialog does: the new list, as a change from the copy it shows."""
    change = Change.between(copy, copy.edited(tags=list(tags)))
    assert change is not None
    store.apply_changes([change])


def _tags(db: Path, ident: str) -> tuple[str, ...]:
    saved = AnnotationStore(db).get(ident)
    assert saved is not None
    return saved.tags


# --------------------------------------------------------------------------- two writers


def test_two_stores_each_adding_a_different_tag_keep_both(db: Path) -> None:
    first, second = AnnotationStore(db), AnnotationStore(db)
    original = make(1, tags=["start"])
    first.add(original)
    in_a, in_b = first.get(original.id), second.get(original.id)  # both windows show it
    assert in_a is not None and in_b is not None
    _retag(first, in_a, "start", "from-a")
    _retag(second, in_b, "start", "from-b")
    for store in (first, second):
        saved = store.get(original.id)
        assert saved is not None and saved.tags == ("start", "from-a", "from-b")
    assert _tags(db, original.id) == ("start", "from-a", "from-b")
    assert AnnotationStore(db).tags_in_use() >= {"start", "from-a", "from-b"}


def test_removing_one_tag_while_another_store_adds_one_keeps_the_added(db: Path) -> None:
    first, second = AnnotationStore(db), AnnotationStore(db)
    original = make(2, tags=["keep", "drop"])
    first.add(original)
    in_a, in_b = first.get(original.id), second.get(original.id)
    assert in_a is not None and in_b is not None
    _retag(first, in_a, "keep")  # removes "drop"
    _retag(second, in_b, "keep", "drop", "new")  # adds "new", from a copy that had "drop"
    assert _tags(db, original.id) == ("keep", "new")


def test_edit_with_a_tags_list_and_no_copy_compares_with_the_stored_record(db: Path) -> None:
    store = AnnotationStore(db)
    original = make(3, tags=["a", "b"])
    store.add(original)
    store.apply_changes([Change.edit(original.id, tags=["b", "c"])])
    assert _tags(db, original.id) == ("b", "c")


def test_removing_and_adding_again_goes_by_what_the_removal_had_seen(db: Path) -> None:
    first, second = AnnotationStore(db), AnnotationStore(db)
    original = make(4, tags=["x"])
    first.add(original)
    in_a = first.get(original.id)
    assert in_a is not None
    _retag(first, in_a, )  # remove x
    assert _tags(db, original.id) == ()
    in_b = second.get(original.id)
    assert in_b is not None
    _retag(second, in_b, "x")  # added again after the removal: a new add
    assert _tags(db, original.id) == ("x",)
    again = first.get(original.id)
    assert again is not None
    _retag(first, again)  # removed after seeing the new add
    assert _tags(db, original.id) == ()


def test_a_removal_made_before_an_add_it_never_saw_keeps_that_add(tmp_path: Path) -> None:
    """The removal reaches the store after a concurrent add of the same tag (made later,
    elsewhere): the add survives — add wins."""
    store = AnnotationStore(tmp_path / "db.json")
    original = make(5, tags=["x"])
    store.add(original)
    copy = store.get(original.id)
    assert copy is not None
    removal = Change.between(copy, copy.edited(tags=[]))  # made now, applied below
    assert removal is not None
    re_add = Change.edit(original.id, tags=["x", "y"])  # made after: its own add of x...
    store.apply_changes([Change(re_add.table, re_add.key, re_add.op, {TAG_ADDS: ["x"]},
                                re_add.clock)])
    store.apply_changes([removal])
    assert _tags(tmp_path / "db.json", original.id) == ("x",)


# --------------------------------------------------------------------------- the merge


def _random_changes(seed: int) -> tuple[str, list[Change]]:
    """Per-tag changes from three devices, each made against that device's own record."""
    rng = random.Random(seed)
    base = make(8, tags=["a"])
    devices = [f"device{n}" * 2 for n in range(3)]
    tables = {device: Tables({}) for device in devices}
    put = Change.put(base).stamped(devices[0])
    made: list[Change] = []
    for device in devices:
        for change in tables[device].local_changes(put, devices[0]):
            tables[device].apply(change)
            if device == devices[0]:
                made.append(change)
    for number in range(40):
        device = rng.choice(devices)
        local = tables[device]
        record = local.annotation(base.id)
        assert record is not None
        current = list(record["tags"])
        tag = rng.choice(["a", "b", "c", "d"])
        wanted = [t for t in current if t != tag] if tag in current else [*current, tag]
        change = Change.edit(base.id, tags=wanted).stamped(device)
        for written in local.local_changes(change, device):
            local.apply(written)
            made.append(written)
        if rng.random() < 0.4:  # sometimes another device hears of everything so far
            other = tables[rng.choice(devices)]
            for seen in made:
                other.apply(seen)
        del number
    return base.id, made


def _result(ident: str, changes: list[Change]) -> object:
    tables = Tables({})
    for change in changes:
        tables.apply(change)
    record = tables.annotation(ident)
    return None if record is None else (record["tags"], record["_tags"])


@pytest.mark.parametrize("seed", range(5))
def test_per_tag_changes_in_any_order_and_twice_give_the_same_tags(seed: int) -> None:
    ident, changes = _random_changes(seed)
    expected = _result(ident, changes)
    for trial in range(20):
        shuffled = changes[:] + changes[: trial * 2]
        random.Random(trial).shuffle(shuffled)
        assert _result(ident, shuffled) == expected


def test_every_order_of_two_adds_a_removal_and_an_old_list_gives_one_result() -> None:
    annotation = make(9)
    ident = annotation.id
    put = Change.put(annotation)
    changes = [
        Change(put.table, ident, put.op, {k: v for k, v in put.fields.items() if k != "tags"},
               "1764626399999-0000-aaaaaaaa"),
        Change(*("annotations", ident, "set"), {TAG_ADDS: ["x"]}, "1764626400001-0000-aaaaaaaa"),
        Change(*("annotations", ident, "set"), {TAG_ADDS: ["y"]}, "1764626400002-0000-bbbbbbbb"),
        Change(*("annotations", ident, "set"), {TAG_REMOVES: {"x": {
            "aaaaaaaa": "1764626400001-0000-aaaaaaaa"}}}, "1764626400003-0000-bbbbbbbb"),
        Change(*("annotations", ident, "set"), {"tags": ["z"]}, "1764626400000-0000-cccccccc"),
    ]
    results = {json.dumps(_result(ident, list(order)))
               for order in itertools.permutations(changes)}
    assert len(results) == 1
    tags = _result(ident, changes)
    assert tags is not None and tags[0] == ["z", "y"]  # type: ignore[index]


def test_the_records_as_changes_rebuild_the_same_tags_elsewhere() -> None:
    """What a sync snapshot carries (every record with its own clocks): replayed on another
    device, and a late change after it, the tags are the same as here."""
    ident, changes = _random_changes(11)
    here = Tables({})
    for change in changes[:-5]:
        here.apply(change)
    snapshot = list(all_changes(here, "device0device0"))
    there = Tables({})
    for change in reversed(snapshot):
        there.apply(change)
    for tables in (here, there):
        for change in changes[-5:]:
            tables.apply(change)
    mine, theirs = here.annotation(ident), there.annotation(ident)
    assert mine is not None and theirs is not None and mine["tags"] == theirs["tags"]


# --------------------------------------------------------------------------- what was there


def test_a_database_and_a_log_from_before_keep_their_tags_and_merge_per_tag(
        tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    old = make(10, tags=["zeta", "alpha"]).to_record()
    older = make(11, tags=["one"]).to_record()
    old["_hlc"] = {"+": "1764626400000-0000-aaaaaaaa"}
    db.write_text(json.dumps({"annotations": {"1": old, "2": older}}), encoding="utf-8")
    log = db.with_name("db.json.changes")
    log.mkdir()
    line = {"clock": "1764626401000-0000-aaaaaaaa", "table": "annotations", "op": "set",
            "key": older["id"], "fields": {"tags": ["one", "two"]}}  # the old single field
    (log / "aaaaaaaa.jsonl").write_bytes(header_line("aaaaaaaa") + encode_line(line))
    store = AnnotationStore(db)
    assert _tags(db, old["id"]) == ("zeta", "alpha")  # order kept
    assert _tags(db, older["id"]) == ("one", "two")
    first, second = store.get(old["id"]), AnnotationStore(db).get(old["id"])
    assert first is not None and second is not None
    _retag(store, first, "zeta", "alpha", "new")
    _retag(AnnotationStore(db), second, "alpha", "other")  # removes zeta, adds other
    assert _tags(db, old["id"]) == ("alpha", "new", "other")
    store.compact()
    assert _tags(db, older["id"]) == ("one", "two")


def test_a_newer_old_style_list_replaces_older_tags_as_before(tmp_path: Path) -> None:
    """A ``tags`` list from a device that has not upgraded yet is the whole list as of its
    clock: adds older than it are gone, later ones stay."""
    store = AnnotationStore(tmp_path / "db.json")
    original = make(12, tags=["a"])
    store.add(original)
    store.apply_changes([Change.edit(original.id, tags=["a", "b"])])
    store.apply_changes([Change.edit(original.id, tags=["c"]).stamped("cccccccc")],
                        share=False)  # merged from an old device: a list, newer
    assert _tags(tmp_path / "db.json", original.id) == ("c",)
    store.apply_changes([Change.edit(original.id, tags=["c", "d"])])
    assert _tags(tmp_path / "db.json", original.id) == ("c", "d")


def test_what_is_written_is_tags_added_and_removed_never_the_list(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    shared: list[Change] = []
    store.on_durable = shared.extend
    original = make(13, tags=["a", "b"], note="n")
    store.add(original)
    copy = store.get(original.id)
    assert copy is not None
    store.apply_changes([Change.between(copy, copy.edited(tags=["b", "c"], note="m"))])  # type: ignore[list-item]
    assert shared[0].fields["tags"] == ["a", "b"]  # a new highlight: its list, as before
    assert not any("tags" in change.fields for change in shared[1:])
    # The note goes in its own line: a device on an older postil still merges it.
    note, tags = shared[1:]
    assert note.fields["note"] == "m" and set(tags.fields) == {TAG_ADDS, TAG_REMOVES}
    assert tags.fields[TAG_ADDS] == ["c"] and list(tags.fields[TAG_REMOVES]) == ["a"]
    assert note.clock == tags.clock


def test_a_tag_edit_at_the_puts_own_clock_is_sent_with_the_put() -> None:
    """A record whose tags changed at the clock of its put (the per-tag part of one change)
    rebuilds elsewhere with its tags."""
    annotation = make(14)
    put = Change.put(annotation).stamped("aaaaaaaa")
    here = Tables({})
    here.apply(put)
    here.apply(Change(put.table, put.key, "set", {TAG_ADDS: ["a"]}, put.clock))
    there = Tables({})
    for change in all_changes(here, "aaaaaaaa"):
        there.apply(change)
    record = there.annotation(annotation.id)
    assert record is not None and record["tags"] == ["a"]


def test_hostile_per_tag_state_and_tag_values_never_stop_the_store(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    broken = make(15, tags=["kept"]).to_record()
    broken["_tags"] = {"kept": {"+": {"x": ["not", "ok", 3]}, "-": 7}, "7": [], "odd": {
        "+": {"aaaaaaaa": ["1764626400000-0000-aaaaaaaa", True]}}}
    numeric = {**make(16).to_record(), "tags": 5, "_tags": "nonsense"}
    db.write_text(json.dumps({"annotations": {"1": broken, "2": numeric}}), encoding="utf-8")
    store = AnnotationStore(db)
    ids = [broken["id"], numeric["id"]]
    store.apply_changes([Change.edit(ident, tags=["new"]) for ident in ids])
    store.apply_changes([Change("annotations", ident, "set", {"tags": 5, TAG_ADDS: "x",
                                                              TAG_REMOVES: ["y"]})
                         for ident in ids], share=False)
    for ident in ids:
        assert _tags(db, ident) == ("new",)


def test_a_list_written_by_an_older_postil_over_per_tag_state_counts(tmp_path: Path) -> None:
    """An older postil run on the database since wrote the tags list (and its clock) but not
    the per-tag state: the list's tags are kept at the next tag change."""
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    original = make(17, tags=["a"])
    store.add(original)
    store.apply_changes([Change.edit(original.id, tags=["a", "b"])])
    store.compact()
    data = json.loads(db.read_text())
    [record] = data["annotations"].values()
    assert "_tags" in record
    record["tags"] = ["a", "b", "from-old"]  # what the older postil's merge left
    record["_hlc"]["tags"] = CLOCK.now() + "-aaaaaaaa"  # its clock: after the others
    db.write_text(json.dumps(data), encoding="utf-8")
    store = AnnotationStore(db)
    store.apply_changes([Change.edit(original.id, tags=["a", "b", "from-old", "new"])])
    assert _tags(db, original.id) == ("a", "b", "from-old", "new")
