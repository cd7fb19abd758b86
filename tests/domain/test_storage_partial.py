"""Reading one article through the byte-range index (annotations/recordindex.py).

A store that opens a big database reads only the records it is asked for, through the index
written at compaction; every answer must be the one the whole file gives, and an index that no
longer describes the file is never trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import annotations.storage as storage_module
from annotations.changelog import Change
from annotations.model import Annotation
from annotations.recordindex import index_path
from annotations.storage import AnnotationStore

TEXT = "Readers keep their quotes for years, and some of them import a whole history. " * 6


def make(number: int, article: int, **fields: object) -> Annotation:
    """Annotation ``number`` of article ``article`` (tags per article and per number)."""
    start = number % 200
    annotation = Annotation.create(
        article_id=f"article-{article}", path=f"/library/article-{article}.md", text=TEXT,
        start=start, end=start + 30, note=f"note {number} " + "x" * 200,
        tags=[f"a{article}", f"n{number % 7}"])
    return annotation if not fields else Annotation.from_record(
        {**annotation.to_record(), **fields})


def big(db: Path, count: int = 900, articles: int = 30) -> list[Annotation]:
    """A database above the whole-file size (so it is indexed), compacted."""
    made = [make(n, n % articles) for n in range(count)]
    store = AnnotationStore(db)
    store.put_many(made)
    store.compact()
    assert db.stat().st_size > storage_module.DIRECT_WRITE_BYTES
    assert index_path(db).exists()
    return made


def whole(db: Path) -> AnnotationStore:
    """A store that reads every record (the reference answers)."""
    store = AnnotationStore(db)
    store.all_annotations()
    assert store._view is None
    return store


def answers(store: AnnotationStore, articles: int = 31) -> dict[str, object]:
    """Everything a reader asks of the store, comparable between stores."""
    found: dict[str, object] = {}
    for article in range(articles):
        listed = store.annotations_for(f"article-{article}", f"/library/article-{article}.md")
        found[f"article {article}"] = sorted((a.id, a.note, a.tags, a.color) for a in listed)
    found["counts"] = store.highlight_counts()
    found["tags"] = store.tags_in_use()
    found["paths"] = store.article_paths()
    found["prefix"] = {p: store.ids_starting_with(p) for p in "0123456789abcdef"}
    found["where"] = sorted(a.id for a in store.annotations_where(
        lambda path: path.endswith(("-3.md", "-4.md")), ["article-5"]))
    return found


def test_one_article_is_read_without_parsing_the_other_records(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    made = big(db)
    store = AnnotationStore(db)
    assert store._view is not None
    listed = store.annotations_for("article-3", "/library/article-3.md")
    assert sorted(a.id for a in listed) == sorted(a.id for a in made[3::30])
    assert len(store._view._read) == 30  # the article's own records, nothing else
    assert store.get(made[5].id) == made[5]
    assert len(store._view._read) == 31


def test_answers_through_the_index_equal_the_whole_file_after_other_writers(
        tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    made = big(db)
    reader = AnnotationStore(db)
    assert answers(reader) == answers(whole(db))
    writer = AnnotationStore(db, load=False)
    writer.apply_changes([
        # moved to another article, deleted, retagged, a new one, a new article
        Change.edit(made[3].id, article_id="article-4", path="/library/article-4.md"),
        Change.delete(made[4].id),
        Change.edit(made[5].id, tags=["fresh"], note="changed elsewhere"),
        Change.put(make(5000, 3)),
        Change.put(make(5001, 30)),
        Change.delete(made[6].id),
        Change.put(made[6]),  # brought back by a later put
    ])
    assert list(writer.log_dir.glob("*.jsonl"))  # appended to the log, not compacted
    expected = answers(whole(db))
    assert answers(reader) == expected  # the open view replays the new lines
    assert answers(AnnotationStore(db)) == expected  # a fresh view likewise
    assert AnnotationStore(db).get(made[4].id) is None
    fresh = AnnotationStore(db)
    assert fresh.get(made[5].id).note == "changed elsewhere"  # type: ignore[union-attr]
    assert fresh._view is not None


def test_writes_through_a_view_merge_field_by_field(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    made = big(db)
    first, second = AnnotationStore(db), AnnotationStore(db)
    first.apply_changes([Change.edit(made[7].id, note="from the first")])
    second.apply_changes([Change.edit(made[7].id, color="blue")])
    assert first._view is not None and second._view is not None
    for store in (first, second, whole(db)):
        got = store.get(made[7].id)
        assert got is not None and got.note == "from the first" and got.color == "blue"
    first.compact()
    assert index_path(db).exists()
    after = AnnotationStore(db)
    assert after._view is not None and after.get(made[7].id).color == "blue"  # type: ignore[union-attr]
    assert answers(after) == answers(whole(db))


def test_an_edit_with_a_json_tool_is_never_hidden_by_the_old_index(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    made = big(db)
    data = json.loads(db.read_text(encoding="utf-8"))
    for record in data["annotations"].values():
        if record["id"] == made[8].id:
            record["note"] = "edited by hand"
    db.write_text(json.dumps(data), encoding="utf-8")  # in place: same inode
    store = AnnotationStore(db)
    assert store._view is None  # the index no longer describes the file
    assert store.get(made[8].id).note == "edited by hand"  # type: ignore[union-attr]


def test_a_rewrite_of_the_same_size_and_time_is_not_trusted(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    made = big(db)
    raw = db.read_bytes()
    status = db.stat()
    old_note, new_note = b'"note 39 ', b'"NOTE 39 '
    assert raw.count(old_note) == 1
    with open(db, "r+b") as stream:  # same size, mtime set back: only ctime tells
        stream.write(raw.replace(old_note, new_note, 1))
    os.utime(db, ns=(status.st_atime_ns, status.st_mtime_ns))
    store = AnnotationStore(db)
    assert store._view is None
    assert store.get(made[39].id).note.startswith("NOTE 39")  # type: ignore[union-attr]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong ranges", "other file",
                                    "bad types", "huge numbers"])
def test_a_damaged_or_foreign_index_falls_back_to_the_whole_file(tmp_path: Path,
                                                                 damage: str) -> None:
    db = tmp_path / "db.json"
    made = big(db)
    index = index_path(db)
    document = json.loads(index.read_bytes())
    if damage == "garbage":
        index.write_bytes(b"\x00not json{")
    elif damage == "truncated":
        index.write_bytes(index.read_bytes()[:1000])
    elif damage == "wrong ranges":  # the ranges of two records swapped
        ranges = document["ranges"]
        ranges[0:2], ranges[2:4] = ranges[2:4], ranges[0:2]
        index.write_text(json.dumps(document))
    elif damage == "other file":  # an index kept from before the file was rewritten
        old = index.read_bytes()
        AnnotationStore(db).apply_changes([Change.put(make(7000, 1))])
        AnnotationStore(db).compact()
        index.write_bytes(old)
    elif damage == "bad types":
        document["articles"]["article-1"] = ["x", None]
        document["tags"] = {"a1": "many"}
        index.write_text(json.dumps(document))
    else:
        document["ranges"][1] = 10**30
        document["live"] = -1
        index.write_text(json.dumps(document))
    reference = answers(whole(db))
    store = AnnotationStore(db)
    assert answers(store) == reference
    assert store.get(made[0].id) == whole(db).get(made[0].id)


def test_a_small_database_has_no_index_and_a_left_over_one_goes(tmp_path: Path) -> None:
    big(tmp_path / "big.json")
    db = tmp_path / "db.json"
    store = AnnotationStore(db)
    first = make(1, 1)
    store.add(first)
    assert not index_path(db).exists()
    index_path(db).write_bytes(index_path(tmp_path / "big.json").read_bytes())
    assert AnnotationStore(db).get(first.id) == first  # not fooled by it
    store.add(make(2, 1))
    assert not index_path(db).exists()


def test_an_index_that_cannot_be_written_is_removed_not_left_stale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import annotations.recordindex as recordindex

    db = tmp_path / "db.json"
    made = big(db)

    def refuse(*_args: object) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(recordindex, "_encode_index", refuse)
    store = AnnotationStore(db)
    store.apply_changes([Change.edit(made[0].id, note="after the failed index")])
    store.compact()
    assert not index_path(db).exists()
    monkeypatch.undo()
    assert AnnotationStore(db).get(made[0].id).note == "after the failed index"  # type: ignore[union-attr]


def test_a_temp_file_of_an_interrupted_index_write_is_cleaned_up(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    big(db)
    leftover = tmp_path / ".db.json.index-4242.postil-tmp"
    leftover.write_bytes(b'{"format":"postil-index"')
    AnnotationStore(db)
    assert not leftover.exists()


def test_a_copied_database_gets_its_index_at_its_first_whole_read(tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "db.json"
    made = big(db)
    copy = tmp_path / "restored" / "db.json"
    copy.parent.mkdir()
    shutil.copy2(db, copy)  # a backup restored: another inode, so no index matches it
    shutil.copy2(index_path(db), index_path(copy))
    first = AnnotationStore(copy)
    assert first._view is None  # read whole: the copied index does not describe the copy
    second = AnnotationStore(copy)
    assert second._view is not None  # the whole read wrote one that does
    assert answers(second) == answers(whole(copy))
    assert second.get(made[1].id) == made[1]


def test_a_file_not_in_postils_encoding_gets_no_index_until_postil_writes_it(
        tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    made = big(db)
    index_path(db).unlink()
    db.write_text(json.dumps(json.loads(db.read_text(encoding="utf-8")), indent=1),
                  encoding="utf-8")  # pretty-printed by a JSON tool
    AnnotationStore(db)
    assert not index_path(db).exists()
    store = AnnotationStore(db)
    assert store._view is None and store.get(made[2].id) == made[2]
    store.apply_changes([Change.edit(made[2].id, note="now written by postil")])
    store.compact()
    assert AnnotationStore(db)._view is not None


def test_edit_and_one_article_reads_never_parse_the_whole_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotations.editing import EditRequest, edit_annotation
    from annotations.jsonfile import SafeJSONStorage
    from annotations.model import Color

    db = tmp_path / "db.json"
    made = big(db)
    AnnotationStore(db, load=False).apply_changes([Change.edit(made[3].id, note="logged")])

    def whole_read(_self: object) -> None:
        raise AssertionError("the whole database was parsed")

    monkeypatch.setattr(SafeJSONStorage, "read", whole_read)
    store = AnnotationStore(db)
    result = edit_annotation(store, made[3].id[:8], EditRequest(color=Color.BLUE))
    assert result.after is not None and result.after.note == "logged"
    assert result.after.color is Color.BLUE and result.changed == ("color",)
    assert len(store.annotations_for("article-3", "/library/article-3.md")) == 30
    store.highlight_counts()
    store.tags_in_use()
    store.article_paths()
    monkeypatch.undo()
    got = whole(db).get(made[3].id)
    assert got is not None and got.note == "logged" and got.color is Color.BLUE


def test_annotations_where_asks_about_each_path_once(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    big(db)
    AnnotationStore(db, load=False).apply_changes([Change.put(make(9000, 3))])
    store = AnnotationStore(db)
    asked: list[str] = []

    def wanted(path: str) -> bool:
        asked.append(path)
        return path.endswith("-3.md")

    found = store.annotations_where(wanted)
    assert len(found) == 31
    assert sorted(asked) == sorted(set(asked)) and len(asked) == 30
