"""Export templates: partials (``{{*name}}...{{/name}}`` defines one, ``{{>name}}`` uses it).

The built-in layout writes its highlight block once and uses it three times. Hostile
templates cannot hang or recurse: a partial that includes itself, partials that double at every
level and chains deeper than the nesting limit are refused at compile time, each partial
measured once.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from annotations.export import template as template_module
from annotations.export.markdown import (
    DEFAULT_TEMPLATE,
    ArticleExport,
    ArticleInfo,
    ChapterMark,
    compile_template,
    render_article,
)
from annotations.export.template import (
    MAX_EXPANDED_NODES,
    MAX_SECTION_DEPTH,
    Template,
    TemplateError,
)
from annotations.model import AnchorStatus, Annotation

VALUES = {"title": "T", "items": [{"name": "a"}, {"name": "b"}], "empty": []}


def test_the_built_in_layout_writes_its_highlight_block_once() -> None:
    assert DEFAULT_TEMPLATE.count("{{quote}}") == 1
    assert DEFAULT_TEMPLATE.count("{{block_id}}") == 1
    assert DEFAULT_TEMPLATE.count("{{>highlight}}") == 3


def test_changing_the_highlight_partial_changes_every_place_it_is_used() -> None:
    text = "One two three four five six seven eight nine ten."
    found = Annotation.create(article_id="a", path="/a.txt", text=text, start=0, end=7)
    lost = replace(Annotation.create(article_id="a", path="/a.txt", text=text, start=8, end=13),
                   status=AnchorStatus.ORPHANED)
    edited = compile_template(
        DEFAULT_TEMPLATE.replace("{{block_id}}\n", "{{block_id}} ({{status}})\n", 1))
    for chapters in ((), (ChapterMark(0, "Chapter one"),)):
        export = ArticleExport(ArticleInfo("a", "/a.txt", "A", chapters=chapters),
                               (found, lost))
        rendered = render_article(export, exported_at="2024-05-01T09:30:00Z", template=edited)
        assert rendered.count(" (anchored)") == 1 and rendered.count(" (orphaned)") == 1
        plain = render_article(export, exported_at="2024-05-01T09:30:00Z")
        assert rendered.replace(" (anchored)", "").replace(" (orphaned)", "") == plain


def test_a_partial_renders_with_the_fields_where_it_is_used() -> None:
    source = (
        "{{*item}}\n"
        "- {{name}} of {{title}}\n"
        "{{/item}}\n"
        "# {{title}}\n"
        "{{#items}}\n"
        "{{>item}}\n"
        "{{/items}}\n"
        "{{^empty}}\n"
        "none: {{> item }}\n"
        "{{/empty}}\n"
    )
    assert Template.compile(source).render(VALUES) == (
        "# T\n- a of T\n- b of T\nnone: - " + " of T\n" + "\n"
    )


def test_a_partial_may_use_another_and_be_used_before_it_is_defined() -> None:
    source = "{{>outer}}{{*outer}}[{{>inner}}]{{/outer}}{{*inner}}{{title}}{{/inner}}"
    assert Template.compile(source).render(VALUES) == "[T]"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{>nope}}", "line 1: unknown partial {{>nope}} (defined: none)"),
        ("{{*a}}x{{/a}}\n{{>b}}", "line 2: unknown partial {{>b}} (defined: a)"),
        ("{{*a}}x{{/a}}\n{{*a}}y{{/a}}", "line 2: partial {{*a}} is already defined on line 1"),
        ("{{#items}}{{*a}}x{{/a}}{{/items}}",
         "line 1: partial {{*a}} must be defined at the top level, not inside section "
         "{{#items}}"),
        ("{{*a}}x", "line 1: partial {{*a}} is never closed"),
        ("{{*a}}x{{/b}}", "line 1: {{/b}} does not close anything (expected {{/a}})"),
        ("{{>}}", "line 1: empty tag '{{>}}'"),
    ],
)
def test_partial_mistakes_are_reported_with_their_line(source: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        Template.compile(source)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{*a}}{{>a}}{{/a}}\n{{>a}}", "line 1: partial {{>a}} includes itself (a → a)"),
        ("{{*a}}{{>b}}{{/a}}{{*b}}{{#items}}{{>a}}{{/items}}{{/b}}\n{{>a}}",
         "line 1: partial {{>a}} includes itself (a → b → a)"),
    ],
)
def test_a_partial_that_includes_itself_is_refused(source: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        Template.compile(source)
    assert str(caught.value) == message


def test_partials_that_double_at_every_level_are_refused_after_measuring_each_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Forty partials, each using the next twice, would expand to 2**40 parts."""
    source = "".join(f"{{{{*p{n}}}}}{{{{>p{n + 1}}}}}{{{{>p{n + 1}}}}}{{{{/p{n}}}}}"
                     for n in range(40)) + "{{*p40}}x{{/p40}}{{>p0}}"
    rendered: list[object] = []
    monkeypatch.setattr(template_module, "_render", lambda *args: rendered.append(args))
    with pytest.raises(TemplateError) as caught:
        Template.compile(source)
    assert str(caught.value) == (
        f"line 1: the template is too large once its partials are expanded (more than "
        f"{MAX_EXPANDED_NODES:,} parts)")
    assert rendered == []


