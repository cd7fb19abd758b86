"""Adding articles to the library: files, standard input and web pages (no UI, no CLI here).

Each article is stored as UTF-8 under a readable slug of its title (``the-quiet-harbour.md``;
collisions get ``-2``, ``-3``), written atomically and never over an existing file. Plain text and
Markdown are stored as they are (decoded, newlines normalised — the article id stays the same);
an HTML page is stored as its extracted article in Markdown, with front matter keeping title,
author, date and source URL; an EPUB book is checked (it must be readable, not DRM-protected)
and copied unchanged. An article whose content is already in the library (same fingerprint) is
not copied again.

Web pages (:func:`add_url`) are fetched with :mod:`reader.web.fetch` and stored as described in
:mod:`reader.web.page`; a URL already in the library, or the same text under another URL, is a
duplicate. ``postil add`` (:mod:`reader.commands.add`) and the app's add dialog both call here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from annotations.atomicfile import atomic_write_bytes, atomic_write_text
from reader import paths
from reader.formats import parser_for
from reader.formats.frontmatter import split_front_matter
from reader.loading import (
    ArticleError,
    fingerprint,
    is_book,
    load_article,
    read_text,
)
from reader.sanitize import clean_line, clean_text, normalize_newlines

if TYPE_CHECKING:
    from reader.library import LibrarySource
    from reader.refresh import Update
    from reader.web.fetch import Fetcher, ProgressCallback
    from reader.web.page import WebArticle

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
        url: The page's address, for an article from the web ("" otherwise).
        same_text: For a duplicate: True when the same text is stored under another address
            or file, False when the very same address is already in the library.
        incomplete: True when much less text was extracted than the page holds (``--move``
            then keeps the source).
    """

    source: str
    title: str
    path: Path
    duplicate: bool = False
    moved: bool = False
    notice: str | None = None
    url: str = ""
    same_text: bool = True
    incomplete: bool = False


def add_target(library: LibrarySource) -> Path:
    """Where added articles go — the one rule, for ``postil add`` and the app's add dialog.

    The library's first folder (created when an article is added, if it does not exist yet);
    the user's own library (:func:`reader.paths.default_library_dir`) when the library is the
    bundled sample or only files (``postil FILE``).
    """
    if not library.is_sample:
        for root in library.roots:
            if root.is_dir() or not root.exists():
                return root.expanduser().absolute()
    return paths.default_library_dir()


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
    if move and result.incomplete:
        result.notice = f"{result.notice}; the source was kept (not moved)"
    elif move and not result.duplicate:
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
    """Copy an EPUB as it is, after checking that it can be read (not DRM-protected)."""
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
    incomplete = False
    if fmt == "html":
        from reader.formats.html import check_extraction, extract_page

        page = extract_page(clean_text(text))
        check = check_extraction(text, page)
        if check.empty:
            # Never store an empty article (nor, with --move, delete the page it came from).
            raise ArticleError(f"{check.describe()}; nothing was added, the file is kept")
        if title:
            page.front.title = title
        content, suffix, notice = page.to_markdown_file(), ".md", page.notice
        if check.incomplete:
            incomplete = True
            notice = check.describe() + (f"; {notice}" if notice else "")
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
        return AddResult(source, article_title, known[article_id], True, notice=notice,
                         incomplete=incomplete)
    path = write_new_file(library, slugify(article_title), suffix, content)
    known[article_id] = path
    return AddResult(source, article_title, path, notice=notice, incomplete=incomplete)


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


