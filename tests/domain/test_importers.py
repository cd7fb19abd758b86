"""The importers' parsers: Kindle clippings, KOReader sidecars, Readwise CSV, Hypothesis JSON."""

from __future__ import annotations

import json

import pytest

from annotations.importers import hypothesis, kindle, koreader, readwise
from annotations.importers.lua import LuaError, as_list, parse_lua_table
from annotations.importers.record import ImportFormatError
from annotations.model import Color

SEP = "=========="


def clip(title: str, header: str, text: str) -> str:
    """One clipping as a Kindle writes it."""
    return f"{title}\n- {header}\n\n{text}\n{SEP}\n"


HEADERS = {
    "en": "Your Highlight on page 12 | Location 180-182 | Added on Monday, 3 March 2025 10:15:00",
    "en-us": "Your Highlight on page 12 | Location 180-182 | Added on Monday, March 3, 2025 "
    "10:15:00 AM",
    "de": "Ihre Markierung auf Seite 12 | bei Position 180-182 | Hinzugefügt am Montag, "
    "3. März 2025 10:15:00",
    "fr": "Votre surlignement sur la page 12 | emplacement 180-182 | Ajouté le lundi 3 mars "
    "2025 10:15:00",
    "es": "La subrayado en la página 12 | posición 180-182 | Añadido el lunes, 3 de marzo de "
    "2025 10:15:00",
    "it": "La tua evidenziazione a pagina 12 | posizione 180-182 | Aggiunto in data lunedì "
    "3 marzo 2025 10:15:00",
    "pt": "Seu destaque na página 12 | posição 180-182 | Adicionado: segunda-feira, 3 de "
    "março de 2025 10:15:00",
    "ja": "12ページ|位置No. 180-182のハイライト |作成日: 2025年3月3日月曜日 10:15:00",
    "zh": "您在第 12 页（位置 #180-182）的标注 | 添加于 2025年3月3日星期一 上午10:15:00",
}


@pytest.mark.parametrize("language", sorted(HEADERS))
def test_kindle_header_in_every_language(language: str) -> None:
    result = kindle.parse(clip("Ein Buch (Anna Autorin)", HEADERS[language], "Ein Satz."))
    assert not result.rejected
    [highlight] = result.highlights
    assert (highlight.title, highlight.author, highlight.quote) == (
        "Ein Buch", "Anna Autorin", "Ein Satz."
    )
    assert (highlight.location_start, highlight.location_end) == (180, 182)
    assert highlight.location == "page 12 location 180-182"
    assert highlight.created == "2025-03-03T10:15:00Z"


def test_kindle_pm_and_location_only() -> None:
    header = "Your Highlight at location 1801-05 | Added on Tuesday, March 4, 2025 1:05:09 PM"
    [highlight] = kindle.parse(clip("Book (A)", header, "Text here.")).highlights
    assert (highlight.location_start, highlight.location_end) == (1801, 1805)
    assert highlight.created == "2025-03-04T13:05:09Z"
    assert highlight.location == "location 1801-1805"


def test_kindle_bom_crlf_notes_bookmarks_and_limit() -> None:
    text = (
        "\ufeff" + clip("Book (Ann Author)", HEADERS["en"], "First quote.")
        + "\ufeff" + clip("Book (Ann Author)", "Your Note on page 12 | Location 182 | Added on "
                         "Monday, 3 March 2025 10:16:00", "my thought")
        + clip("Book (Ann Author)", "Your Bookmark on page 20 | Location 300 | Added on "
               "Monday, 3 March 2025 10:17:00", "")
        + clip("Book (Ann Author)", "Your Highlight on page 30 | Location 400-401 | Added on "
               "Monday, 3 March 2025 10:18:00",
               " <You have reached the clipping limit for this item>")
        + clip("Book (Ann Author)", "Your Note on Location 999 | Added on Monday, 3 March 2025 "
               "10:19:00", "lonely note")
    ).replace("\n", "\r\n")
    result = kindle.parse(text)
    [highlight] = result.highlights
    assert highlight.quote == "First quote."
    assert highlight.note == "my thought"
    assert result.skipped == 1
    reasons = [str(r) for r in result.rejected]
    assert len(reasons) == 2
    assert "clipping limit" in reasons[0]
    assert "has no highlight" in reasons[1]


