"""``postil import`` of Kindle, KOReader, Readwise and Hypothesis exports (end to end)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from annotations.storage import AnnotationStore
from reader.cli import main
from tests.domain.test_importers import HEADERS, NEW_SIDECAR, READWISE, clip, h_annotation

GARDEN = """---
title: The Quiet Garden
author: Ada Author
url: https://example.org/garden
---

The garden was quiet in the morning, and the birds had not yet begun their song.
She walked along the path — slowly — thinking of “nothing” at all, and the ﬁrst light
came over the wall.
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library with one article."""
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "quiet-garden.md").write_text(GARDEN, encoding="utf-8")
    return folder


def run(capsys: pytest.CaptureFixture[str], library: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(library), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def summary(out: str) -> dict[str, int]:
    counts = {}
    for line in out.splitlines()[1:]:
        name, _, value = line.strip().partition(": ")
        counts[name.split(" (")[0]] = int(value.split()[0])
    return counts


def notes(capsys: pytest.CaptureFixture[str], library: Path, *args: str) -> list[dict[str, Any]]:
    code, out, _err = run(capsys, library, "notes", "--json", *args)
    assert code == 0
    result: list[dict[str, Any]] = json.loads(out)
    return result


CLIPPINGS = (
    "\ufeff" + clip("The Quiet Garden (Ada Author)", HEADERS["en"],
                   "The garden was quiet in the morning")
    + clip("The Quiet Garden (Ada Author)", HEADERS["en"].replace("180-182", "180-183"),
           "The garden was quiet in the morning, and the birds had not yet begun their song.")
    + clip("The Quiet Garden (Ada Author)", "Your Note on page 12 | Location 183 | Added on "
           "Monday, 3 March 2025 10:17:00", "lovely")
    + clip("The Quiet Garden (Ada Author)", "Your Highlight on page 13 | Location 190-191 | "
           "Added on Monday, 3 March 2025 10:18:00",
           "She walked along the path -- slowly -- thinking of \"nothing\" at all, and the first "
           "light")
    + clip("A Book Not Here (Some Body)", HEADERS["de"], "Ein Satz, der nirgends steht.")
    + clip("A Book Not Here (Some Body)", "Your Bookmark on page 3 | Location 30 | Added on "
           "Monday, 3 March 2025 10:17:00", "")
    + clip("Broken", "Your Nonsense", "x")
).replace("\n", "\r\n")


def test_kindle_import_matches_and_is_idempotent(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clippings = tmp_path / "My Clippings.txt"
    clippings.write_text(CLIPPINGS, encoding="utf-8", newline="")
    code, out, err = run(capsys, library, "import", str(clippings))
    assert code == 1  # one record rejected
    assert out.startswith("imported 3 highlights from kindle")
    counts = summary(out)
    assert counts["new"] == 3
    assert counts["matched to the library"] == 2
    assert counts["quote-only"] == 1
    assert counts["earlier versions replaced"] == 1
    assert counts["skipped"] == 1
    assert counts["rejected"] == 1
    assert err.count("\n") == 1 and "clipping 7" in err
    rows = notes(capsys, library)
    by_quote = {row["quote"][:20]: row for row in rows}
    garden = by_quote["The garden was quiet"]
    assert garden["note"] == "lovely"
    assert garden["status"] == "anchored"
    assert garden["path"] == str(library / "quiet-garden.md")
    assert garden["source"]["format"] == "kindle"
    assert garden["source"]["location"] == "page 12 location 180-183"
    # Dashes, quotes and the "fi" ligature differ from the article: matched all the same.
    walked = by_quote["She walked along the"]
    assert walked["status"] == "anchored"
    text = (library / "quiet-garden.md").read_text(encoding="utf-8")
    body = text[text.index("The garden"):]
    assert walked["quote"].startswith("She walked along the path — slowly")
    assert walked["quote"] in body
    lonely = by_quote["Ein Satz, der nirgen"]
    assert "path" not in lonely
    assert lonely["source"]["title"] == "A Book Not Here"
    assert lonely["source"]["author"] == "Some Body"

    code, out, _ = run(capsys, library, "import", str(clippings))
    counts = summary(out)
    assert (counts["new"], counts["duplicates"]) == (0, 3)
    assert len(notes(capsys, library)) == 3


def test_a_grown_file_adds_only_what_is_new_and_revisions_replace(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clippings = tmp_path / "My Clippings.txt"
    first = clip("The Quiet Garden (Ada Author)", HEADERS["en"], "The garden was quiet")
    clippings.write_text(first, encoding="utf-8")
    run(capsys, library, "import", str(clippings))
    [row] = notes(capsys, library)
    # The user adds a tag in postil; then the Kindle extends the highlight.
    store = AnnotationStore(Path(os.environ["POSTIL_DB"]))
    annotation = store.get(row["id"])
    assert annotation is not None
    store.update(annotation.edited(tags=["mine"]))
    grown = first + clip(
        "The Quiet Garden (Ada Author)", HEADERS["en"].replace("180-182", "180-184"),
        "The garden was quiet in the morning",
    ) + clip("The Quiet Garden (Ada Author)", HEADERS["en"].replace("180-182", "300-301"),
             "the birds had not yet begun their song")
    clippings.write_text(grown, encoding="utf-8")
    code, out, _ = run(capsys, library, "import", str(clippings))
    assert code == 0
    counts = summary(out)
    assert counts["new"] == 2
    rows = notes(capsys, library)
    assert sorted(r["quote"] for r in rows) == [
        "The garden was quiet in the morning",
        "the birds had not yet begun their song",
    ]
    extended = next(r for r in rows if r["quote"].startswith("The garden"))
    assert extended["tags"] == ["mine"]


def test_dry_run_writes_nothing(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clippings = tmp_path / "clips.txt"
    clippings.write_text(clip("X (Y)", HEADERS["fr"], "Une phrase."), encoding="utf-8")
    code, out, _ = run(capsys, library, "import", "--dry-run", str(clippings))
    assert code == 0 and out.startswith("would import 1 highlight from kindle")
    assert not Path(os.environ["POSTIL_DB"]).exists()


def test_koreader_folder_searched_recursively_and_safely(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = tmp_path / "device"
    sidecar = device / "Books" / "deep" / "quiet-garden.sdr"
    sidecar.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("return { annotations = { { text = 'SECRET', pos0 = 'x' } } }")
    # doc_path names a file: it is data, never opened.
    (sidecar / "metadata.epub.lua").write_text(
        NEW_SIDECAR.replace("/mnt/onboard/Books/quiet-garden.epub", str(secret)),
        encoding="utf-8",
    )
    linked = device / "linked.sdr"
    linked.mkdir()
    (linked / "metadata.epub.lua").symlink_to(secret)
    (device / "not-a-sidecar.lua").write_text("return { os.exit() }")
    code, out, err = run(capsys, library, "import", str(device))
    assert out.startswith("imported 1 highlight from koreader (1 file)")
    assert summary(out)["matched to the library"] == 1
    [row] = notes(capsys, library)
    assert row["quote"] == "The garden was quiet in the morning"
    assert row["color"] == "green"
    assert row["source"]["location"].startswith("Chapter One")
    assert "SECRET" not in out + err


def test_koreader_single_file_by_identity(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sidecar = tmp_path / "whatever.sdr" / "metadata.epub.lua"
    sidecar.parent.mkdir()
    # Title unknown to the library, but the document's file name is the article's.
    sidecar.write_text(NEW_SIDECAR.replace("The Quiet Garden", "Unrelated"), encoding="utf-8")
    code, out, _ = run(capsys, library, "import", str(sidecar))
    assert summary(out)["matched to the library"] == 1


def test_readwise_import(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "readwise.csv"
    export.write_text(
        READWISE.replace("A quote, with a comma", "and the birds had not yet begun"),
        encoding="utf-8",
    )
    code, out, err = run(capsys, library, "import", str(export))
    assert code == 1 and "row 3: empty highlight" in err
    counts = summary(out)
    assert (counts["new"], counts["matched to the library"], counts["quote-only"]) == (2, 1, 1)
    rows = notes(capsys, library, "--status", "quote-only")
    assert [r["quote"] for r in rows] == ["Second quote"]


def test_hypothesis_import_by_url(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "hypothesis.json"
    item = h_annotation("abc", "birds")
    item["document"] = {"title": ["Some other title"]}
    export.write_text(json.dumps({"export_date": "x", "annotations": [item]}), encoding="utf-8")
    code, out, _ = run(capsys, library, "import", str(export))
    assert code == 0 and "from hypothesis" in out
    [row] = notes(capsys, library)
    assert row["quote"] == "birds" and row["tags"] == ["nature", "calm"]
    assert row["path"] == str(library / "quiet-garden.md")


def test_w3c_still_detected(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "w3c.json"
    export.write_text(json.dumps({"type": "AnnotationCollection", "total": 0}), encoding="utf-8")
    code, out, _ = run(capsys, library, "import", str(export))
    assert code == 0 and out.startswith("imported 0 annotations")


def test_unknown_format_and_special_files(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_text("hello\n")
    code, _out, err = run(capsys, library, "import", str(odd))
    assert code == 1 and "unknown format" in err
    link = tmp_path / "link.txt"
    link.symlink_to(odd)
    code, _out, err = run(capsys, library, "import", "--from", "kindle", str(link))
    assert code == 1 and "symbolic link" in err
    code, _out, err = run(capsys, library, "import", "--from", "readwise", str(odd))
    assert code == 1 and "no 'Highlight' column" in err


def test_quote_only_life_cycle_import_then_add_the_book(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clippings = tmp_path / "My Clippings.txt"
    clippings.write_text(
        clip("Walden (Henry David Thoreau)", HEADERS["en"],
             "I went to the woods because I wished to live deliberately")
        + clip("Walden (Henry David Thoreau)", HEADERS["en"].replace("180-182", "200-201"),
               "a sentence the book does not have"),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, library, "import", str(clippings))
    assert summary(out)["quote-only"] == 2
    assert {r.get("path") for r in notes(capsys, library)} == {None}
    # Exported like every highlight, under the book's title.
    code, out, _ = run(capsys, library, "export", "-o", "-")
    assert "# Walden" in out and "live deliberately" in out
    book = tmp_path / "walden.md"
    book.write_text(
        "---\ntitle: Walden\nauthor: Henry David Thoreau\n---\n\n"
        "I went to the woods because I wished to live deliberately, to front only the "
        "essential facts of life.\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, library, "add", str(book))
    assert code == 0
    assert "1 quote-only highlight of “Walden” attached to the library" in out
    rows = {r["quote"][:8]: r for r in notes(capsys, library)}
    attached = rows["I went t"]
    assert attached["path"] == str(library / "walden.md")
    assert attached["status"] == "anchored"
    assert "path" not in rows["a senten"]  # not in the text: stays quote-only
    # Importing the file again finds them already there.
    code, out, _ = run(capsys, library, "import", str(clippings))
    assert summary(out)["duplicates"] == 2
    assert {r.get("path") for r in notes(capsys, library)} == {None, str(library / "walden.md")}


def test_quote_only_round_trips_through_w3c(
    tmp_path: Path, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clippings = tmp_path / "clips.txt"
    clippings.write_text(clip("Nowhere (No One)", HEADERS["en"], "A lonely line."),
                         encoding="utf-8")
    run(capsys, library, "import", str(clippings))
    export = tmp_path / "all.json"
    run(capsys, library, "export", "--format", "json", "-o", str(export))
    os.environ["POSTIL_DB"] = str(tmp_path / "other.json")
    code, out, _ = run(capsys, library, "import", str(export))
    assert code == 0 and "1 new" in out
    [row] = notes(capsys, library)
    assert "path" not in row and row["source"]["title"] == "Nowhere"
