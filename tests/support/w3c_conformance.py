"""The W3C's own conformance assertions for Web Annotation JSON, as JSON Schemas.

``tests/data/w3c_schemas`` holds the MUST assertions of w3c/web-annotation-tests (commit
adedd9a5f06d9daa75bbfbb97aa9215cd09b4bb5, W3C test-suite licence: see its LICENSE.md): the
schemas listed by ``annotations/annotationMusts.test``, ``collections/collectionMusts.test`` and
``collections/pages/pageMusts.test``, with the ``definitions/`` they refer to. They are draft-04
schemas whose ``$ref`` s name other files by their ``id`` ("id.json#/definitions/...").

:func:`w3c_problems` checks a document postil exported — an ``AnnotationCollection`` with an
embedded first ``AnnotationPage`` — against the collection and page MUSTs, and each of its
annotations (with the collection's ``@context``, as a standalone annotation would carry it)
against the annotation MUSTs. The ``uri`` and ``date-time`` formats are checked too.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "w3c_schemas"
MUST_LISTS = {
    "annotation": "annotations/annotationMusts.test",
    "collection": "collections/collectionMusts.test",
    "page": "collections/pages/pageMusts.test",
}
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")

formats = FormatChecker()


@formats.checks("uri")
def _is_uri(value: object) -> bool:
    """An absolute URI: a scheme, then no spaces or characters URIs cannot hold."""
    return not isinstance(value, str) or bool(_URI.match(value))


@formats.checks("date-time")
def _is_date_time(value: object) -> bool:
    """An RFC 3339 date-time with a time zone."""
    if not isinstance(value, str):
        return True
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value and moment.tzinfo is not None


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.rglob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["id"], Resource(schema, specification=DRAFT4)))
    return Registry().with_resources(resources).crawl()


@cache
def validators(kind: str) -> list[tuple[str, Draft4Validator]]:
    """The MUST assertions of ``kind`` ("annotation", "collection", "page") as validators."""
    listing = json.loads((SCHEMAS / MUST_LISTS[kind]).read_text(encoding="utf-8"))
    found = []
    for name in listing["assertions"]:
        schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        assert schema.get("expectedResult", "valid") == "valid"
        validator = Draft4Validator(schema, registry=_registry(), format_checker=formats)
        found.append((schema.get("errorMessage", name), validator))
    return found


def problems_of(document: Any, kind: str) -> list[str]:
    """The messages of the ``kind`` MUST assertions ``document`` fails."""
    return list(_problems(json.dumps(document, sort_keys=True), kind))


@cache
def _problems(text: str, kind: str) -> tuple[str, ...]:
    """:func:`problems_of` by the document's JSON (tests export the same samples often)."""
    document = json.loads(text)
    return tuple(m for m, validator in validators(kind) if not validator.is_valid(document))


def w3c_problems(document: dict[str, Any], max_items: int = 50) -> list[str]:
    """Every MUST a postil JSON export fails (annotations: the first ``max_items``)."""
    found = [f"collection: {m}" for m in problems_of(document, "collection")]
    found += [f"page: {m}" for m in problems_of(document, "page")]
    page = document.get("first")
    if not isinstance(page, dict):
        found.append("page: the collection has no embedded first page")
        return found
    found += [f"page: {m}" for m in problems_of({"@context": document["@context"], **page},
                                                 "page")]
    for index, item in enumerate(page.get("items", [])[:max_items]):
        standalone = {"@context": document["@context"], **item}
        found += [f"annotation {index}: {m}" for m in problems_of(standalone, "annotation")]
    return found


def assert_w3c_conformant(document: dict[str, Any]) -> None:
    """Fail with the W3C's messages when ``document`` breaks a MUST of the data model."""
    found = w3c_problems(document)
    assert not found, "\n".join(found)
