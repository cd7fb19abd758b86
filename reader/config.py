"""User settings from a TOML file in the user config dir (``postil config`` shows them).

Every setting has a default; a file that cannot be parsed, or a value of the wrong type, gives a
clear problem message and that setting falls back to its default — postil always starts.

Example ``config.toml``::

    library = ["~/Articles", "~/Notes/clippings"]
    reading_width = 76
    highlight_color = "green"
    export_dir = "~/Obsidian/Postil"
    theme = "nord"
    show_chrome = false

    [keys]
    highlight = "h"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from annotations.atomicfile import atomic_write_text
from reader.highlight_colors import HIGHLIGHT_NAMES
from reader.sanitize import clean_line

HIGHLIGHT_COLORS = HIGHLIGHT_NAMES
MIN_WIDTH, MAX_WIDTH = 30, 200
#: The default reading column: wrapped prose then measures a median of about 66 characters a
#: line, in the typographic ideal of 60-72.
DEFAULT_READING_WIDTH = 70


@dataclass(slots=True)
class Settings:
    """postil's settings with their defaults."""

    library: list[str] = field(default_factory=list)
    """Library folders (``~`` expanded); empty means the user data dir's ``library``."""
    reading_width: int = DEFAULT_READING_WIDTH
    """Maximum width of the reading column, in cells (30-200)."""
    highlight_color: str = "yellow"
    """Colour of new highlights: yellow, green, blue, pink or purple."""
    export_dir: str = ""
    """Where the reader's export key writes Markdown; empty means ``<user data dir>/exports``."""
    theme: str = "textual-dark"
    """A Textual theme name (changed from the command palette; saved here)."""
    show_chrome: bool = False
    """Show site chrome (``Most Popular``...) expanded instead of collapsed."""
    keys: dict[str, str] = field(default_factory=dict)
    """Key overrides: action name -> key (e.g. ``highlight = "H"``)."""

    def library_paths(self) -> list[Path]:
        """Library folders as paths."""
        return [Path(p).expanduser() for p in self.library]

    def export_path(self) -> Path | None:
        """The export directory, if set."""
        return Path(self.export_dir).expanduser() if self.export_dir else None

    def as_dict(self) -> dict[str, Any]:
        """The effective settings as a plain dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class LoadedSettings:
    """Settings plus what was wrong with the file (each problem is one line)."""

    settings: Settings
    path: Path
    problems: list[str] = field(default_factory=list)
    exists: bool = False


def _check(name: str, value: Any) -> Any:
    """Validate one setting; returns the value or raises ValueError with a reason."""
    if name == "library":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a folder path or a list of folder paths")
        return value
    if name == "reading_width":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        if not MIN_WIDTH <= value <= MAX_WIDTH:
            raise ValueError(f"must be between {MIN_WIDTH} and {MAX_WIDTH}")
        return value
    if name == "highlight_color":
        if value not in HIGHLIGHT_COLORS:
            raise ValueError(f"must be one of {', '.join(HIGHLIGHT_COLORS)}")
        return value
    if name in {"export_dir", "theme"}:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        return value
    if name == "show_chrome":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if name == "keys":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ValueError('must be a table of action = "key"')
        return dict(value)
    raise ValueError("is not a setting postil knows")


def load_settings(path: Path) -> LoadedSettings:
    """Read settings from ``path``; never raises (problems are reported, defaults used)."""
    settings = Settings()
    result = LoadedSettings(settings, path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return result
    except OSError as error:
        result.problems.append(f"cannot read settings {path}: {error.strerror or error}")
        return result
    result.exists = True
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        result.problems.append(
            f"settings file {path} is not valid TOML ({clean_line(str(error))}); using defaults"
        )
        return result
    names = {f.name for f in fields(Settings)}
    for key, value in table.items():
        if key not in names:
            result.problems.append(f"settings: unknown setting {clean_line(key)!r} ignored")
            continue
        try:
            setattr(settings, key, _check(key, value))
        except ValueError as error:
            result.problems.append(f"settings: {key} {error}; using the default")
    return result


def save_setting(path: Path, name: str, value: str | int | bool) -> None:
    """Set one top-level setting in the file, keeping everything else the user wrote.

    The ``name = ...`` line is replaced (or added before the first table); the file is written
    atomically.
    """
    if name not in {f.name for f in fields(Settings)} or name in {"library", "keys"}:
        raise ValueError(f"{name} cannot be saved this way")
    _check(name, value)
    try:
        original = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        original = ""
    line = f"{name} = {_toml_value(value)}"
    pattern = re.compile(rf"^{re.escape(name)}\s*=.*$", re.MULTILINE)
    first_table = re.search(r"^\[", original, re.MULTILINE)
    head = original[: first_table.start()] if first_table else original
    tail = original[first_table.start() :] if first_table else ""
    if pattern.search(head):
        head = pattern.sub(lambda _: line, head, count=1)
    else:
        if head and not head.endswith("\n"):
            head += "\n"
        head += line + "\n"
        if tail:
            head += "\n"
    atomic_write_text(path, head + tail)


def _toml_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
