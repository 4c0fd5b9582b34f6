"""Sphinx configuration of the sadyn documentation: `make docs` builds docs/_build/html (warnings are errors).

The pages made from files elsewhere in the repository (tutorials, reproduction report, benchmarks,
changelog, API pages) are staged at build time by docs/_ext/sadyn_docs.py; they are not committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS / "_ext")]

import sadyn  # noqa: E402

# ---- the one line to change when the repository is public (CONTRIBUTING.md, "Documentation") ----------------
# e.g. "https://github.com/OWNER/sadyn": links into the source become links to it, and every tutorial page gets
# a "launch on Binder" badge. Empty: no such links are written.
sadyn_repo_url = ""
sadyn_branch = "main"

project = "sadyn"
author = "sadyn developers"
copyright = "2026, sadyn developers"
release = version = sadyn.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sadyn_docs",
]
exclude_patterns = ["_build", "_ext", "_example.md", "reproduction/*.json", "Thumbs.db", ".DS_Store"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# myst / myst-nb: render the committed outputs, never execute (the tests run the notebooks).
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
# Widget views without saved state cannot render; their text or image fallback is shown instead.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]

# autodoc: the flat API (docs/_ext/sadyn_docs.py writes one page per name); docstrings are reST with :math:.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"  # the docstrings describe the arguments; hints stay in the signature
autodoc_default_options = {"undoc-members": False}
autosummary_generate = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # "Attributes:" as fields, not a second description of each dataclass field
napoleon_custom_sections = [("Other arguments", "params_style")]
add_module_names = False

html_theme = "furo"
html_title = f"sadyn {version}"
html_static_path: list[str] = []
