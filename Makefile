# Two entry points on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test bench bench-train bench-imagenet clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.dev: pyproject.toml requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/.demo
	$(BIN)/memorizers demo

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/yun3.py

bench-train: $(VENV)/.dev
	$(BIN)/python benchmarks/construct_vs_train.py

bench-imagenet: $(VENV)/.dev
	$(BIN)/python benchmarks/imagenet_scale.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
