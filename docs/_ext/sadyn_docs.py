"""Build-time staging for the docs: pages made from files that live elsewhere in the repository.

Nothing here is committed twice: on every build (``builder-inited``) the tutorials, the reproduction report,
the benchmarks, the changelog and the API pages are written into git-ignored folders of ``docs/`` (see
``docs/.gitignore``), from the one copy in the repository.

- Links: a relative link in a staged file is rewritten from its original place. A link to a file that is a
  page of the site becomes a link to that page; an image keeps pointing at its file; any other file of the
  repository (``sadyn/plots.py``) becomes a link to the repository when ``sadyn_repo_url`` is set in
  ``conf.py``, else plain code text (a docs page cannot link into a source tree it does not hold).
- Binder: with ``sadyn_repo_url`` set to a GitHub repository, every tutorial page starts with a
  "launch on Binder" badge; while it is empty, no link is written.
- API: one page per flat name of ``sadyn/__init__.py`` (what ``import sadyn as sd`` gives), grouped by the
  module it comes from, plus the lazily loaded submodules; each page names the paper equations and
  propositions its docstring cites.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

DOCS = Path(__file__).resolve().parents[1]
REPO = DOCS.parent
STAGED_DIRS = ("tutorials", "api")
# repository file -> docname of the page made from it (docs/<docname>.md or .ipynb)
PAGES = {"REPRODUCTION.md": "reproduction", "benchmarks/README.md": "benchmarks", "CHANGELOG.md": "changelog"}
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
_NUM = r"(?:\(\d+\)|[A-Z]?\d+(?:\.\d+)?)"
PAPER_REF = re.compile(
    rf"\b(?:eqs?\.|Props?\.|Thm\.|Theorem|Sec\.|Figs?\.|Appendix)\s*{_NUM}(?:\s*(?:-|–|,|and)\s*{_NUM})*"
)
# groups of sadyn/__init__.py, by the module a flat name is imported from
GROUPS = {
    "Models": ("attention", "norms", "dynamics", "trajectory"),
    "Analysis": ("analysis", "systems"),
    "Sudoku and training": ("sudoku", "models", "solver", "training", "pretrained", "regularizers", "parametrize"),
    "Helpers": ("geometry", "threads"),
}
LAZY = ("analysis", "dynamics", "systems", "sudoku", "experiments", "plots", "widgets")


# ------------------------------------------------------------------------------------------------ links


def site_pages() -> dict[Path, str]:
    """Absolute repository path -> docname, for every file that is a page of the site."""
    pages = {REPO / src: doc for src, doc in PAGES.items()}
    pages.update({p: f"tutorials/{p.stem}" for p in (REPO / "tutorials").glob("*.ipynb")})
    pages.update({p: p.relative_to(DOCS).with_suffix("").as_posix() for p in DOCS.glob("*.md")})
    return pages


def rewrite_links(text: str, origin: Path, docname: str, repo_url: str, branch: str = "main") -> str:
    """Markdown ``text`` read from ``origin`` (a repository file), to be rendered as page ``docname``."""
    pages = site_pages()
    page_dir = (DOCS / docname).parent

    def replace(match: re.Match[str]) -> str:
        bang, label, target = match["bang"], match["text"], match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return match[0]
        path, _, anchor = target.partition("#")
        resolved = Path(os.path.normpath(origin.parent / path))
        suffix = f"#{anchor}" if anchor else ""
        if resolved in pages and not bang:
            rel = os.path.relpath(DOCS / pages[resolved], page_dir)
            return f"[{label}]({rel}{Path(resolved).suffix}{suffix})"
        if bang or DOCS in resolved.parents:
            return f"{bang}[{label}]({os.path.relpath(resolved, page_dir)}{suffix})"
        if repo_url and (resolved == REPO or REPO in resolved.parents):
            kind = "tree" if resolved.is_dir() else "blob"
            return f"[{label}]({repo_url.rstrip('/')}/{kind}/{branch}/{resolved.relative_to(REPO).as_posix()}{suffix})"
        return label if label.startswith("`") else f"`{label}`" if label == path else label

    return LINK.sub(replace, text)


def binder_url(repo_url: str, notebook: str, branch: str = "main") -> str:
    """mybinder.org's URL opening ``notebook`` (a repository path) in JupyterLab; "" without a GitHub URL."""
    match = re.match(r"^https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", repo_url or "")
    if not match:
        return ""
    owner, name = match.groups()
    return f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?labpath={quote(notebook, safe='')}"


README_BLOCK = re.compile(r"<!-- binder:start -->\n.*?<!-- binder:end -->", re.S)


