"""Any large Markdown file costs work in proportion to its text (issue 11 item 12).

A 5.6 MB bullet list took 41 s to parse (markdown-it makes tokens and runs every block rule per
item), 60,000 headings 19 s, 5 MB of links and emphasis a minute. markdown-it now reads at most
``MAX_BLOCK_LINES`` lines of block structure and ``MAX_INLINE_WORK`` of inline syntax per file;
the rest is read by ``markdown_simple`` (lists shown as their text lines) or shown without
inline formatting, with a notice, and never loses text. These tests count the work handed to
markdown-it, never the clock; ``bench/big_files.py`` measures the time.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.document import BlockKind
from reader.formats import markdown_tokens
from reader.formats.frontmatter import FrontMatter
from reader.formats.markdown import parse, parse_markdown_body
from reader.formats.markdown_render import MAX_INLINE_WORK, PLAIN_INLINE_NOTICE, SIMPLE_NOTICE
from reader.formats.markdown_simple import SimpleBlock, SimpleKind, simple_blocks
from reader.formats.markdown_tokens import MAX_BLOCK_LINES


@pytest.fixture
def block_lines(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lines of every text markdown-it's block parser is given."""
    seen: list[int] = []
    original = markdown_tokens.MD.block.parse

    def counting(src: str, *args: object) -> object:
        seen.append(src.count("\n") + 1)
        return original(src, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown_tokens.MD.block, "parse", counting)
    return seen


