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

import itertools
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions

from annotations.atomicfile import atomic_write_text
from reader.highlight_colors import HIGHLIGHT_NAMES
from reader.key_actions import KEY_ACTIONS, unknown_action
from reader.safe_read import MAX_CONFIG_BYTES, RefusedFile, read_regular_file
from reader.sanitize import clean_line

HIGHLIGHT_COLORS = HIGHLIGHT_NAMES
MIN_WIDTH, MAX_WIDTH = 30, 200
MAX_REVIEW_PER_DAY = 500
#: The default reading column: wrapped prose then measures a median of about 66 characters a
#: line, in the typographic ideal of 60-72.
DEFAULT_READING_WIDTH = 70

#: Key modifiers a binding may use (``ctrl+shift+left``).
KEY_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
#: Named keys (as Textual names them) besides single characters and character names.
NAMED_KEYS = frozenset(
    {"escape", "enter", "tab", "space", "backspace", "insert", "delete", "home",
     "end", "pageup", "pagedown", "up", "down", "left", "right",
     "slash", "backslash", "at", "minus", "plus", "underscore"}
    | {f"f{number}" for number in range(1, 25)}
)
#: The short names the help screen and footer show, accepted for the keys they stand for.
_DISPLAY_NAMES = {"esc": "escape", "pgup": "pageup", "pgdn": "pagedown", "del": "delete",
                  "ins": "insert", "return": "enter"}
#: Textual's names for characters whose Unicode name it shortens.
_SHORT_KEY_NAMES = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


#: Longest key binding accepted (a few keys separated by commas).
MAX_KEY_SPEC = 100


class SettingsError(ValueError):
    """The settings file cannot be changed (it is not valid TOML, or cannot be read);
    ``str()`` is one line naming the file. The file is left untouched."""


@dataclass(slots=True)
class Settings:
    """postil's settings with their defaults."""

    library: list[str] = field(default_factory=list)
    """Library folders (``~`` expanded); empty means the user data dir's ``library``."""
    reading_width: int = DEFAULT_READING_WIDTH
    """Maximum width of the reading column, in cells (30-200)."""
    highlight_color: str = HIGHLIGHT_NAMES[0]
    """Colour of new highlights: yellow, green, blue, pink or purple."""
    export_dir: str = ""
    """Where the reader's export key writes Markdown; empty means ``<user data dir>/exports``."""
    theme: str = "textual-dark"
    """A Textual theme name (changed from the command palette; saved here)."""
    show_chrome: bool = False
    """Show site chrome (``Most Popular``...) expanded instead of collapsed."""
    review_per_day: int = 10
    """Highlights in the daily review (1-500)."""
    review_new_per_day: int = 5
    """New highlights brought into the daily review per day at most (0-500)."""
    keys: dict[str, str] = field(default_factory=dict)
    """Key overrides: action name -> key (e.g. ``highlight = "H"``)."""
    sync_dir: str = ""
    """A folder Syncthing, Dropbox, Nextcloud or git carries between machines; empty: no sync."""
    device_name: str = ""
    """What other devices call this one in ``postil sync`` (empty: the host name)."""

    def library_paths(self) -> list[Path]:
        """Library folders as paths."""
        return [Path(p).expanduser() for p in self.library]

    def sync_path(self) -> Path | None:
        """The sync folder, if set."""
        return Path(self.sync_dir).expanduser() if self.sync_dir.strip() else None

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
    """True if something is at ``path`` (a file, or something postil refused to read)."""
    unread: str | None = None
    """Why what is at ``path`` was not read (``"not a regular file (a FIFO)"``, a size over
    the cap, a permission error); None when it was read or there is nothing there."""
    refused: bool = False
    """True if postil refused to read it (not a regular file, or too large), rather than
    failing to."""


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
    if name in {"review_per_day", "review_new_per_day"}:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        low = 1 if name == "review_per_day" else 0
        if not low <= value <= MAX_REVIEW_PER_DAY:
            raise ValueError(f"must be between {low} and {MAX_REVIEW_PER_DAY}")
        return value
    if name == "highlight_color":
        if value not in HIGHLIGHT_COLORS:
            raise ValueError(f"must be one of {', '.join(HIGHLIGHT_COLORS)}")
        return value
    if name in {"export_dir", "theme", "sync_dir", "device_name"}:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        return value
    if name == "show_chrome":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if name == "keys":
        if not isinstance(value, dict):
            raise ValueError('must be a table of action = "key"')
        return dict(value)
    raise ValueError("is not a setting postil knows")


