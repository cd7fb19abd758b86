"""The canonical document model: blocks, sentences, word counts."""

from __future__ import annotations

from reader.document import BlockKind, DocumentBuilder, Span, split_sentences


def build() -> object:
    builder = DocumentBuilder()
    builder.add(BlockKind.TITLE, "A Title")
    builder.add(BlockKind.PARAGRAPH, "First sentence here. Second one follows! Third?")
    builder.add(BlockKind.PARAGRAPH, "The U.S. government said no. Mr. Smith agreed.",
                spans=[Span(4, 8, "em")])
    return builder.build()


def test_blocks_are_separated_by_a_blank_line_and_offsets_match() -> None:
    document = build()
    assert document.text.startswith("A Title\n\nFirst sentence")
    for index, block in enumerate(document.blocks):
        assert document.block_text(index) == document.text[block.start:block.end]
    span = document.spans[0]
    assert document.text[span.start:span.end] == "U.S."


def test_sentences_split_on_punctuation_but_not_abbreviations() -> None:
    document = build()
    first = [document.text[s:e] for s, e in document.sentences_in_block(1)]
    assert first == ["First sentence here.", "Second one follows!", "Third?"]
    second = [document.text[s:e] for s, e in document.sentences_in_block(2)]
    assert second == ["The U.S. government said no.", "Mr. Smith agreed."]


def test_sentence_navigation_crosses_blocks() -> None:
    document = build()
    title = document.sentence_at(0)
    assert title is not None and document.text[title[0]:title[1]] == "A Title"
    following = document.next_sentence(title[0])
    assert following is not None
    assert document.text[following[0]:following[1]] == "First sentence here."
    back = document.previous_sentence(following[0])
    assert back == title


def test_word_count_skips_title_and_chrome() -> None:
    builder = DocumentBuilder()
    builder.add(BlockKind.TITLE, "Title words here")
    builder.add(BlockKind.PARAGRAPH, "one two three")
    builder.add(BlockKind.CHROME, "Most Popular")
    assert builder.build().word_count() == 3


def test_split_sentences_handles_newlines() -> None:
    text = "line one\nline two. Next"
    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == [
        "line one", "line two.", "Next"]
