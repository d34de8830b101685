# Two entry points on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast fuzz lint docs browser fashion-mnist report bench bench-train bench-imagenet bench-gpu clean

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

# two workers (pytest-xdist), each test file on one of them: the report's module fixture runs once
test: $(VENV)/.dev browser fashion-mnist lint docs
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# the edit loop's tier (under 3 minutes on 2 cores): the docs (every docstring's references are checked there), no
# test marked slow, few hypothesis examples, a short fuzz
test-fast: $(VENV)/.dev docs
	MEMORIZERS_FUZZ=5 $(BIN)/python -m pytest -q -n 2 -m "not slow" --hypothesis-profile=fast

# the certificate's fuzz at full count: 3000 networks per activation, pre-activations on and beside every kink,
# every label kind (make test runs the same tests on 25); 600 per activation and format against the emulator
fuzz: $(VENV)/.dev
	MEMORIZERS_FUZZ=3000 $(BIN)/python -m pytest -q -n 2 -p no:randomly tests/test_kinks.py tests/test_formats.py

# style, checked (not just configured): ruff's lint rules of pyproject.toml and its formatter; and the layer
# contract of pyproject.toml (import-linter: no import cycle, imports inside functions counted)
lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks examples docs/conf.py docs/_ext
	$(BIN)/ruff format --check src tests benchmarks examples docs/conf.py docs/_ext
	$(BIN)/lint-imports --no-cache

# the documentation (docs/): Sphinx with warnings as errors and every cross-reference checked (-W -n); the gallery
# (examples/) is executed, so its figures are what the code draws today
docs: $(VENV)/.dev
	MPLBACKEND=Agg $(BIN)/sphinx-build -q -E -W -n --keep-going -b html docs docs/_build/html

# Debian's chromium, for the test that renders the HTML report; installed when running as root with apt,
# otherwise that one test is skipped (CI sets MEMORIZERS_REQUIRE_CHROMIUM=1 so that there it fails instead)
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
		|| echo "chromium not installed: the report's browser test will be skipped"

# Debian's dataset-fashion-mnist (the IDX files under /usr/share/datasets/fashion-mnist), for the tests and
# benchmarks on real data; installed when running as root with apt (CI sets MEMORIZERS_REQUIRE_FASHION_MNIST=1)
fashion-mnist:
	@[ -d /usr/share/datasets/fashion-mnist ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null; } \
		|| echo "dataset-fashion-mnist not installed: the tests on Fashion-MNIST will be skipped"

report: $(VENV)/.dev
	$(BIN)/memorizers reproduce all --out results

# each script's tables are printed and written to docs/benchmarks/<script>.md (date, machine, commit), which the
# documentation's benchmarks page shows: commit them with the change they measure
bench: $(VENV)/.dev fashion-mnist
	$(BIN)/python benchmarks/publish.py yun3 certify build_profile vardi float_native

bench-train: $(VENV)/.dev fashion-mnist
	$(BIN)/python benchmarks/publish.py construct_vs_train

bench-imagenet: $(VENV)/.dev
	$(BIN)/python benchmarks/publish.py imagenet_scale

# on a machine with a CUDA GPU whose python3 has PyTorch, NumPy and SciPy (no venv: such machines may have no
# network): the GPU path's tests on CUDA, then Proposition 3.2 at N = 10^7 built, verified and certified there
bench-gpu:
	PYTHONPATH=src python3 -m pytest -q -p no:cacheprovider tests/test_gpu.py
	PYTHONPATH=src python3 benchmarks/imagenet_scale.py --n 10000000 --widths smallest --device cuda

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
