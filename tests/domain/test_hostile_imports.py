"""Hostile import files (issue 11, items 6, 8 and 14): upper-case ids, paths that point outside
the library, and records with values of the wrong type or size.

Each test runs the real command line in this process against a database in tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from annotations.export.w3c import parse_text
from annotations.model import Annotation, normalize_id
from annotations.storage import AnnotationStore
from reader.cli import main
from tests.support.paths import SEED

Capture = pytest.CaptureFixture[str]
UPPER = "BEDE0F00-1234-4ABC-8DEF-0123456789AB"
LOWER = UPPER.lower()


def cli(capsys: Capture, *args: str) -> tuple[int, str, str]:
    """Run postil in this process; returns (exit code, stdout, stderr)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def item(ident: str, *, source: str = "file:///nowhere/article.txt", **extra: Any
         ) -> dict[str, Any]:
    """One W3C annotation as another tool (or a hostile file) would write it."""
    record: dict[str, Any] = {
        "id": ident,
        "type": "Annotation",
        "created": "2024-04-10T08:00:00Z",
        "modified": "2024-04-11T08:00:00Z",
        "target": {
            "source": source,
            "selector": [
                {"type": "TextQuoteSelector", "exact": "no-spy agreement"},
                {"type": "TextPositionSelector", "start": 10, "end": 26},
            ],
        },
    }
    record.update(extra)
    return record


def write_import(folder: Path, *items: dict[str, Any], name: str = "in.json") -> Path:
    path = folder / name
    path.write_text(json.dumps({"type": "AnnotationPage", "items": list(items)}),
                    encoding="utf-8")
    return path


# --- item 6: ids are compared normalised everywhere ------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [UPPER, LOWER, f"urn:uuid:{UPPER}", f"URN:UUID:{LOWER}", f"{{{UPPER}}}",
     LOWER.replace("-", ""), f"  {LOWER}  "],
)
def test_every_spelling_of_a_uuid_is_one_id(spelling: str) -> None:
    assert normalize_id(spelling) == LOWER


def test_non_uuid_ids_keep_their_case() -> None:
    assert normalize_id("https://hypothes.is/a/AbC") == "https://hypothes.is/a/AbC"


