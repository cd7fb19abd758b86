"""The annotation database in one process: damaged files, bad records, permissions, big data."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

import annotations.storage as storage_module
from annotations.model import AnchorStatus, Annotation, Color
from annotations.storage import AnnotationStore, DatabaseDamaged, StoreError, encode_database
from annotations.writer import BackgroundWriter

TEXT = "Reading closely means returning to a passage and noticing what it does. " * 30


def make(number: int = 0, **fields: object) -> Annotation:
    """A highlight of ``TEXT`` starting at ``number`` (modulo the text)."""
    start = number % (len(TEXT) - 80)
    return Annotation.create(article_id="article", path="/library/article.txt", text=TEXT,
                             start=start, end=start + 40, **fields)  # type: ignore[arg-type]


def saved_database(tmp_path: Path, count: int = 20) -> Path:
    """A valid database file holding ``count`` highlights."""
    db = tmp_path / "db.json"
    AnnotationStore(db).put_many(make(n) for n in range(count))
    return db


def corrupt_copies(db: Path) -> list[Path]:
    """The byte-for-byte copies postil made of a damaged ``db``."""
    return sorted(db.parent.glob(f"{db.name}.corrupt-*"))


def assert_untouched(db: Path, content: bytes, mtime_ns: int) -> None:
    """``db`` still holds exactly ``content`` and was not rewritten."""
    assert db.read_bytes() == content
    assert db.stat().st_mtime_ns == mtime_ns


# --------------------------------------------------------------------------- new and empty


def test_missing_database_reads_as_empty_and_is_created_on_first_write(tmp_path: Path) -> None:
    db = tmp_path / "not" / "yet" / "db.json"
    store = AnnotationStore(db)
    assert store.all_annotations() == [] and not db.exists()
    store.add(make())
    assert [a.id for a in AnnotationStore(db).all_annotations()] == [store.all_annotations()[0].id]


def test_empty_file_is_a_new_database_not_damage(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    db.write_bytes(b"")
    store = AnnotationStore(db)
    assert store.all_annotations() == []
    assert corrupt_copies(db) == []
    store.add(make())
    assert len(AnnotationStore(db).all_annotations()) == 1


# --------------------------------------------------------------------------- damaged files


def _truncated_database(tmp_path: Path) -> bytes:
    whole = saved_database(tmp_path / "source").read_bytes()
    return whole[: len(whole) * 2 // 3]


DAMAGED = {
    "whitespace-only": lambda _tmp: b"  \n\t\r\n   ",
    "truncated-json": _truncated_database,
    "binary-garbage": lambda _tmp: bytes(range(256)) * 4,
    "invalid-utf8-in-json": lambda _tmp: b'{"annotations": {"1": {"note": "caf\xe9"}}}',
    "json-list": lambda _tmp: b'[{"id": "x"}, {"id": "y"}]',
    "json-null": lambda _tmp: b"null",
    "json-number": lambda _tmp: b"42",
    "table-is-a-string": lambda _tmp: b'{"annotations": "I am not a table"}',
    "table-is-a-list": lambda _tmp: b'{"annotations": [{"id": "x"}]}',
    "foreign-json-object": lambda _tmp: b'{"name": "another program", "version": 3, "x": []}',
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_damaged_file_is_preserved_byte_for_byte_and_reported(tmp_path: Path, case: str) -> None:
    (tmp_path / "source").mkdir()
    content = DAMAGED[case](tmp_path)
    db = tmp_path / "db.json"
    db.write_bytes(content)
    mtime_ns = db.stat().st_mtime_ns

    with pytest.raises(DatabaseDamaged) as caught:
        AnnotationStore(db)

    error = caught.value
    assert_untouched(db, content, mtime_ns)
    assert error.original == db and error.preserved.parent == tmp_path
    assert error.preserved.read_bytes() == content
    message = str(error)
    assert str(db) in message and str(error.preserved) in message
    assert "\n" not in message and "damaged" in message
    # Asking again reports the same copy instead of piling up new ones.
    with pytest.raises(DatabaseDamaged) as again:
        AnnotationStore(db)
    assert again.value.preserved == error.preserved
    assert corrupt_copies(db) == [error.preserved]
    assert_untouched(db, content, mtime_ns)


def test_damage_appearing_while_the_store_is_open_stops_writes(tmp_path: Path) -> None:
    db = saved_database(tmp_path)
    store = AnnotationStore(db)
    content = b'{"annotations": {"1": {"id": "half'  # another program broke the file
    db.write_bytes(content)
    mtime_ns = db.stat().st_mtime_ns
    with pytest.raises(DatabaseDamaged):
        store.add(make(1))
    with pytest.raises(DatabaseDamaged):
        store.all_annotations()
    assert_untouched(db, content, mtime_ns)
    assert [p.read_bytes() for p in corrupt_copies(db)] == [content]


def test_a_new_kind_of_damage_gets_its_own_copy(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    for content in (b"[1]", b"[2]"):
        db.write_bytes(content)
        with pytest.raises(DatabaseDamaged):
            AnnotationStore(db)
    assert sorted(p.read_bytes() for p in corrupt_copies(db)) == [b"[1]", b"[2]"]


# --------------------------------------------------------------------------- bad records

BAD_RECORDS: dict[str, object] = {
    "2": "not an object",
    "3": {"id": "no-quote", "path": "/a.txt", "position": {"start": 0, "end": 4}},
    "4": {"id": "no-position", "path": "/a.txt", "quote": {"exact": "text"}},
    "5": {"id": 17, "path": "/a.txt", "quote": {"exact": "text"},
          "position": {"start": 0, "end": 4}},
    "6": {"id": "quote-is-a-number", "path": "/a.txt", "quote": {"exact": 5},
          "position": {"start": 0, "end": 4}},
    "7": {"id": "start-is-text", "path": "/a.txt", "quote": {"exact": "text"},
          "position": {"start": "0", "end": 4}},
    "8": {"id": "end-before-start", "path": "/a.txt", "quote": {"exact": "text"},
          "position": {"start": 9, "end": 4}},
    "9": {"id": "path-is-null", "path": None, "quote": {"exact": "text"},
          "position": {"start": 0, "end": 4}},
    "10": {"id": "quote-is-a-list", "path": "/a.txt", "quote": ["text"],
           "position": {"start": 0, "end": 4}},
    "11": [1, 2, 3],
    "twelve": {"id": "key-is-not-a-number"},
}


def test_malformed_records_are_skipped_and_kept_through_writes(tmp_path: Path) -> None:
    good = make(5, note="the one good record")
    odd_but_usable = make(6).to_record() | {"color": "crimson", "tags": "not-a-list",
                                            "note": 12, "status": "lost", "created": 3}
    data = {"annotations": {"1": good.to_record(), "13": odd_but_usable, **BAD_RECORDS}}
    db = tmp_path / "db.json"
    db.write_text(json.dumps(data), encoding="utf-8")

    store = AnnotationStore(db)
    loaded = {a.id: a for a in store.all_annotations()}
    assert set(loaded) == {good.id, odd_but_usable["id"]}
    assert loaded[good.id] == good
    usable = loaded[odd_but_usable["id"]]
    assert (usable.color, usable.tags, usable.note, usable.status) == (
        Color.YELLOW, ("not-a-list",), "", AnchorStatus.ANCHORED)
    # Rows that are not objects, or not under a numeric key, are set aside by the storage
    # layer before parsing; the other eight fail to parse.
    assert store.skipped_records == len(BAD_RECORDS) - 3

    added = make(7)
    store.add(added)
    store.update(good.edited(note="edited"))
    saved = json.loads(db.read_text(encoding="utf-8"))["annotations"]
    for key, record in BAD_RECORDS.items():
        assert saved[key] == record, f"record {key} was changed or dropped"
    assert saved["13"] == odd_but_usable  # not rewritten: nobody changed it
    again = {a.id: a for a in AnnotationStore(db).all_annotations()}
    assert set(again) == {good.id, odd_but_usable["id"], added.id}
    assert again[good.id].note == "edited"


def test_positions_and_state_tables_with_bad_rows_still_work(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    db.write_text(json.dumps({
        "positions": {"1": {"article_id": "a", "offset": "far", "progress": 0.5},
                      "2": {"article_id": "b", "path": "/b", "offset": 40, "progress": 0.25}},
        "state": {"1": {"key": "theme", "value": "nord"}, "2": "junk"},
    }), encoding="utf-8")
    store = AnnotationStore(db)
    assert store.get_position("a", "/a") is None
    position = store.get_position("b", "/b")
    assert position is not None and (position.offset, position.progress) == (40, 0.25)
    assert store.get_state("theme") == "nord"
    store.set_position("a", "/a", 12, 0.1)
    saved = json.loads(db.read_text(encoding="utf-8"))
    assert saved["state"]["2"] == "junk"
    assert store.get_position("a", "/a") is not None


# --------------------------------------------------------------------------- permissions


def test_read_only_database_file_reads_but_refuses_writes(tmp_path: Path) -> None:
    db = saved_database(tmp_path)
    content, mtime_ns = db.read_bytes(), db.stat().st_mtime_ns
    db.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        store = AnnotationStore(db)
        assert len(store.all_annotations()) == 20
        for write in (lambda: store.add(make(3)), lambda: store.set_position("a", "/a", 1, 0.1),
                      lambda: store.delete(store.all_annotations()[0].id)):
            with pytest.raises(StoreError) as caught:
                write()
            assert str(db) in str(caught.value) and "read-only" in str(caught.value)
            assert "\n" not in str(caught.value)
        assert_untouched(db, content, mtime_ns)
        assert list(tmp_path.glob(".db.json.*")) == []
    finally:
        db.chmod(stat.S_IRUSR | stat.S_IWUSR)


@contextlib.contextmanager
def read_only_directory(folder: Path) -> Iterator[None]:
    """Make ``folder`` refuse new files: chmod for a user, the immutable flag for root."""
    if os.geteuid() != 0:
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            yield
        finally:
            folder.chmod(stat.S_IRWXU)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)],
                                        capture_output=True).returncode != 0:
        pytest.skip("running as root and the immutable flag is not available here")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_read_only_directory_reads_but_refuses_writes(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = saved_database(folder)
    content, mtime_ns = db.read_bytes(), db.stat().st_mtime_ns
    with read_only_directory(folder):
        store = AnnotationStore(db)
        assert len(store.all_annotations()) == 20
        with pytest.raises(StoreError) as caught:
            store.add(make(3))
        message = str(caught.value)
        assert str(db) in message and "\n" not in message
        assert "cannot write" in message
        assert_untouched(db, content, mtime_ns)
        assert len(store.all_annotations()) == 20  # still readable after the failed write
    # Nothing but the database, its lock and the device id (written with the first database).
    assert sorted(p.name for p in folder.iterdir()) == ["db.json", "db.json.lock",
                                                        "postil-device"]


def test_read_only_directory_without_a_lock_file_yet(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = saved_database(folder)
    (folder / "db.json.lock").unlink()
    content = db.read_bytes()
    with read_only_directory(folder):
        store = AnnotationStore(db)  # opening does not need the lock file
        assert len(store.all_annotations()) == 20
        with pytest.raises(StoreError) as caught:
            store.add(make(3))
        assert str(db) in str(caught.value)
    assert db.read_bytes() == content


def test_directory_where_the_file_should_be(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    db.mkdir()
    (db / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        AnnotationStore(db)
    assert str(db) in str(caught.value) and "directory" in str(caught.value)
    assert [p.name for p in db.iterdir()] == ["keep.txt"]
    assert (db / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_file_where_the_database_folder_should_be(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder", encoding="utf-8")
    store = AnnotationStore(blocker / "db.json")
    assert store.all_annotations() == []
    with pytest.raises(StoreError) as caught:
        store.add(make())
    assert str(blocker / "db.json") in str(caught.value) and "\n" not in str(caught.value)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file without read permission")
def test_unreadable_database_is_a_clear_error(tmp_path: Path) -> None:
    db = saved_database(tmp_path)
    db.chmod(0)
    try:
        with pytest.raises(StoreError) as caught:
            AnnotationStore(db)
        assert str(db) in str(caught.value) and "permission denied" in str(caught.value)
    finally:
        db.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_held_lock_times_out_with_a_clear_error(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_module, "LOCK_TIMEOUT", 0.2)
    db = saved_database(tmp_path)
    store = AnnotationStore(db)
    with FileLock(str(db) + ".lock"):  # another postil is in the middle of a write
        began = time.monotonic()
        with pytest.raises(StoreError) as caught:
            store.add(make(2))
        assert time.monotonic() - began < 5
    assert "locked" in str(caught.value) and str(db) in str(caught.value)
    store.add(make(2))  # fine once the other writer is done
    assert len(store.all_annotations()) == 21


# --------------------------------------------------------------------------- housekeeping


def test_interrupted_writes_are_cleaned_up_and_other_files_left_alone(tmp_path: Path) -> None:
    db = saved_database(tmp_path)
    leftover = tmp_path / ".db.json.abc123.postil-tmp"
    leftover.write_bytes(b'{"annotations": {"1": {"id": "half')
    mine = [tmp_path / "db.json.bak", tmp_path / ".other.json.x.postil-tmp",
            tmp_path / "db.json.notes"]
    for path in mine:
        path.write_text("keep me", encoding="utf-8")
    store = AnnotationStore(db)
    assert not leftover.exists()
    assert all(path.read_text(encoding="utf-8") == "keep me" for path in mine)
    assert len(store.all_annotations()) == 20


def test_two_stores_on_one_file_see_each_others_changes(tmp_path: Path) -> None:
    db = saved_database(tmp_path, count=3)
    reader, editor = AnnotationStore(db), AnnotationStore(db)
    first = reader.all_annotations()[0]
    editor.update(first.edited(note="changed by the other one"))
    editor.delete(reader.all_annotations()[1].id)
    added = make(9)
    reader.add(added)  # starts from the file as the editor left it
    final = {a.id: a for a in AnnotationStore(db).all_annotations()}
    assert len(final) == 3 and added.id in final
    assert final[first.id].note == "changed by the other one"


def test_writes_keep_the_file_permissions_and_new_files_are_private(tmp_path: Path) -> None:
    db = saved_database(tmp_path)
    assert stat.S_IMODE(db.stat().st_mode) & 0o077 == 0  # annotations are private by default
    db.chmod(0o640)
    AnnotationStore(db).add(make(1))
    assert stat.S_IMODE(db.stat().st_mode) == 0o640


def test_text_that_is_not_valid_unicode_is_saved_without_breaking_the_file(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    store.add(make(note="caf\udce9 au lait", tags=["s\udcffx"]))  # undecodable argv bytes
    loaded = AnnotationStore(db).all_annotations()
    assert loaded[0].note == "caf? au lait"
    json.loads(db.read_bytes().decode("utf-8"))


def test_the_database_is_encoded_exactly_like_json_dumps() -> None:
    records = {str(n): make(n, note=f"note {n} “é” \\ \" \n\t 📚 \u2028",
                            tags=[f"t{n}"]).to_record() for n in range(50)}
    data: dict[str, dict[str, Any]] = {
        "annotations": records, "positions": {}, "state": {"1": {"key": "k", "value": [1.5, None,
                                                                 True, {"x": -3}]}},
        "_default": {"7": {"": "", "nested": {"list": [[], {}]}}},
    }
    expected = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    assert encode_database(data) == expected
    assert encode_database({}) == "{}"


# --------------------------------------------------------------------------- big and odd data


def test_a_one_megabyte_note_and_odd_tags_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    note = ("Paragraph with *Markdown*, “quotes”, emoji 📚, RTL שלום and \\ \" { } [ ].\n" * 14_000)
    note = note[:1_000_000]
    big = make(note=note, tags=["  #Deep Work ", "#日本語 タグ", "naïve", "#", "   ", "a  b   c",
                                "Deep-Work", "📚"])
    AnnotationStore(db).add(big)
    loaded = AnnotationStore(db).get(big.id)
    assert loaded == big
    assert loaded is not None and len(loaded.note) == 1_000_000
    assert loaded.tags == ("deep-work", "日本語-タグ", "naïve", "a-b-c", "📚")


def test_thousands_of_highlights_in_one_article(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    many = [make(n, note=f"note {n}") for n in range(3000)]
    began = time.perf_counter()
    store.put_many(many)
    for n in range(10):  # and single adds on top of the big table
        store.add(make(n, note=f"single {n}"))
    elapsed = time.perf_counter() - began
    reopened = AnnotationStore(db)
    loaded = {a.id: a for a in reopened.all_annotations()}
    assert len(loaded) == 3010
    assert all(loaded[a.id] == a for a in many)
    assert len(reopened.annotations_for("article", "/library/article.txt")) == 3010
    assert reopened.highlight_counts()[0] == {"article": 3010}
    assert elapsed < 20


# --------------------------------------------------------------------------- background writer


def test_background_writer_applies_writes_in_order_and_flush_makes_them_durable(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    errors: list[Exception] = []
    writer = BackgroundWriter(store, errors.append)
    annotation = make(1)
    writer.submit(lambda s: s.add(annotation))
    for number in range(20):  # later edits of the same highlight win, in order
        edit = annotation.edited(note=f"v{number}")
        writer.submit(lambda s, edit=edit: s.update(edit))  # type: ignore[misc]
    assert writer.flush(timeout=30)
    saved = AnnotationStore(db).get(annotation.id)
    assert saved is not None and saved.note == "v19"
    writer.close()
    assert errors == []
    with pytest.raises(RuntimeError):
        writer.submit(lambda s: s.add(make(2)))


def test_background_writer_reports_a_failed_write_and_keeps_going(tmp_path: Path) -> None:
    db = saved_database(tmp_path, count=1)
    errors: list[Exception] = []
    reported = threading.Event()

    def report(error: Exception) -> None:
        errors.append(error)
        reported.set()

    writer = BackgroundWriter(AnnotationStore(db), report)
    db.chmod(stat.S_IRUSR)
    writer.submit(lambda s: s.add(make(2)))
    assert reported.wait(timeout=30)
    db.chmod(stat.S_IRUSR | stat.S_IWUSR)
    writer.submit(lambda s: s.add(make(3)))
    assert writer.flush(timeout=30)
    writer.close()
    assert len(errors) == 1 and isinstance(errors[0], StoreError)
    assert len(AnnotationStore(db).all_annotations()) == 2
