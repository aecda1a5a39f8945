"""The shipped entity table (data/entities.tsv): one tag per entity across scripts, languages and forms. Pure.

- `entity_of(term)` → the Entity a term names (中国, China, Chinese, 中國 → 中国), or None;
- `display_name(key, language)` → a tag's name on a site in that language: Simplified on zh-CN, Traditional
  on zh-TW, the English name on en where the table has one;
- `lowercase_forms()` → the table's English forms written in lower case ("human rights"): topics that are
  found in running text, where the other forms are capitalised names.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from generator.article.folding import term_key, to_traditional

TABLE = Path(__file__).resolve().parent / "data" / "entities.tsv"
KINDS = ("person", "place", "organisation", "event", "topic")  # as the table names them
# One letter per kind, as candidates carry it: the table's kinds, and "x" for a name of unknown kind.
KIND_LETTERS = {"person": "p", "place": "l", "organisation": "o", "event": "e", "topic": "t"}


@dataclass(frozen=True, slots=True)
class Entity:
    """One line of the table."""

    kind: str  # person, place, organisation, event or topic
    name: str  # the name in Simplified Chinese: the tag's key
    english: str  # the name in English ('' when the table gives none)
    forms: tuple[str, ...]  # the other forms articles write it in


def read_table(text: str) -> tuple[Entity, ...]:
    """The table's text → its entities; raises ValueError naming the line that is not one."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 2 or columns[0] not in KINDS or not columns[1].strip():
            raise ValueError(
                f"{TABLE.name} line {number}: write kind<TAB>name[<TAB>English[<TAB>form|form…]], "
                f"kind one of {', '.join(KINDS)}"
            )
        english = columns[2].strip() if len(columns) > 2 else ""
        forms = tuple(f.strip() for f in columns[3].split("|") if f.strip()) if len(columns) > 3 else ()
        found.append(Entity(columns[0], columns[1].strip(), english, forms))
    return tuple(found)


@functools.cache
def entities() -> tuple[Entity, ...]:
    """→ the shipped table's entities."""
    return read_table(TABLE.read_text(encoding="utf-8"))


@functools.cache
def _by_key() -> dict[str, Entity]:
    """→ every form of every entity (its name, English name and other forms), compared as term_key → the entity.
    Where two entities share a form, the first listed keeps it."""
    table: dict[str, Entity] = {}
    for entity in entities():
        for form in (entity.name, entity.english, *entity.forms):
            if form:
                table.setdefault(term_key(form), entity)
    return table


@functools.cache
def _by_name() -> dict[str, Entity]:
    """→ each entity by its key."""
    return {entity.name: entity for entity in entities()}


def entity_of(term: str) -> Entity | None:
    """A term (any script, case or form) → the entity it names, or None."""
    return _by_key().get(term_key(term))


@functools.cache
def lowercase_english() -> frozenset[str]:
    """→ the table's English forms written in lower case ("human rights", "surveillance")."""
    return frozenset(
        form
        for entity in entities()
        for form in (entity.english, *entity.forms)
        if form and form.isascii() and form == form.lower() and any(c.isalpha() for c in form)
    )


@functools.cache
def lowercase_forms() -> re.Pattern[str] | None:
    """→ one expression finding the table's English forms written in lower case, as whole words in any case
    (longest first), or None when there are none."""
    forms = sorted(lowercase_english(), key=lambda form: (-len(form), form))
    if not forms:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w-])", re.IGNORECASE)


def display_name(key: str, language: str) -> str:
    """A tag's key (Simplified, as tagging compares terms) + the site's language → the name the site shows."""
    entity = _by_name().get(key)
    if language == "en":
        return entity.english if entity is not None and entity.english else key
    if language == "zh-TW":
        return to_traditional(key)
    return key