def test_upper_case_uuid_import_does_not_duplicate(tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "db.json"
    first = write_import(tmp_path, item(f"urn:uuid:{LOWER}"), name="lower.json")
    second = write_import(tmp_path, item(f"urn:uuid:{UPPER}"), name="upper.json")
    assert cli(capsys, "--db", str(db), "import", str(first))[0] == 0
    code, out, err = cli(capsys, "--db", str(db), "import", str(second))
    assert code == 0, err
    assert "0 new" in out and "1 unchanged" in out
    assert [a.id for a in AnnotationStore(db).all_annotations()] == [LOWER]
    code, out, err = cli(capsys, "--db", str(db), "export", "--format", "json")
    assert code == 0, err
    ids = [i["id"] for i in json.loads(out)["first"]["items"]]
    assert ids == [f"urn:uuid:{LOWER}"]


def test_both_spellings_in_one_file_are_one_duplicate() -> None:
    text = json.dumps([item(UPPER), item(f"urn:uuid:{LOWER}")])
    parsed = parse_text(text)
    assert [a.id for a in parsed.annotations] == [LOWER]
    assert "duplicate id" in str(parsed.problems[0])


def test_a_database_holding_both_spellings_is_read_as_one(tmp_path: Path) -> None:
    """An older postil stored the upper-case copy beside the lower-case one."""
    db = tmp_path / "db.json"
    old = parse_text(json.dumps([item(LOWER)])).annotations[0]
    newer = old.to_record() | {"id": UPPER, "note": "edited", "updated": "2025-01-01T00:00:00Z"}
    db.write_text(json.dumps({"annotations": {"1": old.to_record(), "2": newer}}),
                  encoding="utf-8")
    store = AnnotationStore(db)
    annotations = store.all_annotations()
    assert [(a.id, a.note) for a in annotations] == [(LOWER, "edited")]
    assert store.get(UPPER) is not None and store.get(f"urn:uuid:{LOWER}") is not None
    store.delete(f"urn:uuid:{UPPER}")
    assert store.all_annotations() == [] and json.loads(db.read_text())["annotations"] == {}


def test_annotations_always_hold_the_normal_id() -> None:
    made = Annotation.from_record(parse_text(json.dumps([item(LOWER)])).annotations[0]
                                  .to_record() | {"id": f"urn:uuid:{UPPER}"})
    assert made.id == LOWER


# --- item 8: imported paths are data, never opened outside the library ------------------------


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    monkeypatch.setenv("POSTIL_LIBRARY", str(folder))
    return folder


SECRET = "TOP-SECRET-FIRST-LINE"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the library that must never be read (like /etc/passwd)."""
    path = tmp_path / "outside" / "passwd.txt"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n\nroot:x:0:0:no-spy agreement:/root:/bin/bash\n",
                    encoding="utf-8")
    return path


def hostile_paths(secret: Path, library: Path, tmp_path: Path) -> list[str]:
    fifo = tmp_path / "outside" / "fifo.txt"
    os.mkfifo(fifo)
    return [
        str(secret),
        "/etc/passwd",
        "../../../etc/passwd",
        os.path.relpath(secret),  # relative to the current folder: must not resolve against it
        f"{library}/../outside/passwd.txt",
        "/dev/zero",
        str(fifo),
    ]


@pytest.mark.parametrize("key", ["postil:path", "source"])
def test_imported_paths_outside_the_library_are_never_read(
    key: str, library: Path, secret: Path, tmp_path: Path, capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(secret.parent)
    db = tmp_path / "db.json"
    paths = hostile_paths(secret, library, tmp_path)
    items = []
    for number, path in enumerate(paths):
        ident = f"{number:08x}-0000-4000-8000-000000000000"
        if key == "source":
            items.append(item(ident, source=path))
        else:
            items.append(item(ident, **{"postil:path": path}))
    source = write_import(tmp_path, *items)
    code, out, err = cli(capsys, "--db", str(db), "import", str(source))
    assert code == 0, err  # kept as data

    opened: list[str] = []
    real_open = os.open

    def spy_open(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(os.path.abspath(os.fsdecode(path)))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy_open)
    for command in (["notes"], ["notes", "--json"], ["export"], ["export", "--format", "json"]):
        code, out, err = cli(capsys, "--db", str(db), *command)
        assert code == 0, err
        assert SECRET not in out and "root:x" not in out
    outside = [p for p in opened if not p.startswith(str(tmp_path / "postil")) and
               not p.startswith(str(library)) and not p.startswith(str(tmp_path / "db.json"))]
    assert not [p for p in outside if "passwd" in p or "fifo" in p or p == "/dev/zero"]
    # Nothing was re-anchored or marked orphaned from what could not be read: still as imported.
    stored = {a.path: a for a in AnnotationStore(db).all_annotations()}
    assert all(a.status.value == "anchored" for a in stored.values())


def test_an_article_inside_the_library_is_still_read(
    library: Path, tmp_path: Path, capsys: Capture
) -> None:
    db = tmp_path / "db.json"
    source = write_import(tmp_path, item(LOWER, **{"postil:path": str(library / SEED.name)}))
    assert cli(capsys, "--db", str(db), "import", str(source))[0] == 0
    code, out, err = cli(capsys, "--db", str(db), "notes", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["title"].startswith("Huawei Chairman")


def test_a_file_named_on_the_command_line_is_read(
    secret: Path, tmp_path: Path, capsys: Capture
) -> None:
    """The user named it: that is the user's choice, not the import's."""
    db = tmp_path / "db.json"
    source = write_import(tmp_path, item(LOWER, **{"postil:path": str(secret)}))
    assert cli(capsys, "--db", str(db), "import", str(source))[0] == 0
    code, out, _ = cli(capsys, "--db", str(db), "notes", str(secret), "--json")
    assert code == 0 and json.loads(out)[0]["title"] == SECRET


def test_import_of_a_fifo_or_device_is_refused(tmp_path: Path, capsys: Capture) -> None:
    fifo = tmp_path / "in.json"
    os.mkfifo(fifo)
    for name in (str(fifo), "/dev/zero"):
        code, _, err = cli(capsys, "--db", str(tmp_path / "db.json"), "import", name)
        assert code == 1 and "regular file" in err and "\n" not in err.strip()


def test_a_link_swapped_in_after_the_check_is_refused_not_followed(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import reads through reader.safe_read's one rule: a symbolic link is refused when
    the file is opened (O_NOFOLLOW), not only by a check made before it — a link put in place
    of the file between the checks and the open is not followed either."""
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps([item(LOWER)]), encoding="utf-8")
    source = write_import(tmp_path, item(GOOD))
    real_open = os.open

    def swap_then_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == source and not source.is_symlink():
            source.unlink()
            source.symlink_to(secret)  # the race: swapped after every check
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", swap_then_open)
    db = tmp_path / "db.json"
    code, _, err = cli(capsys, "--db", str(db), "import", str(source))
    monkeypatch.undo()
    assert code == 1 and f"{source}: a symbolic link (not followed)" in err, err
    assert not db.exists() or AnnotationStore(db).all_annotations() == []


