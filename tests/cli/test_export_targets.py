"""Where `postil export` may write: never onto the database, settings or an article; an existing
file postil did not write only with --force; no missing folders created; concurrent --dir runs
make no duplicates; --timestamp and --since take only what they can safely use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotations.export import ArticleInfo, ExportError, export_all_markdown
from annotations.export.guard import WriteGuard, WriteMode, export_kind, output_mode
from annotations.export.markdown import ArticleExport
from annotations.model import Annotation
from annotations.storage import AnnotationStore
from reader.cli import main
from reader.loading import load_article

Capture = pytest.CaptureFixture[str]
SEED_NAME = "huawei-no-spy-deal.txt"


@pytest.fixture
def article(seed_library: Path) -> Path:
    return seed_library / SEED_NAME


@pytest.fixture
def db(isolated_paths: Path, article: Path) -> Path:
    """The test database, holding one highlight on the sample article."""
    path = Path(os.environ["POSTIL_DB"])
    loaded = load_article(article)
    start = loaded.text.index("national security threat")
    AnnotationStore(path).add(Annotation.create(
        article_id=loaded.id, path=loaded.meta.path, text=loaded.text, start=start,
        end=start + len("national security threat"), note="my note"))
    return path


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_never_writes_onto_the_database(db: Path, capsys: Capture) -> None:
    before = db.read_bytes()
    for argv in (["-o", str(db)], ["-o", str(db), "--force"],
                 ["--format", "json", "-o", str(db), "--force"]):
        code, _, err = run(capsys, "export", *argv)
        assert code == 1 and "database" in err and err.count("\n") == 1
    assert db.read_bytes() == before


def test_export_never_writes_onto_the_database_through_a_link(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    link = tmp_path / "innocent.json"
    link.symlink_to(db)
    before = db.read_bytes()
    code, _, err = run(capsys, "export", "-o", str(link), "--force")
    assert code == 1 and "database" in err
    assert db.read_bytes() == before and link.is_symlink()


def test_export_never_writes_onto_the_settings(
    db: Path, isolated_paths: Path, capsys: Capture
) -> None:
    settings = isolated_paths / "config.toml"
    settings.write_text('theme = "nord"\n', encoding="utf-8")
    code, _, err = run(capsys, "export", "-o", str(settings), "--force")
    assert code == 1 and "settings" in err
    assert settings.read_text(encoding="utf-8") == 'theme = "nord"\n'


def test_export_never_writes_onto_an_article(
    db: Path, article: Path, seed_library: Path, capsys: Capture
) -> None:
    before = article.read_bytes()
    code, _, err = run(capsys, "export", "-o", str(article), "--force")
    assert code == 1 and err.count("\n") == 1
    assert article.read_bytes() == before
    other = seed_library / "other.md"
    other.write_text("# Mine\n", encoding="utf-8")
    code, _, err = run(capsys, "--library", str(seed_library), "export", "-o", str(other))
    assert code == 1 and "library" in err
    assert other.read_text(encoding="utf-8") == "# Mine\n"
    code, _, err = run(capsys, "--library", str(seed_library), "export", "--dir",
                       str(seed_library / "exports"))
    assert code == 1 and "library" in err
    assert not (seed_library / "exports").exists()


def test_export_never_writes_into_a_folder_it_exports(
    db: Path, seed_library: Path, capsys: Capture
) -> None:
    code, _, err = run(capsys, "export", str(seed_library), "-o", str(seed_library / "x.md"))
    assert code == 1 and "never exports" in err
    assert not (seed_library / "x.md").exists()


def test_json_export_does_not_wipe_a_users_markdown_file(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# My notes\n\nThings I wrote.\n", encoding="utf-8")
    code, _, err = run(capsys, "export", "--format", "json", "-o", str(notes))
    assert code == 1 and "--force" in err and err.count("\n") == 1
    assert notes.read_text(encoding="utf-8") == "# My notes\n\nThings I wrote.\n"
    code, _, err = run(capsys, "export", "--format", "json", "-o", str(notes), "--force")
    assert code == 0, err
    assert json.loads(notes.read_text(encoding="utf-8"))["type"] == "AnnotationCollection"


def test_json_export_replaces_its_own_file_only(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    target = tmp_path / "notes.json"
    assert run(capsys, "export", "-o", str(target))[0] == 0
    assert export_kind(target) == "json"
    assert run(capsys, "export", "-o", str(target), "--timestamp", "2030-01-01")[0] == 0
    other = tmp_path / "other.json"
    other.write_text('{"type": "AnnotationCollection", "generator": "someone else"}')
    assert run(capsys, "export", "-o", str(other))[0] == 1
    assert "someone else" in other.read_text()


def test_json_never_replaces_a_markdown_export(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    target = tmp_path / "notes.md"
    assert run(capsys, "export", "-o", str(target))[0] == 0
    target.write_text(target.read_text(encoding="utf-8") + "\nMy conclusions.\n")
    code, _, err = run(capsys, "export", "--format", "json", "-o", str(target))
    assert code == 1 and "Markdown export" in err
    assert "My conclusions." in target.read_text(encoding="utf-8")


def test_markdown_into_a_file_that_is_not_markdown_needs_force(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    script = tmp_path / "script.py"
    script.write_text("print('hello')\n", encoding="utf-8")
    code, _, err = run(capsys, "export", "--format", "markdown", "-o", str(script))
    assert code == 1 and "--force" in err
    assert script.read_text(encoding="utf-8") == "print('hello')\n"
    code, _, err = run(capsys, "export", "--format", "markdown", "-o", str(script), "--force")
    assert code == 0, err
    text = script.read_text(encoding="utf-8")
    assert text.startswith("<!-- postil:begin") and "print('hello')" not in text
    assert export_kind(script) == "markdown"


def test_markdown_into_a_users_markdown_file_adds_the_region(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# My notes\n", encoding="utf-8")
    assert output_mode(notes, "markdown") is WriteMode.MERGE
    assert run(capsys, "export", "-o", str(notes))[0] == 0
    text = notes.read_text(encoding="utf-8")
    assert text.startswith("# My notes\n") and "<!-- postil:begin" in text


def test_missing_folders_are_not_created(db: Path, tmp_path: Path, capsys: Capture) -> None:
    code, _, err = run(capsys, "export", "-o", str(tmp_path / "no" / "such" / "notes.md"))
    assert code == 1 and "does not exist" in err
    code, _, err = run(capsys, "export", "--dir", str(tmp_path / "no" / "such"))
    assert code == 1 and "does not exist" in err
    assert not (tmp_path / "no").exists()
    assert run(capsys, "export", "--dir", str(tmp_path / "vault"))[0] == 0  # one level: made
    assert len(list((tmp_path / "vault").iterdir())) == 1


def test_only_regular_files_are_written(db: Path, tmp_path: Path, capsys: Capture) -> None:
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    for target in ("/dev/null", str(fifo)):
        code, _, err = run(capsys, "export", "-o", target, "--force")
        assert code == 1 and "regular file" in err


def test_a_folder_is_not_a_target(db: Path, tmp_path: Path, capsys: Capture) -> None:
    code, _, err = run(capsys, "export", "-o", str(tmp_path))
    assert code == 1 and "folder" in err


def test_dir_export_skips_a_link_to_a_protected_file(
    db: Path, tmp_path: Path, article: Path
) -> None:
    info = ArticleInfo("id1", str(article), "Title")
    vault = tmp_path / "vault"
    vault.mkdir()
    secret = tmp_path / "secret.md"  # pretends to be this article's export, behind a link
    secret.write_text(f'---\npostil-path: "{article}"\n---\nmine\n', encoding="utf-8")
    (vault / "title.md").symlink_to(secret)
    guard = WriteGuard.build(database=db, articles=[secret])
    result = export_all_markdown([ArticleExport(info, ())], vault, guard=guard)
    # The link is never read, so never taken for the article's export: a file of its own.
    assert not result.errors and result.written == [vault / "title-2.md"]
    assert secret.read_text(encoding="utf-8").endswith("mine\n")
    assert (vault / "title.md").is_symlink()


def test_a_guard_refuses_with_one_line(tmp_path: Path) -> None:
    guard = WriteGuard.build(database=tmp_path / "db.json", library=[tmp_path / "lib"])
    assert guard.refusal(tmp_path / "db.json")
    assert guard.refusal(tmp_path / "db.json.lock")
    assert guard.refusal(tmp_path / "lib" / "deep" / "a.md")
    assert guard.refusal(tmp_path / "elsewhere.md") is None
    with pytest.raises(ExportError):
        export_all_markdown([], tmp_path / "lib" / "x", guard=guard)


def test_timestamp_must_be_a_date_time(db: Path, tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "vault"
    hostile = "2024-01-01 -->\n<!-- postil:end -->\n# injected"
    code, _, err = run(capsys, "export", "--dir", str(out), "--timestamp", hostile)
    assert code == 1 and "--timestamp" in err and err.count("\n") == 1
    assert not out.exists()
    code, _, err = run(capsys, "export", "--dir", str(out), "--timestamp",
                       "2024-05-01T09:30:00Z")
    assert code == 0, err
    code, _, err = run(capsys, "export", "--dir", str(out))  # the next export still works
    assert code == 0, err
    (exported,) = out.iterdir()
    text = exported.read_text(encoding="utf-8")
    assert text.count("<!-- postil:end -->") == 1


def test_the_export_library_drops_an_unsafe_stamp(tmp_path: Path, article: Path) -> None:
    info = ArticleInfo("id1", str(article), "Title")
    export_all_markdown([ArticleExport(info, ())], tmp_path, exported_at="x -->\n<!-- postil:end")
    (written,) = tmp_path.glob("*.md")
    assert written.read_text(encoding="utf-8").count("postil:end") == 2  # marker + notice only


@pytest.mark.parametrize("age", ["1000000000000d", "99999999999999999999w", "9" * 5000 + "h",
                                 "106751991d"], ids=lambda age: age[:16])
def test_a_huge_since_means_everything(db: Path, capsys: Capture, age: str) -> None:
    code, out, err = run(capsys, "export", "--since", age)
    assert code == 0, err
    assert "national security threat" in out


def test_two_dir_exports_at_once_make_no_duplicates(
    db: Path, tmp_path: Path, isolated_paths: Path, seed_library: Path
) -> None:
    extra = seed_library / "second.md"
    extra.write_text("# Second article\n\nSome words to highlight here.\n", encoding="utf-8")
    for number in range(3, 12):
        copy = seed_library / f"article-{number}.md"
        copy.write_text(f"# Article {number}\n\nWords of article {number}.\n", encoding="utf-8")
    for path in seed_library.glob("*.md"):
        loaded = load_article(path)
        AnnotationStore(db).add(Annotation.create(
            article_id=loaded.id, path=loaded.meta.path, text=loaded.text, start=0, end=5))
    vault = tmp_path / "vault"
    vault.mkdir()
    command = [sys.executable, "-m", "reader", "export", "--dir", str(vault)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=os.environ.copy()) for _ in range(3)]
    for process in runs:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    names = sorted(p.name for p in vault.iterdir())
    assert len(names) == 11, names
    assert not [name for name in names if name.endswith("-2.md")]


@pytest.mark.parametrize(
    "front",
    [
        '"postil-id": "old"\nauthor: me',
        "'postil-path': '/old.txt'\nauthor: me",
        'title: "line one\npostil-id: inside the title"\nauthor: me',
        "notes: >\n  folded\npostil-id: old\nauthor: me",
    ],
    ids=["double-quoted-key", "single-quoted-key", "key-inside-a-string", "after-a-block"],
)
def test_reexport_keeps_the_front_matter_valid_yaml(tmp_path: Path, front: str) -> None:
    import yaml

    from annotations.export.region import merge

    text = f"---\n{front}\n---\n\nMine.\n"
    merged = merge(text, "body", article_id="abc", owned={"postil-id": "abc",
                                                          "postil-path": "/a.txt"})
    head = merged.split("\n---\n", 1)[0].removeprefix("---\n")
    before = yaml.safe_load(front)
    after = yaml.safe_load(head)  # still valid YAML, no duplicate keys
    assert yaml.safe_load(head) is not None
    for key, value in before.items():
        if key not in ("postil-id", "postil-path"):
            assert after[key] == value  # the user's keys are exactly as they were
    lines = [line.split(":")[0].strip("\"'") for line in head.split("\n") if line[:1].strip()]
    assert lines.count("postil-id") <= 1 and lines.count("postil-path") <= 1
    assert "Mine." in merged
