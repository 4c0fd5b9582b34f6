# sadyn: the two commands of README.md, and a few helpers.
#   make lab    set up .venv (once) and open the tutorials in JupyterLab
#   make test   set up .venv (once) and run every test, notebooks included
# Variables: PYTHON (interpreter for the venv, >= 3.10), VENV (its folder), CONSTRAINTS (pinned versions,
# empty for none), TORCH_INDEX (a PyTorch wheel index for torch, e.g. https://download.pytorch.org/whl/cpu),
# LAB_ARGS (e.g. "--port 8890 --no-browser"), PYTEST_ARGS (e.g. "-m 'not slow'" or "tests/test_cli.py").

PYTHON ?= python3
VENV ?= .venv
CONSTRAINTS ?= constraints.txt
TORCH_INDEX ?=
LAB_ARGS ?=
PYTEST_ARGS ?=

# nbval runs every tutorial notebook as a test; plain `pytest` (no flags) runs only the unit tests.
NOTEBOOK_FLAGS := --nbval --nbval-current-env

BIN := $(VENV)/bin
STAMP := $(VENV)/.sadyn-installed
PIP := $(BIN)/python -m pip --disable-pip-version-check
CONSTRAINT_FLAG := $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
TORCH_INDEX_FLAG := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))

.DEFAULT_GOAL := help
.PHONY: help setup lab test test-fast test-browser notebooks binder-check clean-venv docs test-oldest lint

help:
	@echo "make lab         set up $(VENV) (first time only) and open the tutorials in JupyterLab"
	@echo "make test        set up $(VENV) (first time only) and run all tests, notebooks included"
	@echo "make test-fast   the same without the tests marked slow"
	@echo "make test-browser  install Chromium + Playwright (once) and run the tutorials in a real browser"
	@echo "make notebooks   re-run every tutorial, refresh its outputs and the run times in tutorials/README.md"
	@echo "make binder-check  build a fresh venv from binder/requirements.txt and run the tutorials in it"
	@echo "make docs        build the documentation site into docs/_build/html (warnings are errors)"
	@echo "make test-oldest build a venv with the oldest supported dependencies and run the fast unit tests"
	@echo "make lint        ruff check, ruff format --check and mypy (what CI runs before the tests)"
	@echo "make clean-venv  delete $(VENV)"

setup: $(STAMP)

# The stamp makes a second `make lab` / `make test` skip the install; it is redone when pyproject.toml or
# the constraints change. torch goes first and alone, so that the pinned CPU build is the one installed.
$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 10) else f"sadyn needs Python >= 3.10; $(PYTHON) is {v.major}.{v.minor}. Run make with PYTHON=python3.11 (or another >= 3.10).")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install $(CONSTRAINT_FLAG) $(TORCH_INDEX_FLAG) torch
	$(PIP) install $(CONSTRAINT_FLAG) -e ".[dev]"
	@$(BIN)/python -c 'import torch, sadyn; cuda = torch.version.cuda or "none"; print(f"sadyn {sadyn.__version__} set up in $(VENV): torch {torch.__version__}, CUDA {cuda}")'
	@touch $@

lab: $(STAMP)
	$(BIN)/sadyn lab $(LAB_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(NOTEBOOK_FLAGS) $(PYTEST_ARGS)

test-browser: $(STAMP)
	bash scripts/ci/install_browser.sh $(BIN)/python
	SADYN_REQUIRE_BROWSER=1 $(BIN)/python -m pytest tests/browser -rA $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest $(NOTEBOOK_FLAGS) -m "not slow" $(PYTEST_ARGS)

notebooks: $(STAMP)
	$(BIN)/python scripts/maintenance/run_notebooks.py

binder-check: $(STAMP)
	$(BIN)/python scripts/ci/check_binder.py

# The docs need the `docs` extra (sphinx, myst-nb, furo); installed into $(VENV) on first use.
docs: $(STAMP)
	@$(BIN)/python -c 'import myst_nb, furo' 2>/dev/null || $(PIP) install $(CONSTRAINT_FLAG) -e ".[docs]"
	rm -rf docs/_build
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

test-oldest:
	bash scripts/ci/test_oldest.sh

# ruff (lint rules and formatting) over the code and the docs' code, mypy over the package ([tool.ruff] and
# [tool.mypy] in pyproject.toml). tutorials/ is checked by its own tests (notebooks run through nbval).
LINT_PATHS := sadyn tests scripts benchmarks docs setup.py

lint: $(STAMP)
	$(BIN)/python -m ruff check $(LINT_PATHS)
	$(BIN)/python -m ruff format --check $(LINT_PATHS)
	$(BIN)/python -m mypy

clean-venv:
	rm -rf $(VENV)
