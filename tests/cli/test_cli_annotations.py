"""``postil highlight`` and ``postil notes``: the shell side of annotations."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from annotations.model import AnchorStatus, Annotation, TextPositionSelector
from annotations.storage import AnnotationStore
from reader.cli import main
from reader.commands.notes import merge_anchoring
from reader.loading import load_article
from tests.support.paths import ROOT, SEED, SEED_TITLE

FIELDS = {"id", "path", "title", "quote", "note", "tags", "color", "status", "start", "end",
          "created", "updated"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

ALPHA = """# alpha: on margins

Readers have always written in the margins of the books they loved.

A note in the margin is a conversation with the author, held years later.

Some margins are so full that the printed text is hard to find.
"""
BETA = """# Beta, the second article

Highlights without notes are bookmarks; notes make them thinking.

Tags let you find the thinking again, across every article you read.
"""


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A library folder with the sample article and two small Markdown articles (the library:
    postil only opens articles there)."""
    folder = tmp_path / "library"
    monkeypatch.setenv("POSTIL_LIBRARY", str(folder))
    (folder / "sub").mkdir(parents=True)
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    (folder / "alpha.md").write_text(ALPHA, encoding="utf-8")
    (folder / "sub" / "beta.md").write_text(BETA, encoding="utf-8")
    return folder


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run postil in this process; returns (exit code, stdout, stderr)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """Run postil with ``--json`` output and parse it."""
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    return json.loads(out)


