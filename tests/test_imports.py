"""The package's import graph, read from the source: one way, no cycle, no private name shared.

Every ``import`` counts, those inside functions too: an import deferred into a function hides a
cycle from Python, not from a reader.
"""

import ast
from pathlib import Path

import pytest

import skactive

ROOT = Path(skactive.__file__).parent

# Modules of the layers below the estimator, which must not import it or anything above it.
LOWER = ("inas", "training", "strategies", "checkpoint", "datasets", "pool", "networks")
LOWER += ("search_space", "utils")
UPPER = ("_classifier", "_search", "_network", "_checkpointing", "experiment", "modal")
UPPER += ("_base", "_docs", "_regressor")
UPPER += ("pipeline", "_cli", "__main__")
UPPER += ("labelstudio", "label", "_committee", "_cli_options", "_cli_labeling")


def _module_names():
    names = {}
    for path in ROOT.rglob("*.py"):
        parts = ("skactive", *path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            names[".".join(parts[:-1])] = (path, parts[:-1])
        else:
            names[".".join(parts)] = (path, parts[:-1])
    return names


MODULES = _module_names()


def _imports(name):
    """``(module imported, name taken from it or None)`` for every import in module ``name``."""
    path, package = MODULES[name]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            source = ".".join((*base, node.module) if node.module else base)
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    yield f"{source}.{alias.name}", None
                else:
                    yield source, alias.name


def _graph():
    return {
        name: {source for source, _ in _imports(name) if source in MODULES and source != name}
        for name in MODULES
    }


def _cycle(graph):
    """One cycle of ``graph`` as a list of modules, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state:
                found = visit(target, path + [target])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_the_graph_reader_finds_the_package_and_its_imports():
    graph = _graph()
    assert {"skactive._classifier", "skactive.strategies._auto", "skactive.training.fit"} <= set(
        graph
    )
    assert "skactive.search_space" in graph["skactive._base"]
    assert "skactive._base" in graph["skactive._classifier"]


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_skactive_modules():
    assert _cycle(_graph()) is None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_is_imported_from_another_skactive_module(name):
    private = [
        f"{source}.{taken}"
        for source, taken in _imports(name)
        if source in MODULES and taken and taken.startswith("_") and not taken.startswith("__")
    ]
    assert private == []


def _within(name, layer):
    return any(name == f"skactive.{top}" or name.startswith(f"skactive.{top}.") for top in layer)


def test_lower_layers_import_nothing_of_the_estimator_or_above():
    upward = sorted(
        (name, target)
        for name, targets in _graph().items()
        if _within(name, LOWER)
        for target in targets
        if _within(target, UPPER) or target == "skactive"
    )
    assert upward == []
