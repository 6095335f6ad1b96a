"""Shared docstring entries: filled in where named, and no entry written twice in the source."""

import ast
import collections
import inspect
import re
from pathlib import Path

import pytest

import skactive.strategies
from skactive.strategies._docs import DOCS, fill_doc

SOURCES = sorted(Path(skactive.strategies.__file__).parent.glob("*.py"))
SECTIONS = ("Parameters", "Returns", "Yields", "Raises")


def _entries(docstring):
    """The numpydoc entries (a name line and its indented description) written in a docstring."""
    lines = inspect.cleandoc(docstring).splitlines()
    section, i = None, 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i].strip() and set(lines[i + 1].strip()) == {"-"}:
            section, i = lines[i].strip(), i + 2
            continue
        if section in SECTIONS and lines[i] and not lines[i].startswith((" ", "%(")):
            start, i = i, i + 1
            while i < len(lines) and lines[i].startswith("    "):
                i += 1
            yield "\n".join(lines[start:i])
            continue
        i += 1


def _source_docstrings():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)):
                docstring = ast.get_docstring(node, clean=False)
                if docstring:
                    yield f"{path.name}:{getattr(node, 'name', '')}", docstring


def test_fill_doc_puts_each_entry_at_its_placeholders_indentation():
    def query():
        """Pick.

        Parameters
        ----------
        %(n_instances)s
        share : float
            95%% of the pool, 5% left.
        """

    assert inspect.getdoc(fill_doc(query)) == (
        "Pick.\n\nParameters\n----------\nn_instances : int, default=1\n"
        "    Number of samples to query.\nshare : float\n    95%% of the pool, 5% left."
    )


def test_fill_doc_refuses_an_unknown_entry():
    def query():
        """Pick.

        %(no_such_entry)s
        """

    with pytest.raises(KeyError, match="no_such_entry"):
        fill_doc(query)


def test_every_strategy_docstring_is_filled_in():
    unfilled = [
        name
        for name in skactive.strategies.__all__
        if callable(obj := getattr(skactive.strategies, name))
        and re.search(r"%\(\w+\)s", inspect.getdoc(obj) or "")
    ]
    assert unfilled == []
    assert "Number of samples to query." in inspect.getdoc(skactive.strategies.softmax_response)


def test_no_docstring_entry_is_written_twice():
    places = collections.defaultdict(list)
    for where, docstring in _source_docstrings():
        for entry in _entries(docstring):
            places[entry].append(where)
    for key, entry in DOCS.items():
        places[entry].append(f"DOCS[{key!r}]")
    assert {entry: where for entry, where in places.items() if len(where) > 1} == {}


def test_every_shared_entry_is_named_by_two_docstrings_at_least():
    named = (re.findall(r"%\((\w+)\)s", docstring) for _, docstring in _source_docstrings())
    uses = collections.Counter(key for keys in named for key in keys)
    assert {key: uses[key] for key in DOCS if uses[key] < 2} == {}
