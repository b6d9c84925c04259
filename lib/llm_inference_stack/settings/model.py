"""Settings of one served model: its weights, the vLLM runtime and its pod's resources and placement."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..errors import Fix, Namer, SettingsError, values_key
from ..facts import kserve
from ..names import (
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    GPU_RESOURCE_FIX,
    is_gpu_resource_name,
    is_label_value,
    is_qualified_name,
    object_name_for,
)
from ..pins import VLLM_IMAGE
from ..quantity import parse_quantity
from ._checks import (
    check_dns1035_label,
    check_dns_label,
    check_image,
    check_label_map,
    check_quantity,
    require,
    served_name_problem,
    storage_uri_problem,
)
from ._vllm_flags import resolve as resolve_vllm_flag
from ._vllm_flags import values as flag_values
from .gateway import RateLimitConfig
from .inherit import Settings, inherit_defaults
from .routing import RoutingConfig
from .scaling import AutoscalingConfig
from .typed import Typed

DEFAULT_VLLM_IMAGE = VLLM_IMAGE
"""The vLLM image the stack runs; its tag is the vLLM version the arguments are checked against."""

STORAGE_SCHEMES = ("s3", "gs", "hf", "pvc", "oci", "https", "azure")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _over_limit_fix(name: str, limit: str) -> Fix:
    return lambda n: (
        f"a request may not exceed its limit ({n(f'limits.{name}')} is {limit!r}): lower the request or raise the limit"
    )


@dataclass(frozen=True, kw_only=True)
class ResourceList(Settings):
    """CPU, memory and ephemeral storage for one container (GPUs are added from ``gpuCount``).

    In ``Resources`` a list inherits what it does not set from the default requests or limits
    (``settings.inherit``): ``ResourceList(cpu="4", memory="8Gi")`` keeps the default ephemeral storage,
    ``ephemeral_storage=None`` sets none.
    """

    cpu: str
    """CPU as a Kubernetes quantity, e.g. ``"8"`` or ``"500m"``."""
    memory: str
    """Memory as a Kubernetes quantity, e.g. ``"64Gi"``."""
    ephemeral_storage: str | None = None
    """Node disk (``ephemeral-storage``) for the downloaded weights, e.g. ``"150Gi"``; null (``None`` given) leaves
    it out. In ``Resources``, a list that does not set it keeps the default's (150Gi requested, 300Gi limit).
    Default: none."""

    def __post_init__(self) -> None:
        check_quantity("cpu", self.cpu)
        check_quantity("memory", self.memory)
        if self.ephemeral_storage is not None:
            check_quantity("ephemeral_storage", self.ephemeral_storage)

    def quantities(self) -> dict[str, str]:
        """Kubernetes resource name -> quantity, for the container's ``resources``."""
        out = {"cpu": self.cpu, "memory": self.memory}
        if self.ephemeral_storage is not None:
            out["ephemeral-storage"] = self.ephemeral_storage
        return out


DEFAULT_REQUESTS = ResourceList(cpu="8", memory="64Gi", ephemeral_storage="150Gi")
DEFAULT_LIMITS = ResourceList(cpu="16", memory="128Gi", ephemeral_storage="300Gi")


@dataclass(frozen=True, kw_only=True)
class Resources(Settings):
    """Requests and limits of the vLLM container.

    The storage initializer downloads the weights into an emptyDir on the node's disk, so the pod requests
    ``ephemeral-storage`` for them (the defaults fit a 70B model in 16-bit, about 140 GB).
    """

    requests: ResourceList = DEFAULT_REQUESTS
    """What the vLLM container requests; each may not exceed its limit. A list given keeps the default's fields it
    does not set. Default: 8 CPUs, 64Gi memory, 150Gi ephemeral storage."""
    limits: ResourceList = DEFAULT_LIMITS
    """Limits of the vLLM container. A list given keeps the default's fields it does not set. Default: 16 CPUs,
    128Gi memory (model weights are read through page cache), 300Gi ephemeral storage."""

    def __post_init__(self) -> None:
        inherit_defaults(self, "requests", "limits")
        for name in ("cpu", "memory", "ephemeral_storage"):
            request, limit = getattr(self.requests, name), getattr(self.limits, name)
            if request is not None and limit is not None and parse_quantity(request) > parse_quantity(limit):
                raise SettingsError(
                    f"requests.{name}",
                    request,
                    _over_limit_fix(name, limit),
                )


