"""`postil export` and `postil import` end to end, with a real database in tmp_path."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from annotations.export import DEFAULT_TEMPLATE
from annotations.model import Annotation
from reader.cli import main
from reader.loading import load_article
from tests.support.paths import SEED_TITLE

if TYPE_CHECKING:
    from annotations.storage import AnnotationStore

Capture = pytest.CaptureFixture[str]
STAMP = "2024-05-01T09:30:00Z"
PHRASES = {
    "spy": ("no-spy agreement", "blue", "About **trust**.", ("policy",)),
    "threat": ("Huawei is a national security threat.", "yellow", "", ("security", "policy")),
    "liang": ("It is inappropriate to use political means", "pink", "", ()),
}


@pytest.fixture
def article(seed_library: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample article in a library folder (the library: postil only opens articles there)."""
    monkeypatch.setenv("POSTIL_LIBRARY", str(seed_library))
    return seed_library / "huawei-no-spy-deal.txt"


@pytest.fixture
def db(isolated_paths: Path) -> Path:
    """The test database (POSTIL_DB points at it)."""
    return Path(os.environ["POSTIL_DB"])


def open_store(path: Path) -> AnnotationStore:
    from annotations.storage import AnnotationStore

    return AnnotationStore(path)


@pytest.fixture
def highlights(article: Path, db: Path) -> dict[str, Annotation]:
    """Three highlights on the sample article, stored in the database."""
    loaded = load_article(article)
    store = open_store(db)
    made: dict[str, Annotation] = {}
    for key, (phrase, color, note, tags) in PHRASES.items():
        start = loaded.text.index(phrase)
        annotation = Annotation.create(
            article_id=loaded.id,
            path=loaded.meta.path,
            text=loaded.text,
            start=start,
            end=start + len(phrase),
            color=color,
            note=note,
            tags=tags,
        )
        store.add(annotation)
        made[key] = annotation
    return made


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_markdown_to_stdout(highlights: dict[str, Annotation], capsys: Capture) -> None:
    code, out, err = run(capsys, "export", "--timestamp", STAMP)
    assert code == 0, err
    assert out.startswith(f"# {SEED_TITLE}\n")
    assert "- Highlights: 3\n" in out and f"- Exported: {STAMP}" in out
    assert "> no\\-spy agreement" not in out  # '-' mid-line needs no escape
    assert out.index("> no-spy agreement") < out.index("> Huawei is a national security threat.")
    assert "About **trust**." in out and "#security #policy" in out


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--tag", "security"], {"threat"}),
        (["--tag", "POLICY"], {"threat", "spy"}),
        (["--color", "pink", "--color", "blue"], {"liang", "spy"}),
        (["--tag", "policy", "--color", "blue"], {"spy"}),
        (["--since", "2000-01-01"], {"threat", "spy", "liang"}),
        (["--since", "2999-01-01"], set()),
    ],
)
def test_filters(
    highlights: dict[str, Annotation], capsys: Capture, options: list[str], expected: set[str]
) -> None:
    code, out, err = run(capsys, "export", *options)
    assert code == 0
    found = {key for key, (phrase, *_rest) in PHRASES.items() if f"> {phrase}" in out}
    assert found == expected
    if not expected:
        assert "no highlights match" in err and out == ""


def test_path_filter(
    highlights: dict[str, Annotation], article: Path, tmp_path: Path, capsys: Capture
) -> None:
    code, out, _ = run(capsys, "export", str(article.parent))
    assert code == 0 and "no-spy agreement" in out
    other = tmp_path / "elsewhere"
    other.mkdir()
    code, out, err = run(capsys, "export", str(other))
    assert code == 0 and out == "" and "no highlights match" in err


def test_bad_since_is_one_line(highlights: dict[str, Annotation], capsys: Capture) -> None:
    code, _, err = run(capsys, "export", "--since", "last tuesday")
    assert code == 1 and err.count("\n") == 1 and "--since: invalid date" in err


