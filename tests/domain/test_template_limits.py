"""Export templates: compile cost grows linearly, nesting is bounded (issue 11 item 11).

``{{title}}`` x 100,000 took 13.5 s to compile (a line count from the start of the text for
every tag) and 5,000 nested sections raised RecursionError. The checks here are structural:
how many characters the line counter scans, and which error deep nesting gives.
"""

from __future__ import annotations

import pytest

from annotations.export import template as template_module
from annotations.export.markdown import compile_template
from annotations.export.template import MAX_SECTION_DEPTH, Template, TemplateError


def test_line_numbers_are_counted_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[int] = []
    original = template_module._LineCounter.line_at

    def counting(self: template_module._LineCounter, position: int) -> int:
        before = self._position
        line = original(self, position)
        scanned.append(self._position - before)
        return line

    monkeypatch.setattr(template_module._LineCounter, "line_at", counting)
    source = "{{title}}\n" * 20_000 + "{{nope}}"
    with pytest.raises(TemplateError, match=r"^line 20001: unknown field \{\{nope\}\}"):
        compile_template(source)
    assert len(scanned) == 20_001
    assert sum(scanned) <= len(source)  # every character looked at once at most


def test_many_fields_compile_and_render() -> None:
    compiled = Template.compile("{{title}}," * 100_000)
    assert compiled.render({"title": "x"}) == "x," * 100_000


@pytest.mark.parametrize("opener", ["#", "^"])
def test_deep_nesting_is_refused_with_a_clear_error(opener: str) -> None:
    deep = "".join(f"{{{{{opener}highlights}}}}" for _ in range(5_000))
    deep += "{{/highlights}}" * 5_000
    with pytest.raises(TemplateError) as caught:
        compile_template(deep)
    assert str(caught.value) == (
        f"line 1: sections nested more than {MAX_SECTION_DEPTH} deep"
    )


def test_nesting_up_to_the_limit_renders() -> None:
    source = "{{#a}}" * MAX_SECTION_DEPTH + "{{b}}" + "{{/a}}" * MAX_SECTION_DEPTH
    assert Template.compile(source).render({"a": [{"b": "deep"}], "b": "top"}) == "deep"


@pytest.mark.parametrize(
    "source",
    [
        "{{" + " " * 50_000,
        "{{#" + " " * 50_000 + "}",
        "{{ " + " \t" * 25_000 + "title" + " " * 50_000,
        "{{" * 50_000,
        "}}" * 50_000,
        "{{#x " + "{{" * 20_000 + "\n" * 20_000,
    ],
)
def test_tags_that_never_close_are_plain_text_without_backtracking(source: str) -> None:
    """The tag pattern once had three whitespace quantifiers in a row (cubic backtracking)."""
    assert Template.compile(source).render({}) == source


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ title }}", "T"),
        ("{{{title}}}", "{T}"),
        ("{{#  items }}[{{ name}}]{{/ items}}", "[a][b]"),
        ("{{^ none }}empty{{/none}}", "empty"),
        ("a{{! a comment }}b", "ab"),
        ("x {{title}} }}", "x T }}"),
        ("  {{#items}}  \n{{name}}\n  {{/items}}\n", "a\nb\n"),
    ],
)
def test_tag_syntax_is_unchanged(source: str, expected: str) -> None:
    values = {"title": "T", "items": [{"name": "a"}, {"name": "b"}], "none": []}
    assert Template.compile(source).render(values) == expected