def test_kindle_revisions_keep_the_latest_and_remade_is_one() -> None:
    text = (
        clip("Book (A)", "Your Highlight on page 1 | Location 10-12 | Added on Monday, 3 March "
             "2025 10:00:00", "the quick brown")
        + clip("Book (A)", "Your Highlight on page 1 | Location 10-13 | Added on Monday, 3 March "
               "2025 10:01:00", "the quick brown fox jumps")
        + clip("Book (A)", "Your Highlight on page 1 | Location 11-12 | Added on Monday, 3 March "
               "2025 10:02:00", "quick brown fox")
        + clip("Book (A)", "Your Highlight on page 1 | Location 12-13 | Added on Monday, 3 March "
               "2025 10:03:00", "an unrelated neighbour")
        + clip("Book (A)", "Your Highlight on page 5 | Location 50-51 | Added on Monday, 3 March "
               "2025 10:04:00", "deleted and made again")
        + clip("Book (A)", "Your Highlight on page 5 | Location 50-51 | Added on Tuesday, 4 March "
               "2025 10:04:00", "deleted and made again")
    )
    result = kindle.parse(text)
    quotes = [h.quote for h in result.highlights]
    assert quotes == ["quick brown fox", "an unrelated neighbour", "deleted and made again"]
    assert result.revisions == 3
    remade = result.highlights[-1]
    assert remade.created == "2025-03-04T10:04:00Z"


def test_kindle_malformed_entries_are_rejected_not_fatal() -> None:
    text = "junk without header\n" + SEP + "\n" + clip("Book (A)", "Something odd | x", "t")
    text += clip("Book (A)", HEADERS["en"], "good")
    result = kindle.parse(text)
    assert [h.quote for h in result.highlights] == ["good"]
    assert len(result.rejected) == 2


def test_kindle_not_clippings() -> None:
    with pytest.raises(ImportFormatError):
        kindle.parse("just some text")


def test_kindle_title_with_parentheses() -> None:
    assert kindle.split_title("Dune (Dune Chronicles, Book 1) (Herbert, Frank)") == (
        "Dune (Dune Chronicles, Book 1)", "Herbert, Frank"
    )
    assert kindle.split_title("No Author") == ("No Author", "")


# --- Lua ---------------------------------------------------------------------------------------


def test_lua_literals() -> None:
    table = parse_lua_table(
        '-- comment\nreturn {\n  ["a"] = "x\\n\\"y\\"\\65\\x42\\u{263A}",\n  [10] = 1.5e2,\n'
        "  name = [==[long ]] text]==],\n  { true, false, nil, -0x10 },\n  [20] = 'single',\n"
        "  --[[ block\n comment ]]\n}\n"
    )
    assert table["a"] == 'x\n"y"AB☺'
    assert table[10] == 150.0
    assert table["name"] == "long ]] text"
    assert table[20] == "single"
    assert as_list(table[1]) == [True, False, None, -16]


@pytest.mark.parametrize(
    "text",
    [
        "return { os.execute('rm -rf /') }",
        "return { a = b }",
        "return { a = 1 + 2 }",
        "print('x')",
        "return { 'unterminated }",
        "return { [[unterminated }",
        "return " + "{" * 500 + "}" * 500,
        "return { a = 1 } trailing",
        "return { 1e999 }",
        "return { [nil] = 1 }",
    ],
)
def test_lua_refuses_anything_but_data(text: str) -> None:
    with pytest.raises(LuaError):
        parse_lua_table(text)


