"""``postil add FILE... [--move]``: copy articles into the library folder.

Each article is stored as UTF-8 under a readable slug of its title (``the-quiet-harbour.md``;
collisions get ``-2``, ``-3``), written atomically and never over an existing file. Plain text and
Markdown are stored as they are (decoded, newlines normalised — the article id stays the same);
an HTML page is stored as its extracted article in Markdown, with front matter keeping title,
author, date and source URL; an EPUB book is checked (it must be readable) and copied unchanged.
``-`` reads an article from standard input (``--title`` names it).
An article whose content is already in the library (same fingerprint) is not copied again.

The library folder is the first ``--library`` folder (or ``POSTIL_LIBRARY`` entry), else
:func:`reader.paths.default_library_dir`. The UI can call :func:`add_article` directly.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from annotations.atomicfile import atomic_write_bytes, atomic_write_text
from reader import paths
from reader.cli import CommandError, Context
from reader.formats import parser_for
from reader.formats.frontmatter import split_front_matter
from reader.loading import (
    MAX_ARTICLE_BYTES,
    ArticleError,
    decode_bytes,
    fingerprint,
    is_book,
    load_article,
    read_text,
)
from reader.sanitize import clean_line, clean_text, normalize_newlines

HELP = "copy articles into your library (HTML pages are stored as Markdown)"

#: Longest slug used for a file name (characters, without suffix and counter).
MAX_SLUG_LENGTH = 80
STDIN = "-"
_FORMATS = ("auto", "txt", "md", "html")
_SUFFIX_FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}
_HTML_START = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)
_MARKDOWN_HINT = re.compile(
    r"\A---\n|^#{1,6} \S|^```|^\s{0,3}[-*] \S.*\n\s{0,3}[-*] \S|\]\([^)\s]+\)", re.M
)
# Words a cut-off slug should not end with ("...-deal-with-the").
_TRAILING_WORDS = frozenset({"a", "an", "the", "of", "and", "or", "with", "to", "in", "for", "on"})
_RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


@dataclass(slots=True)
class AddResult:
    """What happened to one article given to ``postil add``.

    Attributes:
        source: The file given (or ``"-"`` for standard input).
        title: The article's title.
        path: Where it was stored, or the library file it duplicates.
        duplicate: True when the content was already in the library (nothing was written).
        moved: True when the source file was removed after the copy (``--move``).
        notice: Something the user should know about how the article was read, or ``None``.
    """

    source: str
    title: str
    path: Path
    duplicate: bool = False
    moved: bool = False
    notice: str | None = None


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``add`` options."""
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="article files or folders (.txt, .md, .html); - reads standard input",
    )
    parser.add_argument(
        "--move", action="store_true", help="remove each source file once it is in the library"
    )
    parser.add_argument(
        "--title", help="the article's title (for standard input or a single file)"
    )
    parser.add_argument(
        "--format",
        choices=_FORMATS,
        default="auto",
        help="format of standard input (default: guessed from the text)",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    """Add every given article; report each one; exit 1 if any could not be added."""
    library = target_library(context)
    sources = _expand(args.files)
    if args.title is not None and len(sources) != 1:
        raise CommandError("--title names one article: give exactly one FILE (or -)")
    if sum(1 for source in sources if source == STDIN) > 1:
        raise CommandError("standard input (-) can be read only once")
    known = library_fingerprints([library, *context.library])
    failures = 0
    for source in sources:
        name = "standard input" if source == STDIN else str(source)
        try:
            if source == STDIN:
                data = sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)
                if len(data) > MAX_ARTICLE_BYTES:
                    raise ArticleError("too large (limit 64 MB)")
                result = add_text(
                    decode_bytes(data), library, known, source=STDIN, title=args.title,
                    fmt=args.format,
                )
            else:
                result = add_article(
                    Path(source), library, known, title=args.title, move=args.move
                )
        except ArticleError as error:
            print(f"postil: cannot add {name}: {error}", file=sys.stderr)
            failures += 1
            continue
        _report(result, name)
    return 1 if failures else 0


def _report(result: AddResult, name: str) -> None:
    if result.notice:
        print(f"postil: note: {name}: {result.notice}", file=sys.stderr)
    title = clean_line(result.title)
    if result.duplicate:
        print(f"already in the library: “{title}” — {result.path} (not copied)")
        return
    moved = " (source removed)" if result.moved else ""
    print(f"added “{title}” → {result.path}{moved}")


