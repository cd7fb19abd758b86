"""Export highlights to Anki: an ``.apkg`` package (genanki) or a tab-separated text import.

One note per highlight. A highlight whose note marks a cloze (``{{c1::phrase}}``) becomes a
*cloze* note: the phrase is clozed inside the quote (or, if the quote does not contain it, the
note's own cloze follows the quote); every other highlight is a basic note (quote on the front,
note and source on the back). The source (title, author, link) is its own field; tags become
Anki tags. Each note's GUID comes from the annotation id, so re-importing an export updates the
notes instead of duplicating them.

Every field is HTML (that is what Anki stores): user text is escaped, never markup.

Files follow the export target rules (:mod:`annotations.export.guard`): a new file, a file this
module wrote before (recognised by its content), or — with ``force`` — any other regular file.
"""

from __future__ import annotations

import html
import io
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import genanki

from annotations.atomicfile import atomic_write_bytes
from annotations.export.files import ExportError
from annotations.export.guard import RefusedTarget, WriteGuard, WriteMode
from annotations.export.markdown import ArticleExport, ArticleInfo
from annotations.model import Annotation

#: Fixed ids: the same note types and deck on every export (Anki matches them by id).
BASIC_MODEL_ID = 1_734_211_701
CLOZE_MODEL_ID = 1_734_211_702
DECK_ID = 1_734_211_703
DECK_NAME = "postil"
#: The first lines of an ``anki-csv`` export (Anki's text-import file headers); also how
#: postil recognises a file it wrote.
CSV_HEADER = ("#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n"
              "#tags column:7\n#guid column:8\n")
#: Largest existing package read to recognise it as postil's.
MAX_PACKAGE_BYTES = 512 * 1024 * 1024
_CLOZE = re.compile(r"\{\{c(\d{1,3})::(.+?)(?:::(.*?))?\}\}", re.DOTALL)

_CSS = """.card { font-family: Georgia, serif; font-size: 20px; text-align: left;
  max-width: 40em; margin: 0 auto; line-height: 1.5; }
.quote { font-style: italic; } .source { color: #777; font-size: 15px; margin-top: 1em; }
.note { margin-top: 1em; }"""

BASIC_MODEL = genanki.Model(
    BASIC_MODEL_ID,
    "postil highlight",
    fields=[{"name": "Quote"}, {"name": "Note"}, {"name": "Source"}, {"name": "Id"}],
    templates=[{
        "name": "Highlight",
        "qfmt": '<div class="quote">{{Quote}}</div>',
        "afmt": '{{FrontSide}}<hr id="answer">{{#Note}}<div class="note">{{Note}}</div>{{/Note}}'
                '<div class="source">{{Source}}</div>',
    }],
    css=_CSS,
)
CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    "postil cloze",
    fields=[{"name": "Text"}, {"name": "Extra"}, {"name": "Source"}, {"name": "Id"}],
    templates=[{
        "name": "Cloze",
        "qfmt": '<div class="quote">{{cloze:Text}}</div>',
        "afmt": '<div class="quote">{{cloze:Text}}</div>{{#Extra}}<div class="note">{{Extra}}'
                '</div>{{/Extra}}<div class="source">{{Source}}</div>',
    }],
    css=_CSS,
    model_type=genanki.Model.CLOZE,
)


@dataclass(frozen=True, slots=True)
class AnkiNote:
    """One highlight as an Anki note (fields are HTML)."""

    guid: str
    cloze: bool
    fields: tuple[str, str, str, str]
    tags: tuple[str, ...]

    @property
    def notetype(self) -> str:
        """The note type's name."""
        return CLOZE_MODEL.name if self.cloze else BASIC_MODEL.name


def _html(text: str) -> str:
    """Plain text as HTML: escaped, line breaks kept."""
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def note_guid(annotation_id: str) -> str:
    """The note's GUID: derived from the annotation id only, so it never changes."""
    return str(genanki.guid_for("postil", annotation_id))


def anki_tag(tag: str) -> str:
    """A postil tag as an Anki tag (no spaces; Anki separates tags by spaces)."""
    return "_".join(tag.split()) or "_"


def source_html(article: ArticleInfo) -> str:
    """Title, author and (http/https) link of the article, as HTML."""
    parts = [f"<b>{_html(article.title)}</b>"]
    if article.author:
        parts.append(_html(article.author))
    url = article.url
    if url.startswith(("http://", "https://")):
        parts.append(f'<a href="{html.escape(url, quote=True)}">{_html(url)}</a>')
    return " · ".join(parts)


def _clozed_quote(quote: str, note: str) -> tuple[str, str] | None:
    """(Text, Extra) of a cloze note when ``note`` marks a cloze; None otherwise."""
    marks = list(_CLOZE.finditer(note))
    if not marks:
        return None
    text = _html(quote)
    placed = False
    for mark in marks:
        number, phrase, hint = mark.group(1), mark.group(2), mark.group(3)
        escaped = _html(phrase)
        if escaped and escaped in text:
            suffix = f"::{_html(hint)}" if hint else ""
            text = text.replace(escaped, f"{{{{c{number}::{escaped}{suffix}}}}}", 1)
            placed = True
    plain_note = _CLOZE.sub(lambda m: m.group(2), note)
    if placed:
        return text, _html(plain_note)
    # The cloze is about the note itself: it follows the quote.
    note_html = _CLOZE.sub(
        lambda m: "{{c%s::%s%s}}" % (m.group(1), _html(m.group(2)),  # noqa: UP031
                                     f"::{_html(m.group(3))}" if m.group(3) else ""),
        _html_outside_clozes(note),
    )
    return f"{text}<br><br>{note_html}", ""