@dataclass(frozen=True, kw_only=True)
class Toleration(Typed):
    """A Kubernetes toleration for the model pods (checked as the API server checks it)."""

    key: str | None = None
    """Taint key, a qualified name; empty tolerates every taint (operator ``Exists`` only). Default: none."""
    operator: Literal["Exists", "Equal"] = "Exists"
    """``Exists`` (any value; ``value`` must be empty) or ``Equal``. Default: Exists."""
    value: str | None = None
    """Taint value for ``Equal``, a label value. Default: none."""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    """Taint effect; null matches every effect. Default: null."""

    def __post_init__(self) -> None:
        if self.key:
            require(
                is_qualified_name(self.key),
                "key",
                self.key,
                "use a taint key that is a qualified name, e.g. 'nvidia.com/gpu' (an optional DNS-1123 prefix and "
                "'/', then at most 63 letters, digits, '-', '_' or '.')",
            )
        else:
            require(
                self.operator == "Exists",
                "operator",
                self.operator,
                "use operator Exists when key is empty (it tolerates every taint), or set key",
            )
        if self.operator == "Exists":
            require(
                not self.value,
                "value",
                self.value,
                "remove value: operator Exists matches any value of the taint (use operator Equal to match one value)",
            )
        else:
            require(
                is_label_value(self.value or ""),
                "value",
                self.value,
                "use a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter "
                "or digit",
            )


GPU_TOLERATION = Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")

_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")


@dataclass(frozen=True, kw_only=True)
class SecretKeyRef(Typed):
    """One key of a Secret in the model's namespace."""

    name: str
    """Name of the Secret (a DNS-1123 subdomain)."""
    key: str
    """Key of the value in the Secret's data."""

    def __post_init__(self) -> None:
        require(
            bool(DNS1123_SUBDOMAIN.fullmatch(self.name)) and len(self.name) <= 253,
            "name",
            self.name,
            "use the name of a Secret in the model's namespace (a DNS-1123 subdomain)",
        )
        require(
            bool(_SECRET_KEY.fullmatch(self.key)) and self.key not in (".", ".."),
            "key",
            self.key,
            "use a key of the Secret's data: letters, digits, '-', '_' and '.'",
        )


@dataclass(frozen=True, kw_only=True)
class EnvFromSecret(Typed):
    """An environment variable read from a Secret (``valueFrom.secretKeyRef``), so no credential is written out."""

    secret_key_ref: SecretKeyRef
    """The Secret and key holding the value."""


EnvValue = str | EnvFromSecret
"""A literal value, or a reference to a Secret's key."""


GENERATED_VLLM_FLAGS: Mapping[str, tuple[str, str | None]] = {
    "--served-model-name": ("from {}", "model.name"),
    "--host": ("vLLM listens on every interface of the pod", None),
    "--port": (
        f"KServe's predictor Service sends port {kserve.PREDICTOR_SERVICE_PORT} to {kserve.CONTAINER_PORT}",
        None,
    ),
    "--tensor-parallel-size": ("from {}", "model.runtime.gpu_count"),
    "--gpu-memory-utilization": ("set {} instead", "model.runtime.gpu_memory_utilization"),
    "--max-model-len": ("set {} instead", "model.runtime.max_model_len"),
    "--shutdown-timeout": ("set {} instead", "model.runtime.shutdown_timeout_seconds"),
    "--model": ("the model path is the positional argument, where KServe mounts the weights", None),
    "--otlp-traces-endpoint": (
        "from {}, or the Phoenix endpoint's host on 4317",
        "observability.phoenix.grpc_endpoint",
    ),
}
"""``vllm serve`` flags the stack writes itself: long flag -> (where the value comes from, the settings field it
comes from for the ``{}`` in that text)."""

