"""`postil list` and the CLI's error handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import main
from tests.support.paths import SEED_AUTHOR, SEED_TITLE


def test_list_json_fields(seed_library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", str(seed_library), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 1
    record = records[0]
    assert set(record) == {"id", "path", "title", "author", "dek", "words",
                           "reading_minutes", "highlights", "progress", "error", "format"}
    assert record["title"] == SEED_TITLE
    assert record["author"] == SEED_AUTHOR
    assert record["error"] is None and record["progress"] == 0 and record["highlights"] == 0


def test_list_marks_unreadable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\x00\xff" * 100)
    (tmp_path / "good.txt").write_text("Good\n\nText.")
    assert main(["list", str(tmp_path), "--json"]) == 0
    records = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)}
    assert records["bad.txt"]["error"]
    assert records["good.txt"]["error"] is None


def test_library_flag_and_env(seed_library: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["--library", str(seed_library), "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    monkeypatch.setenv("POSTIL_LIBRARY", str(seed_library))
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["title"] == SEED_TITLE


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reader", str(tmp_path / "missing.txt")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "no such file" in result.stderr


def test_help_on_every_command() -> None:
    from reader.cli import COMMAND_MODULES

    for name in ("list", *COMMAND_MODULES):
        result = subprocess.run([sys.executable, "-m", "reader", name, "--help"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (name, result.stderr)
        assert "usage:" in result.stdout


def test_list_counts_highlights_and_progress(seed_library: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from annotations.storage import AnnotationStore
    from reader.cli import build_parser, make_context

    article = seed_library / "huawei-no-spy-deal.txt"
    assert main(["highlight", str(article), "--quote", "national security threat"]) == 0
    capsys.readouterr()
    args = build_parser("list").parse_args(["list"])
    store = AnnotationStore(make_context(args).db_path)
    record_id = store.all_annotations()[0].article_id
    store.set_position(record_id, str(article), 100, 0.25)
    assert main(["list", str(seed_library), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)[0]
    assert record["highlights"] == 1 and record["progress"] == 0.25
