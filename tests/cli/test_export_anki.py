"""`postil export --format anki` / `anki-csv`: checked against Anki's collection schema."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from annotations.export.anki import BASIC_MODEL_ID, CLOZE_MODEL_ID, CSV_HEADER, note_guid
from reader.cli import main
from tests.support.paths import SEED

#: The columns of Anki's ``notes`` table (collection schema 11, what .apkg files hold).
NOTES_COLUMNS = ["id", "guid", "mid", "mod", "usn", "tags", "flds", "sfld", "csum", "flags",
                 "data"]
CARDS_COLUMNS = ["id", "nid", "did", "ord", "mod", "usn", "type", "queue", "due", "ivl",
                 "factor", "reps", "lapses", "left", "odue", "odid", "flags", "data"]


def highlight(article: Path, quote: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["highlight", str(article), "--quote", quote, *extra]) == 0
    return capsys.readouterr().out.strip()


@pytest.fixture
def ids(seed_library: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("POSTIL_LIBRARY", str(seed_library))  # export reads library articles
    article = seed_library / SEED.name
    return {
        "cloze": highlight(article, "national security threat", capsys,
                           "--note", "the {{c1::security}} angle", "--tag", "politics"),
        "plain": highlight(article, "second largest seller of smartphones", capsys,
                           "--note", "<b>not bold</b> & more", "--tag", "market share"),
        "note-cloze": highlight(article, "no-spy", capsys, "--note",
                                "Signed by {{c1::Huawei}}"),
    }


def read_package(path: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {"collection.anki2", "media"}
        assert json.loads(archive.read("media")) == {}
        database = tmp_path / "collection.anki2"
        database.write_bytes(archive.read("collection.anki2"))
    return sqlite3.connect(database)


def test_the_package_matches_ankis_schema(ids: dict[str, str], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "deck.apkg"
    assert main(["export", "--format", "anki", "-o", str(deck)]) == 0
    db = read_package(deck, tmp_path)
    assert [row[1] for row in db.execute("PRAGMA table_info(notes)")] == NOTES_COLUMNS
    assert [row[1] for row in db.execute("PRAGMA table_info(cards)")] == CARDS_COLUMNS
    models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
    assert models[str(BASIC_MODEL_ID)]["type"] == 0 and models[str(CLOZE_MODEL_ID)]["type"] == 1
    decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
    assert "postil" in {deck["name"] for deck in decks.values()}
    notes = {guid: (mid, tags, flds.split("\x1f"))
             for guid, mid, tags, flds in db.execute("SELECT guid, mid, tags, flds FROM notes")}
    assert set(notes) == {note_guid(ident) for ident in ids.values()}
    mid, tags, fields = notes[note_guid(ids["cloze"])]
    assert mid == CLOZE_MODEL_ID and tags.split() == ["politics"]
    assert fields[0] == "national {{c1::security}} threat"
    assert fields[1] == "the security angle" and "Huawei Chairman" in fields[2]
    assert fields[3] == ids["cloze"]
    mid, tags, fields = notes[note_guid(ids["plain"])]
    assert mid == BASIC_MODEL_ID and tags.split() == ["market-share"]
    assert fields[1] == "&lt;b&gt;not bold&lt;/b&gt; &amp; more"  # user text is not markup
    mid, _tags, fields = notes[note_guid(ids["note-cloze"])]
    assert mid == CLOZE_MODEL_ID and fields[0] == "no-spy<br><br>Signed by {{c1::Huawei}}"
    assert db.execute("SELECT count(*) FROM cards").fetchone()[0] == 3
    assert "wrote" in capsys.readouterr().err


def test_re_export_keeps_the_note_ids(ids: dict[str, str], seed_library: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    deck = tmp_path / "deck.apkg"
    assert main(["export", "-o", str(deck)]) == 0  # .apkg: the anki format
    first = {row[0] for row in read_package(deck, tmp_path).execute("SELECT guid FROM notes")}
    new = highlight(seed_library / SEED.name, "United States", capsys)
    assert main(["export", "--format", "anki", "-o", str(deck)]) == 0  # postil's own: replaced
    again = {row[0] for row in read_package(deck, tmp_path).execute("SELECT guid FROM notes")}
    assert again == first | {note_guid(new)}


def test_a_file_postil_did_not_write_needs_force(ids: dict[str, str], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    for name, fmt in (("other.apkg", "anki"), ("other.txt", "anki-csv")):
        target = tmp_path / name
        target.write_text("mine")
        assert main(["export", "--format", fmt, "-o", str(target)]) == 1
        assert "--force" in capsys.readouterr().err and target.read_text() == "mine"
        assert main(["export", "--format", fmt, "-o", str(target), "--force"]) == 0
        assert target.read_bytes() != b"mine"
    db = Path(str(tmp_path / "postil-home" / "db.json"))
    before = db.read_bytes()
    assert main(["export", "--format", "anki", "-o", str(db), "--force"]) == 1  # never the db
    assert db.read_bytes() == before
    assert main(["export", "--format", "anki"]) == 1
    assert "-o FILE.apkg" in capsys.readouterr().err


def test_the_text_import(ids: dict[str, str], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "anki-csv"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(CSV_HEADER)
    rows = list(csv.reader(io.StringIO(text[len(CSV_HEADER):]), delimiter="\t"))
    by_guid = {row[7]: row for row in rows}
    assert set(by_guid) == {note_guid(ident) for ident in ids.values()}
    cloze = by_guid[note_guid(ids["cloze"])]
    assert cloze[:3] == ["postil cloze", "postil", "national {{c1::security}} threat"]
    assert cloze[5] == ids["cloze"] and cloze[6] == "politics"
    target = tmp_path / "deck.txt"
    assert main(["export", "--format", "anki-csv", "-o", str(target)]) == 0
    assert main(["export", "--format", "anki-csv", "-o", str(target)]) == 0  # its own: replaced
    assert target.read_text() == text
