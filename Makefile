# Two entry points for a fresh machine with Python 3.11+ and make:
#   make lab    virtual environment with the `lab` extra + JupyterLab on the tour notebook
#   make test   virtual environment with the `dev` extra + the whole test suite (lint, types,
#               unit, notebooks, Binder install, browser): about 15-20 minutes on 2 cores
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LAB_STAMP := $(VENV)/.installed-lab
DEV_STAMP := $(VENV)/.installed-dev
# make fuzz: where it writes its per-category counts (build/ is in .gitignore), its budget
# (long: thousands of new cases per strategy; any other value: make test's few dozen, fixed)
# and which tests, e.g. `make fuzz FUZZ_TESTS=tests/fuzz/test_expressions.py`
FUZZ_REPORT ?= build/fuzz-report.json
FUZZ_BUDGET ?= long
FUZZ_TESTS  ?= tests/fuzz
START := $(shell date +%s)

.PHONY: lab demo test lint typecheck suite unit browser browser-deps handouts notebooks fuzz oracles clean

# $(call timed,WHAT,COMMANDS): a banner with the clock time, the commands, then how long they
# took (and the exit status when they failed). No commas in WHAT or COMMANDS.
timed = @t0=$$(date +%s); echo "==> $(1)  [$$(date +%T)]"; \
	( $(2) ); rc=$$?; t=$$(( $$(date +%s) - t0 )); \
	echo "<== $(1): $$((t / 60))m$$((t % 60))s$$([ $$rc = 0 ] || echo "; FAILED with exit $$rc")"; \
	exit $$rc

$(BIN)/python:
	@echo "==> creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# the lab extra: JupyterLab, ipywidgets, anywidget, Bokeh, Dask, pygraphviz (make lab, make demo)
$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(call timed,installing covenant_lab[lab] into $(VENV) (a few minutes the first time),\
	  $(BIN)/pip install -q -e '.[lab]')
	touch $@

# the dev extra: lab + pytest, hypothesis, nbclient, Playwright, ruff, mypy (make test and co.)
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(call timed,installing covenant_lab[dev] into $(VENV) (a few minutes the first time),\
	  $(BIN)/pip install -q -e '.[dev]')
	touch $@ $(LAB_STAMP)

# JupyterLab on notebooks/, opening the tour; 127.0.0.1 only, with Jupyter's default random
# token (printed in the URL). Root (e.g. in a container) needs --allow-root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir=notebooks \
	  --LabApp.default_url=/lab/tree/01_tour.ipynb $(ALLOW_ROOT)

# the notebooks are generated: edit tools/notebook_src/, then write the handouts (notebooks/:
# exercises with empty answer cells, what students get) and the solutions version of each
# (solutions/: a teacher may withhold it); unchanged files are left alone. `make notebooks` = this.
handouts: $(DEV_STAMP)
	$(BIN)/python tools/make_notebooks.py

notebooks: handouts

demo: $(LAB_STAMP)
	$(BIN)/covenant bench --quick --out demo-results
	$(BIN)/covenant report demo-results --html demo-results/report.html

lint: $(DEV_STAMP)
	$(call timed,lint: ruff and the module size budget,\
	  $(BIN)/ruff check covenant_lab tests bench tools && \
	  $(BIN)/python tools/size_budget.py covenant_lab)

typecheck: $(DEV_STAMP)
	$(call timed,types: mypy covenant_lab,$(BIN)/mypy covenant_lab)

# Debian's Chromium for the browser tests (a test tool's own browser download does not work here).
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then \
	  echo "==> browser tests use $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  t0=$$(date +%s); \
	  echo "==> installing Debian's chromium for the browser tests: apt-get update + install" \
	       "(about 100 MB; a minute or two)  [$$(date +%T)]"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium fonts-dejavu-core >/dev/null || exit 1; \
	  echo "<== chromium installed in $$(( $$(date +%s) - t0 ))s"; \
	else \
	  echo "==> browser tests need Debian's chromium: sudo apt-get install chromium" \
	       "(or CHROMIUM=/path/to/chromium); they fail without it"; \
	fi

unit: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -x

# the whole pytest suite: unit tests, notebooks (nbclient), the Binder install, JupyterLab in
# Chromium, every README block; on two processes (the slow whole-model runs start first and
# overlap the rest). tests/progress.py prints the running tests after a minute without a
# finished one (the dots stall at 93-99% while the largest whole-model runs finish).
suite: $(DEV_STAMP)
	$(call timed,pytest: unit + notebooks + Binder install + browser + README on 2 processes,\
	  $(BIN)/python -m pytest -q -n 2 --dist worksteal --durations=12 -p tests.progress)

# everything, in this order; lint and types stop it before the long part
test: $(DEV_STAMP) browser-deps lint typecheck suite
	@t=$$(( $$(date +%s) - $(START) )); echo "make test: passed in $$((t / 60))m$$((t % 60))s"

# only the JupyterLab + Chromium tests (screenshots in test-artifacts/browser/)
browser: $(DEV_STAMP) browser-deps
	$(BIN)/python -m pytest -q -m browser tests/browser

# the fuzz harness with its long budget (thousands of cases per strategy, new ones each run),
# then the table of its cases per category: tried / clean (a CovenantError) / accepted / failed
fuzz: $(DEV_STAMP)
	@mkdir -p $(dir $(FUZZ_REPORT)) && rm -f $(FUZZ_REPORT)
	$(call timed,fuzz: $(FUZZ_TESTS) with COVENANT_FUZZ=$(FUZZ_BUDGET),\
	  COVENANT_FUZZ=$(FUZZ_BUDGET) COVENANT_FUZZ_REPORT=$(abspath $(FUZZ_REPORT)) \
	    $(BIN)/python -m pytest -q -p no:xdist $(FUZZ_TESTS); rc=$$?; \
	  $(BIN)/python tools/fuzz_table.py $(FUZZ_REPORT); table=$$?; \
	  exit $$(( rc ? rc : table )))

# SCALE-Sim and ZigZag beside our cycles, in their own venv (SCALE-Sim's numpy pin may clash
# with the main one; ZigZag's dependencies stay out of it): `covenant bench --oracles` from the
# main venv runs ZigZag in .venv-oracles as a subprocess
oracles:
	$(PYTHON) -m venv .venv-oracles
	.venv-oracles/bin/pip install -q -e '.[test,oracles]'
	.venv-oracles/bin/python -m pytest -q -m oracle tests/bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
