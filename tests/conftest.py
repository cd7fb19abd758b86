"""Shared fixtures: every test runs with its own database, library, cache and settings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.paths import SEED

if TYPE_CHECKING:
    from tests.support.web_server import LocalServer



@pytest.fixture(autouse=True)
def isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every postil path at a temporary folder so no test touches real user files."""
    home = tmp_path / "postil-home"
    home.mkdir()
    monkeypatch.setenv("POSTIL_DB", str(home / "db.json"))
    monkeypatch.setenv("POSTIL_CACHE", str(home / "cache"))
    monkeypatch.setenv("POSTIL_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache-xdg"))
    monkeypatch.delenv("POSTIL_LIBRARY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture
def seed_library(tmp_path: Path) -> Path:
    """A library folder holding a copy of the bundled sample article."""
    folder = tmp_path / "library"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture(autouse=True)
def w3c_exports_conform(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every JSON export any test makes is checked against the W3C's MUST assertions.

    The collection, its page and its first three annotations are checked (the W3C schemas are
    slow to evaluate); a property test checks its first three examples' exports.
    """
    from annotations.export import w3c
    from tests.support.w3c_conformance import w3c_problems

    original = w3c.collection_to_w3c
    checked_exports = 0

    def checked(*args: object, **kwargs: object) -> dict[str, object]:
        nonlocal checked_exports
        document = original(*args, **kwargs)  # type: ignore[arg-type]
        if checked_exports < 3 or not _in_property_test():
            checked_exports += 1
            found = w3c_problems(document, max_items=3)
            assert not found, "\n".join(found)
        return document

    monkeypatch.setattr(w3c, "collection_to_w3c", checked)


def _in_property_test() -> bool:
    from hypothesis import currently_in_test_context

    return currently_in_test_context()


@pytest.fixture(autouse=True)
def truecolor_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps in tests draw for a truecolor terminal unless a test says otherwise.

    What the reader draws depends on the terminal's colour system (16-colour terminals get
    their own highlight shades); without this, snapshots would depend on the TERM of the
    machine running the tests.
    """
    from textual import constants

    monkeypatch.setattr(constants, "COLOR_SYSTEM", "truecolor")


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """A local HTTP server (127.0.0.1, port 0); proxy variables cleared so requests go to it."""
    from tests.support.web_server import LocalServer

    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    server = LocalServer()
    yield server
    server.close()
