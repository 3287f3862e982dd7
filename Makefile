# cnnlab: two commands on a fresh machine.
#   make lab    install what a student needs, prepare the datasets, open the workbook in JupyterLab
#   make test   install the developer tools too, then lint, unit tests, every notebook executed and
#               checked, two course assignments, the browser pass (about 10 minutes on 2 cores)
#   make test-all  what CI runs: make test, then the slow training tests, the course round trip on
#               every notebook, and a class on JupyterHub
#   make quick  the quick tier while working: lint, notebook conventions, unit tests
# `make lab` calls `cnnlab lab` (cnnlab/setup/cli.py), which works the same on Windows without make.
#
# Settings (environment or `make VAR=value`):
#   CNNLAB_ARCHIVES  folder(s) holding the offline dataset archives (see data/README.md)
#   HEADLESS=1       start JupyterLab without a browser on a fixed PORT and TOKEN (servers)
#   PORT, TOKEN      used when HEADLESS=1 (defaults 8888 and "cnnlab")
#   PYTHON           the interpreter that creates the virtual environment (default python3)
#   TORCH            extra pip requirements for torch; see below

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8888
TOKEN ?= cnnlab
HEADLESS ?= 0
JOBS ?= 2
export CNNLAB_DATA ?= $(CURDIR)/data
NOTEBOOK_DIR ?= notebooks
# No MPLBACKEND here: JupyterLab hands its environment to every kernel, and a kernel told
# "Agg" draws no figure at all. Only the unit tests (no kernel, no screen) ask for Agg.
export PYDEVD_DISABLE_FILE_VALIDATION = 1

# Course machines keep torch 2.14.1 and torchvision 0.29.1 on local disk (capped by
# /etc/xdg/pip/constraints.txt, or as files in a local wheel folder pip is configured to read):
# ask for exactly those so pip takes the local files instead of downloading several GB.
# Elsewhere the ranges in pyproject.toml apply.
LOCAL_WHEELS := $(wildcard /opt/wheels/torchvision-0.29.1-*.whl /opt/pypi-more/files/torchvision-0.29.1-*.whl)
TORCH ?= $(shell (grep -qs 'torch<=2.14.1' /etc/xdg/pip/constraints.txt || test -n "$(LOCAL_WHEELS)") && echo 'torch==2.14.1 torchvision==0.29.1')

STAMP := $(VENV)/.cnnlab-installed
CLASS_STAMP := $(VENV)/.cnnlab-class-installed
DEV_STAMP := $(VENV)/.cnnlab-dev-installed

.PHONY: lab quick test test-all slow course-all hub-check install install-class install-dev data lint unit notebooks check-notebooks browser course course-check hub clean-notebooks record-outputs bench

# What a student needs: the package and the notebooks' frontend (JupyterLab, widgets, canvas).
install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH) -e ".[notebooks]" 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import cnnlab, torch, torchvision, ipywidgets, ipycanvas, jupyterlab"
	touch $@

# A class's student servers on top (deploy/Dockerfile, make hub): nbgrader's Validate button,
# jupyterhub-singleuser and nbgitpuller; nbgrader's teacher tools stay hidden (docs/teachers.md).
install-class: $(CLASS_STAMP)