# --------------------------------------------------------------------- web pages
@dataclass(slots=True)
class LibraryIndex:
    """What the library holds, to recognise duplicates of files and web pages.

    Attributes:
        fingerprints: Article ids (fingerprints of whole files) → their paths.
        sources: Normalised source URLs of articles → their paths.
        with_url: Articles that name a URL (web articles and saved pages): only their bodies
            are compared with a newly fetched page's.
    """

    fingerprints: dict[str, Path] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    with_url: list[Path] = field(default_factory=list)
    _bodies: dict[str, Path] | None = None

    def source_path(self, url: str) -> Path | None:
        """The library article fetched from ``url``, if any."""
        return self.sources.get(normalize_url(url))

    def body_path(self, body_id: str) -> Path | None:
        """The library article whose body has this fingerprint (read lazily, once)."""
        if self._bodies is None:
            from reader.web.page import body_fingerprint

            self._bodies = {}
            for path in self.with_url:
                try:
                    _front, body = split_front_matter(normalize_newlines(read_text(path)))
                except ArticleError:
                    continue
                self._bodies.setdefault(body_fingerprint(body), path)
        return self._bodies.get(body_id)

    def remember(self, path: Path, article_id: str, source: str = "", body_id: str = "") -> None:
        """Record an article just stored."""
        self.fingerprints[article_id] = path
        if source:
            self.sources[normalize_url(source)] = path
            self.with_url.append(path)
            if self._bodies is not None and body_id:
                self._bodies.setdefault(body_id, path)


