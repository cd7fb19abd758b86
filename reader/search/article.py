"""Search inside one article (the reading view's ``/``).

An :class:`ArticleSearch` indexes the article in memory once (a few hundred ms for a 3 MB book,
so build it in a worker when the article is large) and then answers each keystroke's query in
a few milliseconds. :func:`search_article` keeps the last few in a cache keyed by article.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from reader.article import Article
from reader.search.hit import SearchHit
from reader.search.index import SearchIndex

#: Articles whose in-memory index :func:`search_article` keeps.
CACHED_ARTICLES = 4


class ArticleSearch:
    """Passage search over one loaded article."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self._index = SearchIndex.in_memory()
        self._index.add_article(article, size=-1, mtime_ns=-1)

    @property
    def passage_count(self) -> int:
        """Number of passages of the article."""
        return self._index.passage_count

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Return up to ``limit`` passages of the article matching ``query``, best first."""
        return self._index.search(query, limit)


_cache: OrderedDict[tuple[str, str], ArticleSearch] = OrderedDict()
_cache_lock = threading.Lock()


def article_search(article: Article) -> ArticleSearch:
    """Return the (cached) :class:`ArticleSearch` of ``article``, building it if needed."""
    key = (article.meta.path, article.meta.id)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    built = ArticleSearch(article)
    with _cache_lock:
        _cache[key] = built
        _cache.move_to_end(key)
        while len(_cache) > CACHED_ARTICLES:
            _cache.popitem(last=False)
    return built


def search_article(article: Article, query: str, limit: int = 50) -> list[SearchHit]:
    """Search one article; its index is built on first use and cached (see module doc)."""
    return article_search(article).search(query, limit)
