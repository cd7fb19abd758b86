"""The fast JSON path of imports (annotations/jsonread.py): orjson only where it reads a text
exactly as the standard library does."""

from __future__ import annotations

import json

import pytest

from annotations.jsonread import loads_as_standard


@pytest.mark.parametrize("text", [
    '{"a": [1, -2, 3.5, 1e300, true, null, "é", "\\u00e9"]}',
    '[922337203685477580, -922337203685477580, 0, -0]',
    '{"note": "line\\nbreak", "nested": [[[{"x": {}}]]]}',
])
def test_it_reads_what_json_reads(text: str) -> None:
    assert loads_as_standard(text) == json.loads(text)
    assert loads_as_standard(text.encode()) == json.loads(text)


@pytest.mark.parametrize("text", [
    "[123456789012345678901234567890]",  # orjson would give a float
    '{"start": -92233720368547758090}',
    "[NaN]", "[Infinity]", "[1e400]",  # orjson refuses them; json's hooks judge them
    '"\\ud800"',  # a lone surrogate escape
    "[" * 2000 + "]" * 2000,
    "{not json",
])
def test_anything_orjson_might_read_differently_is_left_to_the_standard_library(
        text: str) -> None:
    assert loads_as_standard(text) is None


def test_a_long_digit_run_inside_a_string_only_costs_speed() -> None:
    text = '{"note": "call 1234567890123456789012 later"}'
    assert loads_as_standard(text) is None  # the caller's json.loads reads it the same
