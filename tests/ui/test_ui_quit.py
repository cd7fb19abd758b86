"""ctrl+c and q always end postil, even while a worker is stuck (issue 11 item 10).

A FIFO in the library kept the library scan blocked, and the app then waited for that worker at
exit forever. The exit is checked in a real process (a stuck thread is only visible there); the
timeout only turns a hang into a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reader.ui.executor import DaemonExecutor
from reader.ui.screens.library import LibraryScreen
from tests.support.paths import ROOT, SEED
from tests.support.pilot import make_app, opened_article, wait_for, wait_library

HANG_GUARD = 60

STUCK_APP = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    import reader.library
    import reader.ui.app
    from reader.library import LibrarySource
    from reader.ui.executor import DaemonExecutor
    from reader.ui.app import PostilApp

    started = threading.Event()

    def stuck(path):  # a read that never returns, like a blocked open() used to
        started.set()
        threading.Event().wait()

    reader.library.read_metadata = stuck
    # The stuck worker is given a short grace at exit (the app's is 2 s): the test is that the
    # exit comes at all, not how long the grace is.
    reader.ui.app.DaemonExecutor = lambda: DaemonExecutor(grace=0.2)
    home, library, key = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    app = PostilApp(db_path=home / "db.json", library=LibrarySource([library]),
                    config_path=home / "config.toml")

    async def auto_pilot(pilot):
        while not started.is_set():
            await pilot.pause(0.05)
        await pilot.press(key)

    app.run(headless=True, size=(100, 30), auto_pilot=auto_pilot)
    print("postil ended")
    """
)


@pytest.mark.parametrize("key", ["q", "ctrl+c", "ctrl+q"])
def test_quit_keys_end_postil_while_a_worker_is_stuck(
    key: str, isolated_paths: Path, seed_library: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", STUCK_APP, str(isolated_paths), str(seed_library), key],
        cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("postil ended")


async def test_library_with_a_fifo_fills_and_lists_it_unreadable(
    isolated_paths: Path, seed_library: Path
) -> None:
    os.mkfifo(seed_library / "fifo.txt")
    app = make_app(isolated_paths, seed_library)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_library(pilot, 2)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await app.workers.wait_for_complete()
        errors = {Path(row.meta.path).name: row.meta.error for row in screen.table.article_rows}
        assert errors[SEED.name] is None
        assert errors["fifo.txt"] == "not a regular file (a FIFO)"
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


def test_executor_runs_jobs_and_shutdown_waits_only_the_grace_period() -> None:
    import threading
    import time

    executor = DaemonExecutor(max_workers=2, grace=0.2)
    assert executor.submit(lambda a, b: a + b, 2, 3).result(timeout=5) == 5
    failing = executor.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=5)
    blocked = threading.Event()
    executor.submit(blocked.wait)  # stuck for good
    started = time.monotonic()
    executor.shutdown(wait=True)
    assert time.monotonic() - started < HANG_GUARD
    with pytest.raises(RuntimeError):
        executor.submit(print)
    blocked.set()


async def test_ctrl_c_in_the_note_dialog_keeps_the_draft(
    isolated_paths: Path, seed_library: Path
) -> None:
    from reader.ui.dialogs.note_dialog import NoteDialog
    from reader.ui.screens.reading import ReadingScreen

    app = make_app(isolated_paths, seed_library / SEED.name)
    async with opened_article(app, size=(100, 30)) as (pilot, _):
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog))
        await pilot.press(*"draft", "ctrl+c")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, NoteDialog)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
        screen = app.screen
        assert isinstance(screen, ReadingScreen)
        assert [a.note for a in screen.annotations.values()] == ["draft"]
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not app.is_running)
