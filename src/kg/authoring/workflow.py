"""The steps of adding a source, over files and a store: what the CLI and HTTP call."""

from __future__ import annotations

from pathlib import Path

from kg.authoring.draft import EntityIndex, draft, to_csv
from kg.core import paths
from kg.core.errors import InputError
from kg.core.text import nfc


def graph_sources(data_dir: Path) -> list[Path]:
    """The ontology, the vocabularies and every TriG file under ``data_dir``."""
    found = [p for p in (paths.ontology_path(), paths.vocabulary_path()) if p.is_file()]
    return found + sorted(data_dir.rglob("*.trig"))


_PUBLISHED = """
SELECT ?published WHERE {
  GRAPH ?g { ?article <https://schema.org/datePublished> ?published }
}
"""


def draft_source(
    source_id: str, text_path: Path, data_dir: Path, published: str | None = None
) -> bytes:
    """The draft CSV of the text at ``text_path`` for source ``source_id``, its entities
    matched against the graph of ``data_dir``."""
    from kg.core.prefixes import ID
    from kg.sparql.terms import iri
    from kg.store import open_store

    try:
        text = nfc(text_path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(
            f"no text for source {source_id!r} at {text_path} (add it with kg source add)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {text_path}: {exc}") from None
    store = open_store("memory")
    try:
        store.load(graph_sources(data_dir))
        if published is None:
            rows = store.query(_PUBLISHED, {"article": iri(f"{ID}article/{source_id}")}).rows
            published = str(rows[0]["published"])[:10] if rows else None
        index = EntityIndex.from_store(store)
    finally:
        store.close()
    return to_csv(draft(text, source_id, index, published))