def target_library(context: Context) -> Path:
    """The folder ``add`` writes to: the first ``--library`` folder, else the user's library."""
    folder = context.library[0] if context.library else paths.default_library_dir()
    folder = folder.expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"the library {folder} is a file, not a folder")
    return folder


def _expand(files: Iterable[str]) -> list[str | Path]:
    """Replace folders by the article files inside them; keep ``-`` and plain files."""
    from reader.library import LibrarySource

    expanded: list[str | Path] = []
    for name in files:
        if name == STDIN:
            expanded.append(STDIN)
            continue
        if re.match(r"(?i)https?://", name) and not Path(name).exists():
            raise CommandError(
                f"{name}: postil adds saved files, not web addresses "
                "(save the page as HTML, then add the file)"
            )
        path = Path(name).expanduser()
        if path.is_dir():
            found = LibrarySource([path]).article_paths()
            if not found:
                raise CommandError(f"no articles (.txt, .md, .html) in folder {path}")
            expanded.extend(found)
        else:
            expanded.append(path)
    return expanded


def library_fingerprints(folders: Iterable[Path]) -> dict[str, Path]:
    """Content fingerprints (article ids) of the articles in ``folders`` → their paths.

    Ids come from the library's metadata cache when it is fresh, else from the decoded file.
    """
    from reader.library import LibrarySource, MetadataCache

    existing = [folder for folder in folders if folder.is_dir()]
    if not existing:
        return {}
    cache = MetadataCache()
    known: dict[str, Path] = {}
    for path in LibrarySource(existing).article_paths():
        try:
            stat = path.stat()
        except OSError:
            continue
        cached = cache.lookup(path, stat)
        if cached is not None:
            known.setdefault(cached.id, path)
            continue
        try:
            if is_book(path):
                known.setdefault(load_article(path).meta.id, path)
            else:
                known.setdefault(fingerprint(normalize_newlines(read_text(path))), path)
        except ArticleError:
            continue
    return known


def add_article(
    source: Path,
    library: Path,
    known: dict[str, Path] | None = None,
    *,
    title: str | None = None,
    move: bool = False,
) -> AddResult:
    """Copy the article file ``source`` into ``library`` (see the module docstring).

    Args:
        source: The article file.
        library: The library folder (created if missing).
        known: Fingerprints of the library's articles (updated with the new one); computed when
            omitted.
        title: A title to give the article (stored in its text or front matter).
        move: Remove ``source`` after a successful copy (not when it was a duplicate).

    Raises:
        ArticleError: when the file cannot be read, is empty, or cannot be written.
    """
    source = source.absolute()
    if is_book(source):
        result = _add_book(source, library, known, title)
    else:
        result = _add_text_file(source, library, known, title)
    if move and not result.duplicate:
        try:
            source.unlink()
        except OSError as error:
            reason = error.strerror or str(error)
            raise ArticleError(
                f"stored as {result.path}, but the source was not removed: {reason}"
            ) from None
        result.moved = True
    return result


def _add_book(
    source: Path, library: Path, known: dict[str, Path] | None, title: str | None
) -> AddResult:
    """Copy an EPUB as it is (after checking that it can be read)."""
    if title:
        raise ArticleError("--title cannot rename a book (EPUB files are copied unchanged)")
    article = load_article(source)
    if known is None:
        known = library_fingerprints([library])
    if article.id in known:
        return AddResult(str(source), article.meta.title, known[article.id], True)
    try:
        data = source.read_bytes()
    except OSError as error:
        raise ArticleError(error.strerror or str(error)) from None
    path = write_new_file(library, slugify(article.meta.title), ".epub", data)
    known[article.id] = path
    return AddResult(str(source), article.meta.title, path, notice=article.notice)


def _add_text_file(
    source: Path, library: Path, known: dict[str, Path] | None, title: str | None
) -> AddResult:
    text = read_text(source)
    fmt = _SUFFIX_FORMATS.get(source.suffix.lower()) or guess_format(text)
    if known is None:
        known = library_fingerprints([library])
    source_id = fingerprint(normalize_newlines(text))
    if source_id in known:
        return AddResult(str(source), _title_of(text, fmt, source.stem), known[source_id], True)
    return add_text(text, library, known, source=str(source), title=title, fmt=fmt)


