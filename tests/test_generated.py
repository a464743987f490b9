"""Generated files must match what their generators produce now, so they cannot drift."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.core import paths
from kg.io.jsonld import context_text, generated_context
from kg.publish.diagram import README_END, README_START
from kg.publish.generate import MODEL_PAGE

ROOT = paths.project_root()
pytestmark = pytest.mark.skipif(ROOT is None, reason="needs a source checkout")


def test_generate_check_all_passes_on_the_committed_tree() -> None:
    if not paths.ontology_path().is_file():
        pytest.skip("no shipped ontology yet")
    result = CliRunner().invoke(cli, ["generate", "--check", "all"])
    assert result.exit_code == 0, result.output


def test_context_file_matches_the_model_and_data() -> None:
    text = paths.context_path().read_text(encoding="utf-8")
    assert text == context_text(generated_context())
    assert json.loads(text)["@context"]["kgo"] == "https://w3id.org/vn-kg/ontology#"


def test_model_page_embeds_the_committed_diagram() -> None:
    assert ROOT is not None
    page = ROOT.joinpath(*MODEL_PAGE).read_text(encoding="utf-8")
    diagram = (ROOT / "docs" / "model.mmd").read_text(encoding="utf-8")
    start = page.index(README_START)
    end = page.index(README_END)
    assert page[start:end] == f"{README_START}\n```mermaid\n{diagram}```\n"
