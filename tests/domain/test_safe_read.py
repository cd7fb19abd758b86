"""Only regular files are read, with size caps (issue 11 item 10).

A FIFO in the library hung ``postil list``, the TUI and ``postil add``; ``/dev/zero`` (directly,
through a library symlink, as a note on stdin or as a search batch) was read until MemoryError.
Commands that could hang run in a subprocess with a timeout, so a regression fails instead of
hanging the test run.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reader import safe_read
from reader.loading import ArticleError, read_metadata, read_text
from reader.safe_read import RefusedFile, read_regular_file, read_stdin
from tests.support.paths import ROOT, SEED

HANG_GUARD = 60  # seconds: only there so that a hang fails the test instead of blocking CI
ZERO = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not ZERO.exists(), reason="needs /dev/zero")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.txt"
    os.mkfifo(path)
    return path


def postil(*args: str, stdin: object = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """Run the postil command line in a fresh interpreter (environment from the fixtures)."""
    return subprocess.run(
        [sys.executable, "-m", "reader", *args],
        cwd=ROOT, stdin=stdin, capture_output=True, text=True, timeout=HANG_GUARD,
    )


def _in_thread(function: object, *args: object) -> object:
    """Call ``function`` in a thread; fail (instead of hanging) if it does not return."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(function(*args))  # type: ignore[operator]
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the read blocked"
    return outcome[0]


# --- the helper --------------------------------------------------------------------------------


def test_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    assert read_regular_file(path, 5) == b"hello"


def test_fifo_is_refused_without_waiting_for_a_writer(fifo: Path) -> None:
    outcome = _in_thread(read_regular_file, fifo, 1024)
    assert isinstance(outcome, RefusedFile)
    assert str(outcome) == "not a regular file (a FIFO)"


@needs_dev_zero
def test_device_and_symlink_to_device_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to(ZERO)
    for path in (ZERO, link):
        with pytest.raises(RefusedFile, match=r"^not a regular file \(a device\)$"):
            read_regular_file(path, 1024)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RefusedFile, match="is a directory"):
        read_regular_file(tmp_path, 1024)


def test_too_large_file_is_refused_with_sizes(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * (3 * 1024 * 1024))
    with pytest.raises(RefusedFile, match=r"^too large \(3 MB; limit 2 MB\)$"):
        read_regular_file(path, 2 * 1024 * 1024)


