"""Read article files: decode bytes, clean and parse them, and describe them for the library.

:func:`load_article` gives the full :class:`~reader.article.Article` (document and metadata) or
raises :class:`ArticleError` with a reason a person can read. :func:`read_metadata` never raises:
a file that cannot be read comes back as :class:`~reader.article.ArticleMeta` with ``error`` set,
so the library can list it as unreadable.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import unicodedata
from pathlib import Path

from reader.article import Article, ArticleMeta, reading_minutes
from reader.document import BlockKind, Document
from reader.file_memo import FileMemo
from reader.formats import parser_for
from reader.formats.bulk_text import BULK_NOTICE, bulk_blocks, split_bulk_tail, with_bulk_text
from reader.formats.entities import decode_entities
from reader.formats.parsed import ParsedArticle
from reader.safe_read import MAX_ARTICLE_BYTES, RefusedFile, read_file_start, read_regular_file
from reader.sanitize import clean_line, clean_text, normalize_newlines


class ArticleError(Exception):
    """An article file could not be read; ``str(error)`` says why, in one line."""


def fingerprint(text: str) -> str:
    """Return a short content fingerprint of decoded article text (the article id)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def decode_bytes(data: bytes) -> str:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16/32 with BOM, else detect.

    Raises:
        ArticleError: for binary data or an encoding that cannot be determined.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _decode_or_fail(data, "utf-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_or_fail(data, "utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if "\x00" in text:
            raise ArticleError("binary file (contains NUL bytes)")
        return text
    if b"\x00" in data[:65536]:
        raise ArticleError("binary file (contains NUL bytes)")
    western = _decode_western(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1024 * 1024]).best()
    if best is None or best.encoding is None:
        raise ArticleError("not a text file (unknown encoding)")
    decoded = _decode_or_fail(data, best.encoding)
    if "\x00" in decoded:
        raise ArticleError("binary file (contains NUL bytes)")
    return decoded


#: Punctuation and symbols of cp1252 / Latin-1 that Western text uses.
_WESTERN_SYMBOLS = frozenset("€‚ƒ„…†‡ˆ‰‹‘’“”•–—˜™›\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿×÷")