def test_doubling_partials_within_the_limit_render() -> None:
    source = "".join(f"{{{{*p{n}}}}}{{{{>p{n + 1}}}}}{{{{>p{n + 1}}}}}{{{{/p{n}}}}}"
                     for n in range(10)) + "{{*p10}}x{{/p10}}{{>p0}}"
    assert Template.compile(source).render({}) == "x" * 2**10


def test_a_chain_of_partials_deeper_than_the_limit_is_refused_not_a_recursion_error() -> None:
    count = 10_000
    source = "".join(f"{{{{*p{n}}}}}{{{{>p{n + 1}}}}}{{{{/p{n}}}}}" for n in range(count))
    source += f"{{{{*p{count}}}}}x{{{{/p{count}}}}}{{{{>p0}}}}"
    with pytest.raises(TemplateError) as caught:
        Template.compile(source)
    assert str(caught.value) == (
        f"line 1: sections and partials nested more than {MAX_SECTION_DEPTH} deep")


def test_sections_inside_partials_count_towards_the_nesting_limit() -> None:
    half = MAX_SECTION_DEPTH // 2
    inner = "{{#a}}" * half + "{{b}}" + "{{/a}}" * half
    fits = f"{{{{*p}}}}{inner}{{{{/p}}}}" + "{{#a}}" * (half - 1) + "{{>p}}" + "{{/a}}" * (
        half - 1)
    assert Template.compile(fits).render({"a": [{"b": "deep"}]}) == "deep"
    too_deep = fits.replace("{{>p}}", "{{#a}}{{>p}}{{/a}}")
    with pytest.raises(TemplateError, match="nested more than"):
        Template.compile(too_deep)


def test_a_field_unknown_where_the_partial_is_used_names_the_use() -> None:
    source = "{{*h}}\n{{quote}}\n{{/h}}\n{{#highlights}}{{>h}}{{/highlights}}\n{{>h}}\n"
    with pytest.raises(TemplateError) as caught:
        compile_template(source)
    message = str(caught.value)
    assert message.startswith(
        "line 2: unknown field {{quote}} (in partial {{>h}} used on line 5) (known here:")


def test_error_lines_count_the_lines_of_standalone_tags() -> None:
    """Standalone tag lines are dropped before the tags are read; their lines still count."""
    source = "{{#highlights}}\n{{/highlights}}\n  {{! note }}  \n{{nope}}\n"
    with pytest.raises(TemplateError, match=r"^line 4: unknown field \{\{nope\}\}"):
        compile_template(source)