def conf_setting(name: str, conf: Path = DOCS / "conf.py") -> str:
    """A string setting of docs/conf.py, read without running it."""
    for node in ast.parse(conf.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(f"docs/conf.py sets no {name}")


def readme_binder_block(repo_url: str, branch: str = "main") -> str:
    """README's Binder lines (between the markers): a badge opening the first tutorial, or nothing."""
    first = sorted((REPO / "tutorials").glob("*.ipynb"))[0].name
    url = binder_url(repo_url, f"tutorials/{first}", branch)
    line = f"Or run the tutorials in your browser: [![Launch on Binder](https://mybinder.org/badge_logo.svg)]({url})\n"
    return f"<!-- binder:start -->\n{line if url else ''}<!-- binder:end -->"


def write_readme_binder() -> bool:
    """Bring README's Binder block in line with docs/conf.py's ``sadyn_repo_url``; True when it changed."""
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = readme_binder_block(conf_setting("sadyn_repo_url"), conf_setting("sadyn_branch"))
    new = README_BLOCK.sub(lambda _: block, text)
    readme.write_text(new, encoding="utf-8")
    return new != text


def stage_notebook(src: Path, dest: Path, repo_url: str, branch: str) -> None:
    """Copy a tutorial with its committed outputs; rewrite the links of its Markdown cells; add the badge."""
    nb = json.loads(src.read_text(encoding="utf-8"))
    docname = f"tutorials/{src.stem}"
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            cell["source"] = rewrite_links(text, src, docname, repo_url, branch)
    url = binder_url(repo_url, f"tutorials/{src.name}", branch)
    if url:
        badge = f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({url})"
        nb["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "source": badge})
    dest.write_text(json.dumps(nb, indent=1), encoding="utf-8")


# ------------------------------------------------------------------------------------------------ API


def flat_names(init: Path = REPO / "sadyn" / "__init__.py") -> list[tuple[str, str]]:
    """``(name, top-level source module)`` for every ``from .module import name`` of ``sadyn/__init__.py``."""
    names = []
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                name = alias.asname or alias.name
                if not name.startswith("_") and node.module:
                    names.append((name, node.module.split(".")[0]))
    return names


def paper_refs(obj: object) -> list[str]:
    """The paper's equations, propositions, sections and figures that ``obj``'s docstring cites, in order."""
    seen: list[str] = []
    for ref in PAPER_REF.findall(inspect.getdoc(obj) or ""):
        if ref not in seen:
            seen.append(ref)
    return seen


def summary(obj: object) -> str:
    """The first paragraph of ``obj``'s docstring on one line (so that no literal or role is cut in two)."""
    return " ".join((inspect.getdoc(obj) or "").split("\n\n", 1)[0].split())


def _directive(obj: object) -> str:
    if inspect.isclass(obj):
        return "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def _page(title: str, target: str, obj: object, also: str = "") -> str:
    refs = paper_refs(obj)
    lines = [f"# {title}", ""]
    lines += [f"**In the paper:** {', '.join(refs)} (Tomihari & Karakida, 2025).", ""] if refs else []
    lines += [also, ""] if also else []
    options = "\n   :members:\n   :show-inheritance:" if inspect.isclass(obj) else ""
    lines += ["```{eval-rst}", f".. {_directive(obj)}:: {target}{options}", "```", ""]
    return "\n".join(lines)


def stage_api(out: Path) -> None:
    """``api/index.md`` (the flat API by group, then the submodules) and one page per documented object."""
    import sadyn

    documented: dict[int, str] = {}
    grouped: dict[str, list[str]] = {group: [] for group in [*GROUPS, "Other"]}
    for name, module in flat_names():
        obj = getattr(sadyn, name)
        if inspect.ismodule(obj):
            continue
        group = next((g for g, mods in GROUPS.items() if module in mods), "Other")
        grouped[group].append(name)
        documented[id(obj)] = f"sadyn.{name}"
        (out / f"sadyn.{name}.md").write_text(_page(f"sd.{name}", f"sadyn.{name}", obj), encoding="utf-8")
    index = [
        "# API reference",
        "",
        "Everything is reached from `import sadyn as sd`, grouped as in `sadyn/__init__.py`.",
        "",
    ]
    toctree = []
    for group, names in grouped.items():
        if not names:
            continue
        index += [f"## {group}", "", "```{eval-rst}"]
        index += [f"- :py:obj:`sd.{n} <sadyn.{n}>`: {summary(getattr(sadyn, n))}" for n in names] + ["```", ""]
        toctree += [f"sadyn.{n}" for n in names]
    index += ["## Submodules", "", "Loaded on first use (`sd.widgets`, ...): they pull matplotlib or ipywidgets.", ""]
    for lazy in LAZY:
        module = getattr(sadyn, lazy, None) or importlib.import_module(f"sadyn.{lazy}")
        members = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        body = [f"# sd.{lazy}", "", inspect.getdoc(module) or "", ""]
        for member in members:
            obj = getattr(module, member)
            if inspect.ismodule(obj):
                continue
            if id(obj) in documented:
                body += [f"- `sd.{lazy}.{member}` is {{py:obj}}`{documented[id(obj)]}`.", ""]
                continue
            documented[id(obj)] = f"sadyn.{lazy}.{member}"
            refs = paper_refs(obj)
            body += [f"## {member}", ""] + ([f"**In the paper:** {', '.join(refs)}.", ""] if refs else [])
            options = "\n   :members:\n   :show-inheritance:" if inspect.isclass(obj) else ""
            body += ["```{eval-rst}", f".. {_directive(obj)}:: {module.__name__}.{member}{options}", "```", ""]
        body.insert(4, "```{eval-rst}\n.. currentmodule:: " + module.__name__ + "\n```\n")
        (out / f"sd.{lazy}.md").write_text("\n".join(body), encoding="utf-8")
        index.append(f"- [sd.{lazy}](sd.{lazy}.md): {(inspect.getdoc(module) or '').splitlines()[0]}")
        toctree.append(f"sd.{lazy}")
    index += ["", "```{toctree}", ":hidden:", "", *toctree, "```", ""]
    (out / "index.md").write_text("\n".join(index), encoding="utf-8")


# ------------------------------------------------------------------------------------------------ pages


def readme_example() -> tuple[str, str]:
    """The README's Python example and what it prints (run now, in a fresh interpreter, one thread)."""
    [code, *_] = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), flags=re.S)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env, cwd=REPO)
    if run.returncode:
        raise RuntimeError(f"the README example failed while building the docs:\n{run.stderr}")
    return code, run.stdout


