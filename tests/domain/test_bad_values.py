"""Values read from disk are validated where they are read: bad reading positions, metadata
caches and the like are clamped or skipped, and every JSON postil prints is strict JSON."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

from annotations.storage import AnnotationStore
from reader.article import ArticleMeta
from reader.cli import main
from reader.json_output import dumps_json
from reader.library import CACHE_VERSION, MetadataCache
from reader.loading import load_article
from reader.ui.widgets.article_table import ArticleTable
from tests.support.pilot import make_app, opened_article, wait_for

SEED_NAME = "huawei-no-spy-deal.txt"
#: Values for ``progress`` as they appear in the database file (raw JSON text).
BAD_PROGRESS = ["NaN", "Infinity", "-Infinity", "1e308", "1e400", "-3", "3", "12" + "0" * 400]


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN and Infinity (what any other JSON reader does)."""
    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def write_position(db: Path, article_id: str, path: str, progress: str,
                   offset: str = "10") -> None:
    """A database holding one reading position, written as raw JSON text."""
    db.write_text(
        '{"positions": {"1": {"article_id": ' + json.dumps(article_id) + ', "path": '
        + json.dumps(path) + f', "offset": {offset}, "progress": {progress}, '
        '"updated": "2026-01-01T00:00:00Z"}}}',
        encoding="utf-8",
    )


@pytest.fixture
def seed_id(seed_library: Path) -> str:
    return load_article(seed_library / SEED_NAME).id


@pytest.mark.parametrize("progress", BAD_PROGRESS, ids=lambda value: value[:12])
def test_a_bad_position_is_clamped_or_skipped(tmp_path: Path, progress: str) -> None:
    db = tmp_path / "db.json"
    write_position(db, "abc", "/x.txt", progress)
    before = db.read_bytes()
    positions = AnnotationStore(db).all_positions()
    for position in positions.values():
        assert math.isfinite(position.progress) and 0.0 <= position.progress <= 1.0
    assert db.read_bytes() == before  # nothing was rewritten


@pytest.mark.parametrize("offset", ["-5", "1e3", "true", '"7"', "9" * 40])
def test_a_bad_offset_is_clamped_or_skipped(tmp_path: Path, offset: str) -> None:
    db = tmp_path / "db.json"
    write_position(db, "abc", "/x.txt", "0.5", offset=offset)
    position = AnnotationStore(db).get_position("abc", "/x.txt")
    if position is not None:
        assert isinstance(position.offset, int) and 0 <= position.offset <= 2**53