# --- item 14: one hostile record never aborts the import -------------------------------------


GOOD = "00000000-0000-4000-8000-00000000600d"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postil:color": ["yellow"]}, "'postil:color'"),
        ({"postil:status": {}}, "'postil:status'"),
        ({"postil:color": None}, "'postil:color'"),
        ({"postil:articleId": 5}, "'postil:articleId'"),
        ({"postil:path": ["a"]}, "'postil:path'"),
        ({"created": 5}, "'created'"),
        ({"modified": "2024-13-45T00:00:00Z"}, "'modified'"),
        ({"created": "2024-01-01" + "0" * 100}, "'created'"),
        ({"id": "x" * 5000}, "'id' is too long"),
        ({"body": [{"type": "TextualBody", "value": "t" * 300, "purpose": "tagging"}]}, "'tag'"),
        ({"body": [{"type": "TextualBody", "value": {"deep": [[[]]]}}]}, "'value'"),
        ({"target": {"source": 7, "selector": {"type": "TextQuoteSelector", "exact": "x"}}},
         "'target.source'"),
        ({"target": {"source": "file:///a", "selector": {"type": "TextQuoteSelector",
                                                         "exact": ["x"]}}}, "'exact'"),
    ],
)
def test_a_record_of_wrong_types_is_rejected_alone(
    changes: dict[str, Any], message: str, tmp_path: Path, capsys: Capture
) -> None:
    db = tmp_path / "db.json"
    source = write_import(tmp_path, item("00000000-0000-4000-8000-0000000000ba", **changes),
                          item(GOOD))
    code, out, err = cli(capsys, "--db", str(db), "import", str(source))
    assert code == 1
    lines = err.strip().split("\n")
    assert len(lines) == 1 and "record 1" in lines[0] and message in lines[0], err
    assert len(lines[0]) < 300
    assert "1 new" in out and "1 record rejected" in out
    assert [a.id for a in AnnotationStore(db).all_annotations()] == [GOOD]


@pytest.mark.parametrize(
    "value",
    ["9" * 5000, "-" + "9" * 5000, "NaN", "Infinity", "-Infinity", "1e999", "10.5",
     str(2**60), "true"],
)
def test_numbers_postil_cannot_use_reject_only_their_record(
    value: str, tmp_path: Path, capsys: Capture
) -> None:
    db = tmp_path / "db.json"
    bad = json.dumps(item("00000000-0000-4000-8000-0000000000ba"))
    bad = bad.replace('"start": 10', f'"start": {value}')
    text = '{"type": "AnnotationPage", "items": [' + bad + ", " + json.dumps(item(GOOD)) + "]}"
    source = tmp_path / "in.json"
    source.write_text(text, encoding="utf-8")
    code, out, err = cli(capsys, "--db", str(db), "import", str(source))
    assert code == 1, err
    assert err.count("\n") == 1 and "record 1" in err and "TextPositionSelector" in err
    assert len(err) < 300
    assert [a.id for a in AnnotationStore(db).all_annotations()] == [GOOD]


