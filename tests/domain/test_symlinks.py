"""Files behind symbolic links are written through the link: the link stays, the target changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annotations.atomicfile import NotRegularFile, atomic_write_text, write_target
from annotations.model import Annotation
from annotations.storage import AnnotationStore
from reader.cli import main
from reader.config import load_settings, save_setting
from reader.library import MetadataCache
from reader.loading import load_article


def linked(tmp_path: Path, name: str, content: str | None = None) -> tuple[Path, Path]:
    """A file in a 'synced' folder and a link to it from elsewhere."""
    synced = tmp_path / "synced"
    synced.mkdir(exist_ok=True)
    target = synced / name
    if content is not None:
        target.write_text(content, encoding="utf-8")
    link_dir = tmp_path / "home"
    link_dir.mkdir(exist_ok=True)
    link = link_dir / name
    link.symlink_to(target)
    return link, target


def test_atomic_write_goes_through_a_link(tmp_path: Path) -> None:
    link, target = linked(tmp_path, "notes.md", "old")
    atomic_write_text(link, "new")
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in link.parent.iterdir()] == ["notes.md"]  # no temp file left beside


def test_a_chain_of_links_and_a_dangling_link(tmp_path: Path) -> None:
    link, target = linked(tmp_path, "a.txt")  # dangling: the target does not exist yet
    second = tmp_path / "second.txt"
    second.symlink_to(link)
    atomic_write_text(second, "made")
    assert second.is_symlink() and link.is_symlink()
    assert target.read_text(encoding="utf-8") == "made"


def test_a_link_loop_is_an_error_not_a_replacement(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")
    with pytest.raises(OSError):
        write_target(loop)
    with pytest.raises(OSError):
        atomic_write_text(loop, "x")
    assert loop.is_symlink()


def test_only_regular_files_are_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile):
        atomic_write_text(fifo, "x")
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    with pytest.raises(OSError):
        atomic_write_text(link, "x")
    assert link.is_symlink()


def test_a_linked_database_keeps_its_link(tmp_path: Path, seed_library: Path) -> None:
    link, target = linked(tmp_path, "postil.json")
    article = load_article(seed_library / "huawei-no-spy-deal.txt")
    store = AnnotationStore(link)
    store.add(Annotation.create(article_id=article.id, path=article.meta.path,
                                text=article.text, start=0, end=20))
    store.set_position(article.id, article.meta.path, 5, 0.5)
    assert link.is_symlink()
    assert len(AnnotationStore(target).all_annotations()) == 1
    assert len(AnnotationStore(link).all_annotations()) == 1
    leftovers = [p.name for p in link.parent.iterdir() if p.name != "postil.json"]
    assert not [name for name in leftovers if "tmp" in name]


def test_a_linked_settings_file_keeps_its_link(tmp_path: Path) -> None:
    link, target = linked(tmp_path, "config.toml", "# mine\nreading_width = 70\n")
    save_setting(link, "theme", "nord")
    assert link.is_symlink()
    assert "# mine" in target.read_text(encoding="utf-8")
    assert load_settings(link).settings.theme == "nord"


def test_a_linked_cache_keeps_its_link(tmp_path: Path, seed_library: Path) -> None:
    link, target = linked(tmp_path, "library-metadata.json", "{}")
    cache = MetadataCache(link)
    article = seed_library / "huawei-no-spy-deal.txt"
    cache.store(article, article.stat(), load_article(article).meta)
    cache.save()
    assert link.is_symlink()
    assert "huawei" in target.read_text(encoding="utf-8")


def test_export_to_a_linked_file_keeps_its_link(
    tmp_path: Path, seed_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = load_article(seed_library / "huawei-no-spy-deal.txt")
    AnnotationStore(Path(os.environ["POSTIL_DB"])).add(Annotation.create(
        article_id=article.id, path=article.meta.path, text=article.text, start=0, end=20))
    link, target = linked(tmp_path, "notes.md")
    assert main(["export", "-o", str(link)]) == 0, capsys.readouterr().err
    assert link.is_symlink()
    assert "postil:begin" in target.read_text(encoding="utf-8")
    assert main(["export", "-o", str(link)]) == 0, capsys.readouterr().err  # re-export
    assert link.is_symlink()


@pytest.mark.parametrize("target", ["/dev/null", "fifo"])
def test_a_database_that_is_not_a_regular_file_is_refused(tmp_path: Path, target: str) -> None:
    from annotations.storage import StoreError

    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    link = tmp_path / "db.json"
    link.symlink_to(target)
    with pytest.raises(StoreError, match="not a regular file"):
        AnnotationStore(link)
    with pytest.raises(StoreError, match="not a regular file"):
        AnnotationStore(target)


def test_a_linked_search_index_keeps_its_link(tmp_path: Path) -> None:
    from reader.search.data import IndexData
    from reader.search.storage import read_index, write_index

    link, target = linked(tmp_path, "index.bin")
    write_index(link, IndexData())
    assert link.is_symlink() and target.is_file()
    assert read_index(link) is not None
