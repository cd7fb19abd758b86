"""Properties of the settings and export-option parsers: any input gives a value or a clear
ValueError, never another exception; saving the theme changes exactly that key."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

import pytest
import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.export.filters import parse_since, parse_timestamp
from reader.config import SettingsError, load_settings, normalize_keys, save_setting

KEY_TEXT = st.lists(
    st.sampled_from(list("abcHQ?+-,_ ") + ["ctrl+", "shift+", "enter", "f5", "é", "\x00"]),
    max_size=8,
).map("".join)


@given(st.one_of(st.text(max_size=30), KEY_TEXT))
def test_normalize_keys_gives_textual_keys_or_a_value_error(spec: str) -> None:
    from textual.keys import Keys

    textual = {key.value for key in Keys}
    try:
        normal = normalize_keys(spec)
    except ValueError:
        return
    for part in normal.split(","):
        *modifiers, key = part.split("+")
        assert all(m in {"ctrl", "shift", "alt", "meta", "super", "hyper"} for m in modifiers)
        assert len(key) == 1 or key in textual or key.replace("_", "").isalpha()
    assert normalize_keys(normal) == normal  # normal form is stable


@given(st.text(max_size=40))
def test_since_and_timestamp_raise_only_value_errors(value: str) -> None:
    for parse in (parse_since, parse_timestamp):
        try:
            parse(value)
        except ValueError:
            pass
    try:
        stamp = parse_timestamp(value)
    except ValueError:
        return
    assert "\n" not in stamp and "-->" not in stamp


SCALARS = st.one_of(st.text(max_size=20), st.integers(-10**6, 10**6), st.booleans())
TABLES = st.dictionaries(st.text(min_size=1, max_size=8), SCALARS, max_size=4)


@settings(max_examples=60, deadline=None)
@given(
    top=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k != "theme"), SCALARS,
                        max_size=5),
    tables=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k != "theme"),
                           TABLES, max_size=3),
    theme=st.one_of(st.none(), st.text(max_size=10)),
    new=st.text(max_size=15),
)
def test_saving_the_theme_changes_only_the_theme(
    top: dict[str, object], tables: dict[str, dict[str, object]], theme: str | None, new: str
) -> None:
    document = dict(top)
    if theme is not None:
        document["theme"] = theme
    for name, table in tables.items():
        if name not in document:
            document[name] = table
    text = tomlkit.dumps(document)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(text, encoding="utf-8")
        before = tomllib.loads(text)
        try:
            save_setting(path, "theme", new)
        except SettingsError:
            assert path.read_text(encoding="utf-8") == text
            return
        after = tomllib.loads(path.read_text(encoding="utf-8"))
        assert after == {**before, "theme": new}
        assert load_settings(path).settings.theme == new


def test_key_names_read_back_or_are_refused() -> None:
    """Found by the property above: these names were accepted but not accepted again."""
    with pytest.raises(ValueError):
        normalize_keys("🏻")  # emoji_modifier_fitzpatrick_type_1_2: digits cannot be read back
    for character in "﷽<":  # hyphens in the Unicode name (AR-RAHMAN, LESS-THAN) read back
        normal = normalize_keys(character)
        assert normalize_keys(normal) == normal