def add_text(
    text: str,
    library: Path,
    known: dict[str, Path] | None = None,
    *,
    source: str = STDIN,
    title: str | None = None,
    fmt: str = "auto",
) -> AddResult:
    """Store the decoded article ``text`` in ``library`` (``fmt``: auto, txt, md or html)."""
    text = normalize_newlines(text)
    if fmt not in _SUFFIX_FORMATS.values():
        fmt = guess_format(text)
    title = clean_line(title) if title else None
    notice = None
    if fmt == "html":
        from reader.formats.html import extract_page

        page = extract_page(clean_text(text))
        if title:
            page.front.title = title
        content, suffix, notice = page.to_markdown_file(), ".md", page.notice
    elif fmt == "md":
        content, suffix = (_retitle_markdown(text, title) if title else text), ".md"
    else:
        content, suffix = (_retitle_text(text, title) if title else text), ".txt"
    if not content.strip():
        raise ArticleError("empty (no text to add)")
    stem = "article" if source == STDIN else Path(source).stem
    article_title = _title_of(content, "md" if suffix == ".md" else "txt", stem)
    if known is None:
        known = library_fingerprints([library])
    article_id = fingerprint(content)
    if article_id in known:
        return AddResult(source, article_title, known[article_id], True, notice=notice)
    path = write_new_file(library, slugify(article_title), suffix, content)
    known[article_id] = path
    return AddResult(source, article_title, path, notice=notice)


def guess_format(text: str) -> str:
    """Guess whether ``text`` is an HTML page, Markdown or plain text."""
    head = text[:20_000]
    if _HTML_START.match(head):
        return "html"
    if _MARKDOWN_HINT.search(head):
        return "md"
    return "txt"


def _title_of(content: str, fmt: str, fallback: str) -> str:
    parse = parser_for(Path(f"article.{fmt}"))
    try:
        parsed = parse(clean_text(content))
    except RecursionError:
        return fallback
    if parsed.title:
        return clean_line(parsed.title)
    document = parsed.document
    for index, block in enumerate(document.blocks):
        if block.kind.value == "title":
            return clean_line(document.block_text(index))
    for index in range(len(document.blocks)):
        line = clean_line(document.block_text(index).split("\n", 1)[0])
        if line:
            return line[:120]
    if not document.text.strip():
        raise ArticleError("empty (no text to add)")
    return fallback


def _retitle_text(text: str, title: str) -> str:
    stripped = text.lstrip()
    first = stripped.split("\n", 1)[0].strip()
    if first == title:
        return text
    return f"{title}\n\n{stripped}"


def _retitle_markdown(text: str, title: str) -> str:
    front, body = split_front_matter(text)
    if front is None:
        return f"---\n{_yaml({'title': title})}---\n\n{text.lstrip()}"
    if front.error:
        raise ArticleError(f"cannot set the title: {front.error}")
    data = {"title": title, **{k: v for k, v in front.raw.items() if k.lower() != "title"}}
    return f"---\n{_yaml(data)}---\n{body}"


def _yaml(data: dict[str, object]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def slugify(title: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """A safe, readable file-name stem for ``title`` ("The Quiet Harbour!" → "the-quiet-harbour").

    Accents are folded to ASCII; titles in scripts without an ASCII form keep their letters.
    Never empty, never hidden, never a reserved device name, never longer than ``max_length``.
    """
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower())
    if not words:
        words = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", title).lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            if not slug:
                slug = word[:max_length]
            break
        slug = candidate
    parts = slug.split("-")
    while len(parts) > 1 and parts[-1] in _TRAILING_WORDS:
        parts.pop()
    slug = "-".join(parts)
    if not slug:
        return "article"
    if slug in _RESERVED_NAMES:
        slug = f"{slug}-article"
    return slug


def write_new_file(folder: Path, stem: str, suffix: str, content: str | bytes) -> Path:
    """Write ``content`` atomically as a new file ``stem[-N]suffix`` in ``folder``; return it.

    Each attempt is linked into place only if the name is still free, so an existing file is
    never overwritten and a crash never leaves half an article.
    """
    for counter in range(1, 10_000):
        target = folder / (f"{stem}{suffix}" if counter == 1 else f"{stem}-{counter}{suffix}")
        if target.exists():
            continue
        try:
            if isinstance(content, bytes):
                atomic_write_bytes(target, content, create=True)
            else:
                atomic_write_text(target, content, create=True)
        except FileExistsError:
            continue  # someone took the name meanwhile
        except OSError as error:
            raise ArticleError(f"cannot write to {folder}: {error.strerror or error}") from None
        return target
    raise ArticleError(f"too many articles named {stem}{suffix} in {folder}")


__all__ = [
    "AddResult",
    "add_article",
    "add_text",
    "guess_format",
    "library_fingerprints",
    "slugify",
    "target_library",
    "write_new_file",
]