NEW_SIDECAR = """-- we can read Lua syntax here!
return {
    ["annotations"] = {
        [1] = {
            ["chapter"] = "Chapter One",
            ["color"] = "green",
            ["datetime"] = "2024-05-01 10:00:00",
            ["datetime_updated"] = "2024-05-02 11:00:00",
            ["drawer"] = "lighten",
            ["note"] = "a note with \\"quotes\\"",
            ["page"] = "/body/DocFragment[3]/body/p[2]/text().0",
            ["pageno"] = 12,
            ["pos0"] = "/body/DocFragment[3]/body/p[2]/text().0",
            ["pos1"] = "/body/DocFragment[3]/body/p[2]/text().40",
            ["text"] = "The garden was quiet in the morning",
        },
        [2] = {
            ["datetime"] = "2024-05-01 10:05:00",
            ["page"] = 14,
            ["text"] = "in Chapter Two",
        },
        [3] = {
            ["color"] = "red",
            ["drawer"] = "underscore",
            ["pos0"] = "x",
            ["text"] = 42,
        },
    },
    ["doc_path"] = "/mnt/onboard/Books/quiet-garden.epub",
    ["doc_props"] = {
        ["authors"] = "Ada Author\\nBob Second",
        ["title"] = "The Quiet Garden",
    },
}
"""

OLD_SIDECAR = """return {
    ["bookmarks"] = {
        [1] = {
            ["datetime"] = "2019-01-01 09:00:00",
            ["highlighted"] = true,
            ["notes"] = "an old highlight",
            ["page"] = 7,
            ["text"] = "my old note",
        },
        [2] = {
            ["datetime"] = "2019-01-01 09:05:00",
            ["highlighted"] = true,
            ["notes"] = "another",
            ["text"] = "Page 8 another @ 2019-01-01 09:05:00",
        },
        [3] = {
            ["datetime"] = "2019-01-02 09:00:00",
            ["notes"] = "Page 9",
            ["page"] = 9,
        },
    },
    ["highlight"] = {
        [7] = {
            [1] = {
                ["chapter"] = "Old Chapter",
                ["datetime"] = "2019-01-01 09:00:00",
                ["drawer"] = "lighten",
                ["text"] = "an old highlight",
            },
        },
        [8] = {
            [1] = {
                ["datetime"] = "2019-01-01 09:05:00",
                ["text"] = "another",
            },
        },
    },
    ["doc_props"] = { ["title"] = "Old Book", ["authors"] = "Old Author" },
}
"""


def test_koreader_new_annotations() -> None:
    result = koreader.parse(NEW_SIDECAR, "quiet-garden.sdr/metadata.epub.lua")
    [highlight] = result.highlights
    assert highlight.quote == "The garden was quiet in the morning"
    assert highlight.note == 'a note with "quotes"'
    assert highlight.chapter == "Chapter One"
    assert highlight.color is Color.GREEN
    assert highlight.created == "2024-05-01T10:00:00Z"
    assert highlight.updated == "2024-05-02T11:00:00Z"
    assert (highlight.title, highlight.author) == ("The Quiet Garden", "Ada Author, Bob Second")
    assert highlight.identifier == "quiet-garden.epub"
    assert result.skipped == 1
    assert len(result.rejected) == 1 and "text" in str(result.rejected[0])


def test_koreader_old_highlight_and_bookmarks() -> None:
    result = koreader.parse(OLD_SIDECAR, "old.sdr/metadata.epub.lua")
    by_quote = {h.quote: h for h in result.highlights}
    assert set(by_quote) == {"an old highlight", "another"}
    assert by_quote["an old highlight"].note == "my old note"
    assert by_quote["an old highlight"].chapter == "Old Chapter"
    assert by_quote["an old highlight"].location == "page 7"
    assert by_quote["another"].note == ""  # KOReader's generated text is not a note
    assert result.skipped == 1
    assert by_quote["another"].title == "Old Book"


def test_koreader_not_lua() -> None:
    with pytest.raises(ImportFormatError):
        koreader.parse("return { dofile('/etc/passwd') }")


# --- Readwise ----------------------------------------------------------------------------------

