"""Benchmark: every shape of 5 MB file lists and opens in bounded time (issue 11 item 12).

A 5.7 MB table took 10 s to open and a 5.6 MB bullet list 41 s to parse: some structure made
markdown-it (or lxml, or the renderer) do work far beyond the size of the text. This generates
about 5 MB of each shape a hostile or merely unusual file can have, and measures each in fresh
processes, against the bundled sample article in the same run:

- ``list``: reading the article's metadata (what ``postil list`` and the library do);
- ``open``: app start until the whole article is parsed and painted in the reading view;
- peak memory (RSS) of the process.

Shapes: Markdown tables (tall, wide), bullet and numbered lists, nested lists, nested and long
block quotes, one 5 MB line, one 5 MB paragraph, thousands of headings, link- and emphasis-dense
text, a huge code block, huge front matter, prose; plain text; HTML deeply nested, with a huge
table, with many elements; an EPUB with one 5 MB chapter. And the hostile ones found later:
millions of one-letter paragraphs or lines, a quarter of a million footnotes, one line
indented by 5 MB of spaces, a 5 MB rule line, Chinese text, pages of 650,000 tiny paragraphs,
a million ``<br>`` and a 400,000-item list.

Run: ``.venv/bin/python bench/big_files.py [--runs N] [--only NAME ...] [--profile NAME]``
(``--profile`` prints the cProfile of one shape's parse instead of measuring).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import SAMPLE, measure_all, print_ratios  # noqa: E402
from bench.open import make_text  # noqa: E402
from bench.tables import make_tall_table, make_wide_table  # noqa: E402

SIZE = 5 * 1024 * 1024
_WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()


def _sentence(rng: random.Random, words: int = 8) -> str:
    return " ".join(rng.choices(_WORDS, k=words))


def _fill(make_line: Callable[[random.Random, int], str], seed: int, head: str = "",
          joiner: str = "\n") -> str:
    """Lines from ``make_line(rng, index)`` until about :data:`SIZE` characters."""
    rng = random.Random(seed)
    size = SIZE
    parts = [head] if head else []
    total = len(head)
    index = 0
    while total < size:
        line = make_line(rng, index)
        parts.append(line)
        total += len(line) + len(joiner)
        index += 1
    return joiner.join(parts) + "\n"


def bullet_list() -> str:
    """One flat bullet list of short items."""
    return _fill(lambda rng, i: f"- item {i} {_sentence(rng, 5)}", 11, "# A bullet list\n")


def numbered_list() -> str:
    """One flat numbered list."""
    return _fill(lambda rng, i: f"{i + 1}. step {_sentence(rng, 5)}", 12, "# A numbered list\n")


def nested_list() -> str:
    """A list whose items nest up to six levels and back, over and over."""
    return _fill(lambda rng, i: "  " * (i % 6) + f"- level {i % 6} {_sentence(rng, 5)}", 13,
                 "# A nested list\n")


def loose_list() -> str:
    """A loose list: items separated by blank lines (each item a paragraph)."""
    return _fill(lambda rng, i: f"* {_sentence(rng, 10)}", 14, "# A loose list\n", "\n\n")


def nested_quotes() -> str:
    """Block quotes nested ever deeper and back, paragraph after paragraph."""
    return _fill(lambda rng, i: "> " * (1 + i % 30) + _sentence(rng, 10), 15,
                 "# Nested quotes\n", "\n\n")


def long_quote() -> str:
    """One 5 MB block quote, a line at a time."""
    return _fill(lambda rng, i: "> " + _sentence(rng, 10), 16, "# A long quote\n")


def one_line() -> str:
    """5 MB of prose on one line."""
    return _fill(lambda rng, i: _sentence(rng, 10) + ".", 17, "", " ").replace("\n", "") + "\n"


def one_paragraph() -> str:
    """5 MB of prose in one paragraph (lines without blank lines between)."""
    return _fill(lambda rng, i: _sentence(rng, 10) + ".", 18, "# One paragraph\n")


def headings() -> str:
    """Tens of thousands of headings, each with a short paragraph."""
    return _fill(lambda rng, i: f"{'#' * (1 + i % 6)} Heading {i}\n\n{_sentence(rng, 12)}.\n",
                 19, "# Headings\n")


def dense_inline() -> str:
    """Paragraphs made of links, emphasis, strong and code spans."""
    def paragraph(rng: random.Random, index: int) -> str:
        pieces = [f"*{rng.choice(_WORDS)}* **{rng.choice(_WORDS)}** "
                  f"[{rng.choice(_WORDS)}](https://example.com/{index}/{n}) `{rng.choice(_WORDS)}`"
                  for n in range(8)]
        return " ".join(pieces) + "\n"
    return _fill(paragraph, 20, "# Dense inline\n", "\n\n")


def unclosed_emphasis() -> str:
    """Emphasis and link openers that never close, in one long paragraph (delimiter runs)."""
    return _fill(lambda rng, i: f"*{rng.choice(_WORDS)} _{rng.choice(_WORDS)} [{i}", 21,
                 "# Openers\n", " ")


def code_block() -> str:
    """One fenced code block of 5 MB."""
    body = _fill(lambda rng, i: f"    x{i} = {rng.randint(0, 10**6)}  # {_sentence(rng, 4)}", 22)
    return f"# Code\n\n```python\n{body}```\n"


def front_matter() -> str:
    """A short article under 5 MB of YAML front matter."""
    tags = _fill(lambda rng, i: f"  - tag{i}-{rng.choice(_WORDS)}", 23, "tags:")
    return f"---\ntitle: Huge front matter\n{tags}---\n\n# Body\n\nA short body.\n"


def prose_markdown() -> str:
    """5 MB of ordinary Markdown prose."""
    return make_text(SIZE, 3, "# Five Megabytes")


def plain_text() -> str:
    """5 MB of plain text prose."""
    return make_text(SIZE, 4, "Five Megabytes of Text")


def html_nested() -> str:
    """A page nested 100,000 levels deep in ``<div>`` with text at every level."""
    depth = 100_000
    words = (" ".join(_WORDS[:4]) + " ")
    inner = "".join(f"<div>{words}{i}" for i in range(depth)) + "</div>" * depth
    return f"<html><head><title>Deep</title></head><body>{inner}</body></html>\n"


def html_table() -> str:
    """A page holding one 5 MB table."""
    rows = _fill(lambda rng, i: f"<tr><td>{i}</td><td>{_sentence(rng, 3)}</td>"
                 f"<td>{_sentence(rng, 4)}</td><td>{rng.randint(1, 99999)}</td></tr>", 24)
    return (f"<html><head><title>Table</title></head><body><h1>Table</h1><table>"
            f"{rows}</table></body></html>\n")


def html_elements() -> str:
    """A page of 5 MB of small elements: paragraphs of spans, links and emphasis."""
    rows = _fill(lambda rng, i: f"<p><span>{rng.choice(_WORDS)}</span> <a href='/{i}'>"
                 f"{rng.choice(_WORDS)}</a> <em>{rng.choice(_WORDS)}</em> "
                 f"<b>{rng.choice(_WORDS)}</b></p>", 25)
    return (f"<html><head><title>Elements</title></head><body><article><h1>Elements</h1>"
            f"{rows}</article></body></html>\n")


def html_prose() -> str:
    """A 5 MB article page of ordinary paragraphs."""
    rows = _fill(lambda rng, i: f"<p>{_sentence(rng, 40)}.</p>", 26)
    return (f"<html><head><title>Prose</title></head><body><article><h1>Prose</h1>"
            f"{rows}</article></body></html>\n")


def epub_chapter(path: Path) -> None:
    """An EPUB whose single chapter is 5 MB of paragraphs."""
    rng = random.Random(27)
    paragraphs = []
    total = 0
    while total < SIZE:
        paragraph = f"<p>{_sentence(rng, 40)}.</p>"
        paragraphs.append(paragraph)
        total += len(paragraph) + 1
    chapter = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
               "<head><title>One</title></head><body><h1>One</h1>\n"
               + "\n".join(paragraphs) + "</body></html>\n")
    opf = ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           '<dc:identifier id="id">urn:uuid:bench</dc:identifier><dc:title>Big chapter</dc:title>'
           "<dc:language>en</dc:language></metadata><manifest>"
           '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           '<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest>'
           '<spine><itemref idref="c1"/></spine></package>')
    nav = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
           'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>'
           '<nav epub:type="toc"><ol><li><a href="c1.xhtml">One</a></li></ol></nav></body></html>')
    container = ('<?xml version="1.0"?><container version="1.0" '
                 'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                 '<rootfile full-path="OEBPS/content.opf" '
                 'media-type="application/oebps-package+xml"/></rootfiles></container>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", container, zipfile.ZIP_DEFLATED)
        archive.writestr("OEBPS/content.opf", opf, zipfile.ZIP_DEFLATED)
        archive.writestr("OEBPS/nav.xhtml", nav, zipfile.ZIP_DEFLATED)
        archive.writestr("OEBPS/c1.xhtml", chapter, zipfile.ZIP_DEFLATED)


def tiny_paragraphs() -> str:
    """1.7 million one-word paragraphs (each its own block, were it read as written)."""
    return "".join(f"{_WORDS[i % 12][0]}\n\n" for i in range(SIZE // 3))


def footnotes() -> str:
    """A quarter of a million footnote definitions."""
    return "# Notes\n\n" + "".join(f"[^{i}]: note {i}\n\n" for i in range(SIZE // 23))


def many_lines() -> str:
    """2.6 million one-letter lines (a paragraph of soft line breaks)."""
    return "# Lines\n\n" + "a\n" * (SIZE // 2)


def leading_spaces() -> str:
    """One line indented by 5 MB of spaces."""
    return " " * SIZE + "x\n"


def rule_line() -> str:
    """One 5 MB line of asterisks (a thematic break to Markdown)."""
    return "*" * SIZE + "\n"


def cjk_text() -> str:
    """5 MB of Chinese text (every character two cells wide)."""
    rng = random.Random(28)
    characters = [chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(3000)]
    return _fill(lambda rng, i: "".join(rng.choices(characters, k=120)) + "。", 29, "", "\n\n")[
        : SIZE // 3]


def html_tiny_paragraphs() -> str:
    """A page of 650,000 one-letter paragraphs."""
    return ("<html><head><title>Tiny</title></head><body>" + "<p>x</p>" * (SIZE // 8)
            + "</body></html>\n")


def html_line_breaks() -> str:
    """A page of a million ``<br>``-separated words."""
    return ("<html><head><title>Breaks</title></head><body>" + "a<br>" * (SIZE // 5)
            + "</body></html>\n")


def html_list() -> str:
    """A page holding one list of 400,000 items."""
    return ("<html><head><title>List</title></head><body><ul>" + "<li>item</li>" * (SIZE // 13)
            + "</ul></body></html>\n")


#: name → (file suffix, generator of the text; or a writer of the file for binary formats).
SHAPES: dict[str, tuple[str, Callable[[], str] | Callable[[Path], None]]] = {
    "md tall table": (".md", lambda: make_tall_table(5_700_000, 1)),
    "md wide table": (".md", lambda: make_wide_table(20_000, 10, 2)),
    "md bullet list": (".md", bullet_list),
    "md numbered": (".md", numbered_list),
    "md nested list": (".md", nested_list),
    "md loose list": (".md", loose_list),
    "md nested quote": (".md", nested_quotes),
    "md long quote": (".md", long_quote),
    "md one line": (".md", one_line),
    "md one para": (".md", one_paragraph),
    "md headings": (".md", headings),
    "md dense inline": (".md", dense_inline),
    "md openers": (".md", unclosed_emphasis),
    "md code block": (".md", code_block),
    "md front matter": (".md", front_matter),
    "md prose": (".md", prose_markdown),
    "txt prose": (".txt", plain_text),
    "txt one line": (".txt", one_line),
    "html nested": (".html", html_nested),
    "html table": (".html", html_table),
    "html elements": (".html", html_elements),
    "html prose": (".html", html_prose),
    "epub chapter": (".epub", epub_chapter),
    "txt tiny paras": (".txt", tiny_paragraphs),
    "md tiny paras": (".md", tiny_paragraphs),
    "md footnotes": (".md", footnotes),
    "md many lines": (".md", many_lines),
    "md indented": (".md", leading_spaces),
    "md rule line": (".md", rule_line),
    "txt cjk": (".txt", cjk_text),
    "html tiny paras": (".html", html_tiny_paragraphs),
    "html breaks": (".html", html_line_breaks),
    "html list": (".html", html_list),
}


def write_shape(name: str, folder: Path) -> Path:
    """Write the file of shape ``name`` into ``folder`` and return its path."""
    suffix, make = SHAPES[name]
    path = folder / (name.replace(" ", "-") + suffix)
    if suffix == ".epub":
        make(path)  # type: ignore[call-arg]
    else:
        path.write_text(make(), encoding="utf-8")  # type: ignore[call-arg]
    return path


def _profile(name: str) -> None:
    from reader.loading import load_article

    with tempfile.TemporaryDirectory() as scratch:
        path = write_shape(name, Path(scratch))
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        article = load_article(path)
        profiler.disable()
        print(f"{name}: {time.perf_counter() - start:.2f} s, {len(article.text):,} characters, "
              f"{len(article.document.blocks):,} blocks, notice: {article.notice}")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    """Generate the files, measure each against the sample, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="shapes to measure (default: all)")
    parser.add_argument("--profile", help="print the cProfile of one shape's parse")
    args = parser.parse_args()
    if args.profile:
        _profile(args.profile)
        return
    names = args.only or list(SHAPES)
    with tempfile.TemporaryDirectory() as scratch:
        files = {"sample article": SAMPLE}
        for name in names:
            files[name] = write_shape(name, Path(scratch))
        results = measure_all(files, args.runs)
        sizes = {name: path.stat().st_size for name, path in files.items()}
    print_ratios(results, sizes, args.runs)

if __name__ == "__main__":
    main()
