"""reader.safe_read's ``follow_symlinks=False``: a symbolic link is refused, in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.safe_read import RefusedFile, read_file_start, read_regular_file


def test_a_link_is_refused_when_links_are_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_bytes(b"secret")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(RefusedFile) as refused:
        read_regular_file(link, 100, follow_symlinks=False)
    assert str(refused.value) == "a symbolic link (not followed)"
    assert refused.value.brief == "not a regular file"
    assert read_regular_file(link, 100) == b"secret"  # followed by default, as before
    assert read_regular_file(target, 100, follow_symlinks=False) == b"secret"
    assert read_file_start(link, 3) == b"sec"


def test_a_dangling_link_is_refused_as_a_link(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "gone")
    with pytest.raises(RefusedFile, match="symbolic link"):
        read_regular_file(link, 100, follow_symlinks=False)
    with pytest.raises(FileNotFoundError):
        read_regular_file(link, 100)
