# Two entry points for a fresh clone (see README): `make lab` and `make test`.
# Each installs what it needs: a virtualenv in .venv with the package (its JS bundle is
# built by npm during `pip install`), and, for the browser tests, Debian's Chromium.

VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
# Kernels, nbval and JupyterLab must find this virtualenv's python first.
export PATH := $(BIN):$(PATH)

.PHONY: lab test test-js test-py bench chromium

$(VENV)/.installed: pyproject.toml js/package.json js/package-lock.json
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	cd js && npm ci --no-audit --no-fund
	touch $@

chromium:
	@bash scripts/ensure-chromium.sh

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

test: $(VENV)/.installed chromium
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory test-js && \
	$(MAKE) --no-print-directory test-py; \
	status=$$?; echo "test suite took $$(( $$(date +%s) - start ))s"; exit $$status

test-js: $(VENV)/.installed
	cd js && npm run typecheck && npm test

# Offline on purpose: the committed notebook outputs come from the offline model.
test-py: $(VENV)/.installed
	env -u OPENAI_API_KEY -u OPENAI_BASE_URL \
		$(BIN)/pytest --nbval-lax --basetemp=.pytest_tmp tests notebooks

bench: $(VENV)/.installed chromium
	$(BIN)/python -m benchmarks.bench_transport
	$(BIN)/python -m benchmarks.bench_render
	$(BIN)/python -m benchmarks.bench_long_thread
	$(BIN)/python -m benchmarks.bench_attachments