def test_nan_anywhere_in_a_record_never_reaches_the_database(
    tmp_path: Path, capsys: Capture
) -> None:
    db = tmp_path / "db.json"
    bad = json.dumps(item("00000000-0000-4000-8000-0000000000ba", **{"postil:color": "X"}))
    bad = bad.replace('"X"', "NaN")
    text = "[" + bad + ", " + json.dumps(item(GOOD)) + "]"
    (tmp_path / "in.json").write_text(text, encoding="utf-8")
    code, _, err = cli(capsys, "--db", str(db), "import", str(tmp_path / "in.json"))
    assert code == 1 and "NaN" in err
    assert "NaN" not in db.read_text(encoding="utf-8")


def test_highlighting_a_file_outside_the_library_says_how_it_is_listed(
    library: Path, secret: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the hint is for people
    code, out, err = cli(capsys, "highlight", str(secret), "--quote", "no-spy agreement")
    assert code == 0 and "not in your library" in err
    code, out, _ = cli(capsys, "notes", "--json")
    assert code == 0 and json.loads(out)[0]["title"] == "passwd"  # from the path, not opened
    code, out, _ = cli(capsys, "notes", str(secret), "--json")
    assert json.loads(out)[0]["title"] == SECRET  # named on the command line: opened


def test_a_database_record_with_a_colour_of_the_wrong_type_keeps_its_note(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.json"
    record = parse_text(json.dumps([item(LOWER)])).annotations[0].to_record()
    record |= {"color": ["yellow"], "status": {}, "note": "mine"}
    db.write_text(json.dumps({"annotations": {"1": record}}), encoding="utf-8")
    [annotation] = AnnotationStore(db).all_annotations()
    assert annotation.note == "mine" and annotation.color.value == "yellow"


def test_a_database_with_deep_nesting_is_reported_not_a_crash(
    tmp_path: Path, capsys: Capture
) -> None:
    content = '{"annotations": {"1": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    db = tmp_path / "db.json"
    db.write_text(content, encoding="utf-8")
    code, _, err = cli(capsys, "--db", str(db), "notes")
    assert code == 1 and "damaged" in err and err.count("\n") == 1
    assert db.read_text(encoding="utf-8") == content  # left as it is, a copy saved


def test_a_database_record_with_a_huge_number_is_skipped_alone(
    tmp_path: Path, capsys: Capture
) -> None:
    db = tmp_path / "db.json"
    record = parse_text(json.dumps([item(GOOD)])).annotations[0].to_record()
    content = ('{"annotations": {"1": {"id": "x", "position": {"start": ' + "9" * 5000
               + '}}, "2": ' + json.dumps(record) + "}}")
    db.write_text(content, encoding="utf-8")
    code, out, err = cli(capsys, "--db", str(db), "notes", "--json")
    assert code == 0 and "damaged" not in err
    assert [row["id"] for row in json.loads(out)] == [GOOD]
    assert db.read_text(encoding="utf-8") == content  # left as it is


def test_the_app_on_one_file_still_reads_the_library_when_exporting_all(
    library: Path, secret: Path, tmp_path: Path
) -> None:
    from reader.article_access import ArticleScope
    from reader.library import LibrarySource

    scope = ArticleScope.with_configured(LibrarySource([secret]), tmp_path / "config.toml")
    assert scope.allows(str(secret)) and scope.allows(str(library / SEED.name))
    assert not scope.allows("/etc/passwd") and not scope.allows(SEED.name)
