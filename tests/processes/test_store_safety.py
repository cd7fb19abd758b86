"""The annotation database survives SIGKILL, two writers, and damaged files."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotations.model import Annotation
from annotations.storage import AnnotationStore, DatabaseDamaged, StoreError
from tests.support.paths import ROOT

TEXT = "The quick brown fox jumps over the lazy dog. " * 20


def _writer(db: Path, count: int, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.children.add_loop", str(db), str(count), tag],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _annotation(number: int = 0, **fields: object) -> Annotation:
    return Annotation.create(article_id="a", path="/a.txt", text=TEXT, start=number,
                             end=number + 10, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("rounds", [8, pytest.param(25, marks=pytest.mark.slow)])
def test_sigkill_at_random_moments_never_loses_a_reported_write(
    tmp_path: Path, rounds: int
) -> None:
    db = tmp_path / "db.json"
    rng = random.Random(1234)
    reported: set[str] = set()
    for _round in range(rounds):
        child = _writer(db, 0, "kill")
        assert child.stdout is not None
        # Once it is running (one add reported: start-up time is not part of the window), let
        # it write a few annotations, then kill it at a random moment.
        lines = [child.stdout.readline().strip()]
        deadline = time.monotonic() + rng.uniform(0.05, 0.4)
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
        child.send_signal(signal.SIGKILL)
        # The same buffered stream readline() used: communicate() reads the raw pipe and would
        # drop ids readline() had already buffered (seen as "unreported" writes on a busy machine).
        rest = child.stdout.read()
        if child.stderr is not None:
            child.stderr.read()
        child.wait(timeout=30)
        reported.update(lines)
        reported.update(line.strip() for line in rest.splitlines() if line.strip())
        store = AnnotationStore(db)  # always loads
        stored = {a.id for a in store.all_annotations()}
        assert reported <= stored
    assert len(reported) > rounds
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".postil-tmp")]
    AnnotationStore(db)
    assert all(not p.exists() for p in leftovers)


def test_two_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    first, second = _writer(db, 100, "one"), _writer(db, 100, "two")
    out_one, err_one = first.communicate(timeout=120)
    out_two, err_two = second.communicate(timeout=120)
    assert first.returncode == 0, err_one
    assert second.returncode == 0, err_two
    annotations = AnnotationStore(db).all_annotations()
    assert len(annotations) == 200
    assert {a.id for a in annotations} == set(out_one.split()) | set(out_two.split())


def test_tui_and_cli_style_writers_see_each_other(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    one, two = AnnotationStore(db), AnnotationStore(db)
    first = _annotation(1)
    one.add(first)
    second = _annotation(2)
    two.add(second)  # starts from the file as `one` left it
    one.set_position("article", "/a.txt", 10, 0.5)
    assert {a.id for a in one.all_annotations()} == {first.id, second.id}
    assert {a.id for a in two.all_annotations()} == {first.id, second.id}
    assert two.get_position("article", "/a.txt") is not None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"   \n\t ", "whitespace"),
        (b'{"annotations": {"1": {"id": "x", "quote"', "JSON"),
        (b"\x00\x01\x02\xff binary garbage", "JSON"),
        (b"[1, 2, 3]", "object"),
        (b'{"annotations": "not a table"}', "table"),
        (b'{"name": "some other program", "version": 3}', "postil tables"),
    ],
)
def test_damaged_database_is_preserved_and_reported(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    db = tmp_path / "db.json"
    db.write_bytes(content)
    with pytest.raises(DatabaseDamaged) as caught:
        AnnotationStore(db)
    error = caught.value
    assert db.read_bytes() == content  # never overwritten
    assert error.preserved.read_bytes() == content  # byte-for-byte copy
    message = str(error)
    assert str(db) in message and str(error.preserved) in message and reason in message
    assert "\n" not in message
    # Opening again does not pile up copies of the same damage.
    with pytest.raises(DatabaseDamaged):
        AnnotationStore(db)
    assert len(list(tmp_path.glob("db.json.corrupt-*"))) == 1


def test_empty_file_is_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    db.write_bytes(b"")
    store = AnnotationStore(db)
    assert store.all_annotations() == []
    store.add(_annotation())
    assert len(AnnotationStore(db).all_annotations()) == 1


def test_missing_file_and_directory_are_created_on_first_write(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "er" / "db.json"
    store = AnnotationStore(db)
    assert store.all_annotations() == [] and not db.exists()
    store.add(_annotation())
    assert db.exists()


def test_bad_records_are_skipped_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    good = _annotation(3).to_record()
    data = {
        "annotations": {
            "1": good,
            "2": {"id": "broken", "quote": {"exact": 5}},
            "3": "not even an object",
            "4": {"id": 7, "path": None, "position": {"start": "a"}},
        }
    }
    db.write_text(json.dumps(data))
    store = AnnotationStore(db)
    assert [a.id for a in store.all_annotations()] == [good["id"]]
    store.add(_annotation(4))
    saved = json.loads(db.read_text())["annotations"]
    assert {"id": "broken", "quote": {"exact": 5}} in saved.values()
    assert "not even an object" in saved.values()
    assert len(AnnotationStore(db).all_annotations()) == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_database_reads_but_refuses_writes_clearly(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    AnnotationStore(db).add(_annotation())
    original = db.read_bytes()
    db.chmod(stat.S_IRUSR)
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        store = AnnotationStore(db)
        assert len(store.all_annotations()) == 1
        with pytest.raises(StoreError) as caught:
            store.add(_annotation(5))
        assert str(db) in str(caught.value) or str(tmp_path) in str(caught.value)
    finally:
        tmp_path.chmod(stat.S_IRWXU)
        db.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert db.read_bytes() == original


def test_read_only_database_file_is_respected_even_for_root(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    AnnotationStore(db).add(_annotation())
    original = db.read_bytes()
    db.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        store = AnnotationStore(db)
        assert len(store.all_annotations()) == 1  # reading works
        with pytest.raises(StoreError) as caught:
            store.add(_annotation(5))
        assert "read-only" in str(caught.value) and str(db) in str(caught.value)
        assert db.read_bytes() == original
    finally:
        db.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_writes_keep_the_database_file_permissions(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    AnnotationStore(db).add(_annotation())
    db.chmod(0o640)
    AnnotationStore(db).add(_annotation(6))
    assert stat.S_IMODE(db.stat().st_mode) == 0o640


def test_read_only_directory_write_error_is_a_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)

    def refuse(*_args: object, **_kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(StoreError) as caught:
        store.add(_annotation())
    assert "permission denied" in str(caught.value).lower()
    assert not db.exists()


def test_directory_in_place_of_the_database(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    db.mkdir()
    with pytest.raises(StoreError) as caught:
        AnnotationStore(db)
    assert "directory" in str(caught.value)


def test_huge_notes_odd_tags_and_thousands_of_highlights(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    big = _annotation(note="n" * 1_000_000, tags=["  #Deep Work ", "Ünïcode", "#", "a b  c"])
    store.add(big)
    store.put_many(_annotation(number % 800) for number in range(3000))
    loaded = {a.id: a for a in AnnotationStore(db).all_annotations()}
    assert len(loaded) == 3001
    assert len(loaded[big.id].note) == 1_000_000
    assert loaded[big.id].tags == ("deep-work", "ünïcode", "a-b-c")


def test_update_anchors_never_overwrites_newer_edits_or_revives_deletes(tmp_path: Path) -> None:
    from dataclasses import replace

    from annotations.model import AnchorStatus, TextPositionSelector

    db = tmp_path / "db.json"
    reader_view, other = AnnotationStore(db), AnnotationStore(db)
    kept, deleted = _annotation(1), _annotation(2)
    reader_view.put_many([kept, deleted])
    stale = reader_view.all_annotations()  # what the reader loaded and re-anchored
    other.update(kept.edited(note="written meanwhile"))
    other.delete(deleted.id)
    moved = [replace(a, position=TextPositionSelector(a.start + 5, a.end + 5),
                     status=AnchorStatus.MOVED) for a in stale]
    reader_view.update_anchors(moved)
    saved = {a.id: a for a in AnnotationStore(db).all_annotations()}
    assert set(saved) == {kept.id}
    assert saved[kept.id].note == "written meanwhile"
    assert saved[kept.id].start == kept.start + 5 and saved[kept.id].status is AnchorStatus.MOVED
