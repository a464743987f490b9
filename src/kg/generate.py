"""Generated files: what each should contain, and whether the committed one does.

``kg generate`` rewrites them; ``kg generate --check`` only reports the stale ones,
so that a test can fail when someone edits the ontology but not what derives from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg import paths
from kg.errors import InputError

TARGETS = ("context", "evidence", "diagram")


@dataclass(frozen=True)
class Output:
    path: Path
    data: bytes
    #: False for files whose bytes depend on the installed tool (Graphviz SVG):
    #: written, but never reported stale.
    checked: bool = True


def _checkout() -> Path:
    root = paths.project_root()
    if root is None:
        raise InputError("kg generate rewrites files of a source checkout; none was found")
    return root


def context_outputs() -> list[Output]:
    from kg.export import jsonld_context_text

    _checkout()
    return [Output(paths.context_path(), jsonld_context_text().encode("utf-8"))]


def diagram_outputs(render_svg: bool = True) -> list[Output]:
    from kg import diagram
    from kg.load import parse_graph

    root = _checkout()
    ontology = parse_graph(paths.ontology_path())
    mermaid = diagram.mermaid(ontology)
    readme_path = root / "README.md"
    try:
        readme = readme_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no README.md to put the model diagram in", readme_path) from None
    outputs = [
        Output(root / "docs" / "model.mmd", mermaid.encode("utf-8")),
        Output(
            readme_path,
            diagram.replace_readme_block(readme, mermaid, readme_path).encode("utf-8"),
        ),
    ]
    if render_svg:
        svg = diagram.render_svg(diagram.dot(ontology))
        if svg is not None:
            outputs.append(Output(root / "docs" / "model.svg", svg, checked=False))
    return outputs


def evidence_outputs() -> list[Output]:
    """``data/<slug>/evidence.trig`` rendered from each ``data/<slug>/evidence.tsv``."""
    _checkout()
    tables = sorted(paths.data_dir().glob("*/evidence.tsv"))
    if not tables:
        return []
    try:
        from kg import evidence
    except ImportError as exc:
        raise InputError(f"cannot render evidence: {exc}", tables[0]) from None
    return [
        Output(table.with_name("evidence.trig"), evidence.render(table.parent.name).encode("utf-8"))
        for table in tables
    ]


def outputs(target: str, render_svg: bool = True) -> list[Output]:
    if target == "context":
        return context_outputs()
    if target == "diagram":
        return diagram_outputs(render_svg)
    if target == "evidence":
        return evidence_outputs()
    if target == "all":
        # Context and evidence first: they are inputs of nothing here, but evidence
        # is data and the diagram only reads the ontology.
        return context_outputs() + evidence_outputs() + diagram_outputs(render_svg)
    raise InputError(f"unknown generate target {target!r} (valid: {', '.join(TARGETS)}, all)")


def stale(planned: list[Output]) -> list[Path]:
    """The checked outputs whose file is missing or differs from what it should be."""
    out: list[Path] = []
    for output in planned:
        if not output.checked:
            continue
        try:
            current = output.path.read_bytes()
        except FileNotFoundError:
            current = None
        if current != output.data:
            out.append(output.path)
    return out


def write(planned: list[Output]) -> list[Path]:
    """Write the outputs that changed; the paths written."""
    from kg.export import write_atomic

    written: list[Path] = []
    for output in planned:
        try:
            if output.path.read_bytes() == output.data:
                continue
        except FileNotFoundError:
            pass
        output.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output.path, output.data)
        written.append(output.path)
    return written
