"""Fuzz: random bytes and random JSON values in every file postil reads (issue 11, acceptance).

Database records (annotations, reading positions, state), the settings file, import files, the
metadata cache, the search index cache and existing export files are filled with hostile
content. Whatever they hold: no command ends in an internal error (exit 70, a traceback), every
valid annotation stays in the database (a write keeps the records it could not read), a
damaged database is left byte for byte as it was, and the app starts.

The quick variants run in the normal suite; ``-m slow`` runs the same properties with many
more examples.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.model import Annotation
from annotations.storage import AnnotationStore, StoreError
from reader.cli import main
from reader.config import load_settings
from reader.loading import load_article
from tests.support.paths import SEED

INTERNAL_ERROR = 70

QUICK = settings(max_examples=8, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                        HealthCheck.data_too_large])
LONG = settings(QUICK, max_examples=200)

# --- values ------------------------------------------------------------------------------------

HOSTILE_STRINGS = st.sampled_from([
    "", " ", "\x00", "\x1b[2J\x1b[31mred", "\u202e", "../../../etc/passwd", "/dev/zero",
    "NaN", "yellow", "purple", "anchored", "orphaned", "urn:uuid:BEDE0000-0000-0000-0000-0000",
    "2026-11-01T00:00:00Z", "-->\n", "{{title}}", "#tag", "a" * 3000,
])
SCALARS = (
    st.none() | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12) | HOSTILE_STRINGS
)
FIELD_NAMES = st.sampled_from([
    "id", "article_id", "path", "quote", "exact", "prefix", "suffix", "position", "start", "end",
    "color", "note", "tags", "created", "updated", "status", "offset", "progress", "key", "value",
    "version", "entries", "size", "mtime", "meta", "title", "words", "reading_minutes", "error",
])
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(FIELD_NAMES | st.text(max_size=6), children, max_size=5),
    max_leaves=16,
)
#: JSON text no generator reaches: deep nesting, a 5,000-digit number, NaN, a huge string.
DEEP_JSON = ["[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "1" * 5000]
RAW_JSON = st.sampled_from([*DEEP_JSON, "NaN", "-Infinity", "1e999", '"' + "x" * 100_000 + '"'])
DEEP_TOML = ["a = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 2000 + "1" + "}" * 2000,
             "reading_width = " + "9" * 5000]


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True, ensure_ascii=False)


JSON_TEXT = st.one_of(JSON_VALUES.map(_dumps), RAW_JSON)


# --- a library and a database with known good content -------------------------------------------


@contextmanager
def _world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """A fresh library (the sample), database with two annotations and a position, caches."""
    root = tmp_path / f"world-{os.urandom(4).hex()}"
    library = root / "library"
    library.mkdir(parents=True)
    shutil.copy(SEED, library / SEED.name)
    db = root / "db.json"
    monkeypatch.setenv("POSTIL_DB", str(db))
    monkeypatch.setenv("POSTIL_CACHE", str(root / "cache"))
    monkeypatch.setenv("POSTIL_CONFIG", str(root / "config.toml"))
    monkeypatch.setenv("POSTIL_LIBRARY", str(library))
    article = load_article(library / SEED.name)
    store = AnnotationStore(db)
    for start, end, note in ((0, 6, "first"), (8, 16, "second")):
        store.add(Annotation.create(article_id=article.id, path=article.meta.path,
                                    text=article.text, start=start, end=end, note=note))
    store.set_position(article.id, article.meta.path, 10, 0.25)
    try:
        yield {"root": root, "library": library, "db": db, "article": library / SEED.name}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _valid_ids(db: Path) -> set[str]:
    return {a.id for a in AnnotationStore(db).all_annotations()}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code != INTERNAL_ERROR, f"postil {' '.join(argv)}: {err}"
    assert "Traceback" not in err
    return code, out, err


def _every_command(capsys: pytest.CaptureFixture[str], world: dict[str, Path]) -> None:
    """The commands that read the database, settings and caches: none may fail internally."""
    code, out, _ = _run(capsys, "list", "--json")
    if code == 0:
        rows = json.loads(out, parse_constant=_no_constants)
        for row in rows:
            assert 0.0 <= row["progress"] <= 1.0
    _run(capsys, "notes", "--json")
    _run(capsys, "search", "Huawei", "--json")
    _run(capsys, "export")
    _run(capsys, "config")


def _no_constants(name: str) -> None:
    raise AssertionError(f"invalid JSON printed: {name}")


# --- database records ----------------------------------------------------------------------------


def _records_with(world: dict[str, Path], tables: dict[str, list[Any]],
                  mutations: list[tuple[str, Any]]) -> dict[str, Any]:
    data = json.loads(world["db"].read_text(encoding="utf-8"))
    annotations = data.setdefault("annotations", {})
    valid = next(iter(annotations.values()))
    counter = 1000
    for name, values in tables.items():
        table = data.setdefault(name, {})
        for value in values:
            counter += 1
            table[str(counter)] = value
    for field, value in mutations:
        counter += 1
        broken = json.loads(json.dumps(valid))
        broken["id"] = f"mutated-{counter}"
        if "." in field:
            outer, inner = field.split(".")
            if isinstance(broken.get(outer), dict):
                broken[outer][inner] = value
        else:
            broken[field] = value
        annotations[str(counter)] = broken
    return data


RECORD_FIELDS = st.sampled_from([
    "id", "article_id", "path", "quote", "quote.exact", "quote.prefix", "position",
    "position.start", "position.end", "color", "note", "tags", "created", "updated", "status",
])


def _check_database_records(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    annotations: list[Any], positions: list[Any], state: list[Any],
    mutations: list[tuple[str, Any]],
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        good = _valid_ids(world["db"])
        data = _records_with(world, {"annotations": annotations, "positions": positions,
                                     "state": state}, mutations)
        world["db"].write_text(_dumps(data), encoding="utf-8")
        records_before = sum(len(table) for table in data.values() if isinstance(table, dict))
        assert good <= _valid_ids(world["db"])
        _every_command(capsys, world)
        # A write keeps every record, readable or not.
        _run(capsys, "highlight", str(world["article"]), "--quote", "Chairman", "--note", "n")
        after = json.loads(world["db"].read_text(encoding="utf-8"), parse_constant=float)
        assert sum(len(table) for table in after.values()) == records_before + 1
        assert good <= _valid_ids(world["db"])


@QUICK
@given(annotations=st.lists(JSON_VALUES, max_size=3), positions=st.lists(JSON_VALUES, max_size=3),
       state=st.lists(JSON_VALUES, max_size=2),
       mutations=st.lists(st.tuples(RECORD_FIELDS, JSON_VALUES), max_size=3))
def test_database_records_of_any_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    annotations: list[Any], positions: list[Any], state: list[Any],
    mutations: list[tuple[str, Any]],
) -> None:
    _check_database_records(capsys, tmp_path, monkeypatch, annotations, positions, state,
                            mutations)


@pytest.mark.slow
@LONG
@given(annotations=st.lists(JSON_VALUES, max_size=6), positions=st.lists(JSON_VALUES, max_size=6),
       state=st.lists(JSON_VALUES, max_size=4),
       mutations=st.lists(st.tuples(RECORD_FIELDS, JSON_VALUES), max_size=8))
def test_database_records_of_any_value_long(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    annotations: list[Any], positions: list[Any], state: list[Any],
    mutations: list[tuple[str, Any]],
) -> None:
    _check_database_records(capsys, tmp_path, monkeypatch, annotations, positions, state,
                            mutations)


@QUICK
@given(content=st.one_of(st.binary(max_size=300), JSON_TEXT.map(str.encode)))
def test_database_file_of_any_content_is_left_untouched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    content: bytes,
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        world["db"].write_bytes(content)
        try:
            AnnotationStore(world["db"]).all_annotations()
        except StoreError:
            pass
        _every_command(capsys, world)
        _run(capsys, "highlight", str(world["article"]), "--quote", "Chairman")
        if world["db"].read_bytes() != content:
            # postil wrote: only allowed when the content was a usable (empty) database.
            assert AnnotationStore(world["db"]).all_annotations()


# --- settings ------------------------------------------------------------------------------------

SETTING_NAMES = st.sampled_from(["library", "reading_width", "highlight_color", "export_dir",
                                 "theme", "show_chrome", "keys", "unknown"])


def _toml_value(value: Any, depth: int = 0) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v, depth + 1) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(str(k))} = {_toml_value(v, depth + 1)}"
                          for k, v in value.items() if v is not None)
        return "{" + items + "}"
    return '""'


TOML_TEXT = st.one_of(
    st.lists(st.tuples(SETTING_NAMES, JSON_VALUES.filter(lambda v: v is not None)), max_size=5)
    .map(lambda pairs: "\n".join(f"{k} = {_toml_value(v)}" for k, v in pairs)),
    st.sampled_from([*DEEP_TOML, "[keys]\nhighlight = \"not a key!!\"\nnote = \"\"",
                     "theme = \"x\"\ntheme = \"y\"", "reading_width = 1e999"]),
    st.text(max_size=200),
)


@QUICK
@given(content=st.one_of(TOML_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
                         st.binary(max_size=200)))
def test_settings_of_any_content(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    content: bytes,
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        config = world["root"] / "config.toml"
        config.write_bytes(content)
        load_settings(config)  # never raises
        _every_command(capsys, world)
        assert config.read_bytes() == content


# --- imports -------------------------------------------------------------------------------------


def _exported(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    _run(capsys, "export", "--format", "json")
    code, out, _ = _run(capsys, "export", "--format", "json")
    assert code == 0
    return json.loads(out)


ITEM_PATHS = st.sampled_from([
    "id", "type", "created", "modified", "body", "target", "target.source", "target.selector",
    "postil:color", "postil:status", "postil:path", "postil:article", "motivation",
])


@QUICK
@given(document=st.one_of(JSON_VALUES.map(_dumps), RAW_JSON.filter(lambda t: t != "1" * 5000)),
       mutations=st.just([]))
def test_import_of_any_content_keeps_the_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    document: str | None, mutations: list[tuple[str, Any]],
) -> None:
    _check_import(capsys, tmp_path, monkeypatch, document, mutations)


@settings(QUICK)
@given(document=st.one_of(st.just("1" * 5000), st.just(None)),
       mutations=st.lists(st.tuples(ITEM_PATHS, JSON_VALUES), min_size=1, max_size=4))
def test_import_of_changed_exports_keeps_the_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    document: str | None, mutations: list[tuple[str, Any]],
) -> None:
    _check_import(capsys, tmp_path, monkeypatch, document, mutations)


def _check_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    document: str | None, mutations: list[tuple[str, Any]],
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        good = _valid_ids(world["db"])
        if document is None:  # an export of the database, with items changed at random
            exported = _exported(capsys)
            items = exported["first"]["items"]
            for index, (field, value) in enumerate(mutations):
                item = json.loads(json.dumps(items[index % len(items)]))
                item["id"] = f"urn:uuid:00000000-0000-4000-8000-{index:012d}"
                outer, _, inner = field.partition(".")
                if inner and isinstance(item.get(outer), dict):
                    item[outer][inner] = value
                else:
                    item[outer] = value
                items.append(item)
            document = _dumps(exported)
        source = world["root"] / "import.json"
        source.write_text(document, encoding="utf-8")
        _run(capsys, "import", str(source))
        assert good <= _valid_ids(world["db"])
        _every_command(capsys, world)


# --- caches --------------------------------------------------------------------------------------


def _metadata_cache(world: dict[str, Path], meta: Any) -> dict[str, Any]:
    stat = world["article"].stat()
    return {"version": 3, "entries": {str(world["article"]): {
        "size": stat.st_size, "mtime": stat.st_mtime_ns, "meta": meta}}}


def _meta_variants(world: dict[str, Path], field: str, value: Any) -> dict[str, Any]:
    meta = load_article(world["article"]).meta.to_dict()
    meta[field] = value
    return meta


META_FIELDS = st.sampled_from(["id", "path", "title", "author", "dek", "words",
                               "reading_minutes", "modified", "size", "error", "date", "url",
                               "tags"])


@QUICK
@given(content=st.one_of(st.binary(max_size=200), JSON_TEXT.map(str.encode), st.none()),
       field=META_FIELDS, value=JSON_VALUES)
def test_metadata_cache_of_any_content(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    content: bytes | None, field: str, value: Any,
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        cache = world["root"] / "cache" / "library-metadata.json"
        cache.parent.mkdir(parents=True, exist_ok=True)
        if content is None:  # a cache entry that matches the file, with one field replaced
            content = _dumps(_metadata_cache(world, _meta_variants(world, field, value))).encode()
        cache.write_bytes(content)
        _every_command(capsys, world)


@QUICK
@given(content=st.binary(max_size=300), cut=st.integers(min_value=0, max_value=4000),
       flips=st.lists(st.tuples(st.integers(min_value=0, max_value=100_000),
                                st.integers(min_value=0, max_value=255)), max_size=6))
def test_search_cache_of_any_content(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    content: bytes, cut: int, flips: list[tuple[int, int]],
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        code, expected, _ = _run(capsys, "search", "Huawei", "--json")
        assert code == 0
        caches = sorted((world["root"] / "cache").glob("search-index-*"))
        assert caches
        for cache in caches:
            data = bytearray(cache.read_bytes())
            for position, byte in flips:  # a real index with bytes changed here and there
                if data:
                    data[position % len(data)] = byte
            cache.write_bytes(bytes(data[: len(data) - cut % max(len(data), 1)]) + content)
        code, out, _ = _run(capsys, "search", "Huawei", "--json")
        assert code == 0
        assert json.loads(out) == json.loads(expected)


# --- existing export files -----------------------------------------------------------------------


@QUICK
@given(content=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)),
       region=st.booleans())
def test_existing_export_files_of_any_content(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    content: bytes, region: bool,
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        out = world["root"] / "exports"
        _run(capsys, "export", "--dir", str(out))
        files = sorted(out.glob("*.md"))
        assert files
        for path in files:
            if region:  # damage inside postil's own file
                text = path.read_bytes()
                middle = len(text) // 2
                path.write_bytes(text[:middle] + content + text[middle:])
            else:
                path.write_bytes(content)
        before = {path: path.read_bytes() for path in files}
        _run(capsys, "export", "--dir", str(out))
        for path, data in before.items():
            if path.exists() and path.read_bytes() != data:
                assert b"postil:begin" in path.read_bytes()  # only its own region rewritten


# --- values no generator is likely to reach ----------------------------------------------------


@pytest.mark.parametrize("where", ["database", "settings"])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_deep_nesting_and_huge_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    where: str, which: int,
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        if where == "database":
            world["db"].write_text(DEEP_JSON[which], encoding="utf-8")
        else:
            (world["root"] / "config.toml").write_text(DEEP_TOML[which], encoding="utf-8")
            load_settings(world["root"] / "config.toml")
        _every_command(capsys, world)
        if where == "database":
            assert world["db"].read_text(encoding="utf-8") == DEEP_JSON[which]


@pytest.mark.parametrize("field", ["offset", "progress"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e308, -3, 10**30, "x", None])
def test_reading_position_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    field: str, value: Any,
) -> None:
    with _world(tmp_path, monkeypatch) as world:
        data = json.loads(world["db"].read_text(encoding="utf-8"))
        for record in data["positions"].values():
            record[field] = value
        world["db"].write_text(_dumps(data), encoding="utf-8")
        _every_command(capsys, world)


# --- the app starts ------------------------------------------------------------------------------


APP_SETTINGS = settings(QUICK, max_examples=4)


@APP_SETTINGS
@given(annotations=st.lists(JSON_VALUES, max_size=3), positions=st.lists(JSON_VALUES, max_size=3),
       mutations=st.lists(st.tuples(RECORD_FIELDS, JSON_VALUES), max_size=3),
       config=TOML_TEXT, meta_field=META_FIELDS, meta_value=JSON_VALUES)
async def test_app_starts_whatever_the_files_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, annotations: list[Any],
    positions: list[Any], mutations: list[tuple[str, Any]], config: str, meta_field: str,
    meta_value: Any,
) -> None:
    from reader.library import LibrarySource
    from reader.ui.app import PostilApp
    from tests.support.pilot import wait_library, wait_reading

    with _world(tmp_path, monkeypatch) as world:
        data = _records_with(world, {"annotations": annotations, "positions": positions},
                             mutations)
        world["db"].write_text(_dumps(data), encoding="utf-8")
        (world["root"] / "config.toml").write_text(config, encoding="utf-8", errors="replace")
        cache = world["root"] / "cache" / "library-metadata.json"
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(_dumps(_metadata_cache(world, _meta_variants(world, meta_field,
                                                                      meta_value))))
        app = PostilApp(db_path=world["db"], library=LibrarySource([world["library"]]),
                        config_path=world["root"] / "config.toml")
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_library(pilot, 1)
            await app.workers.wait_for_complete()
            await pilot.press("enter")
            await wait_reading(pilot)
            await app.workers.wait_for_complete()
            await pilot.press("q")
            await pilot.pause()
