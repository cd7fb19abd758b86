"""Drive the real ``postil`` in a real terminal with tmux (send-keys, capture-pane)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest


def postil_executable() -> Path:
    """The installed console script next to this interpreter."""
    candidate = Path(sys.executable).parent / "postil"
    if not candidate.exists():
        pytest.skip("postil is not installed in this environment")
    return candidate


class TmuxSession:
    """One tmux server + session running a command, on a private socket."""

    def __init__(self, command: list[str], env: dict[str, str], width: int = 120,
                 height: int = 40) -> None:
        if shutil.which("tmux") is None:
            pytest.skip("tmux is not installed")
        self.socket = f"postil-test-{uuid.uuid4().hex[:8]}"
        self.name = "postil"
        environment = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        shell_command = (
            f"env {environment} {shlex.join(command)}; echo POSTIL-EXITED-$?; sleep 60"
        )
        self._tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                   shell_command)

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True, text=True, timeout=20,
            env={**os.environ, "TERM": "xterm-256color"},
        )
        if result.returncode != 0 and args[0] not in {"kill-server"}:
            raise RuntimeError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def send(self, *keys: str) -> None:
        """Send keys (tmux key names like Enter, Escape, C-s) to the app."""
        self._tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        """Type literal text."""
        self._tmux("send-keys", "-t", self.name, "-l", text)

    def screen(self) -> str:
        """The visible pane text."""
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def pane_title(self) -> str:
        """The pane title (what an OSC 0/2 sequence would change)."""
        return self._tmux("display-message", "-p", "-t", self.name, "#{pane_title}").strip()

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """Poll the screen until ``text`` appears; returns the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear on screen:\n{screen}")

    def wait_until(self, predicate: object, timeout: float = 30.0) -> str:
        """Poll until ``predicate(screen)`` is true."""
        assert callable(predicate)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"condition not met; screen:\n{screen}")

    def close(self) -> None:
        """Kill the tmux server."""
        self._tmux("kill-server")