@pytest.fixture
def inline_sources(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text markdown-it's inline parser is given."""
    seen: list[str] = []
    original = markdown_tokens.MD.inline.parse

    def counting(src: str, *args: object) -> object:
        seen.append(src)
        return original(src, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown_tokens.MD.inline, "parse", counting)
    return seen


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", text)


@pytest.mark.parametrize(
    "line",
    ["- item {i} of the list", "{n}. step {i}", "  " * 3 + "* nested {i}", "+ [ ] task {i}"],
    ids=["bullets", "numbered", "indented", "tasks"],
)
def test_a_huge_list_is_read_without_markdown_it_and_keeps_every_item(
    line: str, block_lines: list[int]
) -> None:
    items = 3 * MAX_BLOCK_LINES
    body = "# Big list\n\n" + "\n".join(line.format(i=i, n=i + 1) for i in range(items)) + "\n"
    parsed = parse(body)
    assert sum(block_lines) <= MAX_BLOCK_LINES  # markdown-it read nothing past its budget
    assert parsed.notice == SIMPLE_NOTICE
    text = parsed.document.text
    assert sorted(words(text)) == sorted(words("Big list " + body.replace("# Big list", "")))
    listed = [b for b in parsed.document.blocks if b.kind is BlockKind.PARAGRAPH]
    assert len(listed) == 1  # the list is one block of text lines, one line per item
    block = listed[0]
    assert text[block.start : block.end].count("\n") == items - 1


def test_lists_within_the_budget_are_still_formatted(block_lines: list[int]) -> None:
    body = "\n".join(f"- item {i}" for i in range(MAX_BLOCK_LINES // 2)) + "\n"
    document = parse(body).document
    items = [b for b in document.blocks if b.kind is BlockKind.LIST_ITEM]
    assert len(items) == MAX_BLOCK_LINES // 2
    assert {b.marker for b in items} == {"•"}
    assert parse(body).notice is None


def test_the_budget_is_shared_by_the_whole_file(block_lines: list[int]) -> None:
    lists = 10
    per_list = MAX_BLOCK_LINES // 3
    body = "\n\nA paragraph between lists.\n\n".join(
        "\n".join(f"- item {n}.{i}" for i in range(per_list)) for n in range(lists)
    )
    parsed = parse(body + "\n")
    assert sum(block_lines) <= MAX_BLOCK_LINES
    assert parsed.notice == SIMPLE_NOTICE
    assert f"item {lists - 1}.{per_list - 1}" in parsed.document.text
    assert parsed.document.text.count("A paragraph between lists.") == lists - 1


def test_headings_on_their_own_line_never_reach_markdown_it(block_lines: list[int]) -> None:
    count = 2 * MAX_BLOCK_LINES
    body = "".join(f"{'#' * (1 + i % 6)} Heading {i} ##\n\nText {i}.\n\n" for i in range(count))
    parsed = parse(body)
    assert block_lines == []
    headings = [b for b in parsed.document.blocks if b.kind in {BlockKind.HEADING,
                                                                BlockKind.TITLE}]
    assert len(headings) == count
    assert parsed.document.block_text(1) == "Text 0."
    assert parsed.notice is None
    assert parsed.document == parse_markdown_body(body, FrontMatter(), fast=False).document


def test_inline_formatting_has_a_budget_and_keeps_the_text(inline_sources: list[str]) -> None:
    paragraph = " ".join(f"*em{n}* **strong{n}** [link{n}](https://x.example/{n})"
                         for n in range(20))
    count = 2 * MAX_INLINE_WORK // len(paragraph)
    body = "\n\n".join(f"Paragraph {i}: {paragraph}" for i in range(count)) + "\n"
    parsed = parse(body)
    parsed_work = sum(len(source) + 100 * len(re.findall(r"[\\`*_~\[\]<&]", source))
                      for source in inline_sources)
    assert parsed_work <= MAX_INLINE_WORK + len(paragraph) * 101  # at most one past the budget
    assert len(inline_sources) < count
    assert parsed.notice == PLAIN_INLINE_NOTICE
    document = parsed.document
    first = document.block_text(0)
    assert first.startswith("Paragraph 0: em0 strong0 link0")  # formatted: syntax gone
    last = document.block_text(len(document.blocks) - 1)
    assert last.startswith(f"Paragraph {count - 1}: *em0* **strong0** [link0](")  # as written
    assert any(span.style == "link" for span in document.spans)


def test_a_huge_quote_and_code_block_keep_their_kind() -> None:
    quote = "\n".join(f"> quoted line {i}" for i in range(MAX_BLOCK_LINES + 10))
    code = "\n".join(f"x{i} = {i}" for i in range(MAX_BLOCK_LINES + 10))
    body = f"{quote}\n\n```python\n{code}\n```\n\n> > deeper *quote*\n"
    parsed = parse(body)
    kinds = [(b.kind, b.level) for b in parsed.document.blocks]
    assert (BlockKind.CODE, 0) in kinds and (BlockKind.QUOTE, 2) in kinds
    text = parsed.document.text
    assert f"x{MAX_BLOCK_LINES + 9} = {MAX_BLOCK_LINES + 9}" in text
    assert f"quoted line {MAX_BLOCK_LINES + 9}" in text and ">" not in text
    assert "deeper quote" in text  # quotes are still formatted


def test_simple_blocks_read_each_chunk_kind() -> None:
    text = ("- a\n  - b\n\n1. c\n\n> q1\n> q2\n\n> > deep\n\nPlain *para*\nwrapped\n\n"
            "```\ncode\n\nwith blank\n```\n\n~~~\nopen fence to the end\n")
    assert list(simple_blocks(text)) == [
        SimpleBlock(SimpleKind.TEXT, "- a\n  - b\n1. c"),
        SimpleBlock(SimpleKind.QUOTE, "q1\nq2", 1),
        SimpleBlock(SimpleKind.QUOTE, "deep", 2),
        SimpleBlock(SimpleKind.PARAGRAPH, "Plain *para*\nwrapped"),
        SimpleBlock(SimpleKind.CODE, "code\n\nwith blank"),
        SimpleBlock(SimpleKind.CODE, "open fence to the end"),
    ]


def test_simple_blocks_lose_no_word() -> None:
    text = "\n".join(["- x1 y1", "\t* x2", "> x3 > x4", "   ```", "x5", "", "x6", "   ```",
                      "| x7 | x8 |", "    x9", "<div>x10</div>", "x11  ", "", "# x12"])
    out = " ".join(block.content for block in simple_blocks(text))
    assert sorted(words(out)) == sorted(words(text))


def test_paragraphs_past_the_inline_budget_lose_their_escapes() -> None:
    filler = "\n\n".join(f"See [a{i}](https://x.example/{i}) *b*" for i in range(4000))
    body = f"{filler}\n\nA \\*literal\\* star and a hard\\\nbreak.\n"
    parsed = parse(body)
    assert parsed.notice == PLAIN_INLINE_NOTICE
    last = parsed.document.block_text(len(parsed.document.blocks) - 1)
    assert last == "A *literal* star and a hard\nbreak."


def test_each_heading_line_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tens of thousands of headings: each heading line is parsed once (it was twice: once to
    find it, once to make its token), and the scan for open fences runs only on chunks that
    could open one."""
    headings: list[str] = []
    scans: list[str] = []
    atx_heading = markdown_tokens._atx_heading
    scan = markdown_tokens._OpenBlock.scan

    def counting_heading(line: str) -> tuple[int, str] | None:
        headings.append(line)
        return atx_heading(line)

    def counting_scan(self: markdown_tokens._OpenBlock, chunk: str) -> None:
        scans.append(chunk)
        scan(self, chunk)

    monkeypatch.setattr(markdown_tokens, "_atx_heading", counting_heading)
    monkeypatch.setattr(markdown_tokens._OpenBlock, "scan", counting_scan)
    count = 300
    text = "".join(f"## Heading {i}\n\nText {i}.\n\n> quote {i}\n\n" for i in range(count))
    document = parse(text + "```\ncode\n\n```\n").document
    assert len(headings) == count
    assert len(scans) == 2  # only the fence's two chunks; quotes cannot open one
    kinds = [block.kind for block in document.blocks]
    assert kinds.count(BlockKind.HEADING) + kinds.count(BlockKind.TITLE) == count
    assert kinds.count(BlockKind.QUOTE) == count and kinds[-1] is BlockKind.CODE


_SOFT_OR_HARD = re.compile(r"( *)\n[ \t]*")


@given(st.text(alphabet=st.sampled_from(list("ab \t\n\u00a0"))))
def test_line_breaks_read_line_by_line_as_the_rule_says(text: str) -> None:
    """A newline after two or more spaces is a hard break, any other a space; the spaces before
    it and the blanks after it go (the rule as one substitution, which was slow on long lines)."""
    from reader.formats.markdown_render import _line_breaks

    expected = _SOFT_OR_HARD.sub(lambda m: "\n" if len(m.group(1)) >= 2 else " ", text)
    assert _line_breaks(text) == expected


def test_a_line_indented_by_a_huge_run_of_spaces_is_read_in_linear_work() -> None:
    """Trailing blanks were removed with ``[ \\t]+$``, tried at every blank of a run: a line
    indented by 200,000 spaces took minutes (a million, hours) in the simple reading and in the
    bulk text. Now the pattern is tried only where a run starts; the indentation is kept."""
    from reader.formats.bulk_text import bulk_blocks, strip_line_ends

    indent = " " * 200_000
    text = f"- item\n{indent}x  \n- last\t \n"
    assert strip_line_ends(text) == f"- item\n{indent}x\n- last\n"
    assert list(simple_blocks(text)) == [SimpleBlock(SimpleKind.TEXT, f"- item\n{indent}x\n- last")]
    assert "".join(bulk_blocks(f"word {indent}x  \nend")).endswith("x\nend")


def test_a_line_indented_past_the_limit_is_not_given_to_markdown_it(
    block_lines: list[int],
) -> None:
    """markdown-it looks at every character of a line's indentation in Python (5 MB of spaces:
    a second): such a run of block structure is read simply, its text kept."""
    from reader.formats.markdown_tokens import MAX_INDENT

    shallow = parse("# T\n\n- a\n- b\n\n" + " " * MAX_INDENT + "x\n")
    assert block_lines and shallow.notice is None
    block_lines.clear()
    deep = parse("# T\n\n- a\n- b\n\n" + " " * (MAX_INDENT + 1) + "x\n\nAfter.\n")
    assert block_lines == [] and deep.notice == SIMPLE_NOTICE
    assert deep.document.text.endswith(" " * (MAX_INDENT + 1) + "x\n\nAfter.")
