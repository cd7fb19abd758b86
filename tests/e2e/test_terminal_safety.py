"""A file with an OSC title sequence, read in a real terminal, cannot retitle the window."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.tmux import TmuxSession, postil_executable

pytestmark = pytest.mark.e2e


def test_osc_title_sequence_does_not_reach_the_terminal(tmp_path: Path) -> None:
    postil = postil_executable()
    article = tmp_path / "evil.txt"
    article.write_bytes(
        b"Harmless Looking Title\n\n"
        b"Before \x1b]0;PWNED-BY-ARTICLE\x07 after, and \x1b]2;PWNED-TWO\x1b\\ more text.\n\n"
        b"Clipboard \x1b]52;c;ZXZpbA==\x07 and \x1b[2J a screen clear.\n"
    )
    env = {
        "POSTIL_DB": str(tmp_path / "db.json"),
        "POSTIL_CACHE": str(tmp_path / "cache"),
        "POSTIL_CONFIG": str(tmp_path / "config.toml"),
        "TERM": "xterm-256color",
        "HOME": str(tmp_path),
    }
    session = TmuxSession([str(postil), str(article)], env)
    try:
        screen = session.wait_for("Harmless Looking Title")
        screen = session.wait_for("Before  after, and  more text.")
        assert "PWNED" not in screen
        assert "Clipboard  and  a screen clear." in screen
        assert "PWNED" not in session.pane_title()
        session.send("q")
        session.wait_for("POSTIL-EXITED-0")
        assert "PWNED" not in session.pane_title()
    finally:
        session.close()
