"""Markdown export: golden files, literal quotes (property test), notes, templates, re-export."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from annotations.export import (
    ArticleExport,
    ArticleInfo,
    ExportDirectory,
    ExportError,
    TemplateError,
    compile_template,
    export_all_markdown,
    export_article_markdown,
    load_template,
    render_article,
    render_markdown,
    slugify,
)
from annotations.export.escape import (
    blockquote_text,
    escape_inline,
    neutralise_note,
    quote_block,
)
from annotations.export.markdown import DEFAULT_TEMPLATE, block_ids
from annotations.export.region import END_MARKER
from annotations.model import (
    AnchorStatus,
    Annotation,
    Color,
    TextPositionSelector,
    quote_selector,
)
from reader.loading import load_article
from tests.support.paths import SEED, SEED_TITLE

GOLDEN = Path(__file__).parent.parent / "data" / "golden"
EXPORTED_AT = "2024-05-01T09:30:00Z"
MD = MarkdownIt("commonmark")


def check_golden(name: str, text: str) -> None:
    """Compare with tests/data/golden/<name>; POSTIL_UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / name
    if os.environ.get("POSTIL_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="\n")
    assert text == path.read_text(encoding="utf-8")


def make(
    text: str,
    phrase: str,
    number: int,
    *,
    article_id: str = "0f4f96b52035eb96",
    path: str = "/library/huawei-no-spy-deal.txt",
    **fields: object,
) -> Annotation:
    """An annotation over ``phrase`` with a fixed id and fixed timestamps."""
    start = text.index(phrase)
    end = start + len(phrase)
    base = Annotation(
        id=f"{number:08x}-1111-4222-8333-444455556666",
        article_id=article_id,
        path=path,
        quote=quote_selector(text, start, end),
        position=TextPositionSelector(start, end),
        created=f"2024-04-{number + 10:02d}T08:00:00Z",
        updated=f"2024-04-{number + 10:02d}T09:00:00Z",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sample() -> ArticleExport:
    """The bundled article with five highlights (one orphaned), fixed ids and times."""
    article = load_article(SEED)
    text = article.text
    info = ArticleInfo(
        id=article.meta.id,
        path="/library/huawei-no-spy-deal.txt",
        title=article.meta.title,
        author=article.meta.author,
        url="https://example.com/huawei-no-spy?ref=rss&x=1",
    )
    annotations = (
        make(
            text,
            "It is inappropriate to use political means to disrupt an industry",
            5,
            color=Color.PINK,
            note="Liang's **key line**.\n\n# Why it matters\n\n- politics vs. industry",
            tags=("politics", "quote-worthy"),
        ),
        make(
            text,
            "According to the United States, Huawei is a national security threat.",
            1,
            tags=("security",),
        ),
        make(
            text,
            "Huawei is one of the major global telecom providers of mobile wireless 5G network "
            "technology.\n\nOn Tuesday, a top Huawei executive",
            3,
            color=Color.GREEN,
            note="Spans two paragraphs. See <!-- postil:end --> and ^postil-deadbeef.",
        ),
        make(text, "no-spy agreement", 2, color=Color.BLUE, note="```python\nunclosed = 1"),
        replace(
            make(text, "The U.S. authorities claimed", 4, color=Color.PURPLE),
            quote=quote_selector("x The *old* [text] #1 y", 2, 21),
            status=AnchorStatus.ORPHANED,
            note="Was in an earlier version.",
        ),
    )
    return ArticleExport(info, annotations)


# --- golden files -----------------------------------------------------------------------------


def test_golden_sample_article(sample: ArticleExport) -> None:
    check_golden("huawei.md", render_article(sample, exported_at=EXPORTED_AT))


def test_golden_directory_file(sample: ArticleExport, tmp_path: Path) -> None:
    path = export_article_markdown(
        sample.article, sample.annotations, tmp_path / "out", exported_at=EXPORTED_AT
    )
    assert path.name == (
        "huawei-chairman-considering-signing-a-no-spy-deal-with-the-united-states.md"
    )
    check_golden("huawei-file.md", path.read_text(encoding="utf-8"))


def test_golden_custom_template(sample: ArticleExport, tmp_path: Path) -> None:
    template_file = tmp_path / "layout.md"
    template_file.write_text(
        "## {{title}} ({{count}})\n"
        "{{#highlights}}\n"
        "- {{quote_text}} {{tags}} [[#^{{short_id}}]]\n"
        "{{/highlights}}\n"
        "{{^has_orphans}}\n"
        "All highlights found.\n"
        "{{/has_orphans}}\n"
        "{{#orphans}}\n"
        "- LOST ({{color}}): {{quote_text}}\n"
        "{{/orphans}}\n",
        encoding="utf-8",
    )
    text = render_article(sample, exported_at=EXPORTED_AT, template=load_template(template_file))
    check_golden("huawei-template.md", text)


def test_sample_structure(sample: ArticleExport) -> None:
    text = render_article(sample, exported_at=EXPORTED_AT)
    tokens = MD.parse(text)
    headings = [
        (tokens[i].tag, tokens[i + 1].content)
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag in ("h1", "h2")
    ]
    assert headings == [
        ("h1", SEED_TITLE),
        ("h2", "Highlights"),
        ("h2", "Orphaned highlights"),
    ]
    quotes = [a.quote.exact for a in sample.located] + [a.quote.exact for a in sample.orphans]
    assert list(quoted_by_block_id(text).values()) == quotes
    assert "#politics #quote-worthy" in text and "pink" in text
    assert "Highlights: 5 (1 orphaned)" in text
    assert "### Why it matters" in text  # the note's heading is demoted below ##
    assert text.count(END_MARKER) == 0 and "<!-- postil-note:end -->" in text


def test_reading_order_and_orphans_last(sample: ArticleExport) -> None:
    located = sample.located
    assert [a.start for a in located] == sorted(a.start for a in located)
    text = render_article(sample, exported_at=EXPORTED_AT)
    assert text.index("Orphaned highlights") > text.index("disrupt an industry")


def test_several_articles_to_one_document(sample: ArticleExport) -> None:
    other = ArticleExport(
        ArticleInfo.for_missing("/gone/some_old-article.txt", "abc"),
        (make("Some words here.", "words", 9, path="/gone/some_old-article.txt"),),
    )
    text = render_markdown([sample, other], exported_at=EXPORTED_AT)
    titles = [t.content for t in MD.parse(text) if t.type == "inline" and t.level == 1]
    assert SEED_TITLE in titles and "some old article" in titles
    assert "(file not found)" in text
    assert render_markdown([], exported_at=EXPORTED_AT) == ""


# --- literal quotes ---------------------------------------------------------------------------

HARD_QUOTES = [
    "  leading and trailing  ",
    "\ttabs\tinside\t",
    "back\\slash at end\\",
    "&amp; &#32; &copy; AT&T",
    "<div>html</div> <http://x.org> <!-- c -->",
    "    indented code",
    "+ plus\n- minus\n* star",
    "Title\n===\nSub\n---",
    "1) one\n2. two\n10. ten",
    "~~~\nfence\n~~~\n```js\nx\n```",
    "hard break  \nnext",
    "*emph* _u_ **b** `code` [link](x) ![img](y) [[wiki]] ==mark== %%c%% $m$ #tag ^blk |a|b|",
    "> not a quote\n>> nested",
    "# not a heading\n###### six",
    "first paragraph\n\nsecond\n\n\n\nafter three blank lines",
    "\n\nleading newlines and trailing\n\n",
    "   \n \t \nwhitespace-only lines",
    "unicode: café ñ 中文 🎉 \u00a0nbsp\u00a0 \u2003em-space",
    "\\",
    "\n",
    "-",
    "[^1]: footnote\n[ref]: /url",
    "a < b <3 <a href='x'> </p> <?php <!x> 1.5 million\n2) two",
]


def blockquotes(markdown: str) -> list[str]:
    return blockquote_text(MD.parse(markdown))


@pytest.mark.parametrize("quote", HARD_QUOTES)
def test_hard_quotes_render_literally(quote: str) -> None:
    assert blockquotes(quote_block(quote) + "\n") == [quote]


def test_blockquote_layout() -> None:
    assert quote_block("a\nb\n\nc") == "> a  \n> b\n>\n> c"
    assert quote_block("x\n\n\ny") == "> x\n>\n> \\\n> y"
    assert quote_block("1. x") == "> 1\\. x"
    assert quote_block("1.5 < 2 <b>") == "> 1.5 < 2 \\<b>"  # escapes only where needed


def test_escape_inline_is_one_literal_line() -> None:
    text = escape_inline("A *b*\n [c] #d")
    assert "\n" not in text
    tokens = MD.parse(text)
    assert tokens[1].children is not None
    assert "".join(c.content for c in tokens[1].children) == "A *b* [c] #d"


# Characters canonical article text can hold: no controls but \n and \t (see reader.sanitize).
_CHARS = st.characters(
    exclude_categories=["Cs", "Cc"],
    exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
)
_PIECES = st.sampled_from(
    ["\n", "\n\n", "\t", " ", "    ", "  \n", "\\", "&amp;", "&#32;", "<div>", "1.", "1)", "- ",
     "+", "===", "---", "~~~", "```", "*", "_", "#", "[", "]", "|", ">", "==", "%%", "$", "^",
     "<!-- postil:end -->", "<!--", "<pre>", "<?", "<![CDATA[", "<!X", "<script>", "# ",
     "\u00a0", "é", "中", "🎉", "\u2028"]
)
TEXTS = st.lists(st.one_of(_PIECES, st.text(_CHARS, max_size=8)), max_size=12).map("".join)
QUOTES = TEXTS.filter(bool)


def quoted_by_block_id(markdown: str) -> dict[str, str]:
    """Map each ``^postil-…`` block-id line to the text of the blockquote just before it."""
    lines = markdown.split("\n")
    result: dict[str, str] = {}
    last_quote: str | None = None
    depth_tokens = MD.parse(markdown)
    index = 0
    while index < len(depth_tokens):
        token = depth_tokens[index]
        if token.type == "blockquote_open" and token.level == 0:
            close = index
            while not (
                depth_tokens[close].type == "blockquote_close" and depth_tokens[close].level == 0
            ):
                close += 1
            last_quote = blockquote_text(depth_tokens[index : close + 1])[0]
            index = close + 1
            continue
        if token.type == "paragraph_open" and token.level == 0 and token.map:
            raw = "\n".join(lines[token.map[0] : token.map[1]])
            if re.fullmatch(r"\^postil-[0-9a-f]+", raw):
                assert last_quote is not None
                result[raw[1:]] = last_quote
                last_quote = None
        index += 1
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quotes=st.lists(QUOTES, min_size=1, max_size=4), notes=st.lists(TEXTS, max_size=4))
def test_property_quotes_render_literally(quotes: list[str], notes: list[str]) -> None:
    """Whatever the quotes and notes, each highlight's blockquote renders its exact quote.

    Whitespace is compared exactly: a line break inside the quote is a hard break, an empty line
    a paragraph break (blockquote paragraphs are joined with a blank line for the comparison).
    Notes cannot add top-level headings, end the region, or swallow what follows them.
    """
    base = "filler " * 3
    annotations = []
    for number, quote in enumerate(quotes):
        note = notes[number] if number < len(notes) else ""
        annotation = make(base, "filler", number, note=note)
        annotations.append(
            replace(
                annotation,
                quote=replace(annotation.quote, exact=quote),
                position=TextPositionSelector(number, number + 1),
            )
        )
    export = ArticleExport(ArticleInfo("id", "/a.txt", "T"), tuple(annotations))
    text = render_article(export, exported_at=EXPORTED_AT) + "\nEND-SENTINEL\n"
    ids = block_ids(annotations)
    assert quoted_by_block_id(text) == {ids[a.id]: a.quote.exact for a in annotations}
    tokens = MD.parse(text)
    assert [t.tag for t in tokens if t.type == "heading_open" and t.tag in ("h1", "h2")] == [
        "h1",
        "h2",
    ]
    assert tokens[-2].content == "END-SENTINEL" and tokens[-3].level == 0
    assert re.search(r"^\s*<!--\s*postil\s*:", text, re.MULTILINE | re.IGNORECASE) is None


# --- notes ------------------------------------------------------------------------------------


def test_note_markdown_is_kept() -> None:
    note = "Some *emphasis*, a [link](https://x.org) and\n\n- a list\n- item"
    assert neutralise_note(note) == note


def test_note_cannot_break_the_structure() -> None:
    assert neutralise_note("# H1\n## H2\n###### H6") == "### H1\n#### H2\n###### H6"
    assert neutralise_note("Setext\n======") == "### Setext"
    assert neutralise_note("> # quoted heading") == "> ### quoted heading"
    assert "<!-- postil:end -->" not in neutralise_note("x\n<!-- postil:end -->")
    assert "<!--postil:begin" not in neutralise_note("<!--postil:begin -->").lower()
    assert neutralise_note("see ^postil-1234abcd") == "see \\^postil-1234abcd"
    assert neutralise_note("```\ncode") == "```\ncode\n```"
    assert neutralise_note("~~~~\ncode") == "~~~~\ncode\n~~~~"
    assert neutralise_note("<!-- open comment") == "<!-- open comment\n-->"
    assert neutralise_note("```\n# not a heading\n```") == "```\n# not a heading\n```"
    assert neutralise_note("  \n\n") == ""


# --- templates --------------------------------------------------------------------------------


def test_default_template_compiles_and_is_what_render_uses(sample: ArticleExport) -> None:
    explicit = compile_template(DEFAULT_TEMPLATE)
    assert render_article(sample, exported_at=EXPORTED_AT, template=explicit) == render_article(
        sample, exported_at=EXPORTED_AT
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{titel}}", "unknown field {{titel}}"),
        ("{{#highlights}}{{quote}}", "never closed"),
        ("{{#highlights}}{{/orphans}}", "does not close"),
        ("{{quote}}", "unknown field {{quote}}"),
        ("<!-- postil:end -->", "region markers"),
    ],
)
def test_template_errors(source: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        compile_template(source)


def test_template_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="missing.md"):
        load_template(tmp_path / "missing.md")
    bad = tmp_path / "bad.md"
    bad.write_text("line one\n{{nope}}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"bad\.md: line 2: unknown field"):
        load_template(bad)


# --- file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Huawei: A No-Spy Deal?", "huawei-a-no-spy-deal"),
        ('a/b\\c:d*e?f"g<h>i|j', "a-b-c-d-e-f-g-h-i-j"),
        ("Café ñ 中文", "café-ñ-中文"),
        ("#tag [[link]] ^id", "tag-link-id"),
        ("...", "article"),
        ("", "article"),
        ("CON", "con-article"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slug_length_is_bounded() -> None:
    assert len(slugify("word " * 100).encode()) <= 96
    assert len(slugify("中" * 200).encode()) <= 96


# --- directory export and re-export -----------------------------------------------------------


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty export folder."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def test_reexport_keeps_user_text_and_updates_highlights(
    sample: ArticleExport, out: Path
) -> None:
    first = export_article_markdown(
        sample.article, sample.annotations[:2], out, exported_at=EXPORTED_AT
    )
    edited = first.read_text(encoding="utf-8")
    edited = edited.replace("---\n\n", "---\n\nMY INTRO above the region.\n\n", 1)
    edited = edited.replace("title:", "rating: 5\ntitle:", 1)
    edited += "\n## My thoughts\n\nMY OWN NOTES below.\n"
    first.write_text(edited, encoding="utf-8")

    second = export_article_markdown(
        sample.article, sample.annotations, out, exported_at="2024-06-01T00:00:00Z"
    )
    assert second == first
    assert sorted(p.name for p in out.iterdir()) == [first.name]  # no temp files left
    text = second.read_text(encoding="utf-8")
    assert "MY INTRO above the region." in text and "MY OWN NOTES below." in text
    assert "rating: 5" in text
    assert text.count("- Exported: 2024-06-01T00:00:00Z") == 1 and EXPORTED_AT not in text
    for annotation in sample.annotations:
        short = block_ids(sample.annotations)[annotation.id]
        assert text.count(f"^{short}") == 1  # every highlight exactly once
    assert text.count("<!-- postil:begin") == 1 and text.count(END_MARKER) == 1
    assert text.index("MY INTRO") < text.index("<!-- postil:begin")
    assert text.index(END_MARKER) < text.index("MY OWN NOTES")


def test_block_ids_are_stable_across_exports(sample: ArticleExport) -> None:
    ids = block_ids(sample.annotations)
    fewer = block_ids(sample.annotations[1:])
    assert all(fewer[key] == ids[key] for key in fewer)
    assert all(re.fullmatch(r"postil-[0-9a-f]{8}", value) for value in ids.values())


def test_block_ids_lengthen_only_on_collision() -> None:
    one = make("a b", "a", 1, id="abcdef12-0001-4000-8000-000000000000")
    two = make("a b", "b", 2, id="abcdef12-0002-4000-8000-000000000000")
    three = make("a b", "b", 3)
    ids = block_ids([one, two, three])
    assert len(set(ids.values())) == 3
    assert ids[one.id] == "postil-abcdef120001" and len(ids[three.id]) == len("postil-") + 8


def test_same_title_articles_get_separate_stable_files(out: Path) -> None:
    first = ArticleInfo("id-one", "/lib/a.txt", "Same Title")
    second = ArticleInfo("id-two", "/lib/b.txt", "Same Title")
    notes = out / "same-title.md"
    exports = [
        ArticleExport(first, (make("x y", "x", 1, path="/lib/a.txt"),)),
        ArticleExport(second, (make("x y", "y", 2, path="/lib/b.txt"),)),
    ]
    result = export_all_markdown(exports, out, exported_at=EXPORTED_AT)
    assert [p.name for p in result.written] == ["same-title.md", "same-title-2.md"]
    again = export_all_markdown(list(reversed(exports)), out, exported_at=EXPORTED_AT)
    assert [p.name for p in again.written] == ["same-title-2.md", "same-title.md"]
    assert "postil-path: \"/lib/a.txt\"" in notes.read_text(encoding="utf-8")
    assert len(list(out.iterdir())) == 2


def test_user_file_with_the_slug_name_is_not_touched(out: Path) -> None:
    mine = out / "same-title.md"
    mine.write_text("my own note\n", encoding="utf-8")
    path = export_article_markdown(
        ArticleInfo("id", "/lib/a.txt", "Same Title"), (), out, exported_at=EXPORTED_AT
    )
    assert path.name == "same-title-2.md"
    assert mine.read_text(encoding="utf-8") == "my own note\n"


def test_moved_article_keeps_its_file(out: Path) -> None:
    old = ArticleInfo("same-id", str(out / "gone.txt"), "Title")
    first = export_article_markdown(old, (), out / "out", exported_at=EXPORTED_AT)
    moved = replace(old, path=str(out / "new-place.txt"), title="Retitled")
    second = export_article_markdown(moved, (), out / "out", exported_at=EXPORTED_AT)
    assert second == first
    assert f'postil-path: "{moved.path}"' in second.read_text(encoding="utf-8")


def test_file_without_markers_gets_a_region_appended(out: Path) -> None:
    info = ArticleInfo("id", "/lib/a.txt", "Title")
    folder = ExportDirectory(out)
    path = folder.path_for(info)
    path.write_text(
        '---\npostil-path: "/lib/a.txt"\n---\n\nI deleted the markers.\n', encoding="utf-8"
    )
    export_article_markdown(info, (), out, exported_at=EXPORTED_AT)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('---\npostil-path: "/lib/a.txt"\npostil-id: "id"\n---\n\nI deleted')
    assert text.count("<!-- postil:begin") == 1 and text.rstrip().endswith(END_MARKER)


def test_damaged_markers_refuse_to_write(out: Path) -> None:
    info = ArticleInfo("id", "/lib/a.txt", "Title")
    path = export_article_markdown(info, (), out, exported_at=EXPORTED_AT)
    damaged = path.read_text(encoding="utf-8").replace(END_MARKER, "")
    path.write_text(damaged, encoding="utf-8")
    with pytest.raises(ExportError, match="markers are damaged"):
        export_article_markdown(info, (), out, exported_at="2030-01-01T00:00:00Z")
    assert path.read_text(encoding="utf-8") == damaged


def test_crlf_files_stay_crlf(out: Path) -> None:
    info = ArticleInfo("id", "/lib/a.txt", "Title")
    path = export_article_markdown(info, (), out, exported_at=EXPORTED_AT)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n") + b"mine\r\n")
    more = (make("x y", "y", 2, path="/lib/a.txt"),)
    export_article_markdown(info, more, out, exported_at="2030-01-01T00:00:00Z")
    data = path.read_bytes()
    assert b"2030-01-01" in data and data.endswith(b"mine\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")


def test_non_utf8_file_is_not_overwritten(out: Path) -> None:
    info = ArticleInfo("id", "/lib/a.txt", "Title")
    path = export_article_markdown(info, (), out, exported_at=EXPORTED_AT)
    path.write_bytes(b'---\npostil-path: "/lib/a.txt"\n---\n\xff\xfe')
    with pytest.raises(ExportError, match="not UTF-8"):
        export_article_markdown(info, (), out, exported_at=EXPORTED_AT)


def test_export_moved_into_a_subfolder_is_updated_there(out: Path) -> None:
    info = ArticleInfo("id", "/lib/a.txt", "Title")
    first = export_article_markdown(info, (), out, exported_at=EXPORTED_AT)
    (out / "reading" / "2024").mkdir(parents=True)
    moved = first.rename(out / "reading" / "2024" / "Renamed by me.md")
    more = (make("x y", "y", 2, path="/lib/a.txt"),)
    again = export_article_markdown(info, more, out, exported_at="2030-01-01T00:00:00Z")
    assert again == moved and "2030-01-01" in moved.read_text(encoding="utf-8")
    assert not first.exists()


def test_a_new_file_never_overwrites_one_created_meanwhile(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer creates the chosen name between the check and the write."""
    taken = out / "title.md"
    original = ExportDirectory.path_for
    calls: list[Path] = []

    def racing_path_for(self: ExportDirectory, article: ArticleInfo) -> Path:
        chosen = original(self, article)
        if not calls:
            taken.write_text("someone else's file\n", encoding="utf-8")
        calls.append(chosen)
        return chosen

    monkeypatch.setattr(ExportDirectory, "path_for", racing_path_for)
    path = export_article_markdown(
        ArticleInfo("id", "/lib/a.txt", "Title"), (), out, exported_at=EXPORTED_AT
    )
    assert calls[0] == taken and path == out / "title-2.md"
    assert taken.read_text(encoding="utf-8") == "someone else's file\n"
    assert sorted(p.name for p in out.iterdir()) == ["title-2.md", "title.md"]


def test_unchanged_export_is_not_rewritten(sample: ArticleExport, out: Path) -> None:
    """Only the export time would change: the file (and its mtime) stay as they are."""
    path = export_article_markdown(
        sample.article, sample.annotations, out, exported_at=EXPORTED_AT
    )
    before = path.read_bytes()
    os.utime(path, (1_000_000_000, 1_000_000_000))
    export_article_markdown(
        sample.article, sample.annotations, out, exported_at="2030-01-01T00:00:00Z"
    )
    assert path.read_bytes() == before and path.stat().st_mtime == 1_000_000_000
    changed = (*sample.annotations[:-1], replace(sample.annotations[-1], note="new note"))
    export_article_markdown(sample.article, changed, out, exported_at="2030-01-01T00:00:00Z")
    text = path.read_text(encoding="utf-8")
    assert "new note" in text and "- Exported: 2030-01-01T00:00:00Z" in text