$(CLASS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet $(TORCH) -e ".[notebooks,course,hub]" 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import cnnlab, nbgrader, jupyterhub, nbgitpuller"
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader:formgrader >/dev/null 2>&1
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader:create-assignment >/dev/null 2>&1
	$(BIN)/jupyter server extension disable --sys-prefix nbgrader.server_extensions.formgrader >/dev/null 2>&1
	touch $@

# What the tests need on top: pytest, papermill, nbval, ruff, Playwright, airbench.
install-dev: $(DEV_STAMP)

$(DEV_STAMP): $(CLASS_STAMP)
	$(BIN)/python -m pip install --quiet $(TORCH) -e ".[notebooks,course,hub,dev,bench]" 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import cnnlab, papermill, nbval, pytest, playwright, ruff"
	touch $@

data: install
	$(BIN)/cnnlab data cifar10 mnist fashion_mnist

lab: install
	$(BIN)/cnnlab lab $(if $(filter 1,$(HEADLESS)),--headless --port=$(PORT) --token=$(TOKEN)) --notebook-dir=$(NOTEBOOK_DIR)

lint: install-dev
	$(BIN)/ruff check cnnlab tests tools deploy notebooks

check-notebooks: install-dev
	$(BIN)/python tools/check_notebooks.py notebooks

unit: install-dev
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n $(JOBS) -m "not browser and not slow and not course" tests

notebooks: install-dev data
	$(BIN)/python tools/prepare_notebooks.py notebooks build/notebooks tests/notebook_parameters.json
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(JOBS) --dist loadscope \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
		--nbval-sanitize-with tests/nbval_sanitize.cfg build/notebooks

# One pass in headless Chromium over the explorers and every notebook that plots.
browser: install-dev
	$(BIN)/python -m pytest -q -m "browser and not slow" tests

# The slow tier (make test-all): torch.compile, torchrun, MNIST digits, notebook 08 interrupted and resumed.
slow: install-dev data
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n $(JOBS) -m "slow and not browser and not course" tests

# A teacher's course (see README, "For teachers"): build/course/source with the solutions,
# build/course/release for the students, written by nbgrader; then nbgrader's own commands.
course: install-dev
	$(BIN)/python tools/make_course.py notebooks build/course

# The course round trip with small parameters: solved source full marks, unanswered release zero.
# course-check: two assignments (make test); course-all: every notebook with exercises.
course-check: install-dev data
	$(BIN)/python -m pytest -q -m "course and not slow" tests

course-all: install-dev data
	$(BIN)/python -m pytest -q -m "course and slow" tests

# A class on this machine (see README, "For teachers"): JupyterHub on http://127.0.0.1:8000,
# any user name with password CNNLAB_HUB_PASSWORD (default cnnlab); settings in deploy/hub/.
HUB_PROXY := deploy/hub/node_modules/.bin/configurable-http-proxy
hub: install-class data $(HUB_PROXY)
	$(BIN)/jupyterhub -f deploy/hub/jupyterhub_config.py

$(HUB_PROXY): deploy/hub/package.json deploy/hub/package-lock.json
	cd deploy/hub && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# A class on one JupyterHub, in Chromium: students spawning at once, two side by side.
hub-check: install-class install-dev data $(HUB_PROXY)
	$(BIN)/python -m pytest -q -m "browser and slow" tests

# The quick tier, while working: lint, notebook conventions, unit tests.
quick: lint check-notebooks data unit
	@echo "make quick: lint, conventions and unit tests passed (make test runs everything)"

# The full tier for a developer: the quick tier, every notebook, two course assignments, the browser.
test: quick notebooks course-check browser
	@echo "make test: all checks passed (make test-all adds the slow tier, the whole course and the hub)"

# What CI runs: make test, then the slow tier, the whole course and a class on JupyterHub.
test-all: test slow course-all hub-check
	@echo "make test-all: all checks passed"

# Re-record the kept outputs of `# NBVAL_CHECK_OUTPUT` cells (run after changing such a cell).
record-outputs: install-dev data
	$(BIN)/python tools/prepare_notebooks.py notebooks build/recorded tests/notebook_parameters.json
	for nb in build/recorded/*.ipynb; do (cd build/recorded && ../../$(BIN)/papermill -k python3 --cwd . $$(basename $$nb) $$(basename $$nb)) || exit 1; done
	$(BIN)/python tools/check_notebooks.py --record build/recorded notebooks

clean-notebooks: install-dev
	$(BIN)/python tools/check_notebooks.py --fix notebooks

# The benchmark and, beside it, the notebook a student runs (defaults, MODEL=fast): ~25 min on a CPU.
bench: install-dev data
	$(BIN)/python -m cnnlab.bench.cifar cifar10 --budget 600 --recipe fast --notebook
