"""The protocol's using-graph-uri / using-named-graph-uri on the Oxigraph engine: the
rewrite of the update's text (kg.sparql.update) and the data it leaves, the same as on
the rdflib engine.

Each case of ``tests/update_using/cases.yaml`` (its header says what is checked) runs
three ways: the text ``with_using`` writes, read back by rdflib's parser (an independent
reader of where the clauses landed), and the update run with its parameters on both
engines from ``tests/update_using/data.trig``, where each case also states what the
update adds and removes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.core.errors import KgError, QueryError
from kg.sparql.parse import prepare_update
from kg.sparql.policy import DatasetSpec
from kg.sparql.update import with_using
from kg.store import open_store
from kg.store.base import KgStore

FOLDER = Path(__file__).parent / "update_using"
DATA = FOLDER / "data.trig"
CASES: list[dict[str, Any]] = yaml.safe_load((FOLDER / "cases.yaml").read_text(encoding="utf-8"))
ENGINES = ("rdflib", "memory")


def _id(case: dict[str, Any]) -> str:
    return str(case["id"])


def _spec(case: dict[str, Any]) -> DatasetSpec:
    return DatasetSpec(tuple(case.get("using", ())), tuple(case.get("named", ())))


def test_the_table_is_whole() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert ("expected" in case) != ("error" in case), case["id"]
        if "parity" not in case:
            assert ("error" in case) or {"added", "removed"} <= set(case), case["id"]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_rewrite(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(KgError, match=re.escape(case["error"])):
            with_using(case["update"], _spec(case))
    else:
        assert with_using(case["update"], _spec(case)) == case["expected"]


@pytest.mark.parametrize("case", [c for c in CASES if "expected" in c], ids=_id)
def test_rdflib_reads_the_clauses_in_each_delete_insert_where(case: dict[str, Any]) -> None:
    spec = _spec(case)
    given = prepare_update(case["update"]).algebra
    written = prepare_update(case["expected"]).algebra
    assert [op.name for op in written] == [op.name for op in given]
    clauses = [("default", g) for g in spec.default] + [("named", g) for g in spec.named]
    for operation in written:
        found = [
            ("default", str(u.default)) if u.default is not None else ("named", str(u.named))
            for u in (getattr(operation, "using", None) or ())
        ]
        assert found == (clauses if operation.name == "Modify" else []), operation.name


def _quads(store: KgStore) -> set[str]:
    lines = set()
    for s, p, o, g in store.dataset().quads((None, None, None, None)):
        graph = "" if g in (None, DATASET_DEFAULT_GRAPH_ID) else f" <{g}>"
        lines.add(f"{s.n3()} {p.n3()} {o.n3()}{graph}")
    return lines


def _after(engine: str, case: dict[str, Any]) -> tuple[set[str], set[str]]:
    """What the update adds and removes on ``engine``, from data.trig."""
    store = open_store(engine)
    try:
        store.load([DATA])
        before = _quads(store)
        store.update(case["update"], using=_spec(case) or None)
        after = _quads(store)
    finally:
        store.close()
    return after - before, before - after


@pytest.mark.parametrize("case", [c for c in CASES if "parity" not in c], ids=_id)
def test_both_engines_leave_the_same_data(case: dict[str, Any]) -> None:
    if "error" in case:
        for engine in ENGINES:
            with pytest.raises(QueryError) as caught:
                _after(engine, case)
            if case["error"] == "the protocol forbids both":
                assert caught.value.http_status == 400
                assert case["error"] in caught.value.message, engine
        return
    expected = (set(case["added"] or ()), set(case["removed"] or ()))
    for engine in ENGINES:
        assert _after(engine, case) == expected, engine
