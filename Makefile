# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test build check lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	$(BIN)/python -m pip check
	@# bubblewrap isolates each submission's kernel during autograding (docs/grading.md)
	command -v bwrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq bubblewrap; } \
	  || echo "warning: bubblewrap is not installed; tito grade autograde will refuse to run"
	touch $@

demo: $(STAMP)
	$(BIN)/python -m tito.demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

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