def test_dir_export_and_reexport_keep_user_text(
    highlights: dict[str, Annotation], db: Path, tmp_path: Path, capsys: Capture
) -> None:
    out_dir = tmp_path / "vault"
    code, out, err = run(capsys, "export", "--dir", str(out_dir), "--timestamp", STAMP)
    assert code == 0, err
    files = list(out_dir.iterdir())
    assert len(files) == 1 and out.strip() == str(files[0])
    exported = files[0]
    exported.write_text(exported.read_text(encoding="utf-8") + "\nMy own conclusions.\n")

    store = open_store(db)
    store.update(highlights["spy"].edited(note="Changed note"))
    code, out, err = run(capsys, "export", "--dir", str(out_dir))
    assert code == 0, err
    text = exported.read_text(encoding="utf-8")
    assert "My own conclusions." in text and "Changed note" in text
    assert "About **trust**." not in text
    assert text.count("> no-spy agreement") == 1
    assert list(out_dir.iterdir()) == [exported]


def test_output_file_keeps_text_outside_region(
    highlights: dict[str, Annotation], tmp_path: Path, capsys: Capture
) -> None:
    target = tmp_path / "notes.md"
    target.write_text("# My reading log\n\nIntro.\n", encoding="utf-8")
    code, _, err = run(capsys, "export", "-o", str(target))
    assert code == 0 and "wrote" in err
    run(capsys, "export", "-o", str(target), "--color", "pink")
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# My reading log\n\nIntro.\n")
    assert "political means" in text and "no-spy agreement" not in text


def test_json_round_trip_through_an_empty_database(
    highlights: dict[str, Annotation], tmp_path: Path, capsys: Capture
) -> None:
    first = tmp_path / "first.json"  # the format follows from the .json suffix
    assert run(capsys, "export", "-o", str(first), "--timestamp", STAMP)[0] == 0
    document = json.loads(first.read_text(encoding="utf-8"))
    assert document["type"] == "AnnotationCollection" and document["total"] == 3

    empty_db = tmp_path / "other.json"
    code, out, err = run(capsys, "--db", str(empty_db), "import", str(first))
    assert code == 0, err
    assert out.strip() == "imported 3 annotations: 3 new, 0 updated, 0 unchanged"
    second = tmp_path / "second.json"
    code, _, err = run(
        capsys, "--db", str(empty_db), "export", "--format", "json", "-o", str(second),
        "--timestamp", STAMP,
    )
    assert code == 0, err
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")

    code, out, _ = run(capsys, "--db", str(empty_db), "import", str(first))
    assert code == 0 and "0 new, 0 updated, 3 unchanged" in out
    assert len(open_store(empty_db).all_annotations()) == 3


def test_import_reports_bad_records_and_keeps_good_ones(
    highlights: dict[str, Annotation], tmp_path: Path, capsys: Capture
) -> None:
    source = tmp_path / "export.json"
    run(capsys, "export", "--format", "json", "-o", str(source))
    document = json.loads(source.read_text(encoding="utf-8"))
    items = document["first"]["items"]
    items[0]["target"] = {"source": "file:///x"}
    items[1]["postil:color"] = "ultraviolet"
    source.write_text(json.dumps(document), encoding="utf-8")

    empty_db = tmp_path / "fresh.json"
    code, out, err = run(capsys, "--db", str(empty_db), "import", str(source))
    assert code == 1
    lines = err.strip().split("\n")
    assert len(lines) == 2 and all(line.startswith(f"postil: {source}: record ") for line in lines)
    assert "no target with a TextQuoteSelector" in lines[0] and "ultraviolet" in lines[1]
    assert "1 new" in out and "2 records rejected" in out
    assert len(open_store(empty_db).all_annotations()) == 1


