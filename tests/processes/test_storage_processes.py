"""The annotation database across processes: SIGKILL mid-write, and writers running at once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from annotations.model import Annotation
from annotations.storage import AnnotationStore
from tests.support.paths import ROOT, SEED

#: Kill rounds: the default run's few, and the slow run's many (``make test-slow``).
KILL_ROUNDS = [8, pytest.param(25, marks=pytest.mark.slow)]
FILLER_TEXT = "Filler annotations make every write of the database take a little while. " * 6


def start_loop(db: Path, count: int, tag: str, go_file: Path | None = None
               ) -> subprocess.Popen[str]:
    """Start ``tests.support.children.add_loop`` adding ``count`` highlights (0: until killed)."""
    command = [sys.executable, "-m", "tests.support.children.add_loop", str(db), str(count), tag]
    if go_file is not None:
        command.append(str(go_file))
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def filler(count: int) -> list[Annotation]:
    """``count`` ordinary highlights, so the database file is a realistic size."""
    return [
        Annotation.create(article_id=f"filler-{n % 40}", path=f"/articles/filler-{n % 40}.txt",
                          text=FILLER_TEXT, start=n % 300, end=n % 300 + 60,
                          note=f"filler note {n}", tags=["filler", f"t{n % 7}"])
        for n in range(count)
    ]


def temp_files(folder: Path) -> list[Path]:
    """Temp files an interrupted write of ``db.json`` left behind."""
    return list(folder.glob(".db.json.*.postil-tmp"))


@pytest.mark.parametrize("rounds", KILL_ROUNDS)
def test_sigkill_at_random_moments_keeps_every_reported_highlight(
    tmp_path: Path, rounds: int
) -> None:
    db = tmp_path / "db.json"
    AnnotationStore(db).put_many(filler(1500))  # ~1 MB: each add spends real time writing
    rng = random.Random(20261128)
    reported: set[str] = set()
    kills_mid_write = 0
    for round_number in range(rounds):
        tag = f"round-{round_number}"
        child = start_loop(db, 0, tag)
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.readline().strip()  # the loop is running: one add has returned
        assert first, child.stderr.read()
        time.sleep(rng.uniform(0.0, 0.06))  # the random moment of the kill
        child.kill()
        # Read the rest through the same buffered stream readline() used: communicate() reads
        # the raw pipe and would drop ids readline() had already buffered.
        rest = child.stdout.read()
        child.stderr.read()
        child.wait(timeout=30)
        ids = {first, *rest.split()}
        kills_mid_write += bool(temp_files(tmp_path))

        store = AnnotationStore(db)  # always loads: DatabaseDamaged would fail the test here
        this_round = {a.id for a in store.all_annotations() if tag in a.tags}
        assert ids <= this_round, f"round {round_number}: reported writes were lost"
        # At most the one add in flight at the kill landed without being reported.
        assert len(this_round - ids) <= 1
        reported |= ids
        assert temp_files(tmp_path) == []  # opening the store removed the interrupted write

    stored = AnnotationStore(db).all_annotations()
    assert reported <= {a.id for a in stored}
    assert len(stored) <= 1500 + len(reported) + rounds
    assert len(reported) > rounds  # some kills came after several adds, not just one
    assert not list(tmp_path.glob("db.json.corrupt-*"))
    json.loads(db.read_text(encoding="utf-8"))  # the file itself is plain valid JSON
    # The test really killed writers in the middle of writing the database.
    # How many kills left a half-done temp file is up to timing (the deterministic version
    # of that crash is the next test); shown with -s.
    print(f"{kills_mid_write} of {rounds} kills interrupted a write of the file; "
          f"{len(reported)} writes were reported")


@pytest.mark.parametrize(
    "stage", ["half-written", "before-fsync", "before-replace", "after-replace"]
)
def test_crash_at_each_step_of_a_write_leaves_a_loadable_database(
    tmp_path: Path, stage: str
) -> None:
    db = tmp_path / "db.json"
    AnnotationStore(db).put_many(filler(200))
    child = subprocess.run(
        [sys.executable, "-m", "tests.support.children.crash_in_write", str(db), stage],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    first, second = child.stdout.split()[0], child.stderr.split()[-1]
    assert "survived" not in child.stdout
    if stage != "after-replace":
        assert len(temp_files(tmp_path)) == 1  # the interrupted write is still lying there
    store = AnnotationStore(db)
    ids = {a.id for a in store.all_annotations()}
    assert first in ids and len(ids) == 200 + (2 if stage == "after-replace" else 1)
    assert (second in ids) == (stage == "after-replace")  # all of the write or none of it
    assert temp_files(tmp_path) == []  # removed when the store was opened
    assert not list(tmp_path.glob("db.json.corrupt-*"))
    store.add(filler(1)[0])  # and it takes writes again
    assert len(AnnotationStore(db).all_annotations()) == len(ids) + 1


def _start_together(db: Path, go_file: Path, count: int, tags: list[str]
                    ) -> list[subprocess.Popen[str]]:
    children = [start_loop(db, count, tag, go_file) for tag in tags]
    for child in children:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    go_file.touch()  # both start adding at the same moment
    return children


def test_two_processes_adding_100_each_at_once_keep_all_200(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    children = _start_together(db, tmp_path / "go", 100, ["one", "two"])
    ids: dict[str, list[str]] = {}
    for tag, child in zip(["one", "two"], children, strict=True):
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        ids[tag] = out.split()
    assert len(ids["one"]) == len(ids["two"]) == 100
    stored = AnnotationStore(db).all_annotations()
    assert len(stored) == 200
    assert {a.id for a in stored} == set(ids["one"]) | set(ids["two"])
    for tag in ("one", "two"):  # every note intact and each writer's own order kept
        notes = {a.note for a in stored if a.tags == (tag,)}
        assert notes == {f"{tag} {n}" for n in range(100)}
    table = json.loads(db.read_text(encoding="utf-8"))["annotations"]
    assert len(table) == 200  # no TinyDB document id was handed out twice
    # The table keeps insertion order: the writers really took turns, not one after the other.
    first_ids = set(ids["one"])
    owners = [record["id"] in first_ids for record in table.values()]
    assert sum(a != b for a, b in zip(owners, owners[1:], strict=False)) >= 1


def _cli_highlights(db: Path, article: Path, quotes: list[str], results: list[str],
                    failures: list[str]) -> None:
    environment = {**os.environ, "POSTIL_DB": str(db)}
    for quote in quotes:
        done = subprocess.run(
            [sys.executable, "-m", "reader", "highlight", str(article), "--quote", quote],
            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
        )
        if done.returncode != 0 or done.stderr:
            failures.append(f"{quote!r}: exit {done.returncode}: {done.stderr.strip()}")
        results.append(done.stdout.strip())


def test_two_real_cli_processes_highlighting_at_once(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    article = tmp_path / SEED.name
    article.write_bytes(SEED.read_bytes())
    quotes = ["Huawei", "the United States", "national security", "smartphones",
              "Samsung", "no-spy", "Chairman", "intelligence"]
    results: list[list[str]] = [[], []]
    failures: list[str] = []
    threads = [
        threading.Thread(target=_cli_highlights, args=(db, article, order, result, failures))
        for order, result in zip([quotes, quotes[::-1]], results, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert failures == []
    printed = results[0] + results[1]
    assert len(printed) == 16 and len(set(printed)) == 16
    stored = AnnotationStore(db).all_annotations()
    assert {a.id for a in stored} == set(printed)
    assert sorted(a.quote.exact for a in stored) == sorted(quotes * 2)