def _decode_western(data: bytes) -> str | None:
    """Decode cp1252 / Latin-1 text in a Western language, or return None if it is not that.

    Statistical detection misreads short Western texts ("Café" as Cyrillic or Shift-JIS), so
    they are recognised first: every non-ASCII character must be a Latin letter or common
    punctuation, and such characters must be rare (cp1251 or GBK text decoded this way is
    mostly accented capitals).
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None  # bytes cp1252 leaves undefined: some other encoding
    sample = text[: 1024 * 1024]
    foreign = [ch for ch in sample if ch > "\x7f"]
    letters = sum(1 for ch in sample if ch.isalpha())
    if not foreign or len(foreign) > 0.4 * max(letters, 1):
        return None
    for ch in set(foreign):
        if ch not in _WESTERN_SYMBOLS and not unicodedata.name(ch, "").startswith("LATIN "):
            return None
    return text


def _decode_or_fail(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ArticleError(f"cannot decode as {encoding}: {error.reason}") from None
    except LookupError:
        raise ArticleError(f"unknown encoding {encoding}") from None


def read_text(path: Path) -> str:
    """Read and decode an article file, with clear errors for everything that can go wrong.

    Only a regular file is read (a FIFO or a device is refused without blocking), at most
    :data:`~reader.safe_read.MAX_ARTICLE_BYTES`.
    """
    try:
        data = read_regular_file(path, MAX_ARTICLE_BYTES)
    except RefusedFile as error:
        raise ArticleError(str(error)) from None
    except FileNotFoundError:
        raise ArticleError("file not found (moved, deleted or a broken link)") from None
    except PermissionError:
        raise ArticleError("permission denied") from None
    except OSError as error:
        raise ArticleError(error.strerror or str(error)) from None
    return decode_bytes(data)


#: The articles parsed last: the library listing, the reading screen and the search index each
#: load the article being opened, and a 5 MB file takes a second or more to parse.
_PARSED: FileMemo[Article] = FileMemo(entries=2)


def load_article(path: Path | str) -> Article:
    """Load and parse the article at ``path`` (kept for the next caller while it is unchanged).

    Raises:
        ArticleError: when the file cannot be read or decoded.
    """
    article = _PARSED.get(Path(path).absolute(), _load_article)
    # Callers share the parsed document (never changed once made), not the metadata.
    return dataclasses.replace(article, meta=dataclasses.replace(article.meta))


def _load_article(path: Path) -> Article:
    if is_book(path):
        return load_book(path)
    return parse_article(path, normalize_newlines(read_text(path)))


#: Format names by file suffix (``ArticleMeta.format``).
FORMATS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".epub": "epub",
}  # fmt: skip


def is_book(path: Path) -> bool:
    """True when ``path`` is read as a book (EPUB) rather than as a text article."""
    return path.suffix.lower() == ".epub"


def load_book(path: Path, *, limit: int | None = None, summary: bool = False) -> Article:
    """Load the EPUB at ``path`` (only its first chapters, about ``limit`` characters, if set;
    with ``summary``, only its metadata and word count: what the library lists).

    Raises:
        ArticleError: not a readable EPUB, or DRM-protected (the reason says which).
    """
    from reader.formats.epub import BookError, parse_book

    try:
        parsed = parse_book(path, limit=limit, summary=summary)
    except BookError as error:
        raise ArticleError(str(error)) from None
    except RecursionError:
        raise ArticleError("too deeply nested to parse") from None
    except MemoryError:
        raise ArticleError("too large to read") from None
    except Exception as error:  # a parser bug must not take the reader down
        raise ArticleError(f"could not be parsed ({type(error).__name__})") from None
    return _article(path, parsed, parsed.fingerprint or fingerprint(parsed.document.text), 0)


def parse_article(path: Path, raw: str) -> Article:
    """Parse decoded, newline-normalised ``raw`` text of the file at ``path``.

    A text or Markdown file of very many paragraphs or lines is read in its format only for
    its first part; the rest is shown as text (:func:`split_bulk_tail`).
    """
    text = clean_text(raw)
    tail = ""
    if FORMATS.get(path.suffix.lower(), "text") in {"text", "markdown"}:
        text, tail = split_bulk_tail(text)
    parsed = parser_for(path)(text)
    if tail:
        parsed.document = with_bulk_text(parsed.document, bulk_blocks(tail))
        parsed.notice = parsed.notice or BULK_NOTICE
    return _article(path, parsed, fingerprint(raw), len(raw))


def _article(path: Path, parsed: ParsedArticle, ident: str, length: int) -> Article:
    """The :class:`Article` for a parsed file: metadata from the format, else the document."""
    document = parsed.document
    try:
        stat = path.stat()
        modified, size = stat.st_mtime, stat.st_size
    except OSError:
        modified, size = 0.0, length
    words = parsed.words if parsed.words is not None else document.word_count()
    book = parsed.book
    meta = ArticleMeta(
        id=ident,
        path=str(path),
        title=metadata_text(
            parsed.title or _first_of(document, BlockKind.TITLE) or readable_file_name(path)
        ),
        author=metadata_text(parsed.author or _first_of(document, BlockKind.BYLINE) or ""),
        dek=metadata_text(parsed.dek or _first_of(document, BlockKind.DEK) or ""),
        words=words,
        reading_minutes=reading_minutes(words),
        modified=modified,
        size=size,
        date=clean_line(parsed.date or ""),
        url=clean_line(parsed.url or ""),
        tags=[clean_line(tag) for tag in parsed.tags if clean_line(tag)],
        format=FORMATS.get(path.suffix.lower(), "text"),
    )
    if book is not None:
        meta.language = clean_line(book.language)
        meta.publisher = clean_line(book.publisher)
        meta.identifier = clean_line(book.identifier)
        meta.series = clean_line(book.series)
        meta.series_index = clean_line(book.series_index)
        meta.creators = [creator.to_json() for creator in book.creators]
    return Article(meta, document, parsed.notice, book)


#: Plain-text and Markdown files larger than this are shown from a parsed preview of their
#: start first.
PREVIEW_THRESHOLD = 256 * 1024
PREVIEW_BYTES = 16 * 1024
#: EPUB files larger than this are shown from their first chapters first.
BOOK_PREVIEW_THRESHOLD = 128 * 1024
#: About this many characters of a book's first chapters make its preview.
BOOK_PREVIEW_CHARS = 12 * 1024
#: Suffixes of the text formats whose start can be parsed on its own (a web page cannot: its
#: main text is found by looking at the whole page).
_PREVIEW_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})


def preview_article(path: Path) -> Article | None:
    """A quickly parsed first part of a large UTF-8 text or Markdown article, or None.

    Only the first :data:`PREVIEW_BYTES` are read, cut at a paragraph break (else a line
    break, else a space: one huge paragraph or line still gets a preview), never inside
    Markdown front matter. Plain text is parsed paragraph by
    paragraph, and Markdown's first blocks read the same on their own, so the preview's
    canonical text is (nearly always) a prefix of the full article's;
    :func:`carried_offset` places the reader in the full text when it is not. The preview's
    id is not the article's.

    A large EPUB's preview is its first chapters (about :data:`BOOK_PREVIEW_CHARS`), also a
    prefix of the whole book's text.
    """
    if is_book(path):
        try:
            if path.stat().st_size < BOOK_PREVIEW_THRESHOLD:
                return None
            return load_book(path, limit=BOOK_PREVIEW_CHARS)
        except (OSError, ArticleError):
            return None
    if path.suffix.lower() not in _PREVIEW_SUFFIXES:
        return None
    try:
        if path.stat().st_size < PREVIEW_THRESHOLD:
            return None
        head = read_file_start(path, PREVIEW_BYTES)
    except OSError:
        return None
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            return None  # not UTF-8: let the full read detect the encoding
        text = head[: error.start].decode("utf-8-sig")
    text = normalize_newlines(text)
    cut = _preview_cut(text, markdown=FORMATS.get(path.suffix.lower()) == "markdown")
    if cut <= 0:
        return None
    try:
        return parse_article(path, text[:cut])
    except Exception:  # the full parse reports what is wrong with the file
        return None


def _preview_cut(text: str, *, markdown: bool) -> int:
    """Where the preview of a file starting with ``text`` ends (0: no preview).

    The last paragraph break in the second half of ``text``, else its last line break, else
    its last space (an open code block or list cut at a line break still reads the same).
    """
    start = 0
    if markdown and text.startswith("---"):  # front matter: cut only after it is closed
        closing = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[3:], re.MULTILINE)
        if closing is None:
            return 0
        start = 3 + closing.end()
    for separator in ("\n\n", "\n", " "):
        cut = text.rfind(separator, max(start, len(text) // 2))
        if cut > start:
            return cut
    cut = text.rfind("\n\n", start)
    return cut if cut > start else 0


def carried_offset(preview: str, full: str, offset: int) -> int:
    """Where ``offset`` in a preview's text is in the full article's text.

    Usually the same offset (the preview is a prefix); otherwise the nearest place where the
    full text has the words the preview shows there (up to a line break), else the offset as
    it is.
    """
    offset = max(0, min(offset, len(preview)))
    if full.startswith(preview[: offset + 64]):
        return offset
    around = preview[offset : offset + 32].split("\n", 1)[0]
    if len(around) >= 4:
        window = max(2048, 2 * offset)
        before = full.rfind(around, max(0, offset - window), offset + len(around))
        after = full.find(around, offset, offset + window + len(around))
        found = [place for place in (before, after) if place >= 0]
        if found:
            return min(found, key=lambda place: abs(place - offset))
    return min(offset, len(full))


def read_metadata(path: Path | str) -> ArticleMeta:
    """Describe the article at ``path``; never raises (``error`` says what went wrong)."""
    path = Path(path).absolute()
    try:
        if is_book(path):
            return load_book(path, summary=True).meta  # no text needed: much faster
        return load_article(path).meta
    except ArticleError as error:
        return unreadable(path, str(error))
    except RecursionError:
        return unreadable(path, "too deeply nested to parse")
    except Exception as error:  # a parser bug must not take the library down
        return unreadable(path, f"could not be parsed ({type(error).__name__})")


def unreadable(path: Path, reason: str) -> ArticleMeta:
    """Return metadata for a file that could not be read."""
    try:
        stat = os.stat(path)
        modified, size = stat.st_mtime, stat.st_size
    except OSError:
        modified, size = 0.0, 0
    return ArticleMeta(
        id=fingerprint(str(path)),
        path=str(path),
        title=clean_line(path.name) or "(unnamed)",
        modified=modified,
        size=size,
        error=reason,
        format=FORMATS.get(path.suffix.lower(), ""),
    )


def _first_of(document: Document, kind: BlockKind) -> str | None:
    for index, block in enumerate(document.blocks):
        if block.kind is kind:
            return document.block_text(index)
    return None


def metadata_text(text: str) -> str:
    """A title, author or dek as shown: entities decoded, one clean line."""
    return clean_line(decode_entities(text))


def readable_file_name(path: Path) -> str:
    """A title made from a file name: ``war_and_peace.txt`` -> ``War And Peace``."""
    words = re.split(r"[\s_\-.]+", path.stem)
    name = " ".join(word[:1].upper() + word[1:] for word in words if word)
    return name or path.name
