"""``postil edit``: change one annotation's note, colour, tags, or delete it, by id or prefix."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from annotations.changelog import Change
from annotations.model import Annotation
from annotations.storage import AnnotationStore
from reader.cli import main
from tests.support.paths import SEED, SEED_TITLE


@pytest.fixture(autouse=True)
def library_env(seed_library: Path, isolated_paths: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample lies in the configured library (postil opens only library files)."""
    monkeypatch.setenv("POSTIL_LIBRARY", str(seed_library))


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def highlight(capsys: pytest.CaptureFixture[str], library: Path, quote: str,
              *extra: str) -> dict[str, Any]:
    code, out, err = cli(capsys, "highlight", str(library / SEED.name), "--quote", quote,
                         "--json", *extra)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_edit_changes_only_the_given_fields_and_prints_like_notes_json(
    capsys: pytest.CaptureFixture[str], seed_library: Path, isolated_paths: Path
) -> None:
    made = highlight(capsys, seed_library, "Huawei", "--note", "first", "--tag", "keep")
    code, out, err = cli(capsys, "edit", made["id"][:8], "--color", "green", "--tag", "Deep Work",
                         "--untag", "keep", "--json")
    assert code == 0, err
    printed = json.loads(out)
    listed = {item["id"]: item for item in json.loads(cli(capsys, "notes", "--json")[1])}
    assert printed == listed[made["id"]]  # the same shape as notes --json
    assert printed["title"] == SEED_TITLE
    assert printed["color"] == "green" and printed["tags"] == ["deep-work"]
    assert printed["note"] == "first"  # not asked for: untouched
    code, out, _ = cli(capsys, "edit", made["id"].upper(), "--note", "")
    assert code == 0 and out.startswith("changed note of ")
    saved = AnnotationStore(isolated_paths / "db.json").get(made["id"])
    assert saved is not None and saved.note == "" and saved.color.value == "green"


def test_edit_note_from_stdin_and_delete(capsys: pytest.CaptureFixture[str], seed_library: Path,
                                         isolated_paths: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    made = highlight(capsys, seed_library, "national security")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"line one\nline two\n")))
    assert cli(capsys, "edit", "urn:uuid:" + made["id"], "--note", "-")[0] == 0
    store = AnnotationStore(isolated_paths / "db.json")
    assert (store.get(made["id"]) or Annotation).note == "line one\nline two"  # type: ignore[union-attr]
    code, out, _ = cli(capsys, "edit", made["id"], "--delete")
    assert code == 0 and out.strip() == f"deleted {made['id']}"
    assert AnnotationStore(isolated_paths / "db.json").get(made["id"]) is None


@pytest.mark.parametrize(
    ("given", "message"),
    [("1234567", "too short"), ("ffffffffffff", "no annotation"), ("", "give the")],
)
def test_edit_refuses_unclear_ids(capsys: pytest.CaptureFixture[str], seed_library: Path,
                                  given: str, message: str) -> None:
    highlight(capsys, seed_library, "Huawei")
    code, _, err = cli(capsys, "edit", given, "--color", "blue")
    assert code == 1 and message in err and err.count("\n") == 1


def test_edit_refuses_an_ambiguous_prefix_and_nothing_to_do(
    capsys: pytest.CaptureFixture[str], isolated_paths: Path
) -> None:
    store = AnnotationStore(isolated_paths / "db.json")
    text = "Two highlights whose ids share a long prefix."
    for suffix in ("a", "b"):
        annotation = Annotation.create(article_id="x", path="/x.txt", text=text, start=0, end=3)
        store.add(Annotation(**{**{f: getattr(annotation, f) for f in annotation.__slots__},
                                "id": "0123456789" + suffix}))
    code, _, err = cli(capsys, "edit", "01234567", "--color", "blue")
    assert code == 1 and "2 annotations" in err
    code, _, err = cli(capsys, "edit", "0123456789a")
    assert code == 1 and "nothing to change" in err
    code, _, err = cli(capsys, "edit", "0123456789a", "--delete", "--color", "blue")
    assert code == 1 and "cannot be combined" in err


def test_edit_keeps_a_change_another_writer_made_meanwhile(
    capsys: pytest.CaptureFixture[str], seed_library: Path, isolated_paths: Path
) -> None:
    made = highlight(capsys, seed_library, "Samsung", "--note", "from the reader")
    reader_window = AnnotationStore(isolated_paths / "db.json")
    stale = reader_window.get(made["id"])
    assert stale is not None
    assert cli(capsys, "edit", made["id"], "--note", "from the shell")[0] == 0
    change = Change.between(stale, stale.edited(color="purple"))  # the window's colour change
    assert change is not None
    reader_window.apply_changes([change])
    saved = AnnotationStore(isolated_paths / "db.json").get(made["id"])
    assert saved is not None and saved.note == "from the shell" and saved.color.value == "purple"
