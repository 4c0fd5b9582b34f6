"""The documentation site: its staging (docs/_ext/sadyn_docs.py), its settings, and (slow) a warning-free build
with every page the issue asks for."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sadyn

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import sadyn_docs as sdd  # noqa: E402

URL = "https://github.com/someone/sadyn"


def test_conf_renders_committed_outputs_with_furo_and_one_repository_setting() -> None:
    conf = (DOCS / "conf.py").read_text()
    assert re.search(r'^nb_execution_mode = "off"$', conf, re.M)
    assert re.search(r'^html_theme = "furo"$', conf, re.M)
    assert len(re.findall(r"^sadyn_repo_url = ", conf, re.M)) == 1
    assert sdd.conf_setting("sadyn_repo_url") == "", "set: then README's Binder block must be written (CONTRIBUTING.md)"
    assert "-W" in (REPO / "Makefile").read_text().split("\ndocs:", 1)[1].split("\n\n", 1)[0]


def test_readme_binder_block_follows_the_conf_setting() -> None:
    readme = (REPO / "README.md").read_text()
    [block] = sdd.README_BLOCK.findall(readme)
    assert block == sdd.readme_binder_block(sdd.conf_setting("sadyn_repo_url"))
    assert "mybinder" not in block  # the URL is empty today: no link
    with_url = sdd.readme_binder_block(URL)
    assert "https://mybinder.org/v2/gh/someone/sadyn/main?labpath=tutorials%2F01_" in with_url


def test_binder_url_needs_a_github_repository() -> None:
    assert sdd.binder_url("", "tutorials/a.ipynb") == ""
    assert sdd.binder_url("https://gitlab.com/x/y", "tutorials/a.ipynb") == ""
    assert sdd.binder_url(URL + ".git", "tutorials/a b.ipynb", "dev") == (
        "https://mybinder.org/v2/gh/someone/sadyn/dev?labpath=tutorials%2Fa%20b.ipynb"
    )


def test_links_are_rewritten_from_their_original_place() -> None:
    origin = REPO / "REPRODUCTION.md"
    text = "[a](tutorials/01_energy_based_attention.ipynb) ![f](docs/reproduction/fig1.png) [`x`](sadyn/plots.py) [w](https://a.b)"
    plain = sdd.rewrite_links(text, origin, "reproduction", "")
    assert "[a](tutorials/01_energy_based_attention.ipynb)" in plain  # a page of the site
    assert "![f](reproduction/fig1.png)" in plain  # an image, relative to docs/
    assert "`x`" in plain and "sadyn/plots.py)" not in plain  # no repository to link to: code text
    assert "[w](https://a.b)" in plain
    linked = sdd.rewrite_links(text, origin, "reproduction", URL)
    assert f"[`x`]({URL}/blob/main/sadyn/plots.py)" in linked
    from_notebook = sdd.rewrite_links("[r](README.md#memory)", REPO / "tutorials" / "01_x.ipynb", "tutorials/01_x", URL)
    assert from_notebook == f"[r]({URL}/blob/main/tutorials/README.md#memory)"


@pytest.mark.parametrize("repo_url", ["", URL])
def test_tutorial_pages_get_the_binder_badge_only_with_a_url(tmp_path: Path, repo_url: str) -> None:
    src = sorted((REPO / "tutorials").glob("*.ipynb"))[0]
    sdd.stage_notebook(src, tmp_path / src.name, repo_url, "main")
    staged, original = json.loads((tmp_path / src.name).read_text()), json.loads(src.read_text())
    badges = [c for c in staged["cells"] if "mybinder.org" in "".join(c["source"])]
    assert len(badges) == (1 if repo_url else 0)
    assert len(staged["cells"]) == len(original["cells"]) + len(badges)
    code = [c["outputs"] for c in staged["cells"] if c["cell_type"] == "code"]
    assert code == [c["outputs"] for c in original["cells"] if c["cell_type"] == "code"]  # outputs untouched


def test_api_pages_cover_every_public_flat_name() -> None:
    public = {n for n in dir(sadyn) if not n.startswith("_") and not inspect.ismodule(getattr(sadyn, n))}
    assert public == {name for name, _ in sdd.flat_names()}
    assert all(m in sdd.LAZY for m in ("plots", "widgets", "systems", "sudoku", "analysis", "dynamics", "experiments"))


def test_paper_references_are_read_from_docstrings() -> None:
    assert sdd.paper_refs(sadyn.AKOrN)[0] == "eqs. (7)-(8)"
    assert "eq. (9)" in sdd.paper_refs(sadyn.ItrSA)
    assert "Prop. 5.1" in sdd.paper_refs(sadyn.prop51_bound)


def test_docstring_bars_are_escaped_outside_literals_and_math() -> None:
    lines = ["max_j |gamma_j| and ``|x|``", ".. math:: |x|", "   |y|", "", "after :math:`|z|` |w|"]
    sdd.escape_bars(None, "function", "f", None, {}, lines)
    assert lines == ["max_j \\|gamma_j\\| and ``|x|``", ".. math:: |x|", "   |y|", "", "after :math:`|z|` \\|w\\|"]


@pytest.mark.slow
def test_docs_build_warning_free_with_every_page(tmp_path: Path) -> None:
    pytest.importorskip("myst_nb", reason="the docs need `pip install -e '.[docs]'`")
    out = tmp_path / "html"
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    pages = ["index", "getting_started", "api/index", "reproduction", "benchmarks", "architecture", "changelog"]
    pages += [f"tutorials/{p.stem}" for p in sorted((REPO / "tutorials").glob("*.ipynb"))]
    assert [p for p in pages if not (out / f"{p}.html").exists()] == []
    assert all((out / "api" / f"sadyn.{name}.html").exists() for name, _ in sdd.flat_names())
    started = re.sub(r"<[^>]+>", "", (out / "getting_started.html").read_text())  # code is split into spans
    assert "make lab" in started and "make test" in started and "LyapunovSpectrum(" in started  # with its output
    assert "In the paper:" in (out / "api" / "sadyn.ItrSA.html").read_text()
    assert (out / "tutorials" / "01_energy_based_attention.html").read_text().count("<img") >= 1
