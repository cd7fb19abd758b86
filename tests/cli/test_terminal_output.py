"""Nothing from data reaches the terminal as a control sequence (issue 11, item 9).

Imported ids, file names in error messages, argparse errors, titles: every command's stdout
and stderr go through one cleaning path (reader.terminal_output); JSON stays valid JSON with
unsafe characters escaped inside its strings.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from reader.cli import main
from reader.terminal_output import CleanStream, json_text
from tests.support.hostile import FORBIDDEN
from tests.support.paths import SEED

Capture = pytest.CaptureFixture[str]
RED = "\x1b[31mred\x1b[0m"
CLEAR = "\x1b[2J\x1b[H"
IDENT = f"{CLEAR}evil\x9b31m\u202eid"


def cli(capsys: Capture, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse usage errors
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_clean(*texts: str) -> None:
    for text in texts:
        found = [ch for ch in FORBIDDEN if ch in text]
        assert not found, (found, text)


def hostile_import(folder: Path, article: Path) -> Path:
    ident = IDENT
    item = {
        "id": ident, "type": "Annotation",
        "body": [{"type": "TextualBody", "value": f"note {RED}", "purpose": "commenting"},
                 {"type": "TextualBody", "value": f"tag{RED}", "purpose": "tagging"}],
        "target": {"source": article.as_uri(), "selector": [
            {"type": "TextQuoteSelector", "exact": "no-spy agreement"}]},
    }
    path = folder / f"{RED}.json"
    path.write_text(json.dumps([item]), encoding="utf-8")
    return path


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    monkeypatch.setenv("POSTIL_LIBRARY", str(folder))
    return folder


def test_imported_ids_never_reach_the_terminal_raw(
    library: Path, tmp_path: Path, capsys: Capture
) -> None:
    source = hostile_import(tmp_path, library / SEED.name)
    code, out, err = cli(capsys, "import", str(source))
    assert code == 0, err
    assert_clean(out, err)
    code, out, err = cli(capsys, "notes")
    assert code == 0 and "id evil" in out
    assert_clean(out, err)
    code, out, err = cli(capsys, "export")
    assert code == 0
    assert_clean(err)


@pytest.mark.parametrize(
    "command",
    [["notes", "--json"], ["export", "--format", "json"], ["list", "--json"],
     ["search", "agreement", "--json"]],
)
def test_json_output_is_valid_and_escapes_instead_of_stripping(
    command: list[str], library: Path, tmp_path: Path, capsys: Capture
) -> None:
    (library / "bidi.txt").write_text("Title \u202eevil\u202c here\n\nThe agreement text.\n",
                                      encoding="utf-8")
    cli(capsys, "import", str(hostile_import(tmp_path, library / SEED.name)))
    code, out, err = cli(capsys, *command)
    assert code == 0, err
    assert_clean(out, err)
    value = json.loads(out)
    if command[0] == "notes":
        assert [record["id"] for record in value] == [IDENT]  # the id itself, escaped
    if command[0] == "export":
        ids = [item["id"] for item in value["first"]["items"]]
        assert ids == [f"urn:postil:annotation:{IDENT}"]


@pytest.mark.parametrize(
    "command",
    [
        lambda name, tmp: ["add", str(tmp / name)],
        lambda name, tmp: ["import", str(tmp / name)],
        lambda name, tmp: ["search", "word", str(tmp / "missing" / name)],
        lambda name, tmp: ["export", "--dir", str(tmp / name)],
        lambda name, tmp: ["highlight", str(tmp / name), "--quote", "x"],
        lambda name, tmp: ["--db", str(tmp / name), "notes"],
        lambda name, tmp: [str(tmp / "missing" / name)],
    ],
)
def test_file_names_in_error_messages_are_cleaned(
    command: Any, tmp_path: Path, capsys: Capture
) -> None:
    name = f"{RED}.txt"
    path = tmp_path / name
    path.write_text("", encoding="utf-8")  # empty: add refuses it, export --dir cannot use it
    args = command(name, tmp_path)
    if args[0] == "--db":
        path.write_text("{damaged", encoding="utf-8")
    code, out, err = cli(capsys, *args)
    assert code != 0 and code != 70, err
    assert "red" in err
    assert_clean(out, err)


def test_argparse_errors_are_cleaned(capsys: Capture) -> None:
    code, out, err = cli(capsys, "export", "--color", f"{CLEAR}blue")
    assert code == 2 and "invalid choice" in err
    assert_clean(out, err)
    code, out, err = cli(capsys, f"{RED}command", "--bogus")
    assert code == 2
    assert_clean(out, err)


def test_every_write_is_cleaned_even_when_a_sequence_is_split() -> None:
    target = io.StringIO()
    stream = CleanStream(target)
    stream.write("a\x1b")
    stream.write("]0;title\x07b\u202e\x9b2J\r")
    print("c\x1b[2Jd", file=stream)  # type: ignore[arg-type]
    assert_clean(target.getvalue())
    assert target.getvalue().startswith("a") and "cd\n" in target.getvalue()


def test_json_text_escapes_every_unsafe_character_and_stays_the_same_value() -> None:
    value = {"id": "\x1b[2J\x07\x7f\x85\x9b\u202e\u2066x\ud800", "n": float("nan")}
    text = json_text(value)
    assert_clean(text)
    assert "\ud800" not in text
    again = json.loads(text)
    assert again["id"] == value["id"] and again["n"] is None


def test_a_file_name_with_a_newline_cannot_forge_a_second_message(
    tmp_path: Path, capsys: Capture
) -> None:
    path = tmp_path / "a\npostil: imported 100 annotations.txt"
    path.write_text("", encoding="utf-8")
    code, out, err = cli(capsys, "add", str(path))
    assert code == 1 and err.count("\n") == 1 and err.startswith("postil: cannot add ")
    code, out, err = cli(capsys, "import", str(path))
    assert code == 1 and err.count("\n") == 1