def normalize_url(url: str) -> str:
    """The form URLs are compared in: no credentials or fragment, lower-case scheme and host,
    no default port."""
    from urllib.parse import urlsplit, urlunsplit

    url = clean_line(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    if (scheme, port) in {("http", 80), ("https", 443)}:
        host = host.rsplit(":", 1)[0]
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def library_index(folders: Iterable[Path]) -> LibraryIndex:
    """Index the articles in ``folders`` (ids and URLs from the metadata cache when fresh)."""
    from reader.library import LibrarySource, MetadataCache

    existing = [folder for folder in folders if folder.is_dir()]
    index = LibraryIndex()
    if not existing:
        return index
    cache = MetadataCache()
    for path in LibrarySource(existing).article_paths():
        try:
            stat = path.stat()
        except OSError:
            continue
        cached = cache.lookup(path, stat)
        if cached is not None:
            article_id, url = cached.id, cached.url
        elif is_book(path):
            try:
                article_id, url = load_article(path).meta.id, ""
            except ArticleError:
                continue
        else:
            try:
                raw = normalize_newlines(read_text(path))
            except ArticleError:
                continue
            article_id, url = fingerprint(raw), ""
            front, _body = split_front_matter(raw)
            if front is not None and not front.error:
                url = front.url
        index.fingerprints.setdefault(article_id, path)
        if url.lower().startswith(("http://", "https://")):
            index.sources.setdefault(normalize_url(url), path)
            index.with_url.append(path)
    return index


def add_url(
    url: str,
    library: Path,
    index: LibraryIndex | None = None,
    *,
    fetcher: Fetcher | None = None,
    progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> AddResult:
    """Fetch the page at ``url`` and store it in ``library`` (see :mod:`reader.web.page`).

    A URL already in the library is reported as a duplicate without fetching it.

    Raises:
        ArticleError: (a :class:`~reader.web.fetch.FetchError` for network problems) when the
            page cannot be fetched, is not an article, or cannot be written. Nothing is written
            then.
    """
    from reader.web.fetch import Fetcher, check_url, display_url

    url = check_url(url)
    if index is None:
        index = library_index([library])
    known = index.source_path(url)
    if known is not None:
        return duplicate_url(url, known)
    own = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        article = fetch_article(url, fetcher, progress=progress, cancelled=cancelled)
    finally:
        if own:
            fetcher.close()
    return store_web_article(article, library, index, given=display_url(url))


def duplicate_url(url: str, path: Path) -> AddResult:
    """The result for a URL that is already in the library at ``path``."""
    from reader.web.fetch import display_url

    title = path.stem
    try:
        title = _title_of(read_text(path), "md" if path.suffix == ".md" else "txt", path.stem)
    except (ArticleError, RecursionError):
        pass
    return AddResult(display_url(url), title, path, duplicate=True, url=display_url(url),
                     same_text=False)


def fetch_article(
    url: str,
    fetcher: Fetcher,
    *,
    progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> WebArticle:
    """Fetch ``url`` and turn the page into the article to store (safe in a worker thread)."""
    from reader.web.page import web_article

    page = fetcher.fetch(url, progress=progress, cancelled=cancelled)
    return web_article(page)


def store_web_article(
    article: WebArticle, library: Path, index: LibraryIndex, *, given: str = ""
) -> AddResult:
    """Store a fetched article unless its address or its text is already in the library.

    Raises:
        ArticleError: when the page has no text, or the file cannot be written.
    """
    given = given or article.source
    known = index.source_path(article.source)
    if known is not None:  # a redirect led to an address already in the library
        return duplicate_url(article.source, known)
    if not article.body.strip():
        raise ArticleError(f"{article.source}: empty (no text to add)")
    content = article.file_text()
    fmt = "md" if article.suffix == ".md" else "txt"
    title = article.title or _title_of(content, fmt, _url_stem(article.source))
    same = index.body_path(article.body_id)
    if same is not None:
        return AddResult(given, title, same, duplicate=True, notice=article.notice,
                         url=article.source, same_text=True)
    path = write_new_file(library, slugify(title), article.suffix, content)
    index.remember(path, fingerprint(content), article.source, article.body_id)
    return AddResult(given, title, path, notice=article.notice, url=article.source)


def add_source(
    given: str,
    library: Path,
    *,
    fetcher: Fetcher | None = None,
    progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> AddResult:
    """Add what a person typed: a web address (fetched) or a file path (copied)."""
    from reader.web.fetch import looks_like_url

    given = given.strip()
    if looks_like_url(given) and not Path(given).expanduser().exists():
        return add_url(given, library, fetcher=fetcher, progress=progress, cancelled=cancelled)
    return add_article(Path(given).expanduser(), library)


def _url_stem(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    segment = [piece for piece in parts.path.split("/") if piece]
    stem = segment[-1].rsplit(".", 1)[0] if segment else ""
    return clean_line(stem or parts.hostname or "article")


__all__ = [
    "AddResult",
    "LibraryIndex",
    "STDIN",
    "add_article",
    "add_source",
    "add_text",
    "add_url",
    "fetch_article",
    "guess_format",
    "library_fingerprints",
    "library_index",
    "normalize_url",
    "slugify",
    "store_web_article",
    "write_new_file",
]


@dataclass(slots=True)
class PagePlan:
    """What adding one web address does: fetch and store it, fetch it again to refresh the
    library's copy (``refresh``), or nothing, because it is in the library (``duplicate``)."""

    url: str
    refresh: Path | None = None
    duplicate: AddResult | None = None


def plan_pages(urls: Iterable[str], index: LibraryIndex, *, refresh: bool) -> list[PagePlan]:
    """A plan per URL: one the library holds already is a duplicate, or (``refresh``) is
    fetched again to update that file; any other is fetched and added."""
    plans = []
    for url in urls:
        known = index.source_path(url)
        if known is not None and not refresh:
            plans.append(PagePlan(url, duplicate=duplicate_url(url, known)))
        else:
            plans.append(PagePlan(url, refresh=known))
    return plans


def fetch_planned(
    plan: PagePlan, fetcher: Fetcher, *, force: bool = False,
    cancelled: Callable[[], bool] | None = None,
) -> WebArticle | Update | None:
    """Do the network part of ``plan``: the page to add, the update of the library's copy
    (``force``: even when its text was edited here), or None for a duplicate.

    Raises:
        FetchError: the address is refused or the page cannot be fetched.
        ArticleError: the page holds no article.
    """
    from reader.refresh import fetch_update
    from reader.web.fetch import check_url

    if plan.duplicate is not None:
        return None
    check_url(plan.url)
    if plan.refresh is not None:
        return fetch_update(plan.refresh, fetcher, force=force, cancelled=cancelled)
    return fetch_article(plan.url, fetcher, cancelled=cancelled)
