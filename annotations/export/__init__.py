"""Export annotations as Markdown (Obsidian/Logseq) or W3C Web Annotation JSON, and import JSON.

Plain data in, text or files out; no Textual and no dependency on :mod:`reader`.

* :mod:`~annotations.export.markdown` — the Markdown layout (built-in or a template file);
* :mod:`~annotations.export.files` — one file per article, re-exports that keep the user's text;
* :mod:`~annotations.export.w3c` — W3C Web Annotation JSON-LD, both ways;
* :mod:`~annotations.export.escape` — literal quotes and defused notes;
* :mod:`~annotations.export.filters` — tag, colour, date and path filters.
"""

from annotations.export.files import (
    ExportDirectory,
    ExportError,
    ExportResult,
    export_all_markdown,
    export_article_markdown,
    slugify,
)
from annotations.export.filters import AnnotationFilter, is_timestamp, parse_since, parse_timestamp
from annotations.export.markdown import (
    ARTICLE_FIELDS,
    DEFAULT_TEMPLATE,
    HIGHLIGHT_FIELDS,
    ArticleExport,
    ArticleInfo,
    compile_template,
    load_template,
    render_article,
    render_markdown,
)
from annotations.export.template import Template, TemplateError
from annotations.export.w3c import (
    FormatError,
    ImportProblem,
    ParsedImport,
    collection_to_w3c,
    dumps,
    parse_document,
    parse_text,
)

__all__ = [
    "ARTICLE_FIELDS",
    "DEFAULT_TEMPLATE",
    "HIGHLIGHT_FIELDS",
    "AnnotationFilter",
    "ArticleExport",
    "ArticleInfo",
    "ExportDirectory",
    "ExportError",
    "ExportResult",
    "FormatError",
    "ImportProblem",
    "ParsedImport",
    "Template",
    "TemplateError",
    "collection_to_w3c",
    "compile_template",
    "dumps",
    "export_all_markdown",
    "export_article_markdown",
    "load_template",
    "parse_document",
    "is_timestamp",
    "parse_since",
    "parse_timestamp",
    "parse_text",
    "render_article",
    "render_markdown",
    "slugify",
]