def run_postil(*args: str, stdin: bytes | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the real command line in a child process (paths from the test's environment)."""
    return subprocess.run([sys.executable, "-m", "reader", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=120, env={**os.environ, **(env or {})})


def db_path(home: Path) -> Path:
    """The database the isolated environment points postil at."""
    return home / "db.json"


# --------------------------------------------------------------------------- highlight


def test_highlight_json_is_the_stored_annotation_with_exactly_the_fields(
    library: Path, isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = library / "alpha.md"
    record = cli_json(capsys, "highlight", str(article), "--quote",
                      "a conversation with the author", "--note", "Why *years* later?",
                      "--tag", "#Reading Notes", "--tag", "Ünï", "--tag", "reading notes",
                      "--color", "purple", "--json")
    assert set(record) == FIELDS
    loaded = load_article(article)
    assert record["path"] == str(article) and Path(record["path"]).is_absolute()
    assert record["title"] == loaded.meta.title == "alpha: on margins"
    assert loaded.text[record["start"]:record["end"]] == record["quote"]
    assert record["quote"] == "a conversation with the author"
    assert (record["note"], record["tags"], record["color"], record["status"]) == (
        "Why *years* later?", ["reading-notes", "ünï"], "purple", "anchored")
    assert UUID.match(record["id"])
    assert STAMP.match(record["created"]) and record["created"] == record["updated"]
    assert all(isinstance(record[key], int) for key in ("start", "end"))

    stored = AnnotationStore(db_path(isolated_paths)).get(record["id"])
    assert stored is not None and stored.article_id == loaded.id
    assert stored.quote.prefix.endswith("A note in the margin is ")

    listed = cli_json(capsys, "notes", "--json")
    assert listed == [record]  # notes reports the very same object


def test_highlight_prints_only_the_id(library: Path, isolated_paths: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "highlight", str(library / "alpha.md"), "--quote", "margins")
    assert code == 0 and err == ""
    assert UUID.match(out.strip()) and out.count("\n") == 1
    assert [a.id for a in AnnotationStore(db_path(isolated_paths)).all_annotations()] == [
        out.strip()]


def test_highlight_stores_the_canonical_text_of_an_approximate_quote(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = str(library / "alpha.md")
    spaced = cli_json(capsys, "highlight", article, "--quote",
                      "  written in the\n margins   of the books ", "--json")
    assert spaced["quote"] == "written in the margins of the books"
    typo = cli_json(capsys, "highlight", article, "--quote",
                    "the printed txet is hrad to find", "--json")
    assert typo["quote"] == "the printed text is hard to find"
    assert typo["status"] == "anchored"  # stored exactly, so it is anchored from now on


def test_quote_not_found_exits_1_and_leaves_the_database_as_it_was(
    library: Path, isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = str(library / "alpha.md")
    assert cli(capsys, "highlight", article, "--quote", "margins")[0] == 0
    db = db_path(isolated_paths)
    content, mtime_ns = db.read_bytes(), db.stat().st_mtime_ns
    for quote in ("tomatoes need full sun and steady watering", "", "   "):
        code, out, err = cli(capsys, "highlight", article, "--quote", quote, "--json")
        assert code == 1 and out == ""
        assert err.startswith("postil: ") and err.count("\n") == 1
    assert "quote not found" in cli(capsys, "highlight", article, "--quote",
                                    "tomatoes need full sun")[2]
    assert db.read_bytes() == content and db.stat().st_mtime_ns == mtime_ns


def test_nothing_is_created_when_the_first_highlight_fails(
    library: Path, isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "highlight", str(library / "alpha.md"), "--quote",
                       "words that are not in the article at all")
    assert code == 1 and "nothing was saved" in err
    assert list(isolated_paths.iterdir()) == []


def test_missing_or_unreadable_article_is_a_one_line_error(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target in (library / "gone.md", library / "sub"):
        code, out, err = cli(capsys, "highlight", str(target), "--quote", "anything")
        assert code == 1 and out == "" and err.count("\n") == 1
        assert str(target) in err


def test_bad_colour_is_a_usage_error(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["highlight", str(library / "alpha.md"), "--quote", "margins", "--color", "red"])
    assert exited.value.code == 2
    assert "yellow" in capsys.readouterr().err


def test_damaged_database_is_one_line_for_both_commands(tmp_path: Path, library: Path) -> None:
    db = tmp_path / "damaged.json"
    content = b'{"annotations": {"1": {"id": "abc", "quote": {"exact": "cut he'
    db.write_bytes(content)
    for args in (["highlight", str(library / "alpha.md"), "--quote", "margins"],
                 ["notes"], ["notes", "--json"]):
        done = run_postil("--db", str(db), *args)
        stderr = done.stderr.decode()
        assert done.returncode == 1, stderr
        assert done.stdout == b"" and stderr.count("\n") == 1
        assert "Traceback" not in stderr and "damaged" in stderr and str(db) in stderr
        copies = list(tmp_path.glob("damaged.json.corrupt-*"))
        assert len(copies) == 1 and str(copies[0]) in stderr
        assert copies[0].read_bytes() == content
    assert db.read_bytes() == content


def test_note_from_standard_input_of_a_megabyte(library: Path, isolated_paths: Path) -> None:
    note = ("A long note with “quotes”, emoji 📚 and Markdown *emphasis*.\n" * 20_000)[:1_000_000]
    done = run_postil("highlight", str(library / "alpha.md"), "--quote", "margins", "--note", "-",
                      "--json", stdin=note.encode("utf-8"))
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["note"] == note.strip("\n") and len(record["note"]) > 990_000
    stored = AnnotationStore(db_path(isolated_paths)).get(record["id"])
    assert stored is not None and stored.note == record["note"]


def test_arguments_that_are_not_utf8_are_saved_readably(library: Path) -> None:
    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"reader", b"highlight",
         str(library / "alpha.md").encode(), b"--quote", b"margins",
         b"--note", b"caf\xe9 \x1b[31mred", b"--tag", b"d\xe9j\xe0", b"--json"],
        cwd=ROOT, capture_output=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["note"] == "caf\ufffd red" and record["tags"] == ["d\ufffdj\ufffd"]


# --------------------------------------------------------------------------- notes


def _highlight(capsys: pytest.CaptureFixture[str], article: Path, quote: str,
               *extra: str) -> dict[str, Any]:
    record = cli_json(capsys, "highlight", str(article), "--quote", quote, "--json", *extra)
    assert isinstance(record, dict)
    return record


def test_notes_orders_by_title_then_position_with_orphans_last(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alpha, beta, seed = library / "alpha.md", library / "sub" / "beta.md", library / SEED.name
    late = _highlight(capsys, beta, "find the thinking again")
    early = _highlight(capsys, beta, "Highlights without notes")
    lost = _highlight(capsys, alpha, "Readers have always written")
    kept = _highlight(capsys, alpha, "so full that the printed text")
    seed_one = _highlight(capsys, seed, "national security threat")
    alpha.write_text(ALPHA.replace("Readers have always written in the margins", "Gone."),
                     encoding="utf-8")

    listed = cli_json(capsys, "notes", "--json")
    assert [item["id"] for item in listed] == [
        kept["id"], lost["id"],  # "alpha: on margins": the orphan comes after
        early["id"], late["id"],  # "Beta, the second article", by position
        seed_one["id"],  # "Huawei Chairman…"
    ]
    statuses = {item["id"]: item["status"] for item in listed}
    assert statuses[lost["id"]] == "orphaned" and statuses[kept["id"]] == "moved"
    assert {item["title"] for item in listed} == {"alpha: on margins",
                                                  "Beta, the second article", SEED_TITLE}
    assert all(set(item) == FIELDS for item in listed)


def test_notes_paths_select_files_folders_and_deleted_articles(
    library: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    alpha, beta = library / "alpha.md", library / "sub" / "beta.md"
    old = library / "sub" / "old-essay_draft.md"
    old.write_text("# Old\n\nThis essay was deleted after it was highlighted.\n",
                   encoding="utf-8")
    a = _highlight(capsys, alpha, "margins of the books")
    b = _highlight(capsys, beta, "bookmarks")
    gone = _highlight(capsys, old, "deleted after it was highlighted")
    old.unlink()

    def ids(*paths: str) -> list[str]:
        return [item["id"] for item in cli_json(capsys, "notes", "--json", *paths)]

    assert ids(str(alpha)) == [a["id"]]
    assert sorted(ids(str(library / "sub"))) == sorted([b["id"], gone["id"]])
    assert sorted(ids(str(alpha), str(beta))) == sorted([a["id"], b["id"]])
    assert len(ids(str(library))) == 3 and len(ids()) == 3
    assert ids(str(library / "elsewhere")) == []
    monkeypatch.chdir(library / "sub")
    assert ids("../alpha.md") == [a["id"]]  # relative paths, with ..
    [orphan] = cli_json(capsys, "notes", "--json", "old-essay_draft.md")  # deleted file
    assert orphan["id"] == gone["id"] and orphan["status"] == "orphaned"
    assert orphan["title"] == "old essay draft"
    code, out, _ = cli(capsys, "notes", str(library / "elsewhere"))
    assert code == 0 and out.strip() == "No annotations match."


def test_notes_tag_filter_is_normalised_and_every_tag_must_match(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = _highlight(capsys, library / "alpha.md", "margins of the books", "--tag", "Deep Work",
                      "--tag", "#Ünïcode")
    one = _highlight(capsys, library / "alpha.md", "conversation", "--tag", "deep-work")
    _highlight(capsys, library / "alpha.md", "printed text")

    def tagged(*tags: str) -> set[str]:
        args = [arg for tag in tags for arg in ("--tag", tag)]
        return {item["id"] for item in cli_json(capsys, "notes", "--json", *args)}

    assert tagged("#DEEP   work") == {both["id"], one["id"]}
    assert tagged("deep-work", "ünïcode") == {both["id"]}
    assert tagged("nothing-like-this") == set()


def test_notes_saves_back_only_what_changed(
    library: Path, isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alpha, beta = library / "alpha.md", library / "sub" / "beta.md"
    moving = _highlight(capsys, alpha, "A note in the margin")
    still = _highlight(capsys, beta, "bookmarks")
    db = db_path(isolated_paths)

    cli_json(capsys, "notes", "--json")  # nothing changed: the file is not rewritten
    before = db.stat()
    cli(capsys, "notes")
    after = db.stat()
    assert (before.st_mtime_ns, before.st_ino) == (after.st_mtime_ns, after.st_ino)

    alpha.write_text(ALPHA.replace("# alpha: on margins\n", "# alpha: on margins\n\nNew.\n"),
                     encoding="utf-8")
    record_before = _record(db, still["id"])
    listed = {item["id"]: item for item in cli_json(capsys, "notes", "--json")}
    assert listed[moving["id"]]["status"] == "moved"
    assert listed[moving["id"]]["start"] == moving["start"] + len("\nNew.\n")
    saved = AnnotationStore(db).get(moving["id"])
    assert saved is not None and saved.start == listed[moving["id"]]["start"]
    assert saved.status is AnchorStatus.MOVED and saved.updated == moving["updated"]
    assert _record(db, still["id"]) == record_before

    again = {item["id"]: item for item in cli_json(capsys, "notes", "--json")}
    assert again[moving["id"]]["status"] == "anchored"  # found in place from now on


def _record(db: Path, annotation_id: str) -> dict[str, Any]:
    table = json.loads(db.read_text(encoding="utf-8"))["annotations"]
    return next(record for record in table.values() if record["id"] == annotation_id)


def test_saving_positions_keeps_edits_and_deletions_made_meanwhile() -> None:
    text = "One two three four five six seven eight nine ten. " * 3
    first, second, third = (
        Annotation.create(article_id="a", path="/a", text=text, start=s, end=s + 12)
        for s in (0, 10, 20)
    )
    read = {a.id: a for a in (first, second, third)}
    changed = [_moved(a, 5) for a in (first, second, third)]
    # Meanwhile the reader edited the first note, deleted the second and re-anchored the third.
    fresh = [first.edited(note="typed meanwhile"), _moved(third, 99)]
    saved = {a.id: a for a in merge_anchoring(changed, read, fresh)}
    assert set(saved) == {first.id}  # not brought back, not overwritten
    assert saved[first.id].note == "typed meanwhile"
    assert saved[first.id].start == first.start + 5
    assert saved[first.id].status is AnchorStatus.MOVED


def _moved(annotation: Annotation, by: int) -> Annotation:
    position = TextPositionSelector(annotation.start + by, annotation.end + by)
    return replace(annotation, position=position, status=AnchorStatus.MOVED)


def test_plain_listing_is_readable_and_never_markup(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = library / "hostile.md"
    hostile.write_text("# Title \x1b]0;pwned\x07[red]x[/red]\n\n" + "long words " * 40 + "end.\n",
                       encoding="utf-8")
    long = _highlight(capsys, hostile, ("long words " * 30).strip(), "--note",
                      "first line\nsecond [b]line[/b] \x1b[2J", "--tag", "a tag", "--color", "blue")
    gone = _highlight(capsys, library / "alpha.md", "Some margins are so full")
    (library / "alpha.md").unlink()

    code, out, err = cli(capsys, "notes")
    assert code == 0 and err == ""
    assert "\x1b" not in out and "\x07" not in out
    assert "# Title [red]x[/red]" in out  # shown literally, not interpreted
    assert f"id {long['id'][:8]}" in out and "(blue)" in out
    assert "…" in out and ("long words " * 30) not in out  # the long quote is shortened
    assert "✎ first line second [b]line[/b]" in out and "#a-tag" in out
    assert "[orphaned]" in out and "# alpha" in out and gone["id"][:8] in out
    lines = out.splitlines()
    assert max(len(line) for line in lines) < 260


def test_notes_without_a_database(isolated_paths: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_json(capsys, "notes", "--json") == []
    code, out, _ = cli(capsys, "notes")
    assert code == 0 and "No annotations yet" in out
    assert not db_path(isolated_paths).exists()


def test_notes_on_a_read_only_database_still_lists(
    library: Path, isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _highlight(capsys, library / "alpha.md", "A note in the margin")
    db = db_path(isolated_paths)
    (library / "alpha.md").write_text("Preface.\n\n" + ALPHA, encoding="utf-8")
    content = db.read_bytes()
    db.chmod(0o400)
    try:
        code, out, err = cli(capsys, "notes", "--json")
    finally:
        db.chmod(0o600)
    assert code == 0
    assert json.loads(out)[0]["id"] == record["id"]
    assert "warning" in err and "read-only" in err and err.count("\n") == 1
    assert db.read_bytes() == content


def test_thousands_of_highlights_in_one_article_list_quickly(
    library: Path, isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = load_article(library / SEED.name)
    text = article.text
    step = max(1, (len(text) - 60) // 3000)
    annotations = [
        Annotation.create(article_id=article.id, path=article.meta.path, text=text,
                          start=start, end=start + 40, note=f"note {start}", tags=["bulk"])
        for start in range(0, step * 3000, step)
    ]
    AnnotationStore(db_path(isolated_paths)).put_many(annotations)
    began = time.perf_counter()
    listed = cli_json(capsys, "notes", "--json", "--tag", "bulk")
    elapsed = time.perf_counter() - began
    assert len(listed) == 3000
    assert [item["start"] for item in listed] == sorted(item["start"] for item in listed)
    assert all(item["status"] == "anchored" for item in listed)
    assert elapsed < 10
