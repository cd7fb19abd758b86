"""Bring imported highlights home: match each to its article in the library and anchor it.

Matching, per book (title, author, URL, identifier) and then per quote:

1. **Identity**: the source URL (normalised) equals an article's URL, or the identifier (an
   ISBN/ASIN, a KOReader document's file name) is the article's file name or stem.
2. **Title and author**: the best article title by rapidfuzz (``token_sort_ratio`` of the
   folded titles ≥ :data:`TITLE_THRESHOLD`), its author agreeing when both are known.
3. **Quote search**: for a book still unknown, its long quotes (≥ :data:`SEARCH_MIN_CHARS`)
   are searched in the library's search index; an article holding them takes the book.

Each quote is then anchored in the article's text with the existing quote anchoring
(:func:`annotations.anchoring.find_quote`), on both texts normalised for matching (curly and
straight quotes, dashes, ligatures, soft hyphens and spacing are made alike, offsets mapped
back). A quote not found becomes an orphan of that article; a highlight whose book is not in
the library is *quote-only*: it keeps its title and author and attaches itself when the book
is added (:func:`attach_quote_only`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath

from rapidfuzz import fuzz, process, utils

from annotations.anchoring import find_quote
from annotations.changelog import Change
from annotations.importers.record import ImportedHighlight, ParseResult
from annotations.model import (
    CONTEXT_CHARS,
    AnchorStatus,
    Annotation,
    ImportSource,
    TextPositionSelector,
    TextQuoteSelector,
    normalize_tags,
    now_iso,
    quote_selector,
)
from reader.adding import normalize_url
from reader.article import ArticleMeta
from reader.search.indexed_text import IndexedText

#: Least rapidfuzz score (0-100) for a title to name the same book.
TITLE_THRESHOLD = 88
#: Least author score when both sides name an author.
AUTHOR_THRESHOLD = 60
#: Quotes at least this long are searched in the library index when the book is unknown.
SEARCH_MIN_CHARS = 40
#: Quotes of an unknown book tried in the index.
SEARCH_TRIES = 3
_NAMESPACE = uuid.UUID("0c7f5a52-3b1e-4f0a-9d55-6a0d8e2b4c19")
_NAMESPACE_BYTES = _NAMESPACE.bytes

_SAME_PAIRS: dict[str, str] = (
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    }
)


def _alike(text: str) -> str:
    """``text`` with curly quotes, dashes and special spaces made plain (same length).

    One ``str.replace`` per character present: far faster than ``str.translate`` with a
    mapping on long texts.
    """
    for special, plain in _SAME_PAIRS.items():
        if special in text:
            text = text.replace(special, plain)
    return text
#: What changes length when made alike: dropped invisibles, ligatures, ellipses, dash runs.
_SPECIAL = re.compile("[\u00ad\u200b\u200c\u200d\ufeff]|[\ufb00-\ufb06]|\u2026|-{2,}")


_SPECIAL_CHARS = ("\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff", "\u2026", "--", *map(
    chr, range(0xFB00, 0xFB07)
))


def _has_special(text: str) -> bool:
    """True when ``text`` holds something :data:`_SPECIAL` changes (``in`` is far faster
    than a regex search over a long text)."""
    return any(special in text for special in _SPECIAL_CHARS)


def _special(match: re.Match[str]) -> str:
    found = match[0]
    if found[0] == "-":
        return "-"
    if found == "\u2026":
        return "..."
    if "\ufb00" <= found <= "\ufb06":
        return unicodedata.normalize("NFKC", found)
    return ""


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Text made alike for matching, with the original offset of each character.

    ``origin`` is None when every character kept its offset (the common case).
    """

    text: str
    origin: list[int] | None
    length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` of a normalised span."""
        if self.origin is None:
            return (start, end)
        if not self.origin:
            return (0, 0)
        first = self.origin[min(start, len(self.origin) - 1)]
        last = self.origin[min(max(end - 1, start), len(self.origin) - 1)] + 1
        return (first, min(last, self.length))


def normalize_for_matching(text: str) -> NormalizedText:
    """Make curly and straight quotes, dashes (and ``--``), ligatures, ellipses, soft hyphens
    and no-break spaces alike; whitespace runs are matched by the anchoring itself."""
    same = _alike(text)
    if not _has_special(same):
        return NormalizedText(same, None, len(text))
    out: list[str] = []
    origin: list[int] = []
    position = 0
    for match in _SPECIAL.finditer(same):
        out.append(same[position : match.start()])
        origin.extend(range(position, match.start()))
        replacement = _special(match)
        out.append(replacement)
        origin.extend([match.start()] * len(replacement))
        if replacement and match.end() - match.start() > 1:
            origin[-1] = match.end() - 1
        position = match.end()
    out.append(same[position:])
    origin.extend(range(position, len(same)))
    return NormalizedText("".join(out), origin, len(text))


def normalize_quote(text: str) -> str:
    """A quote made alike as :func:`normalize_for_matching` does (its offsets not needed)."""
    same = _alike(text)
    return _SPECIAL.sub(_special, same) if _has_special(same) else same


def fold_title(text: str) -> str:
    """A title or author as compared: NFKC, quotes/dashes alike, case and punctuation folded."""
    return utils.default_process(unicodedata.normalize("NFKC", _alike(text)))


def _sorted_words(text: str) -> str:
    """The words of ``text`` sorted (what rapidfuzz's ``token_sort_ratio`` compares)."""
    return " ".join(sorted(text.split()))


@dataclass(frozen=True, slots=True)
class _Placement:
    """Where a quote was found in an article."""

    start: int
    end: int
    status: AnchorStatus
    score: float
    quote: TextQuoteSelector


@dataclass(slots=True)
class MatchReport:
    """What matching did with an import's highlights."""

    annotations: list[Annotation] = field(default_factory=list)
    matched: int = 0
    """Highlights placed in a library article (exactly or approximately)."""
    orphaned: int = 0
    """In a library article whose text does not hold the quote (listed as orphans)."""
    quote_only: int = 0
    """Books not in the library: kept as quote-only sources."""
    books: dict[str, str] = field(default_factory=dict)
    """Source book key → the library path it matched."""


class LibraryMatcher:
    """Matches imported highlights to a library's articles (metadata, texts, search)."""

    def __init__(
        self,
        articles: Sequence[ArticleMeta],
        load_text: Callable[[str], str | None],
        search: Callable[[str], list[str]] | None = None,
        indexed_text: Callable[[ArticleMeta], IndexedText | None] | None = None,
    ) -> None:
        """Args:
        articles: The library's articles (unreadable ones are ignored).
        load_text: The canonical text of an article path (None if unreadable).
        search: Paths of articles whose text holds a quote (the library index), or None.
        indexed_text: An article's prose as the search index holds it when the index is
            current for it (quotes found there exactly need no loading of the article).
        """
        self._articles = [a for a in articles if a.error is None]
        self._load_text = load_text
        self._search = search
        self._by_url = {normalize_url(a.url): a for a in self._articles if a.url}
        self._by_name: dict[str, ArticleMeta] = {}
        for article in self._articles:
            name = PurePath(article.path)
            self._by_name.setdefault(name.name.casefold(), article)
            self._by_name.setdefault(name.stem.casefold(), article)
        self._titles = [fold_title(a.title) for a in self._articles]
        # token_sort_ratio is ratio of the sorted words: sort the library's side once.
        self._sorted_titles = [_sorted_words(title) for title in self._titles]
        self._exact_titles: dict[str, list[int]] = {}
        for index, folded in enumerate(self._titles):
            self._exact_titles.setdefault(folded, []).append(index)
        self._books: dict[tuple[str, str, str, str], ArticleMeta | None] = {}
        self._by_path = {a.path: a for a in self._articles}
        self._texts: dict[str, NormalizedText | None] = {}
        self._raw: dict[str, str] = {}
        self._indexed_text = indexed_text
        self._index_texts: dict[str, tuple[IndexedText, NormalizedText] | None] = {}

    def find_book(self, title: str, author: str, url: str, identifier: str) -> ArticleMeta | None:
        """The library article of a book or page by identity, then title and author."""
        key = (title, author, url, identifier)
        if key not in self._books:
            self._books[key] = self._find_book(title, author, url, identifier)
        return self._books[key]

    def _author_agrees(self, author: str, article: ArticleMeta) -> bool:
        if not author or not article.author:
            return True
        score = fuzz.token_set_ratio(fold_title(author), fold_title(article.author))
        return score >= AUTHOR_THRESHOLD

    def _find_book(
        self, title: str, author: str, url: str, identifier: str
    ) -> ArticleMeta | None:
        if url:
            found = self._by_url.get(normalize_url(url))
            if found is not None:
                return found
        if identifier:
            name = PurePath(identifier.replace("\\", "/")).name.casefold()
            found = self._by_name.get(name) or self._by_name.get(PurePath(name).stem)
            if found is not None:
                return found
        if not title or not self._titles:
            return None
        wanted = fold_title(title)
        if not wanted:
            return None
        for index in self._exact_titles.get(wanted, ()):
            if self._author_agrees(author, self._articles[index]):
                return self._articles[index]
        candidates = process.extract(
            _sorted_words(wanted), self._sorted_titles, scorer=fuzz.ratio,
            score_cutoff=TITLE_THRESHOLD, limit=5,
        )
        for _choice, _score, index in candidates:
            if self._author_agrees(author, self._articles[index]):
                return self._articles[index]
        return None

    def search_book(self, quotes: Iterable[str]) -> ArticleMeta | None:
        """The article holding the long quotes of an otherwise unknown book, if any."""
        if self._search is None:
            return None
        tried = 0
        for quote in quotes:
            if len(quote) < SEARCH_MIN_CHARS:
                continue
            tried += 1
            for path in self._search(quote):
                article = self._by_path.get(path)
                if article is not None and self._place(article, quote, None) is not None:
                    return article
            if tried >= SEARCH_TRIES:
                break
        return None

    def _normalized(self, path: str) -> NormalizedText | None:
        if path not in self._texts:
            text = self._load_text(path)
            self._texts[path] = normalize_for_matching(text) if text is not None else None
            if text is not None:
                self._raw[path] = text
        return self._texts[path]

    def _indexed(self, article: ArticleMeta) -> tuple[IndexedText, NormalizedText] | None:
        if self._indexed_text is None:
            return None
        if article.path not in self._index_texts:
            found = self._indexed_text(article)
            self._index_texts[article.path] = (
                (found, normalize_for_matching(found.text)) if found is not None else None
            )
        return self._index_texts[article.path]

    def _place(self, article: ArticleMeta, quote: str, near: int | None) -> _Placement | None:
        """Where ``quote`` is in the article, with its quote selector, status and score.

        An exact find in the article's indexed prose (no position hint, wholly inside one
        passage) is taken as it is; anything else is decided on the article's full text.
        """
        if near is None and quote.strip():
            placed = self._place_indexed(article, quote)
            if placed is not None:
                return placed
        path = article.path
        normal = self._normalized(path)
        if normal is None:
            return None
        raw = self._raw[path]
        direct = raw.find(quote) if quote else -1
        if direct >= 0:
            end = direct + len(quote)
            return _Placement(
                direct, end, AnchorStatus.ANCHORED, 100.0, quote_selector(raw, direct, end)
            )
        wanted = normalize_quote(quote).strip()
        found = find_quote(normal.text, wanted, near)
        if found is None:
            return None
        start, end = normal.span(found[0], found[1])
        selector = quote_selector(raw, start, end)
        if found[2] is AnchorStatus.ANCHORED:
            return _Placement(start, end, AnchorStatus.ANCHORED, 100.0, selector)
        score = fuzz.ratio(wanted, normal.text[found[0] : found[1]])
        return _Placement(start, end, AnchorStatus.FUZZY, round(score, 1), selector)

    def _place_indexed(self, article: ArticleMeta, quote: str) -> _Placement | None:
        indexed = self._indexed(article)
        if indexed is None:
            return None
        known, normal = indexed
        direct = known.text.find(quote)
        if direct >= 0:
            start, end = direct, direct + len(quote)
        else:
            found = find_quote(normal.text, normalize_quote(quote), fuzzy=False)
            if found is None:
                return None
            start, end = normal.span(found[0], found[1])
        context = known.plain(start, end, CONTEXT_CHARS)
        if context is None:
            return None
        selector = TextQuoteSelector(known.text[start:end], context[0], context[1])
        return _Placement(start, end, AnchorStatus.ANCHORED, 100.0, selector)

    def match(self, highlights: Sequence[ImportedHighlight]) -> MatchReport:
        """Turn imported highlights into annotations, matched and anchored where possible."""
        report = MatchReport()
        groups: dict[tuple[str, str, str, str], list[ImportedHighlight]] = {}
        for highlight in highlights:
            key = (highlight.title, highlight.author, highlight.url, highlight.identifier)
            groups.setdefault(key, []).append(highlight)
        for key, members in groups.items():
            article = self.find_book(*key)
            if article is None:
                article = self.search_book(h.quote for h in members)
            for highlight in members:
                annotation = self._annotation(highlight, article)
                if annotation.quote_only:
                    report.quote_only += 1
                elif annotation.status is AnchorStatus.ORPHANED:
                    report.orphaned += 1
                else:
                    report.matched += 1
                report.annotations.append(annotation)
        return report

    def _annotation(
        self, highlight: ImportedHighlight, article: ArticleMeta | None
    ) -> Annotation:
        if article is None:
            return imported_annotation(highlight)
        start, end = highlight.position or (0, 0)
        placed = None
        if highlight.page_note and article.title.strip():
            # A note on the whole page: on the article's title (where the text shows it).
            placed = self.placement(article, article.title.strip(), None)
        if placed is None:
            placed = self.placement(article, highlight.quote, start if end else None)
        if placed is None:
            placed = {"path": article.path, "article_id": article.id}
        return imported_annotation(highlight, placed)

    def placement(
        self, article: ArticleMeta, quote: str, near: int | None
    ) -> dict[str, object] | None:
        """The fields that place ``quote`` in ``article`` (path, article id, quote selector,
        position, status, score), or None when its text lacks the quote."""
        placed = self._place(article, quote, near)
        if placed is None:
            return None
        status = placed.status
        if status is AnchorStatus.ANCHORED and near is not None and placed.start != near:
            status = AnchorStatus.MOVED
        return {
            "path": article.path,
            "article_id": article.id,
            "quote": placed.quote,
            "position": TextPositionSelector(placed.start, placed.end),
            "status": status,
            "score": placed.score,
        }

    def attach(self, annotation: Annotation, article: ArticleMeta) -> Annotation | None:
        """``annotation`` placed in ``article`` (quote found), or None if its text lacks it."""
        near = annotation.position.start if annotation.position.end else None
        placed = self.placement(article, annotation.quote.exact, near)
        if placed is None:
            return None
        return replace(annotation, **placed)  # type: ignore[arg-type]


def stable_uuid(name: str) -> str:
    """``str(uuid.uuid5(namespace, name))`` for postil's import namespace, computed directly
    (the same value, without building a ``UUID`` object: imports make tens of thousands)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    hexed = digest.hex()
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


def imported_annotation(
    highlight: ImportedHighlight, placed: dict[str, object] | None = None
) -> Annotation:
    """The annotation for ``highlight`` (its id stable across imports): quote-only, or with
    the fields of :meth:`LibraryMatcher.placement` (``placed``) when matched."""
    stamp = highlight.created or now_iso()
    start, end = highlight.position or (0, 0)
    fields: dict[str, object] = {
        "article_id": "",
        "path": "",
        "quote": TextQuoteSelector(highlight.quote, highlight.prefix, highlight.suffix),
        "position": TextPositionSelector(start, end),
        "status": AnchorStatus.ORPHANED,
    }
    if placed:
        fields.update(placed)
    return Annotation(
        id=stable_uuid(highlight.stable_id()),
        color=highlight.color,
        note=highlight.note,
        tags=normalize_tags(highlight.tags),
        created=stamp,
        updated=highlight.updated or stamp,
        source=ImportSource(
            format=highlight.format,
            title=highlight.title,
            author=highlight.author,
            url=highlight.url,
            identifier=highlight.identifier,
            location=" · ".join(p for p in (highlight.chapter, highlight.location) if p),
        ),
        **fields,  # type: ignore[arg-type]
    )


@dataclass(slots=True)
class Attached:
    """Quote-only highlights that found their article."""

    annotations: list[Annotation] = field(default_factory=list)
    titles: dict[str, int] = field(default_factory=dict)
    """Source title → how many of its highlights attached."""


def attach_quote_only(
    quote_only: Iterable[Annotation], matcher: LibraryMatcher
) -> Attached:
    """Attach quote-only highlights whose book is now in the library (after ``add``/scan).

    A highlight attaches when its book matches an article (identity or title/author) and its
    quote is found in that article's text; the others stay quote-only.
    """
    result = Attached()
    for annotation in quote_only:
        source = annotation.source
        if source is None or annotation.path:
            continue
        article = matcher.find_book(source.title, source.author, source.url, source.identifier)
        if article is None:
            continue
        placed = matcher.attach(annotation, article)
        if placed is None:
            continue
        result.annotations.append(placed)
        name = source.title or source.url or "untitled"
        result.titles[name] = result.titles.get(name, 0) + 1
    return result


@dataclass(slots=True)
class ImportPlan:
    """What an import writes (one batch) and what it leaves alone."""

    new: list[Annotation] = field(default_factory=list)
    updated: list[Annotation] = field(default_factory=list)
    """Already imported, changed at the source (note, tags, colour) or now attached."""
    duplicates: int = 0
    """Already imported and unchanged (or edited here since: the local edit is kept)."""
    replaced: list[str] = field(default_factory=list)
    """Ids of earlier Kindle versions of a highlight that a newer version replaces."""

    @property
    def writes(self) -> list[Annotation]:
        """Every annotation to write."""
        return [*self.new, *self.updated]


_LOCATION_RANGE = re.compile(r"location (\d+)(?:-(\d+))?")


def _kindle_range(annotation: Annotation) -> tuple[str, str, int, int] | None:
    source = annotation.source
    if source is None or source.format != "kindle":
        return None
    match = _LOCATION_RANGE.search(source.location)
    if not match:
        return None
    start = int(match[1])
    return (source.title, source.author, start, int(match[2] or start))


def _contains_either(a: str, b: str) -> bool:
    a, b = " ".join(a.split()), " ".join(b.split())
    return a in b or b in a


def plan_import(incoming: Sequence[Annotation], existing: Sequence[Annotation]) -> ImportPlan:
    """Merge imported annotations with the database's (``existing``): idempotent by id.

    An id already stored is a duplicate unless the source changed its note, tags or colour
    after the stored copy was last changed (then those fields are updated), or the stored one
    is quote-only and this import found its quote in a library article (then it is attached).
    A local edit made after the source's is kept. A Kindle highlight that extends or trims a
    stored one from the same book at an overlapping location replaces it (the stored note and
    tags carry over when the new version has none).
    """
    plan = ImportPlan()
    by_id = {a.id: a for a in existing}
    ranges: dict[tuple[str, str], list[tuple[int, int, Annotation]]] = {}
    for annotation in existing:
        found = _kindle_range(annotation)
        if found is not None:
            ranges.setdefault(found[:2], []).append((found[2], found[3], annotation))
    for annotation in incoming:
        current = by_id.get(annotation.id)
        if current is None:
            annotation = _replace_revision(annotation, ranges, plan)
            plan.new.append(annotation)
            continue
        changes: dict[str, object] = {}
        placed = annotation.status is not AnchorStatus.ORPHANED
        if current.quote_only and not annotation.quote_only and placed:
            changes.update(
                path=annotation.path, article_id=annotation.article_id, quote=annotation.quote,
                position=annotation.position, status=annotation.status, score=annotation.score,
            )
        if _stamp(annotation.updated) > _stamp(current.updated):
            for name in ("note", "tags", "color"):
                if getattr(annotation, name) != getattr(current, name):
                    changes[name] = getattr(annotation, name)
        if changes:
            plan.updated.append(replace(current, **changes))  # type: ignore[arg-type]
        else:
            plan.duplicates += 1
    return plan


def replaced_count(result: ParseResult, plan: ImportPlan) -> int:
    """How many highlights a newer version replaced: in the file (an earlier version the
    file still holds) or in the database (one stored by an earlier import), each once."""
    superseded = {stable_uuid(h.stable_id()) for h in result.superseded}
    return len(superseded | set(plan.replaced))


def import_changes(plan: ImportPlan, existing: Sequence[Annotation]) -> list[Change]:
    """The one batch that saves ``plan``: new highlights whole, updated ones only the fields
    that changed (an edit made meanwhile in the reader is kept), replaced Kindle versions
    deleted."""
    base = {a.id: a for a in existing}
    changes: list[Change] = []
    for annotation in plan.writes:
        before = base.get(annotation.id)
        change = Change.put(annotation) if before is None else Change.between(before, annotation)
        if change is not None:
            changes.append(change)
    changes.extend(Change.delete(ident) for ident in plan.replaced)
    return changes


def _replace_revision(
    annotation: Annotation,
    ranges: dict[tuple[str, str], list[tuple[int, int, Annotation]]],
    plan: ImportPlan,
) -> Annotation:
    found = _kindle_range(annotation)
    if found is None:
        return annotation
    for start, end, old in ranges.get(found[:2], []):
        if old.id in plan.replaced or not (start <= found[3] and found[2] <= end):
            continue
        if not _contains_either(old.quote.exact, annotation.quote.exact):
            continue
        plan.replaced.append(old.id)
        if not annotation.note and old.note:
            annotation = replace(annotation, note=old.note)
        if old.tags and not annotation.tags:
            annotation = replace(annotation, tags=old.tags)
        return annotation
    return annotation


def _stamp(value: str) -> str:
    return value.replace("+00:00", "Z")
