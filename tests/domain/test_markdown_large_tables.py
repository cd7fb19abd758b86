"""Large Markdown tables cost time and memory in proportion to their text (issue 11 item 12).

A 5.7 MB table took 10 s and 1 GB to list and 11 s to open: markdown-it made three tokens and
ran an inline parse for every cell. A table of more than ``MAX_FORMATTED_TABLE_CELLS`` cells is
now one token holding its rows as plain text. These tests check that structurally (tokens made,
inline parses run), never by the clock; ``bench/tables.py`` measures the time.
"""

from __future__ import annotations

import pytest

from reader.document import BlockKind
from reader.formats import markdown
from reader.formats.frontmatter import FrontMatter
from reader.formats.markdown import MAX_FORMATTED_TABLE_CELLS, parse, parse_markdown_body


def table(rows: int, columns: int, *, extra: str = "") -> str:
    head = "| " + " | ".join(f"h{c}" for c in range(columns)) + " |"
    delimiter = "|" + "|".join("---" for _ in range(columns)) + "|"
    body = ["| " + " | ".join(f"r{r}c{c}" for c in range(columns)) + " |" + extra
            for r in range(rows)]
    return "\n".join([head, delimiter, *body]) + "\n"


@pytest.fixture
def inline_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = markdown._MD.inline.parse

    def counting(src: str, *args: object) -> object:
        calls.append(src)
        return original(src, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown._MD.inline, "parse", counting)
    return calls


@pytest.mark.parametrize("shape", [(20_000, 4), (10, 20_000)], ids=["tall", "wide"])
@pytest.mark.parametrize("fast", [True, False], ids=["shortcut", "markdown-it"])
def test_large_table_is_one_token_without_inline_parsing(
    shape: tuple[int, int], fast: bool, inline_parses: list[str]
) -> None:
    rows, columns = shape
    body = "# Data\n\n" + table(rows, columns)
    env: dict[str, object] = {}
    tokens = (markdown._block_tokens if fast else markdown._block_tokens_slow)(body, env)
    large = [t for t in tokens if not isinstance(t, str) and t.type == "postil_large_table"]
    assert len(large) == 1
    assert len(tokens) <= 4  # heading open / inline / close, and the table
    assert not [t for t in tokens if not isinstance(t, str) and t.type.startswith(("td", "th"))]
    parsed = parse_markdown_body(body, FrontMatter(), fast=fast)
    assert len(inline_parses) <= 1  # the heading at most, never a cell
    text = parsed.document.text
    assert text.startswith("Data\n\nh0 | h1 | h2")
    assert f"r{rows - 1}c{columns - 1}" in text
    assert text.count("\n") == rows + 2  # title, blank line, header, one line per row
    assert parsed.notice is not None and "large table" in parsed.notice


def test_large_table_keeps_every_cell_and_marks_the_header() -> None:
    rows = MAX_FORMATTED_TABLE_CELLS // 2
    body = table(rows, 2, extra=" beyond the header |")
    document = parse(body).document
    table_block = next(b for b in document.blocks if b.kind is BlockKind.PARAGRAPH)
    lines = document.text[table_block.start:table_block.end].split("\n")
    assert lines[0] == "h0 | h1"
    assert lines[1] == "r0c0 | r0c1 | beyond the header"  # not dropped like markdown-it does
    assert len(lines) == rows + 1
    header = [s for s in document.spans if s.style == "strong"]
    assert [(s.start - table_block.start, s.end - table_block.start) for s in header] == [(0, 7)]


def test_escaped_pipes_stay_in_their_cell() -> None:
    body = table(MAX_FORMATTED_TABLE_CELLS, 1).replace("| r7c0 |", "| a \\| b |")
    assert "\na | b\n" in parse(body).document.text


def test_small_tables_keep_their_formatting() -> None:
    document = parse("| a | b |\n|---|---|\n| *x* | `y` |\n").document
    assert document.text == "a | b\nx | y"
    assert {s.style for s in document.spans} >= {"strong", "em", "code"}


@pytest.mark.parametrize(
    "body",
    [
        "Intro line\n" + table(3_000, 2),
        "> " + table(3_000, 2).replace("\n", "\n> "),
        "- item\n\n  " + table(3_000, 2).replace("\n", "\n  "),
        table(3_000, 2) + "# Heading right after\n\ntext\n",
        table(3_000, 2).replace("| r5c0 |", "12 | r5c0 |") + "\nafter\n",
        table(3_000, 2).replace("| r9c0 |", "```\n| r9c0 |") + "```\n",
        "```\n" + table(3_000, 2) + "```\n",
        table(3_000, 2) + "    indented code\n",
    ],
    ids=["after-paragraph", "in-quote", "in-list", "heading-after", "digit-row", "fence-inside",
         "in-fence", "code-after"],
)
def test_shortcut_gives_what_markdown_it_gives(body: str) -> None:
    fast = parse_markdown_body(body, FrontMatter(), fast=True)
    slow = parse_markdown_body(body, FrontMatter(), fast=False)
    assert fast.document.text == slow.document.text
    assert [(b.kind, b.start, b.end) for b in fast.document.blocks] == [
        (b.kind, b.start, b.end) for b in slow.document.blocks
    ]
