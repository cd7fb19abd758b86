"""Quitting while another postil holds the database lock loses nothing (issue 11, item 1).

The highlight is either written after waiting, or kept in a pending file that the next start
saves, and stderr says so.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import reader.ui.app as app_module
from annotations.changelog import Change
from annotations.model import Annotation
from annotations.storage import AnnotationStore, DatabaseLocked
from reader.library import LibrarySource
from reader.ui.session import ReaderSession
from tests.support.paths import ROOT, SEED
from tests.support.pilot import make_app, opened_article, wait_for

HOLD_LOCK = (
    "import sys\n"
    "from filelock import FileLock\n"
    "lock = FileLock(sys.argv[1])\n"
    "lock.acquire()\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()\n"
)


class LockHolder:
    """Another process holding the database lock until :meth:`release`."""

    def __init__(self, db: Path) -> None:
        self.child = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db) + ".lock"],
                                      cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True)
        assert self.child.stdout is not None
        assert self.child.stdout.readline().strip() == "locked"

    def release(self) -> None:
        """End the other process (its lock goes with it)."""
        if self.child.poll() is None:
            self.child.communicate("", timeout=30)


@pytest.fixture
def holder(isolated_paths: Path) -> Iterator[LockHolder]:
    """Hold the lock of the test database in another process."""
    db = isolated_paths / "db.json"
    AnnotationStore(db).set_state("created", True)
    holding = LockHolder(db)
    yield holding
    holding.release()


def test_writer_keeps_a_highlight_it_cannot_write_and_the_next_start_saves_it(
    isolated_paths: Path, holder: LockHolder, capsys: pytest.CaptureFixture[str]
) -> None:
    db = isolated_paths / "db.json"
    session = ReaderSession(db, LibrarySource([]), isolated_paths / "config.toml")
    session.close_wait = 0.5
    session.store()
    annotation = Annotation.create(article_id="a", path="/a.txt", text="Some text to keep.",
                                   start=0, end=9, note="typed while locked")
    assert session.apply([Change.put(annotation)])
    session.close()
    [report] = session.exit_report
    assert "1 highlight" in report and "locked" in report and "next time" in report
    pending = AnnotationStore(db).pending_files()
    assert len(pending) == 1 and str(pending[0]) in report
    # Before the lock is free, a reader already sees it (pending files are replayed)...
    seen = AnnotationStore(db).get(annotation.id)
    assert seen is not None and seen.note == "typed while locked"
    holder.release()
    # ...and the next start writes it into the database and removes the pending file.
    from reader.cli import main

    assert main(["notes", "--json"]) == 0
    err = capsys.readouterr().err
    assert "saved 1 change kept from an earlier run" in err
    assert AnnotationStore(db).pending_files() == []
    assert (AnnotationStore(db).get(annotation.id) or annotation).note == "typed while locked"


async def test_quitting_the_app_while_locked_waits_then_keeps_the_highlight(
    isolated_paths: Path, seed_library: Path, holder: LockHolder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app_module, "QUICK_SAVE_SECONDS", 0.05)
    monkeypatch.setattr(app_module, "QUIT_WAIT_SECONDS", 0.5)
    app = make_app(isolated_paths, seed_library / SEED.name)
    app.session.close_wait = 0.3
    notices: list[str] = []
    async with opened_article(app, size=(100, 32)) as (pilot, _):
        original_notify = app.notify

        def notify(message: str, *args: object, **kwargs: object) -> None:
            notices.append(message)
            original_notify(message, *args, **kwargs)  # type: ignore[arg-type]

        app.notify = notify  # type: ignore[method-assign]
        await pilot.press("right_square_bracket", "h")
        await wait_for(pilot, lambda: app.session.unsaved())
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=30)
    assert any(n.startswith("Saving 1 highlight…") for n in notices)
    assert app.session.exit_report and "1 highlight" in app.session.exit_report[0]
    holder.release()
    [saved] = AnnotationStore(isolated_paths / "db.json").all_annotations()
    assert saved.path.endswith(SEED.name)


async def test_quitting_while_locked_writes_the_highlight_once_the_lock_is_free(
    isolated_paths: Path, seed_library: Path, holder: LockHolder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app_module, "QUICK_SAVE_SECONDS", 0.05)
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 32)) as (pilot, _):
        await pilot.press("right_square_bracket", "h")
        await pilot.press("q")
        await wait_for(pilot, lambda: app._saving_before_quit)
        assert app.is_running  # waiting for the lock, not gone
        holder.release()
        await wait_for(pilot, lambda: not app.is_running, timeout=30)
    assert app.session.exit_report == []
    store = AnnotationStore(isolated_paths / "db.json")
    assert len(store.all_annotations()) == 1 and store.pending_files() == []


async def test_a_write_problem_told_while_the_ui_waits_never_blocks_the_writer(
    isolated_paths: Path, seed_library: Path,
) -> None:
    """The writer tells of a locked database while quitting joins it: the telling used to wait
    for the UI thread, which waited for the writer, until the join timed out (6 s here, 11 s
    with the real settings)."""
    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 32)) as (pilot, _):
        notices: list[str] = []
        original_notify = app.notify

        def notify(message: str, *args: object, **kwargs: object) -> None:
            notices.append(message)
            original_notify(message, *args, **kwargs)  # type: ignore[arg-type]

        app.notify = notify  # type: ignore[method-assign]
        writer = threading.Thread(target=app.session.on_write_error,
                                  args=(DatabaseLocked("locked by another postil"),))
        writer.start()
        writer.join(5)  # the UI thread is busy here, as it is while it joins the writer
        assert not writer.is_alive()
        await wait_for(pilot, lambda: any(n.startswith("Waiting to save") for n in notices))
