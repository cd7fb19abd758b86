"""``postil search``: single query, --json, --batch (file and stdin), errors."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from reader import cli


def run_postil(argv: list[str]) -> int:
    """Run ``postil ...`` in-process, as the console script does."""
    return cli.main(argv)


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "harbour.txt").write_text(
        "The Harbour\n\nThe fishermen mended their nets at dawn.\n\nNo.\n\n"
        "A storm rolled in from the west and every boat ran for shelter.\n",
        encoding="utf-8",
    )
    (folder / "garden.md").write_text(
        "# The Garden\n\nRoses climbed the old brick wall behind the house.\n", encoding="utf-8"
    )
    monkeypatch.setenv("POSTIL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("POSTIL_DB", str(tmp_path / "db.json"))
    monkeypatch.setenv("POSTIL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("POSTIL_LIBRARY", str(folder))
    return folder


def test_json_results_have_the_documented_fields(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_postil(["search", "storm roled in from", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    first = results[0]
    assert set(first) == {
        "path", "title", "score", "start", "end", "match_start", "match_end", "text",
    }
    assert first["path"] == str(library / "harbour.txt")
    assert first["title"] == "The Harbour"
    assert 60 <= first["score"] <= 100
    from reader.loading import load_article

    text = load_article(library / "harbour.txt").text
    assert text[first["start"] : first["end"]] == first["text"]
    assert text[first["match_start"] : first["match_end"]] == "storm rolled in from"
    assert first["start"] <= first["match_start"] < first["match_end"] <= first["end"]


def test_text_output_and_limit(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_postil(["search", "the", "--limit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4  # two results, two lines each
    assert "@" in out[0]


def test_paths_restrict_the_search(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_postil(["search", "roses climbed", str(library / "harbour.txt"), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert all(result["path"].endswith("harbour.txt") for result in results)
    assert run_postil(["search", "roses climbed", str(library / "garden.md"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["score"] == 100.0


def test_batch_from_file_one_line_per_query(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("fishermen mendd nets\n\n!!!\nold brick wall\n", encoding="utf-8")
    assert run_postil(["search", "--batch", str(queries), "--limit", "3", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert [record["query"] for record in records] == [
        "fishermen mendd nets", "", "!!!", "old brick wall",
    ]
    assert records[0]["results"][0]["text"] == "The fishermen mended their nets at dawn."
    assert records[1]["results"] == [] and records[2]["results"] == []
    assert records[3]["results"][0]["path"] == str(library / "garden.md")
    assert all(len(record["results"]) <= 3 for record in records)


def test_batch_from_stdin_with_paths(
    library: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("every boat ran\n"))
    assert run_postil(["search", "--batch", "-", str(library / "harbour.txt")]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["query"] == "every boat ran"
    assert record["results"][0]["score"] == 100.0


def test_second_run_uses_the_cache(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_postil(["search", "roses", "--json"]) == 0
    cache_files = list(Path(str(library.parent / "cache")).glob("search-index-*.bin"))
    assert len(cache_files) == 1
    before = cache_files[0].stat().st_mtime_ns
    capsys.readouterr()
    assert run_postil(["search", "roses", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["path"].endswith("garden.md")
    assert cache_files[0].stat().st_mtime_ns == before  # nothing changed: not rewritten


def test_errors_are_one_line(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_postil(["search", "x", str(library / "missing.txt")]) == 1
    assert capsys.readouterr().err.strip() == (
        f"postil: no such file or folder: {library / 'missing.txt'}"
    )
    assert run_postil(["search", "--batch", str(library / "nope.txt")]) == 1
    assert "batch file not found" in capsys.readouterr().err
    assert run_postil(["search"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_bad_limit_is_a_usage_error(library: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        run_postil(["search", "x", "--limit", "0"])
    assert exited.value.code == 2


def test_no_matches_message(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_postil(["search", "🙂"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no matches" in captured.err
