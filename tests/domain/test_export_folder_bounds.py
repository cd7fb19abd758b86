"""An export folder is read within its bounds: what a file in it says never makes postil look
outside it (the article path in its front matter is only looked up inside the library), and a
symbolic link in it is never read or written through."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from annotations.export import ArticleExport, ArticleInfo, export_all_markdown
from annotations.export.files import ExportDirectory, export_article_markdown
from annotations.export.guard import WriteGuard

STAMP = "2024-05-01T09:30:00Z"


def export_file(path: Path, article_id: str, article_path: str) -> None:
    """An export as postil writes it, recording ``article_path`` in its front matter."""
    path.write_text(
        f'---\ntitle: "Old"\npostil-id: "{article_id}"\npostil-path: "{article_path}"\n---\n\n'
        f"<!-- postil:begin id={article_id} exported={STAMP} -->\nold\n<!-- postil:end -->\n",
        encoding="utf-8")


def looked_at(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path stat'ed or lstat'ed from now on."""
    seen: list[str] = []
    real_stat, real_lstat = os.stat, os.lstat

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        seen.append(os.fspath(path) if not isinstance(path, int) else "")
        return real_stat(path, *args, **kwargs)

    def lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        seen.append(os.fspath(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", lstat)
    return seen


def test_a_front_matter_path_outside_the_library_is_never_looked_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, library = tmp_path / "out", tmp_path / "library"
    out.mkdir()
    library.mkdir()
    recorded = tmp_path / "elsewhere" / "article.txt"
    export_file(out / "old.md", "same-id", str(recorded))
    guard = WriteGuard.build(library=[library])
    seen = looked_at(monkeypatch)
    folder = ExportDirectory(out, guard=guard)
    found = folder.find(ArticleInfo("same-id", str(library / "moved.txt"), "Moved"))
    monkeypatch.undo()
    assert found == out / "old.md"  # the recorded article counts as gone: the file is kept
    assert not any("elsewhere" in path for path in seen), seen


def test_a_front_matter_path_inside_the_library_is_looked_up_without_following_links(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, library = tmp_path / "out", tmp_path / "library"
    out.mkdir()
    library.mkdir()
    (library / "copy.txt").write_text("the same text", encoding="utf-8")
    export_file(out / "copy.md", "same-id", str(library / "copy.txt"))
    export_file(out / "gone.md", "other-id", str(library / "gone.txt"))
    folder = ExportDirectory(out, guard=WriteGuard.build(library=[library]))
    # Another copy with the same content: the copy still there keeps its own file ...
    assert folder.find(ArticleInfo("same-id", str(library / "second.txt"), "Copy")) is None
    # ... and an article moved away from the recorded path takes its old file.
    assert folder.find(ArticleInfo("other-id", str(library / "new.txt"), "Moved")) == (
        out / "gone.md")


def test_an_article_exported_in_the_same_run_keeps_its_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first = ArticleInfo("same-id", "/elsewhere/a.txt", "Copy")
    second = ArticleInfo("same-id", "/elsewhere/b.txt", "Copy")
    result = export_all_markdown([ArticleExport(first, ()), ArticleExport(second, ())], out,
                                 exported_at=STAMP)
    assert len(set(result.written)) == 2
    again = export_all_markdown([ArticleExport(second, ()), ArticleExport(first, ())], out,
                                exported_at="2030-01-01T00:00:00Z")
    assert sorted(again.written) == sorted(result.written)


def test_a_link_in_the_folder_is_never_read_or_written_through(tmp_path: Path) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    target = outside / "theirs.md"
    export_file(target, "an-id", "/lib/a.txt")
    before = target.read_bytes()
    (out / "a.md").symlink_to(target)
    (out / "sub").symlink_to(outside, target_is_directory=True)
    written = export_article_markdown(ArticleInfo("an-id", "/lib/a.txt", "A"), (), out,
                                      exported_at="2030-01-01T00:00:00Z")
    assert written.parent == out and not written.is_symlink()
    assert written.name not in ("a.md", "theirs.md")
    assert target.read_bytes() == before