def test_import_dry_run_writes_nothing(
    highlights: dict[str, Annotation], tmp_path: Path, capsys: Capture
) -> None:
    source = tmp_path / "export.json"
    run(capsys, "export", "--format", "json", "-o", str(source))
    empty_db = tmp_path / "fresh.json"
    code, out, _ = run(capsys, "--db", str(empty_db), "import", "--dry-run", str(source))
    assert code == 0 and out.startswith("would import 3 annotations: 3 new")
    assert not empty_db.exists()
    run(capsys, "--db", str(empty_db), "import", str(source))
    code, out, _ = run(capsys, "--db", str(empty_db), "import", "--dry-run", str(source))
    assert code == 0 and out.startswith("would import 3 annotations: 0 new, 0 updated, 3 unch")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{broken", "not valid JSON (line 1, column 2"),
        (b'{"type": "Person"}', "not W3C annotation JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    ],
)
def test_import_whole_file_errors_are_one_line(
    tmp_path: Path, capsys: Capture, content: bytes, message: str
) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(content)
    code, _, err = run(capsys, "import", str(source))
    assert code == 1 and message in err and err.count("\n") == 1
    code, _, err = run(capsys, "import", str(tmp_path / "missing.json"))
    assert code == 1 and "no such file" in err


def test_missing_article_is_exported_with_name_from_path(
    highlights: dict[str, Annotation], article: Path, capsys: Capture
) -> None:
    article.unlink()
    code, out, _ = run(capsys, "export")
    assert code == 0
    assert out.startswith("# huawei no spy deal\n") and "(file not found)" in out
    assert "no-spy agreement" in out


def test_edited_article_puts_lost_quotes_in_the_orphans_section(
    highlights: dict[str, Annotation], article: Path, capsys: Capture
) -> None:
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("It is inappropriate to use political means", "Gone."))
    code, out, _ = run(capsys, "export")
    assert code == 0
    orphans = out.index("## Orphaned highlights")
    assert out.index("> It is inappropriate to use political means") > orphans
    assert out.index("> no-spy agreement") < orphans


def test_option_errors(highlights: dict[str, Annotation], tmp_path: Path, capsys: Capture) -> None:
    code, _, err = run(capsys, "export", "--format", "json", "--dir", str(tmp_path))
    assert code == 1 and "--dir writes Markdown" in err
    bad = tmp_path / "t.md"
    bad.write_text("{{#highlights}}", encoding="utf-8")
    code, _, err = run(capsys, "export", "--template", str(bad))
    assert code == 1 and "never closed" in err and err.count("\n") == 1
    code, _, err = run(capsys, "export", "-o", str(tmp_path))
    assert code == 1 and "is a folder" in err


def test_print_and_use_template(
    highlights: dict[str, Annotation], tmp_path: Path, capsys: Capture
) -> None:
    code, out, _ = run(capsys, "export", "--print-template")
    assert code == 0 and out == DEFAULT_TEMPLATE
    layout = tmp_path / "layout.md"
    layout.write_text("{{title}}\n{{#highlights}}\n* {{quote_text}} ({{color}})\n{{/highlights}}\n")
    code, out, _ = run(capsys, "export", "--template", str(layout), "--tag", "security")
    assert code == 0
    assert out == f"{SEED_TITLE}\n* Huawei is a national security threat. (yellow)\n"


def test_export_does_not_create_a_database(tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "nothing-here.json"
    code, out, err = run(capsys, "--db", str(db), "export", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == 0 and not db.exists()


def test_export_article_helper_matches_dir_export(
    highlights: dict[str, Annotation], article: Path, tmp_path: Path, capsys: Capture
) -> None:
    """What the reader's `e` key calls gives the same file as `postil export --dir`."""
    from annotations.anchoring import anchor_all
    from annotations.export import export_article_markdown
    from reader.commands.export import article_info

    loaded = load_article(article)
    anchored = anchor_all(list(highlights.values()), loaded.text)
    path = export_article_markdown(
        article_info(loaded.meta), anchored, tmp_path / "a", exported_at=STAMP
    )
    run(capsys, "export", "--dir", str(tmp_path / "b"), "--timestamp", STAMP)
    other = tmp_path / "b" / path.name
    assert path.read_text(encoding="utf-8") == other.read_text(encoding="utf-8")
