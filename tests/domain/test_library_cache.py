"""The metadata cache is data from disk: each entry is validated before it is used (issue 11
fuzz). A wrong type made ``postil list`` fail; an entry naming another path made the library
open a file the user never put in it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reader.cli import main
from reader.library import CACHE_VERSION, MetadataCache
from reader.loading import ArticleMeta, load_article
from tests.support.paths import SEED


def _forge(cache_file: Path, article: Path, **changes: object) -> None:
    meta = load_article(article).meta.to_dict()
    meta.update(changes)
    stat = article.stat()
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(json.dumps({"version": CACHE_VERSION, "entries": {str(article): {
        "size": stat.st_size, "mtime": stat.st_mtime_ns, "meta": meta}}}), encoding="utf-8")


@pytest.mark.parametrize("changes", [
    {"words": "many"}, {"words": -5}, {"words": 10**30}, {"title": None}, {"tags": "a,b"},
    {"tags": [1, 2]}, {"modified": float("nan")}, {"error": 3}, {"size": True},
])
def test_entries_of_the_wrong_type_are_read_again(
    seed_library: Path, isolated_paths: Path, changes: dict[str, object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    article = seed_library / SEED.name
    cache_file = isolated_paths / "cache" / "library-metadata.json"
    _forge(cache_file, article, **changes)
    assert MetadataCache(cache_file).lookup(article, os.stat(article)) is None
    assert main(["list", str(seed_library), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["words"] == load_article(article).meta.words


def test_an_entry_naming_another_path_or_an_error_is_not_used(
    seed_library: Path, isolated_paths: Path
) -> None:
    article = seed_library / SEED.name
    cache_file = isolated_paths / "cache" / "library-metadata.json"
    for changes in ({"path": "/etc/passwd"}, {"error": "not a regular file (a FIFO)"}):
        _forge(cache_file, article, **changes)
        assert MetadataCache(cache_file).lookup(article, os.stat(article)) is None


def test_cached_text_is_cleaned_of_escape_sequences(seed_library: Path, isolated_paths: Path
                                                    ) -> None:
    article = seed_library / SEED.name
    cache_file = isolated_paths / "cache" / "library-metadata.json"
    _forge(cache_file, article, title="\x1b[2Jcleared", tags=["\x1b]0;x\x07ok"])
    cached = MetadataCache(cache_file).lookup(article, os.stat(article))
    assert isinstance(cached, ArticleMeta)
    assert "\x1b" not in cached.title and cached.title.endswith("cleared")
    assert all("\x1b" not in tag and "\x07" not in tag for tag in cached.tags)


def test_a_cache_entry_that_is_not_an_object_is_ignored(seed_library: Path,
                                                        isolated_paths: Path) -> None:
    article = seed_library / SEED.name
    cache_file = isolated_paths / "cache" / "library-metadata.json"
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text(json.dumps({"version": CACHE_VERSION, "entries": {str(article): 5}}))
    assert MetadataCache(cache_file).lookup(article, os.stat(article)) is None
