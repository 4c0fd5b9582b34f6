"""Fixtures of the real-browser tests: one JupyterLab server and one headless Chromium for the whole session.

- ``lab``: JupyterLab on 127.0.0.1 (free port, random token) serving a temporary copy of ``tutorials/``;
  at teardown it is shut down through its API and every process it started is reaped (``lab_server.py``).
- ``browser``: Debian's Chromium (``/usr/bin/chromium``, or ``$SADYN_CHROMIUM``) driven by Playwright, with
  the flags that keep it off the network. Playwright's own browser downloads are never used.
- ``page``: a fresh tab per test; when the test fails, a screenshot, the browser console and the end of the
  server log are kept in ``tests/browser/artifacts/`` (or ``$SADYN_BROWSER_ARTIFACTS``).
- ``notebook_copy``: writes a notebook into the served folder without outputs and shuts its kernel down after
  the test (committed notebooks are never opened or changed).

Without Playwright or Chromium every browser test is skipped with the reason and the install command
(``bash scripts/ci/install_browser.sh``); with ``SADYN_REQUIRE_BROWSER=1`` (set by CI) it fails instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_page import prepare_copy
from lab_server import LabServer, start_lab

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = REPO / "tutorials"
CHROMIUM = Path(os.environ.get("SADYN_CHROMIUM", "/usr/bin/chromium"))
# Without these Chromium tries to reach the network (component updates, sync, first-run pages).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1400, "height": 1000}
ARTIFACTS = Path(os.environ.get("SADYN_BROWSER_ARTIFACTS", Path(__file__).with_name("artifacts")))
INSTALL_HINT = "run `bash scripts/ci/install_browser.sh` (apt-get install chromium; pip install playwright)"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in headless Chromium (tests/browser; needs Chromium and Playwright)"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the item, so that fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return f"the Python package playwright is not installed; {INSTALL_HINT}"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {CHROMIUM} (or set SADYN_CHROMIUM); {INSTALL_HINT}"
    if importlib.util.find_spec("jupyterlab") is None:
        return "JupyterLab is not installed; pip install -e '.[dev]'"
    return None


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    """Skip (or, with SADYN_REQUIRE_BROWSER=1, fail) when Chromium, Playwright or JupyterLab is missing."""
    reason = missing_requirement()
    if reason is None:
        return
    if os.environ.get("SADYN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SADYN_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"browser tests need a browser: {reason}")


@pytest.fixture(scope="session")
def lab(browser_requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """One JupyterLab for all browser tests, serving a copy of ``tutorials/`` (support files included)."""
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(TUTORIALS, root / "tutorials", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.ipynb"))
    server = start_lab(root, tmp_path_factory.mktemp("lab-home"))
    yield server
    killed = server.stop()
    if killed:
        warnings.warn(f"JupyterLab left processes behind; killed: {killed}", stacklevel=1)
    assert server.process.poll() is not None, "the JupyterLab server is still running after stop()"


@pytest.fixture(scope="session")
def browser(browser_requirements: None) -> Iterator[Any]:
    """Headless Debian Chromium under Playwright, shared by all tests (one browser context, so one cache)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = chromium.new_context(viewport=VIEWPORT)
        try:
            yield context
        finally:
            context.close()
            chromium.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """The folder for this test's failure files (made on failure only); an old one of the same test is removed."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    return folder


@pytest.fixture
def page(browser: Any, lab: LabServer, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new tab; on failure its screenshot, console messages and the server log are saved as artifacts."""
    tab = browser.new_page()
    console: list[str] = []
    tab.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    tab.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        artifacts.mkdir(parents=True, exist_ok=True)
        try:
            tab.screenshot(path=str(artifacts / "page.png"))
        except Exception as error:  # a crashed page: keep the logs anyway
            console.append(f"[screenshot failed] {error}")
        (artifacts / "console.log").write_text("\n".join(console))
        (artifacts / "jupyterlab.log").write_text(lab.log_tail(200))
    tab.close()


@pytest.fixture
def notebook_copy(lab: LabServer) -> Iterator[Callable[..., tuple[str, int]]]:
    """``copy(source, name=None, **options) -> (path in lab, committed widget views)``; see ``prepare_copy``."""
    opened: list[str] = []

    def copy(source: Path, name: str | None = None, **options: Any) -> tuple[str, int]:
        relative = f"tutorials/{name or source.name}"
        views = prepare_copy(source, lab.root / relative, **options)
        opened.append(relative)
        return relative, views

    yield copy
    lab.remember_children()  # so that stop() can reap a kernel that outlives its shutdown
    for relative in opened:  # free the kernel's memory before the next notebook
        lab.shutdown_kernel_of(relative)
