"""`postil highlight` and `postil notes` from the shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import main
from tests.support.paths import ROOT, SEED, SEED_TITLE

FIELDS = {"id", "path", "title", "quote", "note", "tags", "color", "status", "start", "end",
          "created", "updated"}


@pytest.fixture(autouse=True)
def _library_is_the_seed_folder(seed_library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Articles are highlighted in the library folder (postil only opens stored paths there)."""
    monkeypatch.setenv("POSTIL_LIBRARY", str(seed_library))


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_highlight_then_notes_round_trip(seed_library: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    article = seed_library / SEED.name
    record = run_json(["highlight", str(article), "--quote", "second largest seler of smartphones",
                       "--note", "Check *this*", "--tag", "#Phones", "--tag", "market share",
                       "--color", "green", "--json"], capsys)
    assert isinstance(record, dict) and set(record) == FIELDS
    assert record["quote"] == "second largest seller of smartphones"  # fuzzy, stored exactly
    assert record["tags"] == ["phones", "market-share"]
    assert record["color"] == "green" and record["title"] == SEED_TITLE
    assert main(["highlight", str(article), "--quote", "national security threat"]) == 0
    plain_id = capsys.readouterr().out.strip()
    listed = run_json(["notes", "--json"], capsys)
    assert isinstance(listed, list) and len(listed) == 2
    assert {item["id"] for item in listed} == {record["id"], plain_id}
    assert all(set(item) == FIELDS and item["status"] == "anchored" for item in listed)
    assert [item["start"] for item in listed] == sorted(item["start"] for item in listed)
    tagged = run_json(["notes", "--tag", "phones", "--json"], capsys)
    assert [item["id"] for item in tagged] == [record["id"]]  # type: ignore[index]
    by_folder = run_json(["notes", str(seed_library), "--json"], capsys)
    assert len(by_folder) == 2  # type: ignore[arg-type]
    assert main(["notes"]) == 0
    text = capsys.readouterr().out
    assert SEED_TITLE in text and "#phones" in text and "Check *this*" in text


def test_quote_not_found_is_an_error_and_writes_nothing(
    seed_library: Path, isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["highlight", str(seed_library / SEED.name), "--quote",
                 "completely unrelated words about gardening tomatoes"])
    assert code == 1
    assert "quote not found" in capsys.readouterr().err
    assert not (isolated_paths / "db.json").exists()


def test_edited_article_keeps_its_highlights(seed_library: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    article = seed_library / SEED.name
    record = run_json(["highlight", str(article), "--quote", "Huawei is one of the major global",
                       "--json"], capsys)
    article.write_text("A new first paragraph.\n\n" + article.read_text(encoding="utf-8"),
                       encoding="utf-8")
    listed = run_json(["notes", "--json"], capsys)
    assert isinstance(listed, list)
    assert listed[0]["status"] == "moved" and listed[0]["start"] > record["start"]  # type: ignore[index]
    article.unlink()
    listed = run_json(["notes", "--json"], capsys)
    assert listed[0]["status"] == "orphaned"  # type: ignore[index]


def test_damaged_database_is_one_line_error(tmp_path: Path, seed_library: Path) -> None:
    db = tmp_path / "damaged.json"
    db.write_bytes(b"{ this is not json")
    result = subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(db), "highlight",
         str(seed_library / SEED.name), "--quote", "Huawei"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "damaged" in result.stderr and str(db) in result.stderr
    assert db.read_bytes() == b"{ this is not json"


def test_two_cli_processes_highlighting_at_once(tmp_path: Path, seed_library: Path) -> None:
    db = tmp_path / "db.json"
    article = str(seed_library / SEED.name)
    quotes = ["Huawei", "the United States", "national security", "smartphones", "Samsung"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", (
                "import sys; from reader.cli import main\n"
                f"for q in {quotes!r} * 4:\n"
                f"    args = ['--db', {str(db)!r}, 'highlight', {article!r}, '--quote', q]\n"
                "    assert main(args) == 0\n"
            )],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    ids = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        ids.extend(out.split())
    assert len(ids) == 40
    from annotations.storage import AnnotationStore

    assert {a.id for a in AnnotationStore(db).all_annotations()} == set(ids)


def test_renamed_article_is_found_again_by_content(
    seed_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = seed_library / SEED.name
    record = run_json(["highlight", str(article), "--quote", "Huawei is one of the major",
                       "--json"], capsys)
    renamed = seed_library / "sub" / "renamed.txt"
    renamed.parent.mkdir()
    article.rename(renamed)
    listed = run_json(["--library", str(seed_library), "notes", "--json"], capsys)
    assert isinstance(listed, list) and len(listed) == 1
    item = listed[0]
    assert item["id"] == record["id"]  # type: ignore[index]
    assert item["path"] == str(renamed) and item["status"] == "anchored"
    assert item["title"] == SEED_TITLE
