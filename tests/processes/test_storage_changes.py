"""Field-level changes: two writers never revert each other, deletes stay deleted, the log
survives crashes and replays in any order, compaction folds it into a plain TinyDB file."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from tinydb import TinyDB

import annotations.storage as storage_module
from annotations.changelog import Change, decode_line, encode_line, log_files
from annotations.model import AnchorStatus, Annotation, Color, TextPositionSelector
from annotations.records import Tables
from annotations.storage import AnnotationStore
from tests.support.paths import ROOT

TEXT = "Marginalia are the reader's half of a conversation with the book. " * 30


def make(number: int = 0, **fields: object) -> Annotation:
    """A highlight of ``TEXT``."""
    start = number % (len(TEXT) - 80)
    return Annotation.create(article_id="article", path="/library/article.txt", text=TEXT,
                             start=start, end=start + 40, **fields)  # type: ignore[arg-type]


def big_database(db: Path, count: int = 800) -> list[Annotation]:
    """A database above the whole-file size, so changes go to the change log."""
    filler = [make(n, note=f"filler {n} " + "x" * 200, tags=["filler"]) for n in range(count)]
    AnnotationStore(db).put_many(filler)
    assert db.stat().st_size > storage_module.DIRECT_WRITE_BYTES
    return filler


@pytest.fixture(params=["whole-file", "change-log"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A database written whole (small) or through the change log (big)."""
    path = tmp_path / "db.json"
    if request.param == "change-log":
        big_database(path)
    return path


# --------------------------------------------------------------------------- lost updates


def test_two_windows_changing_different_fields_both_win(db: Path) -> None:
    first, second = AnnotationStore(db), AnnotationStore(db)
    original = make(1, note="", color="yellow")
    first.add(original)
    in_a, in_b = first.get(original.id), second.get(original.id)  # both windows show it
    assert in_a is not None and in_b is not None
    first.apply_changes([Change.between(in_a, in_a.edited(note="A's note"))])  # type: ignore[list-item]
    second.apply_changes([Change.between(in_b, in_b.edited(color="blue"))])  # type: ignore[list-item]
    for store in (first, second, AnnotationStore(db)):
        saved = store.get(original.id)
        assert saved is not None and saved.note == "A's note" and saved.color is Color.BLUE


def test_same_field_the_later_change_wins_and_an_older_one_is_ignored(db: Path) -> None:
    store = AnnotationStore(db)
    annotation = make(2)
    store.add(annotation)
    older = Change.edit(annotation.id, note="typed first")
    newer = Change.edit(annotation.id, note="typed second")
    store.apply_changes([newer])
    store.apply_changes([older])  # arrives late (a pending file, another device)
    saved = AnnotationStore(db).get(annotation.id)
    assert saved is not None and saved.note == "typed second"


def test_a_delete_is_a_tombstone_an_older_edit_cannot_revive(db: Path) -> None:
    store = AnnotationStore(db)
    annotation = make(3)
    store.add(annotation)
    stale_edit = Change.edit(annotation.id, note="edited in another window")
    store.delete(annotation.id)
    store.apply_changes([stale_edit])
    store.update_anchors([replace(annotation, status=AnchorStatus.MOVED)])
    assert AnnotationStore(db).get(annotation.id) is None
    assert store.get(annotation.id) is None
    store.add(annotation)  # undo of the delete: a newer put brings it back
    back = AnnotationStore(db).get(annotation.id)
    assert back is not None and back.note == annotation.note


def test_import_updating_a_note_keeps_a_colour_changed_meanwhile(db: Path) -> None:
    tui, cli = AnnotationStore(db), AnnotationStore(db)
    annotation = make(4, note="old")
    tui.add(annotation)
    seen_by_import = cli.get_many([annotation.id])
    tui.apply_changes([Change.edit(annotation.id, color="pink")])  # the TUI, meanwhile
    imported = annotation.edited(note="from the export")
    cli.put_many([imported], base=seen_by_import)
    saved = AnnotationStore(db).get(annotation.id)
    assert saved is not None and saved.note == "from the export" and saved.color is Color.PINK


def test_re_anchoring_keeps_a_note_and_a_delete_made_meanwhile(db: Path) -> None:
    reader, other = AnnotationStore(db), AnnotationStore(db)
    kept, deleted = make(5), make(6)
    reader.put_many([kept, deleted])
    stale = reader.annotations_for("article", "/library/article.txt")
    other.apply_changes([Change.edit(kept.id, note="written meanwhile"),
                         Change.delete(deleted.id)])
    moved = [replace(a, position=TextPositionSelector(a.start + 1, a.end + 1),
                     status=AnchorStatus.MOVED) for a in stale if a.id in (kept.id, deleted.id)]
    reader.update_anchors(moved)
    saved = {a.id: a for a in AnnotationStore(db).all_annotations()}
    assert deleted.id not in saved
    assert saved[kept.id].note == "written meanwhile" and saved[kept.id].start == kept.start + 1


