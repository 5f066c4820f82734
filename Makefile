# Two entry points for a fresh clone (see README): `make lab` and `make test`.
# Each installs what it needs: a virtualenv in .venv with the package (its JS bundle is
# built by npm during `pip install`), and, for the browser tests, Debian's Chromium.

VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
# The lowest supported Python (pyproject's requires-python), from pyenv.
VENV310 ?= .venv310
# Kernels, nbval and JupyterLab must find this virtualenv's python first.
export PATH := $(BIN):$(PATH)

.PHONY: lab test lint test-js test-py test-py310 check-dist bench chromium

$(VENV)/.installed: pyproject.toml js/package.json js/package-lock.json
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	cd js && npm ci --no-audit --no-fund
	touch $@

chromium:
	@bash scripts/ensure-chromium.sh

# As root (containers) Jupyter refuses to start without --allow-root.
LAB_ARGS ?=
lab: $(VENV)/.installed
	@echo "Starting JupyterLab on notebooks/. Open the http://127.0.0.1:<port>/lab?token=<token>"
	@echo "URL it prints below in your browser; stop it with Ctrl-C."
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) notebooks/

test: $(VENV)/.installed chromium
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint && \
	$(MAKE) --no-print-directory test-js && \
	$(MAKE) --no-print-directory test-py && \
	$(MAKE) --no-print-directory test-py310 && \
	$(MAKE) --no-print-directory check-dist; \
	status=$$?; echo "test suite took $$(( $$(date +%s) - start ))s"; exit $$status

# Python lint, format and types (the view's types are checked by test-js).
LINTED := chatkit_widget chatkit_widget_uploads tests benchmarks scripts notebooks
lint: $(VENV)/.installed
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

test-js: $(VENV)/.installed
	cd js && npm run typecheck && npm test

# Offline on purpose: the committed notebook outputs come from the offline model.
test-py: $(VENV)/.installed
	env -u OPENAI_API_KEY -u OPENAI_BASE_URL \
		$(BIN)/pytest --nbval-lax --basetemp=.pytest_tmp tests notebooks

# The wheel and sdist install and run without Node (scripts/check-dist.sh).
check-dist: $(VENV)/.installed
	BIN=$(BIN) bash scripts/check-dist.sh

# Kernel-side tests (no browser, no notebooks) on the lowest supported Python.
$(VENV310)/.installed: pyproject.toml
	@root=$$(pyenv root 2>/dev/null || echo "$${PYENV_ROOT:-$$HOME/.pyenv}"); \
	py=$$(ls -d "$$root"/versions/3.10.*/bin/python 2>/dev/null | sort -V | tail -n 1); \
	if [ -z "$$py" ]; then \
		echo "test-py310: no Python 3.10 in $$root/versions/3.10.*: install it (pyenv install 3.10) to test the lowest supported Python" >&2; \
		exit 1; \
	fi; \
	echo "test-py310: using $$py"; \
	rm -rf $(VENV310) && "$$py" -m venv $(VENV310) && \
	$(VENV310)/bin/pip install --quiet --upgrade pip && \
	$(VENV310)/bin/pip install --quiet -e ".[test]"
	touch $@

test-py310: $(VENV310)/.installed
	env -u OPENAI_API_KEY -u OPENAI_BASE_URL \
		$(VENV310)/bin/pytest -p no:cacheprovider --basetemp=.pytest_tmp310 tests --ignore=tests/ui

# Every benchmark runs even when one misses its limit; the exit status says if any did.
BENCHMARKS := bench_transport bench_render "bench_render --paced" bench_long_thread \
	bench_attachments bench_agent_turns bench_widgets
bench: $(VENV)/.installed chromium
	@status=0; for b in $(BENCHMARKS); do \
		echo "== python -m benchmarks.$$b"; $(BIN)/python -m benchmarks.$$b || status=1; \
	done; exit $$status
