# The two commands a reader needs: `make book` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# A fresh _build/html each time (no page of an older build survives); the execution
# cache in _build/.jupyter_cache is kept and keyed by the code (book/_ext/seqlab_book.py).
JB_BUILD := rm -rf _build/html && $(BIN)/jupyter-book build --all --keep-going -W .
# Trained weights that chapters cache (seqlab.train.fit); `make clean` removes them.
export SEQLAB_CACHE_DIR ?= $(CURDIR)/_build/checkpoints
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help book serve test lint unit build site-test reader-test chromium env lock strip clean

help:
	@echo "make book   build the site into _build/html (creates .venv, installs everything)"
	@echo "make serve  serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make test   lint, unit tests, the book build with -W, the browser test, and every"
	@echo "            chapter run alone in a fresh venv from an empty folder (reader-test)"
	@echo "make strip  remove outputs from the notebooks before committing"
	@echo "make clean  remove _build (and the execution cache)"

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

serve:
	@test -f _build/html/index.html || { echo "No site yet: run 'make book' first."; exit 1; }
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

lint: env
	$(BIN)/ruff check src tests book/_ext
	$(BIN)/ruff format --check src tests book/_ext

unit: env
	$(BIN)/python -m pytest -m "not site and not reader"

build: env
	$(JB_BUILD)

# Debian's chromium, unless SEQLAB_CHROMIUM names another Chromium-based browser.
chromium:
	@test -x "$${SEQLAB_CHROMIUM:-/usr/bin/chromium}" || { \
	  echo "Installing Debian's chromium for the browser test"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

site-test: env chromium
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

strip: env
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

clean:
	rm -rf _build