@pytest.mark.parametrize("progress", BAD_PROGRESS, ids=lambda value: value[:12])
def test_postil_list_with_a_bad_position(
    seed_library: Path, seed_id: str, progress: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Path(os.environ["POSTIL_DB"])
    write_position(db, seed_id, str(seed_library / SEED_NAME), progress)
    assert main(["list", str(seed_library)]) == 0
    out = capsys.readouterr().out
    shown = re.findall(r"(-?\w+)% read", out)
    assert shown and all(0 <= int(value) <= 100 for value in shown)  # never "-300% read"
    assert main(["list", str(seed_library), "--json"]) == 0
    record = strict_loads(capsys.readouterr().out)[0]
    assert 0.0 <= record["progress"] <= 1.0


@pytest.mark.parametrize("progress", ["NaN", "Infinity", "1e308", "-3"])
async def test_the_app_starts_with_a_bad_position(
    isolated_paths: Path, seed_library: Path, seed_id: str, progress: str
) -> None:
    write_position(isolated_paths / "db.json", seed_id, str(seed_library / SEED_NAME), progress)
    app = make_app(isolated_paths, seed_library)
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query(ArticleTable)
                       and app.screen.query_one(ArticleTable).row_count == 1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(ArticleTable)
        cells = [str(cell) for cell in table.get_row_at(0)]
        assert not any("-" in cell and "%" in cell for cell in cells)
    assert app.return_code in (None, 0)


@pytest.mark.parametrize(
    "meta",
    [
        {"words": float("nan")},
        {"words": 10**400},
        {"reading_minutes": -5},
        {"modified": float("inf")},
        {"title": 5},
        {"tags": "oops"},
        {"tags": [1, 2]},
        {"error": 3},
        {"size": True},
    ],
)
def test_a_bad_metadata_cache_entry_is_read_again(
    seed_library: Path, tmp_path: Path, meta: dict[str, Any],
    capsys: pytest.CaptureFixture[str]
) -> None:
    article = seed_library / SEED_NAME
    good = load_article(article).meta.to_dict()
    with pytest.raises((TypeError, ValueError)):
        ArticleMeta.from_dict({**good, **meta})
    cache_path = tmp_path / "cache.json"
    info = article.stat()
    cache_path.write_text(json.dumps({"version": CACHE_VERSION,
                                      "entries": {str(article): {
                                          "size": info.st_size, "mtime": info.st_mtime_ns,
                                          "meta": {**good, **meta}}}}), encoding="utf-8")
    assert MetadataCache(cache_path).lookup(article, info) is None


def test_json_output_is_strict() -> None:
    text = dumps_json({"a": float("nan"), "b": [float("inf"), 1.5], "c": -float("inf")})
    assert strict_loads(text) == {"a": None, "b": [None, 1.5], "c": None}


def test_an_unreadable_database_is_reported_not_a_crash(
    seed_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = '{"annotations": {"1": ' + "[" * 100000 + "]" * 100000 + "}}"
    db = Path(os.environ["POSTIL_DB"])
    db.write_text(content, encoding="utf-8")
    assert main(["list", str(seed_library), "--json"]) == 0
    captured = capsys.readouterr()
    assert "damaged" in captured.err and strict_loads(captured.out)
    assert db.read_text(encoding="utf-8") == content  # left as it is
    assert list(db.parent.glob("db.json.corrupt-*"))  # and a copy kept


def test_a_5000_digit_number_skips_only_its_record(
    seed_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once the whole database was "damaged"; now that one position is set aside, kept."""
    content = ('{"positions": {"1": {"offset": 1' + "0" * 5000 + ', "progress": 0.5}, '
               '"2": {"article_id": "abc", "path": "/x.txt", "offset": 3, "progress": 0.5, '
               '"updated": "2026-01-01T00:00:00Z"}}}')
    db = Path(os.environ["POSTIL_DB"])
    db.write_text(content, encoding="utf-8")
    assert main(["list", str(seed_library), "--json"]) == 0
    captured = capsys.readouterr()
    assert "damaged" not in captured.err and strict_loads(captured.out)
    assert list(AnnotationStore(db).all_positions()) == ["abc"]
    assert db.read_text(encoding="utf-8") == content  # left as it is
    assert not list(db.parent.glob("db.json.corrupt-*"))


def test_a_deeply_nested_cache_is_ignored(tmp_path: Path) -> None:
    from reader.search.storage import MAGIC, read_index

    deep = ("[" * 100000 + "]" * 100000).encode()
    cache = tmp_path / "library-metadata.json"
    cache.write_bytes(deep)
    MetadataCache(cache)  # no RecursionError: an unreadable cache is rebuilt
    index = tmp_path / "index.bin"
    index.write_bytes(MAGIC + len(deep).to_bytes(8, "little") + deep)
    assert read_index(index) is None


@pytest.mark.parametrize("offset", ["9" * 40, "-7", "1e308"], ids=["huge", "negative", "float"])
async def test_an_article_opens_with_a_bad_saved_offset(
    isolated_paths: Path, seed_library: Path, seed_id: str, offset: str
) -> None:

    write_position(isolated_paths / "db.json", seed_id, str(seed_library / SEED_NAME), "0.5",
                   offset=offset)
    app = make_app(isolated_paths, seed_library)
    async with opened_article(app, size=(100, 30), library_rows=1) as (pilot, screen):
        assert screen.article is not None
        await pilot.press("j", "G", "g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
