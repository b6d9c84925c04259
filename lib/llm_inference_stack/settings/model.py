"""Settings of one served model: its weights, the vLLM runtime and its pod's resources and placement."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
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
from ._checks import check_dns1035_label, check_dns_label, check_image, check_label_map, check_quantity, require
from .gateway import RateLimitConfig
from .inherit import Settings, inherit_defaults
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


def _generated_flag_fix(flag: str) -> Fix:
    return lambda n: (
        f"the stack generates this vLLM flag ({generated_flag_owner(flag, n)}); a second one would override it "
        f"(vLLM's parser keeps the last): remove it from {n('extra_args')}"
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


GENERATED_VLLM_FLAGS: Mapping[str, tuple[tuple[str, ...], str, str | None]] = {
    "--served-model-name": ((), "from {}", "model.name"),
    "--host": ((), "vLLM listens on every interface of the pod", None),
    "--port": (
        (),
        f"KServe's predictor Service sends port {kserve.PREDICTOR_SERVICE_PORT} to {kserve.CONTAINER_PORT}",
        None,
    ),
    "--tensor-parallel-size": (("-tp",), "from {}", "model.runtime.gpu_count"),
    "--gpu-memory-utilization": ((), "set {} instead", "model.runtime.gpu_memory_utilization"),
    "--max-model-len": ((), "set {} instead", "model.runtime.max_model_len"),
    "--model": ((), "the model path is the positional argument, where KServe mounts the weights", None),
}
"""``vllm serve`` flags the stack writes itself: long flag -> (vLLM's short aliases, where the value comes from,
the settings field it comes from for the ``{}`` in that text)."""


def _owner(text: str, field: str | None, namer: Namer) -> str:
    return text.format(namer(field)) if field is not None else text


def generated_flag_owner(arg: str, namer: Namer = values_key) -> str | None:
    """Where the value of ``arg`` comes from when it names a flag the stack generates, else None; settings
    fields spelled by ``namer`` (default: as a values file spells them).

    Matches what vLLM's parser would take for that flag: the ``--flag=value`` form, underscores for dashes
    (vLLM accepts both), the short aliases (``-tp``, ``-tp=2``, ``-tp2``) and unambiguous abbreviations
    (argparse's ``allow_abbrev``: ``--served-model`` is ``--served-model-name``).
    """
    if not arg.startswith("-"):
        return None
    name = arg.split("=", 1)[0]
    if name.startswith("--"):
        name = "--" + name[2:].replace("_", "-")
        for flag, (_, text, field) in GENERATED_VLLM_FLAGS.items():
            if name == flag or (len(name) >= 6 and flag.startswith(name) and flag != "--model"):
                return _owner(text, field, namer)
        return None
    for aliases, text, field in GENERATED_VLLM_FLAGS.values():
        if any(name == alias or (name.startswith(alias) and name[len(alias) :].isdigit()) for alias in aliases):
            return _owner(text, field, namer)
    return None


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
    """Further ``vllm serve`` flags, appended after the generated ones. Flags the stack generates are refused in
    every spelling (``--port``, ``--host``, ``--served-model-name``, ``--tensor-parallel-size``/``-tp``,
    ``--max-model-len``, ``--gpu-memory-utilization``, ``--model``; ``--flag=value``, underscores and abbreviations
    included). Default: none."""
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    """Extra environment variables of the vLLM container: a literal string, or ``{secretKeyRef: {name, key}}``
    for credentials (``HF_TOKEN``, ``VLLM_API_KEY``). Literal values reach the process exactly as written
    (``$(...)`` is not expanded). Default: none."""
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
            if generated_flag_owner(flag) is not None:
                raise SettingsError(
                    f"extra_args[{index}]",
                    flag,
                    _generated_flag_fix(flag),
                )
        for name, value in self.env.items():
            require(bool(_ENV_NAME.fullmatch(name)), "env", name, "use environment variable names like 'HF_HOME'")
            require(
                isinstance(value, (str, EnvFromSecret)),
                "env",
                name,
                "use a string value or {secretKeyRef: {name: <secret>, key: <key>}}",
            )
        check_label_map("node_selector", self.node_selector, label_values=True)
        require(
            60 <= self.startup_timeout_seconds <= 6 * 3600,
            "startup_timeout_seconds",
            self.startup_timeout_seconds,
            "use a number of seconds from 60 to 21600 (large models take minutes to load)",
        )
        check_quantity("shm_size", self.shm_size)


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

    def __post_init__(self) -> None:
        require(
            bool(self.name) and len(self.name) <= 256 and self.name.strip() == self.name and '"' not in self.name,
            "name",
            self.name,
            "use a non-empty served model name of at most 256 characters, without quotes or surrounding spaces",
        )
        scheme = self.storage_uri.split("://", 1)[0] if "://" in self.storage_uri else ""
        require(
            scheme in STORAGE_SCHEMES and len(self.storage_uri) > len(scheme) + 3,
            "storage_uri",
            self.storage_uri,
            f"use a URI with one of the schemes {', '.join(s + '://' for s in STORAGE_SCHEMES)}, "
            "e.g. s3://my-bucket/llama-3-70b/",
        )
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