def _html_outside_clozes(note: str) -> str:
    """Escape the note except inside cloze markers (whose parts are escaped separately)."""
    pieces, last = [], 0
    for mark in _CLOZE.finditer(note):
        pieces.append(_html(note[last:mark.start()]))
        pieces.append(mark.group(0))
        last = mark.end()
    pieces.append(_html(note[last:]))
    return "".join(pieces)


def anki_notes(exports: Iterable[ArticleExport]) -> list[AnkiNote]:
    """One note per highlight, in the exports' order (articles by title, reading order)."""
    notes = []
    for export in exports:
        source = source_html(export.article)
        for annotation in (*export.located, *export.orphans):
            notes.append(_note(annotation, source))
    return notes


def _note(annotation: Annotation, source: str) -> AnkiNote:
    tags = tuple(anki_tag(tag) for tag in annotation.tags)
    clozed = _clozed_quote(annotation.quote.exact, annotation.note)
    if clozed is not None:
        text, extra = clozed
        return AnkiNote(note_guid(annotation.id), True, (text, extra, source, annotation.id),
                        tags)
    return AnkiNote(note_guid(annotation.id), False,
                    (_html(annotation.quote.exact), _html(annotation.note), source,
                     annotation.id), tags)


def apkg_bytes(notes: Iterable[AnkiNote], *, timestamp: float) -> bytes:
    """The ``.apkg`` package (a zip of an Anki collection) holding ``notes``."""
    deck = genanki.Deck(DECK_ID, DECK_NAME, description="Highlights exported from postil")
    for note in notes:
        deck.add_note(genanki.Note(model=CLOZE_MODEL if note.cloze else BASIC_MODEL,
                                   fields=list(note.fields), tags=list(note.tags),
                                   guid=note.guid))
    package = genanki.Package(deck)
    with tempfile.TemporaryDirectory(prefix="postil-anki-") as folder:
        database = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(database)
        try:
            cursor = connection.cursor()
            package.write_to_db(cursor, timestamp, iter(range(int(timestamp * 1000), 2**62)))
            connection.commit()
        finally:
            connection.close()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(database, "collection.anki2")
            archive.writestr("media", "{}")
    return buffer.getvalue()


def _csv_field(value: str) -> str:
    """A field of Anki's tab-separated import: quoted when it holds a tab, quote or newline."""
    if any(ch in value for ch in '\t"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def anki_csv(notes: Iterable[AnkiNote]) -> str:
    """Anki's text import (tab-separated, HTML fields): note type, deck, the four fields,
    tags, GUID. A basic note's fields are Quote, Note, Source, Id; a cloze note's Text,
    Extra, Source, Id. (The GUID is not first: one starting with ``#`` would read as a
    comment line.)"""
    lines = [CSV_HEADER.rstrip("\n")]
    for note in notes:
        row = [note.notetype, DECK_NAME, *note.fields, " ".join(note.tags), note.guid]
        lines.append("\t".join(_csv_field(value) for value in row))
    return "\n".join(lines) + "\n"


def is_postil_package(path: Path) -> bool:
    """Whether ``path`` is an ``.apkg`` this module wrote (its collection holds postil's note
    types). Reads at most :data:`MAX_PACKAGE_BYTES`; anything unreadable is not."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_PACKAGE_BYTES:
            return False
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("collection.anki2")
            if info.file_size > MAX_PACKAGE_BYTES:
                return False
            with tempfile.TemporaryDirectory(prefix="postil-anki-") as folder:
                database = Path(folder) / "collection.anki2"
                with archive.open(info) as source, open(database, "wb") as target:
                    while chunk := source.read(1 << 20):
                        target.write(chunk)
                connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
                try:
                    row = connection.execute("SELECT models FROM col").fetchone()
                finally:
                    connection.close()
    except (OSError, KeyError, zipfile.BadZipFile, sqlite3.Error, ValueError):
        return False
    return bool(row) and isinstance(row[0], str) and str(BASIC_MODEL_ID) in row[0] \
        and "postil highlight" in row[0]


def is_postil_csv(path: Path) -> bool:
    """Whether ``path`` is an ``anki-csv`` export postil wrote (its header lines)."""
    try:
        if not path.is_file():
            return False
        with open(path, "rb") as stream:
            head = stream.read(len(CSV_HEADER.encode()))
    except OSError:
        return False
    return head == CSV_HEADER.encode()


def write_anki_file(path: Path, data: bytes, *, fmt: str, guard: WriteGuard | None = None,
                    force: bool = False) -> None:
    """Write an Anki export to ``path`` (``fmt``: ``anki`` or ``anki-csv``) by the export
    target rules: never onto postil's own files or the library, and a file postil did not
    write only with ``force``.

    Raises:
        ExportError: with one line, when the target is refused or cannot be written.
    """
    try:
        (guard or WriteGuard()).check_file(path)
        mode = WriteMode.NEW
        if path.exists() or path.is_symlink():
            ours = is_postil_package(path) if fmt == "anki" else is_postil_csv(path)
            if not ours and not force:
                raise RefusedTarget(f"{path} already exists and is a file postil did not "
                                    "write; postil will not overwrite it (use --force to "
                                    "replace it)")
            mode = WriteMode.REPLACE
        atomic_write_bytes(path, data, create=mode is WriteMode.NEW)
    except RefusedTarget as error:
        raise ExportError(str(error)) from None
    except FileExistsError:
        raise ExportError(f"{path}: another program created this file a moment ago; "
                          "postil left it alone") from None
    except OSError as error:
        raise ExportError(f"{path}: cannot write: {error.strerror or error}") from None