def test_file_swapped_for_a_fifo_after_the_check_is_refused(
    fifo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: stat saw a regular file, then a FIFO was put in its place before the open."""
    regular = os.stat(SEED)
    monkeypatch.setattr(safe_read.os, "stat", lambda _path: regular)
    outcome = _in_thread(read_regular_file, fifo, 10 * 1024 * 1024)
    assert isinstance(outcome, RefusedFile)
    assert "FIFO" in str(outcome)


def test_file_that_grows_past_the_cap_while_read_is_refused() -> None:
    endless = io.BufferedReader(io.BytesIO(b"y" * 5000))  # stands for a growing file
    assert safe_read._read_capped(endless, 5000) == b"y" * 5000
    endless = io.BufferedReader(io.BytesIO(b"y" * 5001))
    with pytest.raises(RefusedFile, match="too large"):
        safe_read._read_capped(endless, 5000)


def test_stdin_is_read_up_to_its_cap() -> None:
    assert read_stdin(10, io.BytesIO(b"0123456789")) == b"0123456789"
    with pytest.raises(RefusedFile, match=r"^too large \(more than 10 bytes\)$"):
        read_stdin(10, io.BytesIO(b"0123456789!"))


def test_refusal_is_an_os_error_with_a_strerror() -> None:
    error = RefusedFile("not a regular file (a FIFO)")
    assert isinstance(error, OSError)
    assert error.strerror == str(error) == "not a regular file (a FIFO)"


# --- articles ----------------------------------------------------------------------------------


def test_article_loader_refuses_a_fifo(fifo: Path) -> None:
    outcome = _in_thread(read_text, fifo)
    assert isinstance(outcome, ArticleError)
    assert str(outcome) == "not a regular file (a FIFO)"
    meta = _in_thread(read_metadata, fifo)
    assert meta.error == "not a regular file (a FIFO)"  # type: ignore[attr-defined]


def test_article_cap_is_the_documented_one(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as stream:
        stream.truncate(safe_read.MAX_ARTICLE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ArticleError, match=r"^too large \(50 MB; limit 50 MB\)$"):
        read_text(path)


def test_preview_of_a_fifo_does_not_block(fifo: Path) -> None:
    from reader.loading import preview_article

    assert _in_thread(preview_article, fifo) is None


# --- commands ----------------------------------------------------------------------------------


def test_list_with_a_fifo_and_a_device_link_in_the_library(
    seed_library: Path, tmp_path: Path
) -> None:
    os.mkfifo(seed_library / "fifo.txt")
    if ZERO.exists():
        (seed_library / "zero.md").symlink_to(ZERO)
    result = postil("--library", str(seed_library), "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = {Path(row["path"]).name: row for row in json.loads(result.stdout)}
    assert rows["fifo.txt"]["error"] == "not a regular file (a FIFO)"
    assert rows[SEED.name]["error"] is None
    if ZERO.exists():
        assert rows["zero.md"]["error"] == "not a regular file (a device)"


def test_add_refuses_fifo_and_device(fifo: Path, tmp_path: Path) -> None:
    sources = [str(fifo)] + ([str(ZERO)] if ZERO.exists() else [])
    result = postil("--library", str(tmp_path / "lib"), "add", *sources)
    assert result.returncode == 1
    assert f"cannot add {fifo}: not a regular file (a FIFO)" in result.stderr
    if ZERO.exists():
        assert "cannot add /dev/zero: not a regular file (a device)" in result.stderr
    assert "internal error" not in result.stderr


@needs_dev_zero
def test_add_from_endless_stdin_stops_at_the_cap(tmp_path: Path) -> None:
    with open(ZERO, "rb") as zero:
        result = postil("--library", str(tmp_path / "lib"), "add", "-", stdin=zero)
    assert result.returncode == 1
    assert "cannot add standard input: too large (more than 50 MB)" in (
        result.stderr
    )


@needs_dev_zero
def test_highlight_note_from_endless_stdin_stops_at_the_cap(seed_library: Path) -> None:
    with open(ZERO, "rb") as zero:
        result = postil(
            "highlight", str(seed_library / SEED.name), "--quote", "Huawei", "--note", "-",
            stdin=zero,
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (
        "postil: cannot read the note from standard input: "
        "too large (more than 4 MB)"
    )


@needs_dev_zero
def test_search_batch_from_a_device_or_endless_stdin_is_refused(seed_library: Path) -> None:
    result = postil("search", "--batch", str(ZERO), str(seed_library), "--json")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "postil: cannot read batch file /dev/zero: not a regular file (a device)"
    )
    with open(ZERO, "rb") as zero:
        result = postil("search", "--batch", "-", str(seed_library), "--json", stdin=zero)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "postil: cannot read the queries from standard input: too large (more than 8 MB)"
    )
    assert "internal error" not in result.stderr


def test_search_batch_fifo_is_refused(seed_library: Path, fifo: Path) -> None:
    result = postil("search", "--batch", str(fifo), str(seed_library), "--json")
    assert result.returncode == 1
    assert "not a regular file (a FIFO)" in result.stderr


def test_import_and_template_fifos_are_refused(fifo: Path, seed_library: Path) -> None:
    result = postil("import", str(fifo))
    assert result.returncode == 1
    assert result.stderr.strip() == f"postil: {fifo}: not a regular file (a FIFO)"
    result = postil("export", str(seed_library / SEED.name), "--template", str(fifo))
    assert result.returncode != 0 and "not a regular file (a FIFO)" in result.stderr
    assert "internal error" not in result.stderr


def test_database_and_config_fifos_do_not_hang(fifo: Path, seed_library: Path,
                                               tmp_path: Path) -> None:
    result = postil("--db", str(fifo), "notes", str(seed_library))
    assert result.returncode == 1
    assert "not a regular file" in result.stderr
    assert "internal error" not in result.stderr
    result = postil("--config", str(fifo), "--library", str(seed_library), "list", "--json")
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr


def test_export_dir_with_a_fifo_does_not_hang(fifo: Path, seed_library: Path,
                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "huawei.md")
    result = postil("export", str(seed_library / SEED.name), "--dir", str(out))
    assert "internal error" not in result.stderr
    assert stat.S_ISFIFO(os.stat(out / "huawei.md").st_mode)  # never replaced


def test_cached_files_that_are_fifos_are_ignored(
    seed_library: Path, isolated_paths: Path
) -> None:
    cache = isolated_paths / "cache"
    cache.mkdir()
    os.mkfifo(cache / "library-metadata.json")
    result = postil("--library", str(seed_library), "list", "--json")
    assert result.returncode == 0, result.stderr
    result = postil("search", "Huawei", str(seed_library), "--json")
    assert result.returncode == 0, result.stderr
    for name in os.listdir(cache):
        if name.startswith("search"):
            os.unlink(cache / name)
            os.mkfifo(cache / name)
    result = postil("search", "Huawei", str(seed_library), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)
