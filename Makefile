# The two commands a reader needs: `make book` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
LAB_PORT ?= 8888
# A fresh _build/html each time (no page of an older build survives); the execution
# cache in _build/.jupyter_cache is kept and keyed by the code (book/_ext/seqlab_book.py).
JB_BUILD := rm -rf _build/html && $(BIN)/jupyter-book build --all --keep-going -W .
# Trained weights that chapters cache (seqlab.train.fit); `make clean` removes them.
export SEQLAB_CACHE_DIR ?= $(CURDIR)/_build/checkpoints
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Jupyter refuses to run as root (a container, CI) unless told to.
LAB_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: help book serve lab lab-env test lint unit build site-test reader-test chromium env lock lock-lab strip clean

help:
	@echo "make book   build the site into _build/html (creates .venv, installs everything)"
	@echo "make serve  serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make lab    run the chapters yourself: JupyterLab on http://127.0.0.1:$(LAB_PORT) (installs it)"
	@echo "make test   lint, unit tests, the book build with -W, the browser test, and every"
	@echo "            chapter run alone in a fresh venv from an empty folder (reader-test)"
	@echo "make strip  remove outputs from the notebooks before committing"
	@echo "make clean  remove _build (and the execution cache)"
	@echo "make lock   re-pin requirements.txt, then requirements-lab.txt (make lock-lab: only that)"

# What a fresh machine may lack, said in one line instead of failing deep in a recipe.
NEED_VENV = @$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { echo "$(PYTHON) cannot create \
virtual environments: install Python's venv module (Debian/Ubuntu: apt-get install python3-venv)"; \
exit 1; }
NEED_NPM = @command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || { echo "npm and \
node are needed for the site's JavaScript: install Node.js 20 with npm (Debian/Ubuntu: apt-get \
install nodejs npm)"; exit 1; }

# The pinned environment, rebuilt when requirements.txt or pyproject.toml change.
$(BIN)/.installed: requirements.txt pyproject.toml
	$(if $(wildcard $(BIN)/python),,$(NEED_VENV))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# JupyterLab, pinned in requirements-lab.txt on top of (and never changing) requirements.txt.
$(BIN)/.lab-installed: requirements-lab.txt requirements.txt $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-lab.txt -c requirements.txt
	touch $@

# The site's widget and math JavaScript, exactly as package-lock.json pins it.
node_modules/.installed: package.json package-lock.json
	$(NEED_NPM)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

env: $(BIN)/.installed node_modules/.installed

book: env
	$(JB_BUILD)
	@echo
	@echo "Built. Open it with:  make serve   (then http://127.0.0.1:$(PORT)/)"
	@echo "or open _build/html/index.html in a browser."

lab-env: $(BIN)/.lab-installed

# The chapters in JupyterLab, on this machine only, with nothing fetched from the network
# (no news, no update check, no extension search). Pass more options in LAB_ARGS.
lab: lab-env
	@echo "JupyterLab on 127.0.0.1:$(LAB_PORT) (the next free port if taken); open the URL it prints."
	@echo "Before committing a notebook: make strip"
	$(BIN)/jupyter lab --ip 127.0.0.1 --port $(LAB_PORT) --ServerApp.root_dir=notebooks \
	  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --LabApp.extension_manager=readonly $(LAB_ROOT) $(LAB_ARGS)

serve:
	@test -f _build/html/index.html || { echo "No site yet: run 'make book' first."; exit 1; }
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# The chapters are checked with notebooks/ruff.toml (lines of at most 80 characters, the
# site's code column) but not formatted: ruff format would put one argument a line.
lint: env
	$(BIN)/ruff check src tests book/_ext notebooks
	$(BIN)/ruff format --check src tests book/_ext

# The unit tests, then every docstring example in the package (pytest's doctests).
unit: env
	$(BIN)/python -m pytest -m "not site and not reader"
	$(BIN)/python -m pytest -q --doctest-modules src/seqlab

build: env
	$(JB_BUILD)

# Debian's chromium, unless SEQLAB_CHROMIUM names another Chromium-based browser.
chromium:
	@test -x "$${SEQLAB_CHROMIUM:-/usr/bin/chromium}" || { \
	  echo "Installing Debian's chromium for the browser test"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The lab test (tests/test_lab.py) runs a chapter in JupyterLab, so the site step needs it.
site-test: env lab-env chromium
	$(BIN)/python -m pytest -m site

# Every chapter in a fresh venv holding only the wheel, a kernel and nbclient, each run
# alone from an empty folder with an empty checkpoint cache (as on Colab).
reader-test: env
	$(NEED_VENV)
	$(BIN)/python -m pytest -m reader --durations=0

test: lint unit build site-test reader-test
	@echo "make test: all checks passed"

# Regenerate requirements.txt from requirements.in in a throw-away environment.
lock:
	rm -rf /tmp/seqlab-lock && $(PYTHON) -m venv /tmp/seqlab-lock
	/tmp/seqlab-lock/bin/pip install --quiet -r requirements.in
	{ echo "# The exact environment that builds and tests the book (Python 3.11, CPU)."; \
	  echo "# Regenerate with 'make lock' after changing a top-level package in requirements.in."; \
	  /tmp/seqlab-lock/bin/pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; \
	} > requirements.txt
	$(MAKE) lock-lab

# Regenerate requirements-lab.txt: install requirements.txt into a throw-away environment,
# add requirements-lab.in under requirements.txt as constraints (pip stops if JupyterLab
# would need another version of a package pinned there), and pin what it added.
LAB_LOCK := /tmp/seqlab-lock-lab
lock-lab:
	rm -rf $(LAB_LOCK) && $(PYTHON) -m venv $(LAB_LOCK)
	$(LAB_LOCK)/bin/pip install --quiet -r requirements.txt
	$(LAB_LOCK)/bin/pip freeze --exclude-editable | LC_ALL=C sort > $(LAB_LOCK)/base.txt
	$(LAB_LOCK)/bin/pip install --quiet -r requirements-lab.in -c requirements.txt
	$(LAB_LOCK)/bin/pip check
	{ echo "# JupyterLab for 'make lab', and every package it adds to requirements.txt (Python 3.11)."; \
	  echo "# Install with -c requirements.txt. Regenerate with 'make lock-lab' (after 'make lock')."; \
	  $(LAB_LOCK)/bin/pip freeze --exclude-editable | LC_ALL=C sort | comm -13 $(LAB_LOCK)/base.txt - | LC_ALL=C sort -f; \
	} > requirements-lab.txt

strip: env
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

clean:
	rm -rf _build