def stage(app) -> None:
    """``builder-inited``: write every staged page afresh."""
    repo_url, branch = app.config.sadyn_repo_url, app.config.sadyn_branch
    for folder in STAGED_DIRS:
        shutil.rmtree(DOCS / folder, ignore_errors=True)
        (DOCS / folder).mkdir()
    for src in sorted((REPO / "tutorials").glob("*.ipynb")):
        stage_notebook(src, DOCS / "tutorials" / src.name, repo_url, branch)
    for src, doc in PAGES.items():
        text = rewrite_links((REPO / src).read_text(encoding="utf-8"), REPO / src, doc, repo_url, branch)
        (DOCS / f"{doc}.md").write_text(text, encoding="utf-8")
    code, output = readme_example()
    (DOCS / "_example.md").write_text(f"```python\n{code}```\n\nprints (inputs are random):\n\n```text\n{output}```\n")
    stage_api(DOCS / "api")


def rewrite_docs_pages(app, docname: str, source: list[str]) -> None:
    """``source-read``: the same link rewriting for pages written in docs/ (architecture.md, ...)."""
    path = DOCS / f"{docname}.md"
    if path.exists() and docname not in PAGES.values() and not docname.startswith(STAGED_DIRS):
        source[0] = rewrite_links(source[0], path, docname, app.config.sadyn_repo_url, app.config.sadyn_branch)


_CODE = re.compile(r"(``.+?``|:[\w:]+:`[^`]*`|`[^`]*`_?)")


def escape_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """``autodoc-process-docstring``: a plain-text norm such as ``|x_i|`` or ``max_j |gamma_j|`` would be a reST
    substitution reference; escape ``|`` outside literals, roles and ``.. math::`` blocks."""
    in_math, math_indent = False, 0
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if line.lstrip().startswith(".. math::"):
            in_math, math_indent = True, indent
            continue
        if in_math and (not line.strip() or indent > math_indent):
            continue
        in_math = False
        parts = _CODE.split(line)
        lines[i] = "".join(part if k % 2 else part.replace("|", "\\|") for k, part in enumerate(parts))


def setup(app) -> dict:
    app.connect("autodoc-process-docstring", escape_bars)
    app.add_config_value("sadyn_repo_url", "", "env")
    app.add_config_value("sadyn_branch", "main", "env")
    app.connect("builder-inited", stage)
    app.connect("source-read", rewrite_docs_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":  # python docs/_ext/sadyn_docs.py: write README's Binder block from docs/conf.py
    print("README.md Binder block", "updated" if write_readme_binder() else "already up to date")
