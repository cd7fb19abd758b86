"""One file is parsed once however many ask: :class:`reader.file_memo.FileMemo`."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from reader.file_memo import FileMemo
from reader.loading import load_article


def test_an_unchanged_file_is_computed_once(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one")
    memo: FileMemo[str] = FileMemo()
    calls: list[Path] = []

    def compute(p: Path) -> str:
        calls.append(p)
        return p.read_text()

    assert memo.get(path, compute) == "one"
    assert memo.get(path, compute) == "one"
    assert len(calls) == 1


def test_a_changed_file_is_computed_again(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one")
    memo: FileMemo[str] = FileMemo()
    assert memo.get(path, Path.read_text) == "one"
    path.write_text("two")  # same size: the change time tells
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old mtime
    assert memo.get(path, Path.read_text) == "two"


def test_only_the_last_entries_are_kept(tmp_path: Path) -> None:
    memo: FileMemo[str] = FileMemo(entries=2)
    calls: list[str] = []
    paths = []
    for name in "abc":
        path = tmp_path / name
        path.write_text(name)
        paths.append(path)

    def compute(p: Path) -> str:
        calls.append(p.name)
        return p.name

    for path in paths:
        memo.get(path, compute)
    memo.get(paths[2], compute)
    memo.get(paths[0], compute)  # forgotten: the oldest of three
    assert calls == ["a", "b", "c", "a"]


def test_callers_at_the_same_moment_share_one_computation(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one")
    memo: FileMemo[str] = FileMemo()
    started = threading.Event()
    release = threading.Event()
    calls: list[int] = []

    def slow(p: Path) -> str:
        calls.append(1)
        started.set()
        release.wait(10)
        return p.read_text()

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(memo.get(path, slow)))
    first.start()
    started.wait(10)
    second = threading.Thread(target=lambda: results.append(memo.get(path, slow)))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert results == ["one", "one"]
    assert len(calls) == 1


def test_a_failed_computation_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one")
    memo: FileMemo[str] = FileMemo()
    outcomes = iter([ValueError("bad"), "good"])

    def flaky(p: Path) -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with pytest.raises(ValueError):
        memo.get(path, flaky)
    assert memo.get(path, flaky) == "good"


def test_load_article_gives_each_caller_its_own_metadata(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# Title\n\nSome text.\n")
    first = load_article(path)
    first.meta.title = "changed by a caller"
    second = load_article(path)
    assert second.meta.title == "Title"
    assert second.document is first.document  # parsed once
