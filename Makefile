# bpcourse: `make test` and `make book` do all the set-up themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
BOOK_NOTEBOOKS      := $(sort $(wildcard book/*.ipynb))
SOLUTION_NOTEBOOKS  := $(sort $(wildcard solutions/*.ipynb))
EXERCISE_NOTEBOOKS  := $(sort $(wildcard exercises/*.ipynb))
JOBS   ?= 2
# Tests run JOBS workers on few cores: one BLAS thread each avoids oversubscription
# (two workers x two BLAS threads on 2 cores made CNN training 20x slower).
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: help install test test-unit test-notebooks test-browser book lab notebooks assign bench bench-torch lint clean

help:
	@echo "make test   - install (once) and run every test: unit, property, grader, notebooks (nbval), browser"
	@echo "make book   - install (once) and build the HTML book into book/_build/html"
	@echo "make lab    - JupyterLab on the book, solutions and exercises"
	@echo "make notebooks - re-execute the book and solution notebooks, storing outputs"
	@echo "make assign - regenerate exercises/ from solutions/"
	@echo "make bench  - run the benchmarks, write benchmarks/RESULTS.md (make bench-torch: with PyTorch as reference)"

# The venv is rebuilt only when requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(STAMP)

test: install
	@$(MAKE) --no-print-directory -k test-unit test-notebooks test-browser

test-unit: install
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) -m "not browser" tests

test-notebooks: install
ifneq ($(strip $(BOOK_NOTEBOOKS) $(SOLUTION_NOTEBOOKS)),)
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) --dist loadfile $(NBVAL) -p no:randomly $(BOOK_NOTEBOOKS) $(SOLUTION_NOTEBOOKS)
endif
ifneq ($(strip $(EXERCISE_NOTEBOOKS)),)
	$(TEST_ENV) $(PY) -m pytest -n $(JOBS) --dist loadfile --nbval-lax --nbval-current-env $(EXERCISE_NOTEBOOKS)
endif

test-browser: install book
	$(PY) -m pytest -m browser tests

book: install
	$(PY) book/build.py

lab: install
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

notebooks: install
	$(PY) -m bpcourse.notebooks $(BOOK_NOTEBOOKS) $(SOLUTION_NOTEBOOKS)

assign: install
	$(VENV)/bin/bpcourse assign solutions/ exercises/

bench: install
	$(PY) benchmarks/run_all.py

# PyTorch as the reference for the conv/pool ratios: installed into .venv only on request
# (a CPU build, ~1 GB; never in requirements.txt).
bench-torch: install
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) benchmarks/run_all.py

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf book/_build test-output .pytest_cache
