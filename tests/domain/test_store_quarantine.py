"""A record the store cannot read is kept — and never overwrites a new record (found by the
disk fuzz test, issue 11): TinyDB gave a new highlight the id of an unreadable record, and
the write then put the unreadable record back over it, losing the highlight silently."""

from __future__ import annotations

import json
from pathlib import Path

from annotations.model import Annotation
from annotations.storage import AnnotationStore


def _annotation(ident: int) -> Annotation:
    text = "One sentence here. Another sentence there."
    return Annotation.create(article_id="a1", path="/x.txt", text=text, start=0, end=18,
                             note=f"note {ident}")


def test_new_record_does_not_take_the_place_of_an_unreadable_one(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    AnnotationStore(db).add(_annotation(1))
    data = json.loads(db.read_text(encoding="utf-8"))
    data["annotations"]["1001"] = {}      # a dict TinyDB reads (but not an annotation)
    data["annotations"]["1002"] = None    # not a dict: kept aside, invisible to TinyDB
    data["annotations"]["x"] = [1, 2]     # not a TinyDB id
    db.write_text(json.dumps(data), encoding="utf-8")

    store = AnnotationStore(db)
    added = [_annotation(n) for n in (2, 3)]
    for annotation in added:
        store.add(annotation)

    stored = json.loads(db.read_text(encoding="utf-8"))["annotations"]
    assert len(stored) == 6  # 1 old + 3 unreadable + 2 new
    assert None in stored.values() and {} in stored.values() and [1, 2] in stored.values()
    ids = {a.id for a in AnnotationStore(db).all_annotations()}
    assert {a.id for a in added} <= ids


def test_records_sharing_one_id_are_all_kept(tmp_path: Path) -> None:
    """Found by the long disk fuzz run: two records with one id (``{"id": ""}`` twice, or an
    older postil's upper- and lower-case copies) lost the older one at the next write."""
    db = tmp_path / "db.json"
    AnnotationStore(db).add(_annotation(1))
    data = json.loads(db.read_text(encoding="utf-8"))
    data["annotations"]["1001"] = {"id": ""}
    data["annotations"]["1002"] = {"id": ""}
    db.write_text(json.dumps(data), encoding="utf-8")

    AnnotationStore(db).add(_annotation(2))

    stored = json.loads(db.read_text(encoding="utf-8"))
    assert sum(len(table) for table in stored.values() if isinstance(table, dict)) >= 4
    kept = [record for table in ("annotations", "superseded")
            for record in stored.get(table, {}).values()]
    assert kept.count({"id": ""}) == 2


LONG = "9" * 5000  # more digits than Python converts (sys.get_int_max_str_digits())


def test_a_record_with_a_huge_integer_is_kept_aside_and_the_rest_loads(tmp_path: Path) -> None:
    """A 5,000-digit number in one record once made the whole database "damaged"."""
    db = tmp_path / "db.json"
    good = _annotation(1)
    AnnotationStore(db).add(good)
    data = json.loads(db.read_text(encoding="utf-8"))
    data["annotations"]["1001"] = {
        "id": "00000000-0000-4000-8000-0000000000ba", "path": "/x.txt",
        "quote": {"exact": "x"}, "position": {"start": "LONG", "end": "-LONG"}}
    data.setdefault("positions", {})["1"] = {
        "article_id": "a1", "path": "/x.txt", "offset": "LONG", "progress": 0.5,
        "updated": "2026-01-01T00:00:00Z"}
    text = json.dumps(data, separators=(",", ":"))
    db.write_text(text.replace('"-LONG"', "-" + LONG).replace('"LONG"', LONG),
                  encoding="utf-8")
    before = db.read_bytes()

    store = AnnotationStore(db)
    assert [a.id for a in store.all_annotations()] == [good.id]
    assert store.all_positions() == {}
    assert db.read_bytes() == before  # reading changes nothing
    assert not list(tmp_path.glob("db.json.corrupt-*"))

    second = _annotation(2)
    store.add(second)
    store.compact()
    written = db.read_text(encoding="utf-8")
    assert f'"start":{LONG},"end":-{LONG}' in written  # the record, number and all, is kept
    assert f'"offset":{LONG},' in written
    assert {a.id for a in AnnotationStore(db).all_annotations()} == {good.id, second.id}