def _key_name(key: str) -> str:
    """Textual's name of one key without modifiers (``?`` → ``question_mark``).

    Raises:
        ValueError: when ``key`` is not a key.
    """
    if len(key) == 1:
        if not key.isprintable() and key != " ":
            raise ValueError("is not a printable character")
        if key.isalnum():
            return key
        name = unicodedata.name(key, "").lower().replace("-", "_").replace(" ", "_")
        if not name:
            raise ValueError("is not a key")
        short = _SHORT_KEY_NAMES.get(name, name)
        if short != name or _named_character(name) == key:
            return short
        # Names with digits or hyphens ("type_1_2", "ar_rahman") cannot be read back.
        raise ValueError("is not a key that can be bound")
    lowered = key.lower()
    if lowered in NAMED_KEYS:
        return lowered
    if lowered in _DISPLAY_NAMES:
        return _DISPLAY_NAMES[lowered]
    if _named_character(key) is not None:
        return _SHORT_KEY_NAMES.get(key, key)
    raise ValueError("is not a key name")


def _named_character(name: str) -> str | None:
    """The printable, non-alphanumeric character a Textual key name names, or None."""
    if not (name.isascii() and name.replace("_", "").isalpha() and name == name.lower()):
        return None
    words = name.split("_")
    if len(words) > 8:
        return None
    # Textual writes both spaces and hyphens of the Unicode name as "_" ("less_than_sign" is
    # LESS-THAN SIGN): try each way of reading them back.
    for joins in itertools.product(" -", repeat=len(words) - 1):
        pairs = zip(joins, words[1:], strict=True)
        spelled = words[0] + "".join(join + word for join, word in pairs)
        try:
            character = unicodedata.lookup(spelled)
        except KeyError:
            continue
        if len(character) == 1 and character.isprintable() and not character.isalnum():
            return character
    return None


def normalize_keys(spec: str) -> str:
    """Check a key binding (``H``, ``ctrl+s``, ``?``, ``h,H``) and return it as Textual names it.

    Each comma-separated key is ``[modifier+]...key``, where a modifier is one of
    :data:`KEY_MODIFIERS` and the key is one character, a named key (``enter``, ``f5``,
    ``pageup``...) or a character's name (``question_mark``). Single punctuation characters
    become their names, because that is what a key press is called.

    Raises:
        ValueError: with the reason, for anything that is not a key.
    """
    if not spec.strip():
        raise ValueError("is empty")
    if len(spec) > MAX_KEY_SPEC:
        raise ValueError(f"is longer than {MAX_KEY_SPEC} characters")
    if spec.strip() == ",":
        return "comma"  # a lone comma cannot be split from a list of keys
    result = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            raise ValueError("has an empty key between commas")
        *modifiers, key = part.split("+") if len(part) > 1 else [part]
        if key == "" and modifiers and modifiers[-1] == "":  # "ctrl++": the plus key
            modifiers, key = modifiers[:-1], "+"
        for modifier in modifiers:
            if modifier.lower() not in KEY_MODIFIERS:
                raise ValueError(f"has an unknown modifier {modifier!r}")
        if not key:
            raise ValueError("names a modifier but no key")
        if key.lower() in KEY_MODIFIERS and len(key) > 1:
            raise ValueError("names a modifier but no key")
        name = _key_name(key)
        result.append("+".join([*(m.lower() for m in modifiers), name]))
    return ",".join(result)


