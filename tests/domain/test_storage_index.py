"""The store's indexes stay right whichever is built first: the tag counts are only made when
asked (a one-article read never needs them), so changes made before and after must both count."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from annotations.model import Annotation
from annotations.records import Tables
from annotations.storage import AnnotationStore

TEXT = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu."


def make(number: int, tags: list[str], path: str = "/library/a.txt") -> Annotation:
    """An annotation of ``path`` with ``tags``."""
    return Annotation.create(article_id=f"id-{path}", path=path, text=TEXT, start=number,
                             end=number + 5, tags=tags)


@pytest.mark.parametrize("first", ["path index", "tags", "nothing"])
def test_tag_counts_follow_changes_whichever_index_came_first(tmp_path: Path,
                                                              first: str) -> None:
    store = AnnotationStore(tmp_path / "db.json")
    kept = make(0, ["keep", "shared"])
    dropped = make(1, ["gone", "shared"], path="/library/b.txt")
    store.put_many([kept, dropped])
    if first == "path index":
        assert len(store.annotations_for("nothing", "/library/a.txt")) == 1
    elif first == "tags":
        assert store.tags_in_use() == {"keep", "shared", "gone"}
    store.update(replace(kept, tags=("keep", "new")))
    store.delete(dropped.id)
    store.add(make(2, ["later"]))
    assert store.tags_in_use() == {"keep", "new", "later"}
    assert store.highlight_counts()[1] == {"/library/a.txt": 2}
    assert AnnotationStore(tmp_path / "db.json").tags_in_use() == {"keep", "new", "later"}


def test_tags_asked_first_still_build_the_path_index() -> None:
    tables = Tables({"annotations": {"1": make(0, ["t"]).to_record()}})
    assert tables.tags == {"t": 1}
    assert set(tables.by_path) == {"/library/a.txt"}
