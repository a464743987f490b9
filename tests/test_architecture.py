"""The layers of ``kg`` hold (docs/architecture.md draws them).

Four rules, each a test over the source of the package that the tests import:

- the import-linter contracts in ``pyproject.toml`` are kept (imports point down the
  layers; the library below the CLI and HTTP knows neither click nor werkzeug);
- no import cycle between modules, imports inside functions included;
- no module imports another module's private name;
- no public name of ``kg`` (``kg.load``, ``kg.validate``, ...) is also a submodule's name,
  so that importing a submodule never replaces the function.
"""

from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import kg

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(kg.__file__).resolve().parent


def kg_environment() -> dict[str, str]:
    """The environment of a subprocess that must import the same ``kg`` as this one."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PACKAGE_DIR.parent), env.get("PYTHONPATH", "")) if part
    )
    return env


def test_import_contracts_are_kept() -> None:
    # In a subprocess so that import-linter reads pyproject.toml from the project root;
    # no cache, so the run leaves no files behind.
    code = (
        "import sys\n"
        "from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(no_cache=True, no_logo=True))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=kg_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    # Both contracts were checked, not a configuration that names none.
    assert "Contracts: 2 kept, 0 broken." in report, report


# --- import cycles -------------------------------------------------------------------


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of ``graph``, iteratively (no recursion
    limit on deep import chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def one_cycle(graph: dict[str, set[str]], members: list[str]) -> list[str]:
    """A shortest import cycle through the first of ``members``, to name in a failure."""
    start = members[0]
    inside = set(members)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node] & inside):
                if successor == start:
                    return [*paths[node], start]
                if successor not in paths:
                    paths[successor] = [*paths[node], successor]
                    following.append(successor)
        frontier = following
    return members


def import_graph() -> dict[str, set[str]]:
    """Module → the kg modules it imports, from grimp: every import statement, those
    inside functions and under ``if TYPE_CHECKING:`` too (a cycle through type hints is
    still two modules that cannot be understood apart)."""
    import grimp

    graph = grimp.build_graph("kg", exclude_type_checking_imports=False, cache_dir=None)
    return {
        module: {imported for imported in graph.find_modules_directly_imported_by(module)}
        for module in graph.modules
    }


def test_strongly_connected_finds_a_cycle_and_only_it() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    components = strongly_connected(graph)
    assert [c for c in components if len(c) > 1] == [["a", "b", "c"]]
    assert one_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycle_between_modules() -> None:
    """No import cycle between the modules of kg, counting imports inside functions.

    grimp reads every import statement, those in function bodies included, so an import
    moved into a function to dodge a cycle still closes the cycle here: this test also
    shows that no function-level import exists only to dodge one. Imports under
    ``if TYPE_CHECKING:`` count too. A module importing its own name (a package
    importing from its own ``__init__``) is not a cycle between modules.
    """
    graph = import_graph()
    assert len(graph) >= 40, sorted(graph)  # the whole package, not a stray copy of it
    # A package's function-level import of a sibling is in the graph (kg.load imports
    # kg.io.parse when called): the graph does see imports inside functions.
    assert "kg.io.parse" in graph["kg"]
    for module in graph:
        graph[module].discard(module)
    cycles = [one_cycle(graph, c) for c in strongly_connected(graph) if len(c) > 1]
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


# --- private names -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class PrivateUse:
    importer: str
    name: str  # the module's private name, as kg.x._name
    line: int

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} uses {self.name}"


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def module_names(package_dir: Path, package: str = "kg") -> dict[str, Path]:
    """Every module and package under ``package_dir``, by dotted name."""
    found = {package: package_dir / "__init__.py"}
    for info in pkgutil.walk_packages([str(package_dir)], prefix=f"{package}."):
        relative = info.name.split(".")[1:]
        base = package_dir.joinpath(*relative)
        found[info.name] = base / "__init__.py" if info.ispkg else base.with_suffix(".py")
    return found


def absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name of ``from <level dots><target> import ...`` in ``module``."""
    if level == 0:
        return target or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def private_uses(module: str, source: str, modules: set[str], is_package: bool) -> list[PrivateUse]:
    """Where ``module`` reaches for another kg module's private name: ``from kg.x import
    _name``, or ``_name`` as an attribute of a name bound to another kg module (``import
    kg.x as x; x._name``, ``kg.x._name``). Names are followed through the whole file,
    function bodies included; a local shadowing a module name is not tracked."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}
    found: list[PrivateUse] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "kg":
                    continue
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound["kg"] = "kg"
        elif isinstance(node, ast.ImportFrom):
            source_module = absolute(module, is_package, node.level, node.module)
            if source_module not in modules:
                continue
            for alias in node.names:
                full = f"{source_module}.{alias.name}"
                if full in modules:
                    bound[alias.asname or alias.name] = full
                elif is_private(alias.name) and source_module != module:
                    found.append(PrivateUse(module, full, node.lineno))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain: list[str] = []
        value: ast.expr = node
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if not isinstance(value, ast.Name) or value.id not in bound:
            continue
        owner = bound[value.id]
        names = list(reversed(chain))
        while names and f"{owner}.{names[0]}" in modules:
            owner = f"{owner}.{names.pop(0)}"
        # Only an attribute of the module itself: the shorter chains inside this one are
        # nodes of their own, visited in turn.
        if len(names) == 1 and owner != module and is_private(names[0]):
            found.append(PrivateUse(module, f"{owner}.{names[0]}", node.lineno))
    return sorted(set(found))


def all_private_uses(package_dir: Path) -> list[PrivateUse]:
    modules = module_names(package_dir)
    found: list[PrivateUse] = []
    for name, path in sorted(modules.items()):
        source = path.read_text(encoding="utf-8")
        found += private_uses(name, source, set(modules), path.name == "__init__.py")
    return found


def test_private_use_scanner_finds_each_form() -> None:
    modules = {"kg", "kg.a", "kg.a.b", "kg.c"}
    source = (
        "import kg.a.b\n"
        "import kg.c as c\n"
        "from kg.a import b as bee\n"
        "from kg.a.b import _one, public, __dunder__\n"
        "from .b import _two\n"
        "def f():\n"
        "    from kg.c import _three\n"
        "    return kg.a.b._four, c._five, bee._six, c.public, kg.a.b.public._seven\n"
        "_mine = 1\n"
        "print(_mine, kg.a._own)\n"
    )
    found = private_uses("kg.a", source, modules, is_package=True)
    assert sorted(use.name for use in found) == [
        "kg.a.b._four",
        "kg.a.b._one",
        "kg.a.b._six",
        "kg.a.b._two",
        "kg.c._five",
        "kg.c._three",
    ]


def test_no_module_imports_another_modules_private_name() -> None:
    found = all_private_uses(PACKAGE_DIR)
    assert found == [], "private names used from another module:\n" + "\n".join(map(str, found))


# --- kg's own names --------------------------------------------------------------------


def test_no_package_level_name_is_also_a_submodule() -> None:
    """``import kg.load`` would bind the module ``kg.load`` over the function ``kg.load``
    for everyone; so no name of ``kg.__all__`` may be a submodule's or sub-package's."""
    submodules = {info.name for info in pkgutil.iter_modules(kg.__path__)}
    assert {"core", "io", "store", "cli"} <= submodules  # iter_modules saw the package
    api = set(kg.__all__)
    assert {"load", "validate", "export", "open_store"} <= api
    assert api & submodules == set()
