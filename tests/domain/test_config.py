"""Settings: saving keeps a valid file (round-trip TOML), bad values are reported, postil starts."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from reader.cli import main
from reader.config import (
    DEFAULT_READING_WIDTH,
    NAMED_KEYS,
    SettingsError,
    load_settings,
    normalize_keys,
    save_setting,
)


def saved(path: Path) -> dict[str, object]:
    """The file parsed by a strict TOML reader (a duplicate key fails here)."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "original",
    [
        '  theme = "nord"\nreading_width = 70\n',
        '"theme" = "nord"\nreading_width = 70\n',
        "'theme' = 'nord'\nreading_width = 70\n",
        'theme = """\nnord"""\nreading_width = 70\n',
        "theme = '''nord'''\nreading_width = 70\n",
        'theme="nord" # my favourite\nreading_width = 70\n',
    ],
    ids=["indented", "double-quoted-key", "single-quoted-key", "multi-line", "literal", "tight"],
)
def test_saving_the_theme_replaces_the_key_however_it_is_written(
    tmp_path: Path, original: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(original, encoding="utf-8")
    save_setting(path, "theme", "dracula")
    data = saved(path)
    assert data == {"theme": "dracula", "reading_width": 70}
    loaded = load_settings(path)
    assert loaded.problems == []
    assert loaded.settings.theme == "dracula"
    assert loaded.settings.reading_width == 70


def test_a_theme_line_inside_another_string_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = (
        '# my settings\n'
        'export_dir = """\n'
        'theme = "x"\n'
        '"""\n'
        'reading_width = 70   # narrow\n'
        '\n'
        '[keys]\n'
        'highlight = "H"\n'
    )
    path.write_text(original, encoding="utf-8")
    save_setting(path, "theme", "nord")
    text = path.read_text(encoding="utf-8")
    data = saved(path)
    assert data["export_dir"] == 'theme = "x"\n'
    assert data["theme"] == "nord"
    assert data["keys"] == {"highlight": "H"}
    assert "# my settings" in text and "# narrow" in text  # comments and layout kept
    assert text.startswith(original.split("\n[keys]")[0])  # everything before is untouched


def test_a_new_key_goes_before_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('reading_width = 70\n\n[keys]\nhighlight = "H"\n', encoding="utf-8")
    save_setting(path, "theme", "nord")
    assert saved(path) == {"reading_width": 70, "theme": "nord", "keys": {"highlight": "H"}}


def test_saving_into_a_missing_file_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_setting(path, "theme", 'we"ird\\name')
    assert saved(path) == {"theme": 'we"ird\\name'}


def test_a_damaged_settings_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\ntheme = [\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="not changed"):
        save_setting(path, "theme", "dracula")
    assert path.read_text(encoding="utf-8") == 'theme = "nord"\ntheme = [\n'


@pytest.mark.parametrize("original", ["[theme]\nx = 1\n", "theme.x = 1\n", "theme = [1]\n"])
def test_a_table_under_the_theme_key_is_never_dropped(tmp_path: Path, original: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(original, encoding="utf-8")
    with pytest.raises(SettingsError, match="not changed"):
        save_setting(path, "theme", "nord")
    assert path.read_text(encoding="utf-8") == original


@pytest.mark.parametrize("depth", [1000, 20000])
def test_a_deeply_nested_settings_file_is_a_reported_problem(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "config.toml"
    path.write_text("reading_width = 70\nx = " + "[" * depth + "]" * depth + "\n")
    loaded = load_settings(path)
    assert loaded.settings.reading_width == DEFAULT_READING_WIDTH  # unusable file: defaults
    assert any("nested" in problem for problem in loaded.problems)
    with pytest.raises(SettingsError):
        save_setting(path, "theme", "nord")


@pytest.mark.parametrize(
    "content",
    ["reading_width = 1" + "0" * 5000 + "\n", '[keys]\n"" = "h"\n',
     '[keys]\nhighlight = "' + "a," * 1000 + 'a"\n'],
    ids=["5000-digit-number", "empty-action", "huge-key-list"],
)
def test_hostile_values_are_reported(
    isolated_paths: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_paths / "config.toml").write_text(content, encoding="utf-8")
    loaded = load_settings(isolated_paths / "config.toml")
    assert loaded.problems and loaded.settings.keys == {}
    assert main(["config"]) == 0
    assert "warning" in capsys.readouterr().err


def test_a_deeply_nested_table_is_a_reported_problem(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    loaded = load_settings(path)
    assert loaded.problems


def test_postil_config_reports_a_nested_file(
    isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_paths / "config.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["config", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["problems"]
    assert "nested" in captured.err


@pytest.mark.parametrize("key", ["not a key!!", "", "  ", "ctrl+", "ctrl+nokey", "h,,j", "shift"])
def test_invalid_key_bindings_are_reported_and_ignored(tmp_path: Path, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[keys]\nhighlight = {json.dumps(key)}\nnote = "n"\n', encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.settings.keys == {"note": "n"}  # the good override stays
    assert len(loaded.problems) == 1
    assert "keys.highlight" in loaded.problems[0]


@pytest.mark.parametrize(
    ("key", "normal"),
    [("H", "H"), ("n", "n"), ("?", "question_mark"), ("+", "plus"), ("-", "minus"),
     ("question_mark", "question_mark"), ("ctrl+s", "ctrl+s"), ("Ctrl+S", "ctrl+S"),
     ("ctrl+shift+left", "ctrl+shift+left"), ("f5", "f5"), ("pageup", "pageup"),
     ("space", "space"), ("enter", "enter"), ("escape", "escape"), ("h,H", "h,H"),
     ("h, H", "h,H"), ("comma", "comma"), ("é", "é"), ("alt+x", "alt+x"), ("ctrl++", "ctrl+plus"),
     ("Enter", "enter"), ("F5", "f5"), ("esc", "escape"), ("pgdn", "pagedown"),
     ("ctrl+PageUp", "ctrl+pageup")],
)
def test_valid_key_bindings_are_accepted_as_textual_names_them(
    tmp_path: Path, key: str, normal: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[keys]\nhighlight = {json.dumps(key)}\n", encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.problems == []
    assert loaded.settings.keys == {"highlight": normal}


def test_key_names_agree_with_textual() -> None:
    from textual.keys import Keys, _character_to_key

    textual_names = {key.value for key in Keys}
    assert all(name in textual_names or name in {"slash", "backslash", "at", "minus", "plus",
                                                  "underscore"} for name in NAMED_KEYS)
    for character in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~aZ5é":
        assert normalize_keys(character) == _character_to_key(character)


def test_postil_config_reports_bad_keys(
    isolated_paths: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_paths / "config.toml").write_text('[keys]\nhighlight = "not a key!!"\n')
    assert main(["config", "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["settings"]["keys"] == {}
    assert "keys.highlight" in captured.err
