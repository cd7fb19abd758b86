"""The library: which files are articles, metadata, caching, sample fallback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader import paths
from reader.library import LibrarySource, MetadataCache, resolve_library, scan
from reader.loading import load_article, read_metadata
from tests.support.paths import SEED, SEED_AUTHOR, SEED_TITLE


def test_seed_article_metadata() -> None:
    article = load_article(SEED)
    assert article.meta.title == SEED_TITLE
    assert article.meta.author == SEED_AUTHOR
    assert article.meta.dek.startswith("Huawei's willingness to sign a no-spy agreement")
    assert article.meta.words > 500
    assert article.meta.reading_minutes == -(-article.meta.words // 238)


def test_walk_finds_articles_recursively_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A\n\nbody")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# B\n\nbody")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / ".dir").mkdir()
    (tmp_path / ".dir" / "c.txt").write_text("x")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "x.txt").mkdir()  # a directory named like an article
    names = [p.name for p in LibrarySource([tmp_path]).article_paths()]
    assert names == ["a.txt", "b.md"]


def test_unreadable_files_are_listed_with_a_reason(tmp_path: Path) -> None:
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02garbage\x00" * 50)
    meta = read_metadata(binary)
    assert meta.error is not None and "binary" in meta.error
    missing = tmp_path / "gone.txt"
    missing.symlink_to(tmp_path / "nowhere.txt")
    assert "not found" in (read_metadata(missing).error or "")


def test_metadata_cache_is_used_when_file_unchanged(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Original Title\n\nSome body text here.")
    cache = MetadataCache(tmp_path / "cache.json")
    first = scan(LibrarySource([article]), cache)
    assert first[0].title == "Original Title"
    # Same size and mtime: the cached entry is returned without reading the file.
    fresh = MetadataCache(tmp_path / "cache.json")
    stat = article.stat()
    assert fresh.lookup(article, stat) is not None
    article.write_text("Changed Title!\n\nSome body text here.")
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    second = scan(LibrarySource([article]), MetadataCache(tmp_path / "cache.json"))
    assert second[0].title == "Changed Title!"


def test_scan_reports_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    for number in range(60):
        (tmp_path / f"{number:03}.txt").write_text(f"Title {number}\n\nBody {number}.")
    seen: list[tuple[int, int]] = []
    results = scan(LibrarySource([tmp_path]), MetadataCache(tmp_path / "c.json"),
                   progress=lambda done, total: seen.append((done, total)))
    assert len(results) == 60 and seen[-1] == (60, 60)
    calls = iter(range(1000))
    partial = scan(LibrarySource([tmp_path]), MetadataCache(tmp_path / "c2.json"),
                   cancelled=lambda: next(calls) >= 10)
    assert len(partial) == 10


def test_library_falls_back_to_samples_when_empty(tmp_path: Path) -> None:
    source = resolve_library([], [], tmp_path / "none.toml")
    assert source.is_sample
    assert source.roots == [paths.seeds_dir()]
    own = paths.default_library_dir()
    own.mkdir(parents=True)
    (own / "mine.txt").write_text("Mine\n\ntext")
    source = resolve_library([], [], tmp_path / "none.toml")
    assert not source.is_sample and source.roots == [own]


def test_library_precedence_given_then_flags_then_settings(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'library = ["{tmp_path / "configured"}"]\n')
    assert resolve_library([], [], config).roots == [tmp_path / "configured"]
    assert resolve_library([], [tmp_path / "flag"], config).roots == [tmp_path / "flag"]
    assert resolve_library([tmp_path / "arg"], [tmp_path / "flag"], config).roots == [
        tmp_path / "arg"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1", "cp1252"])
def test_encodings_are_decoded(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "enc.txt"
    path.write_bytes("Café résumé\n\nNaïve façade — déjà vu.".encode(encoding,
                                                                    errors="replace"))
    article = load_article(path)
    assert article.meta.title.startswith("Caf")
    assert "\x00" not in article.text


def test_preview_of_a_large_text_is_a_prefix_of_the_full_article(tmp_path: Path) -> None:
    from reader.loading import PREVIEW_THRESHOLD, preview_article

    book = tmp_path / "book.txt"
    paragraphs = [f"Paragraph {n} has a few words, and “unicode” too." for n in range(8000)]
    book.write_text("A Long Book\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    assert book.stat().st_size > PREVIEW_THRESHOLD
    preview = preview_article(book)
    full = load_article(book)
    assert preview is not None
    assert 1000 < len(preview.text) < len(full.text)
    assert full.text.startswith(preview.text)
    assert preview.meta.title == full.meta.title == "A Long Book"
    small = tmp_path / "small.txt"
    small.write_text("Small\n\nText.")
    assert preview_article(small) is None
