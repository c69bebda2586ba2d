# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test quick build check lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	$(BIN)/python -m pip check
	@# bubblewrap isolates each submission's kernel during autograding (docs/grading.md)
	command -v bwrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq bubblewrap; } \
	  || echo "warning: bubblewrap is not installed; tito grade autograde will refuse to run"
	@# headless Chromium and its WebDriver run the browser tests (tests/browser)
	{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 \
	  || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji; } \
	  || echo "warning: chromium or chromium-driver is not installed; the browser tests will fail"
	@# PostgreSQL: the tests start a throwaway server as a gradebook (tests/grading/services.py)
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql; } \
	  || echo "warning: PostgreSQL is not installed; the PostgreSQL gradebook tests will be skipped"
	touch $@

demo: $(STAMP)
	$(BIN)/python -m tito.demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

# The quick loop while changing the project: everything but the tests marked slow,
# notebook, grading or browser (tests/conftest.py); `make test` runs them all.
quick: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not (slow or notebook or grading or browser)" tests

build: $(STAMP)
	$(BIN)/tito build --all

check: $(STAMP)
	$(BIN)/tito build --check

lint: $(STAMP)
	$(BIN)/tito lint

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_optimizers.py
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_autograde.py

clean:
	rm -rf $(VENV) demo
