# Two commands do all the set-up on a machine with only python3, pip and apt:
#   make run   creates .venv, installs dl-lab and serves it on http://localhost:8501
#   make test  the same plus the test tools (Debian's chromium too), then the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet -c constraints.txt
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PORT ?= 8501

.PHONY: run test test-core test-app test-e2e bench clean

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-core test-app test-e2e: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/$(subst test-,,$@)

bench: $(VENV)/.installed-test  # the browser benchmarks need playwright and chromium
	$(BIN)/python benchmarks/run_all.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is installed first and alone so that pip takes the pinned build, not the newest CUDA one.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) "torch==$$(sed -n 's/^torch==//p' constraints.txt)"
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e ".[test]"
	{ command -v chromium && test -x /usr/sbin/nginx; } >/dev/null || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium nginx; }
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/e2e/artifacts
