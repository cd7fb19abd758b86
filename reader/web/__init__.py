"""Articles from the web: fetching pages carefully, storing them, refreshing them.

:mod:`reader.web.fetch` is the HTTP client (urllib3), :mod:`reader.web.page` turns a fetched
response into the article file postil stores, :mod:`reader.web.batch` fetches many URLs at once
(bounded, polite per host). Nothing here imports Textual.
"""