WIRED_VLLM_FLAGS: Mapping[str, str] = {
    "--download-dir": "the weights are where KServe's storage initializer puts them, in the model path",
    "--uds": "vLLM would listen on a Unix socket instead of port 8080, where the probes and the gateway connect",
    "--headless": "vLLM would run no API server for the probes and the gateway",
    "--ssl-keyfile": "vLLM would speak TLS on port 8080, where the probes and the gateway speak plain HTTP",
    "--ssl-certfile": "vLLM would speak TLS on port 8080, where the probes and the gateway speak plain HTTP",
    "--config": "a config file could set any flag the stack generates, out of sight of these checks",
}
"""``vllm serve`` flags that would undo what the stack wires around vLLM: long flag -> why."""

GENERATED_VLLM_ENV = frozenset(
    {
        "HF_HUB_OFFLINE",
        "VLLM_NO_USAGE_STATS",
        "DO_NOT_TRACK",
        "PHOENIX_API_KEY",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_EXPORTER",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    }
)
"""Variables of the vLLM container the stack sets (the model server's and the trace exporter's; a test holds this
list against the synthesized container) or whose override would redirect the spans: ``env`` may not set them."""

_PARALLEL_DESTS = (
    "pipeline_parallel_size",
    "prefill_context_parallel_size",
    "data_parallel_size",
    "data_parallel_size_local",
    "nnodes",
)


def _dest(flag: str) -> str:
    return flag[2:].replace("-", "_")


def _owner(text: str, field: str | None, namer: Namer) -> str:
    return text.format(namer(field)) if field is not None else text


def generated_flag_owner(arg: str, namer: Namer = values_key) -> str | None:
    """Where the value of ``arg`` comes from when vLLM's parser reads it as a flag the stack generates or wires,
    else None; settings fields spelled by ``namer`` (default: as a values file spells them).

    Decided by vLLM 0.32's own parser (``_vllm_flags``): ``--flag=value``, underscores for dashes, the short
    aliases (``-tp``, ``-tp=2``) and every abbreviation argparse resolves (``--ho`` is ``--host``).
    """
    dest = resolve_vllm_flag(arg).dest
    if dest is None:
        return None
    for flag, (text, source) in GENERATED_VLLM_FLAGS.items():
        if _dest(flag) == dest:
            return _owner(text, source, namer)
    for flag, why in WIRED_VLLM_FLAGS.items():
        if _dest(flag) == dest:
            return why
    return None


def _flag_fix(arg: str) -> Fix:
    resolved = resolve_vllm_flag(arg)
    read_as = "" if resolved.option == arg.split("=", 1)[0] else f"vLLM's parser reads it as {resolved.option}: "
    if any(_dest(flag) == resolved.dest for flag in WIRED_VLLM_FLAGS):
        return lambda n: f"{read_as}{generated_flag_owner(arg, n)}: remove it from {n('extra_args')}"
    return lambda n: (
        f"{read_as}the stack generates this vLLM flag ({generated_flag_owner(arg, n)}); a second one would override "
        f"it (vLLM's parser keeps the last): remove it from {n('extra_args')}"
    )


def _check_parallelism(extra_args: Sequence[str], gpu_count: int) -> None:
    """vLLM runs pipeline x tensor x prefill-context x local data-parallel ranks, one GPU each, in the pod; the
    stack sets tensor parallelism to ``gpu_count``, so the others must stay 1."""
    given = {dest: flag_values(extra_args, dest) for dest in _PARALLEL_DESTS}
    sizes: dict[str, int] = {}
    for dest, found in given.items():
        for index, value in found:
            if value is None or not value.isdigit() or int(value) < 1:
                raise SettingsError(f"extra_args[{index}]", extra_args[index], "give it a positive integer")
            sizes[dest] = int(value)
    if sizes.get("nnodes", 1) != 1:
        index = given["nnodes"][-1][0]
        raise SettingsError(
            f"extra_args[{index}]", extra_args[index], "a replica is one pod on one node: remove the --nnodes flag"
        )
    local_dp = sizes.get("data_parallel_size_local", sizes.get("data_parallel_size", 1))
    product = sizes.get("pipeline_parallel_size", 1) * sizes.get("prefill_context_parallel_size", 1) * local_dp
    if product != 1:
        index = min(i for dest in _PARALLEL_DESTS[:-1] for i, _ in given[dest])
        raise SettingsError(
            f"extra_args[{index}]",
            extra_args[index],
            lambda n: (
                f"vLLM would start pipeline x tensor x prefill-context x local data-parallel = {product * gpu_count} "
                f"ranks, one GPU each, but the pod has {n('gpu_count')} = {gpu_count} GPUs (the stack sets "
                f"--tensor-parallel-size to {n('gpu_count')}): remove the flag or set it to 1"
            ),
        )


@dataclass(frozen=True, kw_only=True)
class RuntimeConfig(Typed):
    """How vLLM runs: image, GPUs, engine settings and pod placement."""

    image: str = DEFAULT_VLLM_IMAGE
    """vLLM OpenAI server image, pinned by tag or digest (``latest`` and untagged are rejected).
    Default: ``vllm/vllm-openai:v0.32.0``."""
    gpu_count: int = 1
    """GPUs per replica, from 1 to 16; also ``--tensor-parallel-size``; more than 1 adds a memory-backed
    ``/dev/shm``. Default: 1."""
    gpu_resource_name: str = "nvidia.com/gpu"
    """Extended resource name of the GPU. Default: ``nvidia.com/gpu``."""
    max_model_len: int | None = 8192
    """``--max-model-len`` (context length in tokens); null leaves vLLM's model default. Default: 8192."""
    gpu_memory_utilization: float = 0.9
    """``--gpu-memory-utilization``, a fraction in (0, 1]. Default: 0.9."""
    extra_args: tuple[str, ...] = ()
    """Further ``vllm serve`` flags, appended after the generated ones. Flags the stack generates or wires are
    refused in every spelling vLLM 0.32's parser accepts (``--port``, ``--host``, ``--served-model-name``,
    ``--tensor-parallel-size``/``-tp``, ``--max-model-len``, ``--gpu-memory-utilization``, ``--model``,
    ``--otlp-traces-endpoint``, ``--shutdown-timeout``, ``--download-dir``, ``--uds``, ``--headless``,
    ``--ssl-keyfile``/``--ssl-certfile``, ``--config``; ``--flag=value``, underscores and every abbreviation argparse
    resolves, e.g. ``--ho``); ambiguous abbreviations are refused; pipeline, prefill-context and local data
    parallelism must stay 1 (the pod's GPUs are the tensor-parallel ranks). Default: none."""
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    """Extra environment variables of the vLLM container: a literal string, or ``{secretKeyRef: {name, key}}``
    for credentials (``HF_TOKEN``); not the ones the stack sets (``GENERATED_VLLM_ENV``: ``HF_HUB_OFFLINE``,
    ``VLLM_NO_USAGE_STATS``, ``DO_NOT_TRACK``, ``PHOENIX_API_KEY``, the ``OTEL_*`` of the trace exporter). Literal
    values reach the process exactly as written (``$(...)`` is not expanded). Default: none."""
    resources: Resources = Resources()
    """CPU, memory and ephemeral-storage requests and limits; in a values file merged key by key over the
    defaults. Default: see ``Resources``."""
    node_selector: Mapping[str, str] = field(default_factory=dict)
    """Node selector of the model pods; keys are qualified names, values label values. Default: none."""
    tolerations: tuple[Toleration, ...] = (GPU_TOLERATION,)
    """Tolerations of the model pods, checked as the API server checks them (``Exists`` takes no value; an empty
    key needs ``Exists``). Default: tolerate the ``nvidia.com/gpu`` NoSchedule taint."""
    startup_timeout_seconds: int = 1800
    """How long a replica may take to download and load the model before it is restarted. Default: 1800."""
    shutdown_timeout_seconds: int = 80
    """How long a stopping replica's vLLM lets the requests it has finish (``--shutdown-timeout``): on SIGTERM it
    takes no new request and waits up to this long for those running (0: aborts them, vLLM's own default). The Pod's
    ``terminationGracePeriodSeconds`` is this plus the ``preStop`` sleep before the SIGTERM (the gateway's
    connection lifetime, see ``ModelServer.drain_connections``) plus 5 s. Default: 80."""
    rollout_max_surge: int = 1
    """Replicas a rollout (a new image, flag or setting) starts above the desired count before it stops old ones:
    each needs room for one more replica (its GPUs). 0 stops old replicas first, and then ``rolloutMaxUnavailable``
    must be at least 1. Default: 1."""
    rollout_max_unavailable: int = 0
    """Replicas a rollout may stop before their replacements are ready. Default: 0, so serving capacity never drops
    during a rollout (KServe's own default, 25% of the replicas, stops one of every four at once)."""
    shm_size: str = "16Gi"
    """Size limit of the memory-backed ``/dev/shm`` mounted when ``gpuCount`` > 1 (NCCL). Default: 16Gi."""

    def __post_init__(self) -> None:
        check_image("image", self.image)
        require(
            isinstance(self.gpu_count, int) and 1 <= self.gpu_count <= 16,
            "gpu_count",
            self.gpu_count,
            "use an integer from 1 to 16 (GPUs per replica; vLLM needs at least one GPU)",
        )
        require(
            isinstance(self.gpu_resource_name, str) and is_gpu_resource_name(self.gpu_resource_name),
            "gpu_resource_name",
            self.gpu_resource_name,
            GPU_RESOURCE_FIX,
        )
        require(
            self.max_model_len is None or 128 <= self.max_model_len <= 10_000_000,
            "max_model_len",
            self.max_model_len,
            "use an integer of at least 128 tokens, or null for the model's own limit",
        )
        require(
            0 < self.gpu_memory_utilization <= 1,
            "gpu_memory_utilization",
            self.gpu_memory_utilization,
            "use a fraction greater than 0 and at most 1, e.g. 0.9",
        )
        for index, flag in enumerate(self.extra_args):
            require(
                isinstance(flag, str) and flag.strip() == flag and flag != "",
                "extra_args",
                flag,
                "use non-empty strings without surrounding spaces, one flag or value per item",
            )
            if flag == "--":
                break  # vLLM's parser reads everything after it as positional
            candidates = resolve_vllm_flag(flag).ambiguous
            if candidates is not None:
                raise SettingsError(
                    f"extra_args[{index}]",
                    flag,
                    f"vLLM's parser refuses this abbreviation: it could be any of {candidates}; spell the flag out",
                )
            if generated_flag_owner(flag) is not None:
                raise SettingsError(f"extra_args[{index}]", flag, _flag_fix(flag))
        _check_parallelism(self.extra_args, self.gpu_count)
        for name, value in self.env.items():
            require(bool(_ENV_NAME.fullmatch(name)), "env", name, "use environment variable names like 'HF_HOME'")
            if name in GENERATED_VLLM_ENV:
                raise SettingsError(
                    "env",
                    value if isinstance(value, str) else "(secretKeyRef)",
                    "the stack sets this variable of the vLLM container itself (its value would be replaced, or would "
                    "redirect vLLM's spans): remove it",
                    key=name,
                )
            require(
                isinstance(value, (str, EnvFromSecret)),
                "env",
                name,
                "use a string value or {secretKeyRef: {name: <secret>, key: <key>}}",
            )
        check_label_map("node_selector", self.node_selector, label_values=True)
        self._check_lifecycle()
        check_quantity("shm_size", self.shm_size)

    def _check_lifecycle(self) -> None:
        """The replicas' start, stop and rollout settings."""
        require(
            60 <= self.startup_timeout_seconds <= 6 * 3600,
            "startup_timeout_seconds",
            self.startup_timeout_seconds,
            "use a number of seconds from 60 to 21600 (large models take minutes to load)",
        )
        require(
            isinstance(self.shutdown_timeout_seconds, int) and 0 <= self.shutdown_timeout_seconds <= 3600,
            "shutdown_timeout_seconds",
            self.shutdown_timeout_seconds,
            "use a number of seconds from 0 (abort what is running) to 3600",
        )
        for name in ("rollout_max_surge", "rollout_max_unavailable"):
            value = getattr(self, name)
            require(
                isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100,
                name,
                value,
                "use a number of replicas from 0 to 100",
            )
        require(
            self.rollout_max_surge + self.rollout_max_unavailable > 0,
            "rollout_max_unavailable",
            self.rollout_max_unavailable,
            lambda n: (
                f"with {n('rollout_max_surge')} 0 a rollout could neither start a new replica nor stop an old one "
                "(Kubernetes refuses both at 0): use 1"
            ),
        )


class Inherit(enum.Enum):
    """A per-model setting that is not set: the model uses the stack's."""

    STACK = "stack"


INHERIT = Inherit.STACK


@dataclass(frozen=True, kw_only=True)
class ModelConfig(Typed):
    """One served model: its name, weights, runtime and optional per-model overrides."""

    name: str
    """The served model name clients send in ``model`` (any string vLLM accepts, e.g. ``Meta-Llama-3.1-8B``;
    object names are derived from it: ``Meta-Llama-3.1-8B-Instruct`` -> ``meta-llama-3-1-8b-instruct``)."""
    storage_uri: str
    """Where KServe's storage initializer fetches the weights from, e.g. ``s3://bucket/path/``: ``s3://``,
    ``gs://``, ``hf://``, ``pvc://``, ``oci://``, ``https://`` or ``azure://``; ``pvc://<claim>/<path>`` serves
    ``<path>`` inside the claim."""
    service_account_name: str | None = None
    """ServiceAccount of the model pods (carries the S3 credentials). Default: the namespace's default."""
    runtime: RuntimeConfig = RuntimeConfig()
    """vLLM runtime settings. Default: see ``RuntimeConfig``."""
    namespace: str | None = None
    """Namespace of this model's objects. Default: the stack's ``namespace``."""
    object_name: str | None = None
    """Name of the InferenceService and its companions: a DNS-1035 label (starts with a letter, as KServe's
    webhook requires) of at most 45 characters. Default: derived from ``name``."""
    rate_limit: RateLimitConfig | Inherit | None = INHERIT
    """Per-client token limits for this model; None (null) turns this model's limits off. A block given keeps the
    fields it does not set from the gateway's (in a values file it merges key by key over ``gateway.rateLimit``; in
    Python over ``GatewayConfig.rate_limit`` of the gateway the model is added to). Default: the stack's
    ``gateway.rateLimit`` (``INHERIT``)."""
    autoscaling: AutoscalingConfig | None = None
    """Autoscaling of this model. The fields it sets override the stack's ``autoscaling`` (so ``{maxReplicas: 6}``
    keeps the stack's Prometheus, auth and TLS; an ``Autoscaler`` targeting the model's server takes it as its
    defaults). Default: the stack's ``autoscaling``."""
    routing: RoutingConfig | None = None
    """How the gateway picks this model's pod. The fields it sets override the stack's ``routing`` (so
    ``{mode: prefix-aware}`` keeps the stack's scorer weights). Default: the stack's ``routing``."""

    def __post_init__(self) -> None:
        require(
            bool(self.name) and len(self.name) <= 256 and self.name.strip() == self.name and '"' not in self.name,
            "name",
            self.name,
            "use a non-empty served model name of at most 256 characters, without quotes or surrounding spaces",
        )
        name_problem = served_name_problem(self.name)
        if name_problem is not None:
            raise SettingsError("name", self.name, name_problem)
        scheme = self.storage_uri.split("://", 1)[0] if "://" in self.storage_uri else ""
        require(
            scheme in STORAGE_SCHEMES and len(self.storage_uri) > len(scheme) + 3,
            "storage_uri",
            self.storage_uri,
            f"use a URI with one of the schemes {', '.join(s + '://' for s in STORAGE_SCHEMES)}, "
            "e.g. s3://my-bucket/llama-3-70b/",
        )
        problem = storage_uri_problem(self.storage_uri)
        if problem is not None:
            raise SettingsError("storage_uri", self.storage_uri, problem)
        if scheme == "pvc":
            claim, _, sub_path = self.storage_uri[len("pvc://") :].partition("/")
            require(
                bool(DNS1123_LABEL.fullmatch(claim)) and not {".", ".."} & set(sub_path.split("/")),
                "storage_uri",
                self.storage_uri,
                "use pvc://<claim>/<path inside the claim>: a claim name that is a DNS-1123 label, and a path "
                "without '.' or '..' segments",
            )
        if self.service_account_name is not None:
            check_dns_label("service_account_name", self.service_account_name, 253)
        if self.namespace is not None:
            check_dns_label("namespace", self.namespace)
        if self.object_name is not None:
            check_dns1035_label(
                "object_name",
                self.object_name,
                45,
                "KServe's webhook requires InferenceService names to start with a letter; it appends '-predictor'",
            )

    @property
    def resource_name(self) -> str:
        """The DNS-1123 name of this model's InferenceService (and its ScaledObject, PodMonitor, ...)."""
        return self.object_name or object_name_for(self.name)
