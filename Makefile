# Two entry points for a fresh machine with Python 3.11+ and make:
#   make lab    virtual environment + JupyterLab on the tour notebook (127.0.0.1, with a token)
#   make test   virtual environment + the whole test suite (lint, types, unit, notebooks, browser)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab demo test lint typecheck unit browser-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 notebooks/01_tour.ipynb

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

test: $(STAMP) browser-deps lint typecheck
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
