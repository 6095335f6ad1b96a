"""Sphinx configuration of the skactive documentation."""

import os

import skactive

project = "skactive"
author = "skactive developers"
copyright = "2026, skactive developers"
release = skactive.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# results/ holds generated fragments that pages include, not pages of their own.
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "results/**"]
html_theme = "pydata_sphinx_theme"
html_static_path = []
html_title = f"skactive {release}"
html_theme_options = {"navigation_with_keys": False}

autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Offline builds: no inventories are fetched, so cross-references to other projects stay
# plain text instead of failing the -W build.
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Examples whose name starts with plot_ run on CPU in seconds and are executed at build
    # time; the others are heavier and shown without running.
    "filename_pattern": r"/plot_",
    "plot_gallery": os.environ.get("SKACTIVE_DOCS_RUN_EXAMPLES", "True"),
    "download_all_examples": False,
    "remove_config_comments": True,
}
