"""The first page of a large text or Markdown file, parsed on its own while the rest loads."""

from __future__ import annotations

from pathlib import Path

from reader.loading import PREVIEW_THRESHOLD, carried_offset, load_article, preview_article


def _prose(paragraphs: int) -> str:
    return "\n\n".join(f"Paragraph {n} says *something* about [links](https://example.com/{n})"
                       f" and `code`, then ends." for n in range(paragraphs))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size >= PREVIEW_THRESHOLD
    return path


def test_a_large_markdown_article_is_previewed_by_its_start(tmp_path: Path) -> None:
    path = _write(tmp_path / "long.md", "# A Long Essay\n\n## Part one\n\n" + _prose(4000))
    preview = preview_article(path)
    full = load_article(path)
    assert preview is not None
    assert 1000 < len(preview.text) < len(full.text)
    assert full.text.startswith(preview.text)
    assert preview.meta.title == full.meta.title == "A Long Essay"


def test_one_huge_paragraph_or_line_is_previewed_too(tmp_path: Path) -> None:
    sentence = "A sentence of a paragraph that never ends. "
    for name, text in (("para.md", "# One\n\n" + (sentence + "\n") * 8000),
                       ("line.md", sentence * 8000 + "\n"),
                       ("line.txt", sentence * 8000 + "\n")):
        path = _write(tmp_path / name, text)
        preview = preview_article(path)
        assert preview is not None, name
        assert len(preview.text) > 1000, name
        assert load_article(path).text.startswith(preview.text), name


def test_an_open_code_block_cut_at_a_line_reads_the_same(tmp_path: Path) -> None:
    body = "\n".join(f"x{n} = {n}  # a line of code" for n in range(12000))
    path = _write(tmp_path / "code.md", f"# Code\n\n```python\n{body}\n```\n\nAfter the code.\n")
    preview = preview_article(path)
    assert preview is not None
    assert load_article(path).text.startswith(preview.text)
    assert "x10 = 10" in preview.text


def test_front_matter_longer_than_the_preview_gives_no_preview(tmp_path: Path) -> None:
    tags = "\n".join(f"  - tag{n}" for n in range(40000))
    path = _write(tmp_path / "front.md", f"---\ntitle: Tags\ntags:\n{tags}\n---\n\nBody.\n")
    assert preview_article(path) is None


def test_front_matter_gives_the_preview_its_title(tmp_path: Path) -> None:
    path = _write(tmp_path / "front.md", "---\ntitle: From the front matter\n---\n\n"
                  + _prose(4000))
    preview = preview_article(path)
    assert preview is not None
    assert preview.meta.title == "From the front matter"
    assert load_article(path).text.startswith(preview.text)


def test_web_pages_are_not_previewed(tmp_path: Path) -> None:
    """A page's main text is found by looking at all of it: its start alone would mislead."""
    page = "<html><body>" + "".join(f"<p>Paragraph {n} of the page.</p>" for n in range(12000))
    path = _write(tmp_path / "page.html", page + "</body></html>")
    assert preview_article(path) is None


def test_the_reader_s_place_is_carried_into_the_full_text() -> None:
    full = "Title\n\nitem one\nitem two\nitem three and more text after it"
    assert carried_offset(full[:30], full, 20) == 20  # a prefix: the same offset
    preview = "Title\n\n• item one\n• item two\n• item three"  # read differently
    place = preview.index("item two")
    assert carried_offset(preview, full, place) == full.index("item two")
    assert carried_offset("something else entirely", full, 10) == 10  # not found: kept
    assert carried_offset(preview, "short", 30) == 5  # never past the end
