"""Changing one stored annotation by id: what ``postil edit`` does, as a domain function.

The id may be given as ``notes --json`` prints it, in any case, with or without ``urn:uuid:``,
or as a unique prefix of at least :data:`MIN_PREFIX` characters. The edit is a field-level
change like every other writer's: only the fields asked for are written, merged onto the
current record under the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotations.changelog import Change
from annotations.model import Annotation, Color, normalize_tags
from annotations.storage import AnnotationStore

#: The shortest id prefix accepted.
MIN_PREFIX = 8


class EditError(Exception):
    """The edit cannot be made; ``str()`` is one line for the user."""


@dataclass(frozen=True, slots=True)
class EditRequest:
    """What to change (None / empty: leave as it is).

    Attributes:
        note: The new note ("" clears it).
        color: The new colour.
        add_tags: Tags to add.
        remove_tags: Tags to remove.
        delete: Delete the annotation (nothing else may be asked then).
    """

    note: str | None = None
    color: Color | None = None
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    delete: bool = False

    @property
    def empty(self) -> bool:
        """Whether nothing at all is asked for."""
        return (self.note is None and self.color is None and not self.add_tags
                and not self.remove_tags and not self.delete)


@dataclass(frozen=True, slots=True)
class EditResult:
    """What an edit did.

    Attributes:
        before: The annotation as it was.
        after: The annotation as stored now (None when it was deleted).
        changed: The fields that were changed (empty when it already was as asked).
    """

    before: Annotation
    after: Annotation | None
    changed: tuple[str, ...]


def normalize_id(given: str) -> str:
    """An id as compared: trimmed, lower case, without a ``urn:uuid:`` prefix."""
    text = given.strip().lower()
    return text.removeprefix("urn:uuid:")


def resolve_id(store: AnnotationStore, given: str) -> str:
    """The stored id that ``given`` names (exactly, or as a unique prefix).

    Raises:
        EditError: too short, no match, or several matches.
    """
    wanted = normalize_id(given)
    if not wanted:
        raise EditError("give the annotation's id (as `postil notes --json` prints it)")
    if store.get(wanted) is not None:
        return wanted
    matches = [ident for ident in store.ids_starting_with(wanted)
               if normalize_id(ident).startswith(wanted)]
    exact = [ident for ident in matches if normalize_id(ident) == wanted]
    if exact:
        return exact[0]
    if len(wanted) < MIN_PREFIX:
        raise EditError(f"the id {wanted!r} is too short: give at least {MIN_PREFIX} characters")
    if not matches:
        raise EditError(f"no annotation has an id starting with {wanted!r}")
    if len(matches) > 1:
        shown = ", ".join(ident[:13] for ident in matches[:5])
        raise EditError(f"{len(matches)} annotations have ids starting with {wanted!r} "
                        f"({shown}{', …' if len(matches) > 5 else ''}): give more characters")
    return matches[0]


def edit_annotation(store: AnnotationStore, given_id: str, request: EditRequest) -> EditResult:
    """Apply ``request`` to the annotation ``given_id`` names; durable when it returns.

    Raises:
        EditError: the id names no single annotation, or the request is contradictory.
        StoreError: the database cannot be written.
    """
    if request.empty:
        raise EditError("nothing to change: give --note, --color, --tag, --untag or --delete")
    if request.delete and (request.note is not None or request.color is not None
                           or request.add_tags or request.remove_tags):
        raise EditError("--delete cannot be combined with other changes")
    ident = resolve_id(store, given_id)
    before = store.get(ident)
    if before is None:  # deleted by another postil a moment ago
        raise EditError(f"no annotation has the id {ident!r}")
    if request.delete:
        store.apply_changes([Change.delete(ident)])
        return EditResult(before, None, ("deleted",))
    fields: dict[str, object] = {}
    if request.note is not None:
        fields["note"] = request.note
    if request.color is not None:
        fields["color"] = Color(request.color)
    if request.add_tags or request.remove_tags:
        removed = set(normalize_tags(request.remove_tags))
        fields["tags"] = [tag for tag in normalize_tags([*before.tags, *request.add_tags])
                          if tag not in removed]
    after = before.edited(**fields)
    change = Change.between(before, after)
    changed = tuple(name for name in (change.fields if change else {}) if name != "updated")
    if change is None or not changed:
        return EditResult(before, before, ())
    store.apply_changes([change])
    return EditResult(before, store.get(ident), changed)
