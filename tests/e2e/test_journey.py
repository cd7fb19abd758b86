"""The journey test: a new user reads, searches, highlights, notes and tags in a real terminal."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.tmux import TmuxSession, postil_executable
from tests.support.paths import SEED

pytestmark = pytest.mark.e2e


def test_read_search_highlight_note_tag_export(tmp_path: Path) -> None:
    postil = postil_executable()
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(SEED, library / SEED.name)
    env = {
        "POSTIL_DB": str(tmp_path / "db.json"),
        "POSTIL_CACHE": str(tmp_path / "cache"),
        "POSTIL_CONFIG": str(tmp_path / "config.toml"),
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
    }
    session = TmuxSession([str(postil), "--library", str(library)], env)
    try:
        session.wait_for("Huawei Chairman")
        session.send("Enter")
        session.wait_for("min left")  # the reading screen's status line
        session.send("/")
        session.wait_for("Find a passage")
        session.type("world's second largest seler of smartphones")
        session.wait_for("result")
        session.send("Enter")
        session.wait_for("h highlights")  # back in the article, the found span selected
        session.send("h")
        session.wait_for("1 highlight")
        session.send("c")
        session.wait_for("ctrl+s save")
        session.type("Samsung leads; check the 2019 figures")
        session.send("C-s")
        session.wait_for("Note saved")
        session.send("t")
        session.wait_for("space or comma between tags")
        session.type("phones")
        session.send("Enter")
        session.wait_for("Tags saved")
        session.send("q")
        session.wait_for("Type to filter")
        session.send("q")
        session.wait_for("POSTIL-EXITED-0")
    finally:
        session.close()

    run_env = {**env, "PATH": str(postil.parent)}
    notes = subprocess.run([str(postil), "notes", "--json"], capture_output=True, text=True,
                           env=run_env, timeout=60, check=True)
    records = json.loads(notes.stdout)
    assert len(records) == 1
    record = records[0]
    assert "second largest seller of smartphones" in record["quote"]
    assert record["note"] == "Samsung leads; check the 2019 figures"
    assert record["tags"] == ["phones"]
    exported = subprocess.run([str(postil), "export"], capture_output=True, text=True,
                              env=run_env, timeout=60, check=True).stdout
    assert "second largest seller of smartphones" in exported
    assert "Samsung leads; check the 2019 figures" in exported
    assert "#phones" in exported