def _edit_loop(db: Path, ident: str, field: str, seed: int, go: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.children.edit_loop", str(db), ident, field, "200",
         str(seed), str(go)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    return child


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_two_processes_changing_different_fields_200_times_each(db: Path, seed: int) -> None:
    from tests.support.children.edit_loop import value

    annotation = make(7, note="start", tags=["start"])
    AnnotationStore(db).add(annotation)
    go = db.parent / f"go-{seed}"
    children = {field: _edit_loop(db, annotation.id, field, seed * 10 + n, go)
                for n, field in enumerate(["note", "color"])}
    go.touch()
    for field, child in children.items():
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
        assert out.split()[-1] == "199", field
    saved = AnnotationStore(db).get(annotation.id)
    assert saved is not None
    assert saved.note == value("note", 199)  # every last change of every field is there
    assert saved.color.value == value("color", 199)
    assert saved.tags == ("start",)  # and what nobody changed is untouched


# --------------------------------------------------------------------------- the merge


def test_replaying_changes_in_any_order_and_twice_gives_the_same_records() -> None:
    ident = make(8).id
    changes = [Change.put(make(8))]
    rng = random.Random(5)
    for number in range(60):
        kind = rng.choice(["note", "color", "tags", "del", "put"])
        if kind == "del":
            changes.append(Change.delete(ident))
        elif kind == "put":
            changes.append(Change.put(replace(make(8, note=f"put {number}"), id=ident)))
        elif kind == "note":
            changes.append(Change.edit(ident, note=f"n{number}"))
        elif kind == "color":
            changes.append(Change.edit(ident, color=rng.choice(list(Color)).value))
        else:
            changes.append(Change.edit(ident, tags=[f"t{number}"]))
    changes = [change.stamped("device" + str(n % 3) * 8) for n, change in enumerate(changes)]

    def result(order: list[Change]) -> tuple[dict[str, object] | None, bool]:
        tables = Tables({})
        for change in order:
            tables.apply(change)
        record = tables.annotation(ident)
        if record is None:
            return None, ident in tables.hidden
        return {k: v for k, v in record.items() if k != "_hlc"}, True

    expected = result(changes)
    for trial in range(20):
        shuffled = changes[:] + changes[: trial * 3]  # some delivered twice
        random.Random(trial).shuffle(shuffled)
        assert result(shuffled) == expected


# --------------------------------------------------------------------------- the log


def test_small_changes_to_a_big_database_go_to_the_log_not_the_file(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    big_database(db)
    before = db.read_bytes()
    store = AnnotationStore(db, load=False)  # what `postil highlight` does: no parse
    annotation = make(9, note="appended")
    store.add(annotation)
    assert db.read_bytes() == before
    [log] = log_files(store.log_dir)
    assert annotation.id in log.read_text(encoding="utf-8")
    saved = AnnotationStore(db).get(annotation.id)
    assert saved is not None and saved.note == "appended"


def test_a_torn_last_line_is_ignored_and_the_next_change_still_counts(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    big_database(db)
    store = AnnotationStore(db)
    first = make(10, note="durable")
    store.add(first)
    [log] = log_files(store.log_dir)
    torn = encode_line(Change.put(make(11)).stamped("a" * 16).to_entry())
    with open(log, "ab") as stream:
        stream.write(torn[: len(torn) // 2])  # the crash: half a line
    assert {a.id for a in AnnotationStore(db).all_annotations()} >= {first.id}
    second = make(12, note="after the crash")
    AnnotationStore(db).add(second)
    ids = {a.id for a in AnnotationStore(db).all_annotations()}
    assert {first.id, second.id} <= ids
    # A damaged line in the middle is skipped; the ones around it still count.
    lines = log.read_bytes().split(b"\n")
    assert decode_line(lines[1]) is not None
    assert decode_line(lines[1].replace(b"durable", b"durablE")) is None


def test_compaction_folds_the_log_into_a_plain_tinydb_file(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    filler = big_database(db)
    store = AnnotationStore(db)
    added = make(13, note="in the log")
    store.add(added)
    store.apply_changes([Change.edit(filler[0].id, note="edited in the log"),
                         Change.delete(filler[1].id)])
    store.compact()
    assert log_files(store.log_dir) == []
    records = TinyDB(db).table("annotations").all()  # TinyDB itself reads it
    by_id = {r["id"]: r for r in records}
    assert by_id[added.id]["note"] == "in the log"
    assert by_id[filler[0].id]["note"] == "edited in the log"
    assert filler[1].id not in by_id
    json.loads(db.read_text(encoding="utf-8"))
    reopened = AnnotationStore(db)
    assert reopened.get(filler[1].id) is None and reopened.get(added.id) is not None


def test_the_log_is_compacted_when_it_grows_past_its_share(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    big_database(db)
    store = AnnotationStore(db)
    size = db.stat().st_size
    number = 0
    while not store.compaction_due():
        store.add(make(100 + number, note="n" * 500))
        number += 1
    assert number > 10
    assert store.maybe_compact()
    assert log_files(store.log_dir) == [] and db.stat().st_size > size
    assert len(AnnotationStore(db).all_annotations()) == 800 + number


@pytest.mark.parametrize(
    "stage", ["half-written", "before-fsync", "before-replace", "after-replace"]
)
def test_sigkill_during_compaction_keeps_every_change(tmp_path: Path, stage: str) -> None:
    db = tmp_path / "db.json"
    big_database(db)
    child = subprocess.run(
        [sys.executable, "-m", "tests.support.children.crash_in_compaction", str(db), stage],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == -9, child.stderr
    assert "survived" not in child.stdout
    logged = child.stdout.split()
    assert len(logged) == 5
    store = AnnotationStore(db)
    ids = {a.id for a in store.all_annotations()}
    assert set(logged) <= ids and len(ids) == 805
    assert not list(tmp_path.glob("db.json.corrupt-*"))
    assert list(tmp_path.glob(".db.json.*.postil-tmp")) == []
    store.compact()  # and the next compaction completes
    assert len(AnnotationStore(db).all_annotations()) == 805


# --------------------------------------------------------------------------- migration

FIXTURE = ROOT / "tests" / "data" / "db-v1.json"  # written by the previous version


def test_a_database_of_the_previous_version_opens_unchanged_and_is_kept_once(
    tmp_path: Path,
) -> None:
    db = tmp_path / "postil.json"
    db.write_bytes(FIXTURE.read_bytes())
    original = db.read_bytes()
    store = AnnotationStore(db)
    found = {a.id: a for a in store.all_annotations()}
    assert len(found) == 3
    assert found["0d9f3e52-6a43-4a9b-9a0e-6f1f0c7a3b11"].note == (
        "A note written with the previous version")
    assert found["0d9f3e52-6a43-4a9b-9a0e-6f1f0c7a3b11"].tags == ("old", "kept")
    position = store.get_position("a1b2c3d4e5f60718", "/library/old-article.txt")
    assert position is not None and position.offset == 120
    assert store.get_state("welcome_dismissed") is True
    assert db.read_bytes() == original  # reading changes nothing
    copy = tmp_path / "postil.json.before-changelog"
    assert not copy.exists()

    store.apply_changes([Change.edit("5c7e9a1b-2d3f-4e5a-8b6c-7d8e9f0a1b22", note="new")])
    assert copy.read_bytes() == original  # the old file, kept before the first rewrite
    store.delete("9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c33")
    assert copy.read_bytes() == original  # once: not replaced by later writes
    after = {a.id: a for a in AnnotationStore(db).all_annotations()}
    assert set(after) == {"0d9f3e52-6a43-4a9b-9a0e-6f1f0c7a3b11",
                          "5c7e9a1b-2d3f-4e5a-8b6c-7d8e9f0a1b22"}
    assert after["5c7e9a1b-2d3f-4e5a-8b6c-7d8e9f0a1b22"].note == "new"
    assert after["0d9f3e52-6a43-4a9b-9a0e-6f1f0c7a3b11"] == found[
        "0d9f3e52-6a43-4a9b-9a0e-6f1f0c7a3b11"]
    # An old record edited by the new version still reads as a plain annotation everywhere.
    raw = json.loads(db.read_text(encoding="utf-8"))
    assert {r["id"] for r in raw["annotations"].values()} == set(after)


def test_hostile_clocks_tags_and_log_lines_never_stop_the_store(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    good = make(20).to_record()
    weird = {**make(21).to_record(), "_hlc": {"+": 5, "note": None, "-": ["x"]},
             "tags": [{"a": 1}, "ok", 7]}
    db.write_text(json.dumps({"annotations": {"1": good, "2": weird}}), encoding="utf-8")
    store = AnnotationStore(db)
    assert len(store.all_annotations()) == 2 and store.tags_in_use() == {"ok"}
    store.apply_changes([Change.edit(weird["id"], note="fixed"), Change.edit(good["id"],
                                                                          color="blue")])
    log_dir = store.log_dir
    log_dir.mkdir(exist_ok=True)
    hostile = [
        b"not json at all\n",
        encode_line({"clock": "nope", "table": "annotations", "op": "set", "key": "x",
                     "fields": {}}),
        encode_line({"clock": "1764626400123-0000-abcdef0123456789", "table": "annotations",
                     "op": "set", "key": good["id"], "fields": {"tags": 5, "evil": 1}}),
        b"[" * 100_000 + b"\n",
    ]
    (log_dir / "0123456789abcdef.jsonl").write_bytes(b"".join(hostile))
    reopened = AnnotationStore(db)
    saved = {a.id: a for a in reopened.all_annotations()}
    assert saved[weird["id"]].note == "fixed" and saved[good["id"]].color is Color.BLUE
    assert reopened.damaged_log_lines == 4