READWISE = (
    "Highlight,Book Title,Book Author,Amazon Book ID,Note,Color,Tags,Location Type,Location,"
    "Highlighted at,Document tags\r\n"
    '"A quote, with a comma",The Quiet Garden,Ada Author,B00X,"a note\nover lines",blue,'
    '"garden, calm",location,180,2023-01-15 10:00:00+00:00,fiction\r\n'
    ",No Quote,Someone,,,,,,,,\r\n"
    "Second quote,Other,,,,,,,,,\r\n"
)


def test_readwise_csv() -> None:
    result = readwise.parse(READWISE)
    first, second = result.highlights
    assert first.quote == "A quote, with a comma"
    assert first.note == "a note\nover lines"
    assert first.color is Color.BLUE
    assert first.tags == ("garden", "calm", "fiction")
    assert first.location == "location 180" and first.location_start == 180
    assert first.created == "2023-01-15T10:00:00Z"
    assert (first.title, first.author, first.identifier) == ("The Quiet Garden", "Ada Author",
                                                           "B00X")
    assert second.quote == "Second quote" and second.created == ""
    assert [str(r) for r in result.rejected] == ["row 3: empty highlight"]


def test_readwise_only_highlight_column() -> None:
    result = readwise.parse("\ufeffHighlight\nonly this\n")
    assert [h.quote for h in result.highlights] == ["only this"]


def test_readwise_needs_highlight_column() -> None:
    with pytest.raises(ImportFormatError):
        readwise.parse("Title,Author\nx,y\n")


# --- Hypothesis --------------------------------------------------------------------------------


def h_annotation(ident: str, exact: str | None, **extra: object) -> dict[str, object]:
    selectors: list[dict[str, object]] = [
        {"type": "RangeSelector", "startContainer": "/p[1]"},
        {"type": "TextPositionSelector", "start": 4, "end": 4 + len(exact or "")},
    ]
    if exact is not None:
        selectors.append(
            {"type": "TextQuoteSelector", "exact": exact, "prefix": "The ", "suffix": " was"}
        )
    item: dict[str, object] = {
        "id": ident,
        "created": "2024-02-01T10:00:00.123456+00:00",
        "updated": "2024-02-02T10:00:00.123456+00:00",
        "uri": "https://example.org/garden",
        "text": "note " + ident,
        "tags": ["Nature", "calm"],
        "target": [{"source": "https://example.org/garden", "selector": selectors}],
        "document": {"title": ["The Quiet Garden"]},
    }
    item.update(extra)
    return item


def test_hypothesis_export() -> None:
    document = {
        "export_date": "2024-03-01T00:00:00Z",
        "export_userid": "acct:someone@hypothes.is",
        "client_version": "1.0",
        "annotations": [
            h_annotation("abc", "garden"),
            h_annotation("page", None),
            h_annotation("reply", "garden", references=["abc"]),
            "junk",
        ],
    }
    assert hypothesis.looks_like(document)
    result = hypothesis.parse_document(json.loads(json.dumps(document)))
    [highlight] = result.highlights
    assert highlight.quote == "garden"
    assert (highlight.prefix, highlight.suffix) == ("The ", " was")
    assert highlight.position == (4, 10)
    assert highlight.note == "note abc"
    assert highlight.tags == ("Nature", "calm")
    assert highlight.url == "https://example.org/garden"
    assert highlight.title == "The Quiet Garden"
    assert highlight.created == "2024-02-01T10:00:00Z"
    assert highlight.updated == "2024-02-02T10:00:00Z"
    assert len(result.rejected) == 3
    assert "page note" in str(result.rejected[0])


def test_hypothesis_search_rows() -> None:
    document = {"total": 1, "rows": [h_annotation("xyz", "quiet")]}
    assert hypothesis.looks_like(document)
    [highlight] = hypothesis.parse_document(document).highlights
    assert highlight.key == "xyz"


def test_stable_ids() -> None:
    text = clip("Book (A)", HEADERS["en"], "Same quote.")
    first = kindle.parse(text).highlights[0].stable_id()
    again = kindle.parse(text.replace("Same quote.", "Same  quote.")).highlights[0].stable_id()
    other = kindle.parse(text.replace("Same quote.", "Other quote.")).highlights[0].stable_id()
    assert first == again != other
