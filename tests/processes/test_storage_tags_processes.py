"""Two postil processes tagging one highlight at once: every tag either adds is kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from annotations.model import Annotation
from annotations.storage import AnnotationStore
from tests.processes.test_storage_changes import big_database, make
from tests.support.paths import ROOT

ROUNDS = 40

#: A child: its own copy of the annotation (a reader window that sees only its own edits);
#: each round adds one tag to that copy and writes the change from it, or removes the
#: initial tags one by one ("remove" mode) while adding its own.
CHILD = """
import sys
from pathlib import Path
from annotations.changelog import Change
from annotations.storage import AnnotationStore
from tests.support.children.add_loop import wait_for

db, ident, prefix, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[5])
rounds = int(sys.argv[4])
store = AnnotationStore(db)
copy = store.get(ident)
print("ready", flush=True)
wait_for(go)
for number in range(rounds):
    tags = [*copy.tags, f"{prefix}-{number}"]
    if prefix == "remove":
        tags = [tag for tag in tags if tag != f"old-{number}"]
    after = copy.edited(tags=tags)
    store.apply_changes([Change.between(copy, after)])
    copy = after
print("done", flush=True)
"""


def _child(db: Path, ident: str, prefix: str, go: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), ident, prefix, str(ROUNDS),
                              str(go)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    return child


@pytest.fixture(params=["whole-file", "change-log"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A database written whole (small) or through the change log (big)."""
    path = tmp_path / "db.json"
    if request.param == "change-log":
        big_database(path, 600)
    return path


def _run(db: Path, annotation: Annotation, prefixes: list[str]) -> tuple[str, ...]:
    AnnotationStore(db).add(annotation)
    go = db.parent / "go"
    children = [_child(db, annotation.id, prefix, go) for prefix in prefixes]
    go.touch()
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0 and out.strip() == "done", err
    saved = AnnotationStore(db).get(annotation.id)
    assert saved is not None
    return saved.tags


def test_two_processes_adding_tags_at_once_keep_every_tag(db: Path) -> None:
    tags = _run(db, make(30, tags=["start"]), ["a", "b"])
    assert set(tags) == {"start"} | {f"{p}-{n}" for p in "ab" for n in range(ROUNDS)}
    # each process's tags in the order it added them
    assert [t for t in tags if t.startswith("a-")] == [f"a-{n}" for n in range(ROUNDS)]


def test_one_process_removing_tags_while_another_adds_keeps_the_adds(db: Path) -> None:
    initial = [f"old-{n}" for n in range(ROUNDS)]
    tags = _run(db, make(31, tags=initial), ["remove", "b"])
    assert set(tags) == {f"{p}-{n}" for p in ("remove", "b") for n in range(ROUNDS)}
