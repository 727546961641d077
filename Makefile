# Two entry points for a fresh machine with Python 3.11+ and make:
#   make lab    virtual environment + JupyterLab on the tour notebook (127.0.0.1, with a token)
#   make test   virtual environment + the whole test suite (lint, types, unit, notebooks, browser)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab demo test lint typecheck unit browser browser-deps notebooks oracles clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# JupyterLab on notebooks/, opening the tour; 127.0.0.1 only, with Jupyter's default random
# token (printed in the URL). Root (e.g. in a container) needs --allow-root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir=notebooks \
	  --LabApp.default_url=/lab/tree/01_tour.ipynb $(ALLOW_ROOT)

# rewrite notebooks/*.ipynb from tools/notebook_src/ (the notebooks are generated: edit the sources)
notebooks: $(STAMP)
	$(BIN)/python tools/make_notebooks.py

demo: $(STAMP)
	$(BIN)/covenant bench --quick --out demo-results
	$(BIN)/covenant report demo-results --html demo-results/report.html

lint: $(STAMP)
	$(BIN)/ruff check covenant_lab tests bench tools
	$(BIN)/python tools/size_budget.py covenant_lab

typecheck: $(STAMP)
	$(BIN)/mypy covenant_lab

# Debian's Chromium for the browser tests (a test tool's own browser download does not work here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install chromium"; fi; }

unit: $(STAMP)
	$(BIN)/python -m pytest -q -x

# everything: unit tests, notebooks (nbclient), the Binder install, JupyterLab in Chromium;
# on two processes (the slow whole-model runs start first and overlap the rest)
test: $(STAMP) browser-deps lint typecheck
	$(BIN)/python -m pytest -q -n 2 --dist worksteal --durations=12

# only the JupyterLab + Chromium tests (screenshots in test-artifacts/browser/)
browser: $(STAMP) browser-deps
	$(BIN)/python -m pytest -q -m browser tests/browser

# SCALE-Sim and ZigZag beside our cycles, in their own venv (SCALE-Sim's numpy pin may clash
# with the main one; ZigZag's dependencies stay out of it): `covenant bench --oracles` from the
# main venv runs ZigZag in .venv-oracles as a subprocess
oracles:
	$(PYTHON) -m venv .venv-oracles
	.venv-oracles/bin/pip install -q -e '.[test,oracles]'
	.venv-oracles/bin/python -m pytest -q -m oracle tests/bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