def _check_keys(value: dict[str, Any], problems: list[str]) -> dict[str, str]:
    """The valid key overrides of a ``[keys]`` table; each bad one is one line in
    ``problems`` (that action keeps its default key)."""
    keys: dict[str, str] = {}
    for action, spec in value.items():
        label = clean_line(str(action))
        if action not in KEY_ACTIONS:  # misspelt or malformed: it would rebind nothing
            shown = label if len(label) <= 64 else label[:63] + "…"
            problems.append(f"settings: keys: {shown!r} {unknown_action(label)}")
            continue
        if not isinstance(spec, str):
            problems.append(f'settings: keys.{label} must be a key in quotes, such as "H"; '
                            "using the default")
            continue
        try:
            keys[str(action)] = normalize_keys(spec)
        except ValueError as error:
            problems.append(f"settings: keys.{label} = {clean_line(repr(spec))} {error}; "
                            "using the default")
    return keys


def load_settings(path: Path) -> LoadedSettings:
    """Read settings from ``path``; never raises (problems are reported, defaults used)."""
    settings = Settings()
    result = LoadedSettings(settings, path)
    try:
        data = read_regular_file(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return result
    except OSError as error:
        result.exists = True
        result.unread = clean_line(str(error.strerror or error))
        result.refused = isinstance(error, RefusedFile)
        verb = "refused to read" if result.refused else "cannot read"
        result.problems.append(f"{verb} settings {path}: {result.unread}; using defaults")
        return result
    result.exists = True
    try:
        table = _parse(path, data)
    except SettingsError as error:
        result.problems.append(f"{error}; using defaults")
        return result
    names = {f.name for f in fields(Settings)}
    for key, value in table.items():
        if key not in names:
            result.problems.append(f"settings: unknown setting {clean_line(key)!r} ignored")
            continue
        try:
            checked = _check(key, value)
        except ValueError as error:
            result.problems.append(f"settings: {key} {error}; using the default")
            continue
        if key == "keys":
            checked = _check_keys(checked, result.problems)
        setattr(settings, key, checked)
    return result


def _parse(path: Path, data: bytes) -> dict[str, Any]:
    """Parse the settings file strictly.

    Raises:
        SettingsError: when it is not UTF-8, not valid TOML, or nested too deeply.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError(f"settings file {path} is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            f"settings file {path} is not valid TOML ({clean_line(str(error))})"
        ) from None
    except RecursionError:
        raise SettingsError(f"settings file {path} is nested too deeply to read") from None
    except ValueError:  # e.g. an integer too long to convert
        raise SettingsError(f"settings file {path} holds a number too long to read") from None


def save_setting(path: Path, name: str, value: str | int | bool) -> None:
    """Set one top-level setting in the file, keeping everything else the user wrote.

    The file is edited as a TOML document (tomlkit), so comments, layout, quoting and every
    other key stay as they were, however the key was written (indented, quoted, multi-line).
    A file that is not valid TOML is never rewritten. The write is atomic, and goes through a
    symbolic link to its target.

    Raises:
        ValueError: for a setting that cannot be saved this way, or a bad value.
        SettingsError: when the file cannot be read or is not valid TOML (left untouched).
        OSError: when the file cannot be written.
    """
    if name not in {f.name for f in fields(Settings)} or name in {"library", "keys"}:
        raise ValueError(f"{name} cannot be saved this way")
    _check(name, value)
    try:
        data = read_regular_file(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        data = b""
    except OSError as error:
        raise SettingsError(f"cannot read settings {path}: {error.strerror or error}; "
                            "not changed") from None
    try:  # the strict reader must accept the file before it is touched
        current = _parse(path, data)
    except SettingsError as error:
        raise SettingsError(f"{error}; not changed") from None
    if isinstance(current.get(name), dict | list):  # never drop a table the user wrote there
        raise SettingsError(f"settings file {path}: {name} holds a table or list, not a value; "
                            "not changed (fix it by hand)")
    try:
        document = tomlkit.parse(data.decode("utf-8"))
    except (tomlkit.exceptions.ParseError, RecursionError) as error:
        raise SettingsError(f"settings file {path} cannot be edited "
                            f"({clean_line(str(error))}); not changed") from None
    try:
        document[name] = value
        text = tomlkit.dumps(document)
    except tomlkit.exceptions.TOMLKitError as error:
        raise SettingsError(f"settings file {path} cannot be edited "
                            f"({clean_line(str(error))}); not changed") from None
    if tomllib.loads(text).get(name) != value:  # never write a file that reads back otherwise
        raise SettingsError(f"settings file {path}: {name} could not be set; not changed")
    atomic_write_text(path, text)
