"""Typed configuration of the stack, and the loader that turns a values file into it.

Every setting is a frozen dataclass field with a documented default; the values-file key is the
field name in camelCase (``gpu_count`` -> ``gpuCount``). Checks that need only one object run in
``__post_init__`` so that library users who build these objects in Python get the same errors as
users of a values file. The loader adds the field path, rejects unknown keys and wrong types.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import ipaddress
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike
from typing import Any, Literal, TypeVar, get_args, get_origin

from .errors import ValuesError
from .names import DNS1035_LABEL, DNS1123_LABEL, object_name_for
from .pins import ENVOY_IMAGE, VLLM_IMAGE
from .values_sources import ValuesPath, merge_sources, not_a_mapping

DEFAULT_VLLM_IMAGE = VLLM_IMAGE
"""The vLLM image the stack runs; its tag is the vLLM version the arguments are checked against."""

STORAGE_SCHEMES = ("s3", "gs", "hf", "pvc", "oci", "https", "azure")
_QUANTITY = re.compile(r"^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_DURATION_KEYS = ("seconds",)
_IMAGE = re.compile(
    r"^(?P<repo>[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::\d+/[a-z0-9._/-]+)?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:(?P<port>\d+))?(/[^\s]*)?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# apimachinery's validation (k8s.io/apimachinery/pkg/util/validation): qualified names, label values,
# DNS-1123 subdomains.
_QUALIFIED_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUANTITY_SUFFIX = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
ENVOY_BUFFER_LIMIT = re.compile(r"^[1-9]+[0-9]*([EPTGMK]i|[EPTGMk])?$")
"""Envoy Gateway v1.9's pattern for ``ClientTrafficPolicy.spec.connection.bufferLimit`` (no decimals, no ``m``)."""
MAX_UINT32 = 2**32 - 1
"""Envoy Gateway translates the buffer limit into a uint32 number of bytes and rejects anything larger."""

RESERVED_LABELS = frozenset(
    {
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/name",
        "app.kubernetes.io/component",
        "networking.kserve.io/visibility",
    }
)
"""Labels the stack sets on its objects; ``commonLabels`` may not override them."""
RESERVED_ANNOTATIONS = frozenset(
    {
        "serving.kserve.io/deploymentMode",
        "serving.kserve.io/autoscalerClass",
        "aigateway.envoyproxy.io/gateway-config",
        "llm-inference-stack/config-checksum",
    }
)
"""Annotations the stack sets on its objects; ``commonAnnotations`` may not override them."""


def is_qualified_name(value: str) -> bool:
    """apimachinery's IsQualifiedName: ``[prefix/]name``, name <= 63 characters, prefix a DNS-1123 subdomain."""
    prefix, slash, name = value.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_QUALIFIED_NAME_PART.match(name))


def is_label_value(value: str) -> bool:
    """apimachinery's IsValidLabelValue: empty, or <= 63 characters of ``[A-Za-z0-9_.-]`` starting and ending
    alphanumeric."""
    return value == "" or (len(value) <= 63 and bool(_QUALIFIED_NAME_PART.match(value)))


def parse_quantity(value: str) -> Decimal:
    """The numeric value of a Kubernetes quantity as the values accept it (``'500m'`` -> 0.5, ``'1Ki'`` -> 1024)."""
    match = _QUANTITY.match(value)
    if match is None:
        raise ValueError(f"not a quantity: {value!r}")
    return Decimal(match.group(1)) * _QUANTITY_SUFFIX[match.group(3) or ""]


def _key(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# --- single-field checks ---------------------------------------------------------------------


def _require(ok: bool, name: str, value: Any, fix: str) -> None:
    if not ok:
        raise ValuesError(name, value, fix)


def _check_dns1035_label(name: str, value: str, max_len: int, why: str) -> None:
    _require(
        bool(DNS1035_LABEL.match(value)) and len(value) <= max_len,
        name,
        value,
        f"use a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter "
        f"or digit, at most {max_len} characters ({why})",
    )


def _check_dns_label(name: str, value: str, max_len: int = 63) -> None:
    _require(
        bool(DNS1123_LABEL.match(value)) and len(value) <= max_len,
        name,
        value,
        f"use a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, "
        f"at most {max_len} characters",
    )


def _check_quantity(name: str, value: str) -> None:
    _require(bool(_QUANTITY.match(value)), name, value, "use a Kubernetes quantity such as '500m', '4', '16Gi'")


def _check_url(name: str, value: str) -> None:
    _require(
        bool(_URL.match(value)), name, value, "use an http:// or https:// URL, e.g. http://host.namespace.svc:9090"
    )
    match = _URL.match(value)
    port = match.group("port") if match else None
    _require(port is None or 1 <= int(port) <= 65535, name, value, "use a port from 1 to 65535 in the URL")


def _check_label_map(name: str, values: Mapping[str, str], *, label_values: bool) -> None:
    """Keys must be qualified names (labels and annotations); label values must be valid label values."""
    for key, value in values.items():
        _require(
            is_qualified_name(key),
            name,
            key,
            "use a qualified name as the key: an optional DNS-1123 prefix and '/', then at most 63 letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. 'nvidia.com/gpu.product')",
        )
        if label_values and not is_label_value(value):
            raise ValuesError(
                f"{name}.{key}",
                value,
                "use a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending "
                "with a letter or digit",
            )


def check_image(name: str, value: str) -> None:
    match = _IMAGE.match(value)
    _require(bool(match), name, value, "use an image reference such as 'vllm/vllm-openai:v0.32.0'")
    assert match is not None
    tag, digest = match.group("tag"), match.group("digest")
    _require(
        bool(digest) or (tag is not None and tag != "latest"),
        name,
        value,
        "pin the image with an explicit version tag or digest (never 'latest' or untagged), "
        "e.g. 'vllm/vllm-openai:v0.32.0'",
    )


# --- the configuration -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ResourceList:
    """CPU, memory and ephemeral storage for one container (GPUs are added from ``gpuCount``)."""

    cpu: str
    """CPU as a Kubernetes quantity, e.g. ``"8"`` or ``"500m"``."""
    memory: str
    """Memory as a Kubernetes quantity, e.g. ``"64Gi"``."""
    ephemeral_storage: str | None = None
    """Node-local disk (``ephemeral-storage``), e.g. ``"150Gi"``; null sets none. Default: none."""

    def __post_init__(self) -> None:
        _check_quantity("cpu", self.cpu)
        _check_quantity("memory", self.memory)
        if self.ephemeral_storage is not None:
            _check_quantity("ephemeral_storage", self.ephemeral_storage)

    def quantities(self) -> dict[str, str]:
        """Kubernetes resource name -> quantity, for the container's ``resources``."""
        out = {"cpu": self.cpu, "memory": self.memory}
        if self.ephemeral_storage is not None:
            out["ephemeral-storage"] = self.ephemeral_storage
        return out


DEFAULT_REQUESTS = ResourceList(cpu="8", memory="64Gi", ephemeral_storage="150Gi")
DEFAULT_LIMITS = ResourceList(cpu="16", memory="128Gi", ephemeral_storage="300Gi")


@dataclass(frozen=True, kw_only=True)
class Resources:
    """Requests and limits of the vLLM container.

    The storage initializer downloads the weights into an emptyDir on the node's disk, so the pod requests
    ``ephemeral-storage`` for them (the defaults fit a 70B model in 16-bit, about 140 GB).
    """

    requests: ResourceList = DEFAULT_REQUESTS
    """Default: 8 CPUs, 64Gi memory, 150Gi ephemeral storage."""
    limits: ResourceList = DEFAULT_LIMITS
    """Default: 16 CPUs, 128Gi memory (model weights are read through page cache), 300Gi ephemeral storage."""

    def __post_init__(self) -> None:
        for name in ("cpu", "memory", "ephemeral_storage"):
            request, limit = getattr(self.requests, name), getattr(self.limits, name)
            if request is not None and limit is not None and parse_quantity(request) > parse_quantity(limit):
                raise ValuesError(
                    f"requests.{name}",
                    request,
                    f"a request may not exceed its limit (limits.{_key(name)} is {limit!r}): lower the request "
                    "or raise the limit",
                )


@dataclass(frozen=True, kw_only=True)
class Toleration:
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
            _require(
                is_qualified_name(self.key),
                "key",
                self.key,
                "use a taint key that is a qualified name, e.g. 'nvidia.com/gpu' (an optional DNS-1123 prefix and "
                "'/', then at most 63 letters, digits, '-', '_' or '.')",
            )
        else:
            _require(
                self.operator == "Exists",
                "operator",
                self.operator,
                "use operator Exists when key is empty (it tolerates every taint), or set key",
            )
        if self.operator == "Exists":
            _require(
                not self.value,
                "value",
                self.value,
                "remove value: operator Exists matches any value of the taint (use operator Equal to match one value)",
            )
        else:
            _require(
                is_label_value(self.value or ""),
                "value",
                self.value,
                "use a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter "
                "or digit",
            )


GPU_TOLERATION = Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")

_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass(frozen=True, kw_only=True)
class SecretKeyRef:
    """One key of a Secret in the model's namespace."""

    name: str
    """Name of the Secret (a DNS-1123 subdomain)."""
    key: str
    """Key of the value in the Secret's data."""

    def __post_init__(self) -> None:
        _require(
            bool(_DNS1123_SUBDOMAIN.match(self.name)) and len(self.name) <= 253,
            "name",
            self.name,
            "use the name of a Secret in the model's namespace (a DNS-1123 subdomain)",
        )
        _require(
            bool(_SECRET_KEY.match(self.key)) and self.key not in (".", ".."),
            "key",
            self.key,
            "use a key of the Secret's data: letters, digits, '-', '_' and '.'",
        )


@dataclass(frozen=True, kw_only=True)
class EnvFromSecret:
    """An environment variable read from a Secret (``valueFrom.secretKeyRef``), so no credential is written out."""

    secret_key_ref: SecretKeyRef
    """The Secret and key holding the value."""


EnvValue = str | EnvFromSecret
"""A literal value, or a reference to a Secret's key."""


GENERATED_VLLM_FLAGS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "--served-model-name": ((), "from model.name"),
    "--host": ((), "vLLM listens on every interface of the pod"),
    "--port": ((), "KServe's predictor Service sends port 80 to 8080"),
    "--tensor-parallel-size": (("-tp",), "from model.runtime.gpuCount"),
    "--gpu-memory-utilization": ((), "set model.runtime.gpuMemoryUtilization instead"),
    "--max-model-len": ((), "set model.runtime.maxModelLen instead"),
    "--model": ((), "the model path is the positional argument, where KServe mounts the weights"),
}
"""``vllm serve`` flags the stack writes itself: long flag -> (vLLM's short aliases, where the value comes from)."""


def generated_flag_owner(arg: str) -> str | None:
    """Where the value of ``arg`` comes from when it names a flag the stack generates, else None.

    Matches what vLLM's parser would take for that flag: the ``--flag=value`` form, underscores for dashes
    (vLLM accepts both), the short aliases (``-tp``, ``-tp=2``, ``-tp2``) and unambiguous abbreviations
    (argparse's ``allow_abbrev``: ``--served-model`` is ``--served-model-name``).
    """
    if not arg.startswith("-"):
        return None
    name = arg.split("=", 1)[0]
    if name.startswith("--"):
        name = "--" + name[2:].replace("_", "-")
        for flag, (_, owner) in GENERATED_VLLM_FLAGS.items():
            if name == flag or (len(name) >= 6 and flag.startswith(name) and flag != "--model"):
                return owner
        return None
    for aliases, owner in GENERATED_VLLM_FLAGS.values():
        if any(name == alias or (name.startswith(alias) and name[len(alias) :].isdigit()) for alias in aliases):
            return owner
    return None


@dataclass(frozen=True, kw_only=True)
class RuntimeConfig:
    """How vLLM runs: image, GPUs, engine settings and pod placement."""

    image: str = DEFAULT_VLLM_IMAGE
    """vLLM OpenAI server image, pinned by tag or digest. Default: ``vllm/vllm-openai:v0.32.0``."""
    gpu_count: int = 1
    """GPUs per replica; also ``--tensor-parallel-size``. Default: 1."""
    gpu_resource_name: str = "nvidia.com/gpu"
    """Extended resource name of the GPU. Default: ``nvidia.com/gpu``."""
    max_model_len: int | None = 8192
    """``--max-model-len`` (context length in tokens); null leaves vLLM's model default. Default: 8192."""
    gpu_memory_utilization: float = 0.9
    """``--gpu-memory-utilization``, a fraction in (0, 1]. Default: 0.9."""
    extra_args: tuple[str, ...] = ()
    """Further ``vllm serve`` flags, appended after the generated ones. Default: none."""
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    """Extra environment variables of the vLLM container: a literal string, or ``{secretKeyRef: {name, key}}``
    for credentials (``HF_TOKEN``, ``VLLM_API_KEY``). Literal values reach the process exactly as written
    (``$(...)`` is not expanded). Default: none."""
    resources: Resources = Resources()
    """CPU, memory and ephemeral-storage requests and limits. Default: see ``Resources``."""
    node_selector: Mapping[str, str] = field(default_factory=dict)
    """Node selector of the model pods. Default: none."""
    tolerations: tuple[Toleration, ...] = (GPU_TOLERATION,)
    """Tolerations of the model pods. Default: tolerate the ``nvidia.com/gpu`` NoSchedule taint."""
    startup_timeout_seconds: int = 1800
    """How long a replica may take to download and load the model before it is restarted. Default: 1800."""
    shm_size: str = "16Gi"
    """Size limit of the memory-backed ``/dev/shm`` mounted when ``gpuCount`` > 1 (NCCL). Default: 16Gi."""

    def __post_init__(self) -> None:
        check_image("image", self.image)
        _require(
            isinstance(self.gpu_count, int) and 1 <= self.gpu_count <= 16,
            "gpu_count",
            self.gpu_count,
            "use an integer from 1 to 16 (GPUs per replica; vLLM needs at least one GPU)",
        )
        _require(
            bool(re.match(r"^[a-z0-9.-]+/[a-z0-9.-]+$", self.gpu_resource_name)),
            "gpu_resource_name",
            self.gpu_resource_name,
            "use an extended resource name such as 'nvidia.com/gpu' or 'amd.com/gpu'",
        )
        _require(
            self.max_model_len is None or 128 <= self.max_model_len <= 10_000_000,
            "max_model_len",
            self.max_model_len,
            "use an integer of at least 128 tokens, or null for the model's own limit",
        )
        _require(
            0 < self.gpu_memory_utilization <= 1,
            "gpu_memory_utilization",
            self.gpu_memory_utilization,
            "use a fraction greater than 0 and at most 1, e.g. 0.9",
        )
        for index, flag in enumerate(self.extra_args):
            _require(
                isinstance(flag, str) and flag.strip() == flag and flag != "",
                "extra_args",
                flag,
                "use non-empty strings without surrounding spaces, one flag or value per item",
            )
            owner = generated_flag_owner(flag)
            if owner is not None:
                raise ValuesError(
                    f"extra_args[{index}]",
                    flag,
                    f"the stack generates this vLLM flag ({owner}); a second one would override it (vLLM's parser "
                    "keeps the last): remove it from extraArgs",
                )
        for name, value in self.env.items():
            _require(bool(_ENV_NAME.match(name)), "env", name, "use environment variable names like 'HF_HOME'")
            _require(
                isinstance(value, (str, EnvFromSecret)),
                "env",
                name,
                "use a string value or {secretKeyRef: {name: <secret>, key: <key>}}",
            )
        _check_label_map("node_selector", self.node_selector, label_values=True)
        _require(
            60 <= self.startup_timeout_seconds <= 6 * 3600,
            "startup_timeout_seconds",
            self.startup_timeout_seconds,
            "use a number of seconds from 60 to 21600 (large models take minutes to load)",
        )
        _check_quantity("shm_size", self.shm_size)


@dataclass(frozen=True, kw_only=True)
class RateLimitConfig:
    """Token budget per client **per model**, charged from the ``usage`` the model reports: each client has its
    own budget on each model."""

    tokens_per_minute: int | None = None
    """Total tokens one client may use per minute on one model. Default: no per-minute limit."""
    tokens_per_second: int | None = None
    """Total tokens one client may use per second on one model. Default: no per-second limit."""

    def __post_init__(self) -> None:
        for name in ("tokens_per_minute", "tokens_per_second"):
            value = getattr(self, name)
            _require(value is None or value >= 1, name, value, "use a positive integer number of tokens, or null")
        _require(
            self.tokens_per_minute is not None or self.tokens_per_second is not None,
            "tokens_per_minute",
            None,
            "set tokensPerMinute and/or tokensPerSecond, or set gateway.rateLimit to null to turn limits off",
        )

    def limits(self) -> list[tuple[str, int]]:
        """The limits as ``(unit, tokens)`` pairs, unit in Envoy Gateway's spelling."""
        out = []
        if self.tokens_per_second is not None:
            out.append(("Second", self.tokens_per_second))
        if self.tokens_per_minute is not None:
            out.append(("Minute", self.tokens_per_minute))
        return out


@dataclass(frozen=True, kw_only=True)
class PrometheusAuth:
    """Credentials KEDA uses to query a secured Prometheus (a TriggerAuthentication)."""

    mode: Literal["bearer", "basic"]
    """``bearer`` reads key ``bearerToken``; ``basic`` reads keys ``username`` and ``password``."""
    secret_name: str
    """Secret in the model's namespace holding those keys."""

    def __post_init__(self) -> None:
        _check_dns_label("secret_name", self.secret_name, 253)


@dataclass(frozen=True, kw_only=True)
class PrometheusTls:
    """How KEDA verifies the certificate of an ``https://`` Prometheus.

    KEDA's Prometheus scaler reads a CA (``ca`` in the TriggerAuthentication) only together with an auth mode,
    so ``caSecretName`` needs ``auth``. Without this block KEDA verifies against its own system roots.
    """

    ca_secret_name: str | None = None
    """Secret in the model's namespace holding the CA certificate (PEM) that signed Prometheus' certificate.
    Default: none."""
    ca_key: str = "ca.crt"
    """Key of the CA certificate in that Secret. Default: ca.crt."""
    insecure_skip_verify: bool = False
    """Skip certificate verification (KEDA's ``unsafeSsl``); an explicit opt-in for testing. Default: false."""

    def __post_init__(self) -> None:
        _require(
            (self.ca_secret_name is not None) != self.insecure_skip_verify,
            "ca_secret_name" if self.insecure_skip_verify else "insecure_skip_verify",
            "(set)" if self.insecure_skip_verify else self.insecure_skip_verify,
            "set either caSecretName (verify Prometheus' certificate with that CA) or insecureSkipVerify: true "
            "(no verification), not both and not neither",
        )
        if self.ca_secret_name is not None:
            _check_dns_label("ca_secret_name", self.ca_secret_name, 253)
        _require(
            bool(re.match(r"^[-._A-Za-z0-9]{1,253}$", self.ca_key)),
            "ca_key",
            self.ca_key,
            "use a Secret key such as 'ca.crt'",
        )


@dataclass(frozen=True, kw_only=True)
class PrometheusConfig:
    """Where KEDA reads vLLM's metrics."""

    url: str = "http://prometheus-operated.monitoring.svc.cluster.local:9090"
    """Prometheus HTTP address. Default: the Prometheus Operator's service in ``monitoring``."""
    auth: PrometheusAuth | None = None
    """Credentials for a secured Prometheus. Default: none."""
    tls: PrometheusTls | None = None
    """Certificate verification of an ``https://`` Prometheus. Default: KEDA's system roots."""
    namespace: str = "monitoring"
    """Namespace of the Prometheus pods (allowed to scrape the model pods). Default: monitoring."""

    def __post_init__(self) -> None:
        _check_url("url", self.url)
        _check_dns_label("namespace", self.namespace)
        if self.tls is not None:
            _require(
                self.url.startswith("https://"),
                "tls",
                "(set)",
                f"tls applies to an https:// Prometheus, but url is {self.url!r}: use https:// or remove tls",
            )
            if self.tls.ca_secret_name is not None and self.auth is None:
                raise ValuesError(
                    "tls.ca_secret_name",
                    self.tls.ca_secret_name,
                    "KEDA's Prometheus scaler reads a CA only with an auth mode: set auth (bearer or basic) too, "
                    "or trust a CA KEDA already has and remove tls",
                )


@dataclass(frozen=True, kw_only=True)
class AutoscalingConfig:
    """KEDA scaling of the model replicas on ``vllm:num_requests_waiting``."""

    min_replicas: int = 1
    """Fewest replicas. At least 1: an idle vLLM exports no metric that could wake it. Default: 1."""
    max_replicas: int = 4
    """Most replicas. Default: 4."""
    threshold: float = 5
    """Target queued requests per replica (desired = ceil(waiting / threshold)). Default: 5."""
    activation_threshold: float = 0
    """KEDA activation threshold: waiting requests above which the scaler is active. Default: 0."""
    polling_interval: int = 15
    """Seconds between KEDA's queries. Default: 15."""
    cooldown_period: int = 300
    """Seconds after the last activity before scaling to zero (only used with minReplicas 0). Default: 300."""
    scale_down_stabilization_seconds: int = 600
    """HPA scale-down stabilization window; long, because a new replica takes minutes to load. Default: 600."""
    scale_up_stabilization_seconds: int = 0
    """HPA scale-up stabilization window. Default: 0 (react at once)."""
    prometheus: PrometheusConfig = PrometheusConfig()
    """Prometheus to query. Default: see ``PrometheusConfig``."""

    def __post_init__(self) -> None:
        _require(
            self.min_replicas >= 1,
            "min_replicas",
            self.min_replicas,
            "use at least 1: at zero replicas vLLM exports no metric, so the ScaledObject could never wake it",
        )
        _require(
            self.max_replicas >= self.min_replicas,
            "max_replicas",
            self.max_replicas,
            f"use a value >= minReplicas ({self.min_replicas})",
        )
        _require(self.max_replicas <= 1000, "max_replicas", self.max_replicas, "use at most 1000")
        _require(self.threshold > 0, "threshold", self.threshold, "use a number of waiting requests greater than 0")
        _require(
            self.activation_threshold >= 0,
            "activation_threshold",
            self.activation_threshold,
            "use a number >= 0",
        )
        for name in ("polling_interval", "cooldown_period"):
            value = getattr(self, name)
            _require(1 <= value <= 86400, name, value, "use a number of seconds from 1 to 86400")
        for name in ("scale_down_stabilization_seconds", "scale_up_stabilization_seconds"):
            value = getattr(self, name)
            _require(0 <= value <= 3600, name, value, "use a number of seconds from 0 to 3600 (the HPA maximum)")


class Inherit(enum.Enum):
    """A per-model setting that is not set: the model uses the stack's."""

    STACK = "stack"


INHERIT = Inherit.STACK


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """One served model: its name, weights, runtime and optional per-model overrides."""

    name: str
    """The served model name clients send in ``model`` (any string vLLM accepts, e.g. ``Meta-Llama-3.1-8B``)."""
    storage_uri: str
    """Where KServe's storage initializer fetches the weights from, e.g. ``s3://bucket/path/``."""
    service_account_name: str | None = None
    """ServiceAccount of the model pods (carries the S3 credentials). Default: the namespace's default."""
    runtime: RuntimeConfig = RuntimeConfig()
    """vLLM runtime settings. Default: see ``RuntimeConfig``."""
    namespace: str | None = None
    """Namespace of this model's objects. Default: the stack's ``namespace``."""
    object_name: str | None = None
    """Name of the InferenceService and its companions. Default: derived from ``name`` (DNS-1035)."""
    rate_limit: RateLimitConfig | Inherit | None = INHERIT
    """Per-client token limits for this model; None turns them off. Default: ``INHERIT``, ``gateway.rateLimit``.
    In a values file the block merges key by key over ``gateway.rateLimit``."""
    autoscaling: AutoscalingConfig | None = None
    """Autoscaling of this model. Default: the stack's ``autoscaling``. In a values file the block merges key by
    key over the stack's ``autoscaling``."""

    def __post_init__(self) -> None:
        _require(
            bool(self.name) and len(self.name) <= 256 and self.name.strip() == self.name and '"' not in self.name,
            "name",
            self.name,
            "use a non-empty served model name of at most 256 characters, without quotes or surrounding spaces",
        )
        scheme = self.storage_uri.split("://", 1)[0] if "://" in self.storage_uri else ""
        _require(
            scheme in STORAGE_SCHEMES and len(self.storage_uri) > len(scheme) + 3,
            "storage_uri",
            self.storage_uri,
            f"use a URI with one of the schemes {', '.join(s + '://' for s in STORAGE_SCHEMES)}, "
            "e.g. s3://my-bucket/llama-3-70b/",
        )
        if scheme == "pvc":
            claim, _, sub_path = self.storage_uri[len("pvc://") :].partition("/")
            _require(
                bool(DNS1123_LABEL.match(claim)) and not {".", ".."} & set(sub_path.split("/")),
                "storage_uri",
                self.storage_uri,
                "use pvc://<claim>/<path inside the claim>: a claim name that is a DNS-1123 label, and a path "
                "without '.' or '..' segments",
            )
        if self.service_account_name is not None:
            _check_dns_label("service_account_name", self.service_account_name, 253)
        if self.namespace is not None:
            _check_dns_label("namespace", self.namespace)
        if self.object_name is not None:
            _check_dns1035_label(
                "object_name",
                self.object_name,
                45,
                "KServe's webhook requires InferenceService names to start with a letter; it appends '-predictor'",
            )

    @property
    def resource_name(self) -> str:
        """The DNS-1123 name of this model's InferenceService (and its ScaledObject, PodMonitor, ...)."""
        return self.object_name or object_name_for(self.name)


@dataclass(frozen=True, kw_only=True)
class ExternalSecretConfig:
    """Sync the API keys from a secret store (e.g. Vault) with External Secrets Operator."""

    store_name: str
    """Name of the SecretStore or ClusterSecretStore."""
    remote_key: str
    """Path of the secret in the store; each of its properties is one client id -> API key."""
    store_kind: Literal["SecretStore", "ClusterSecretStore"] = "ClusterSecretStore"
    """Kind of the store. Default: ClusterSecretStore."""
    refresh_interval: str = "1h"
    """How often ESO re-reads the store (a Go duration). Default: 1h."""

    def __post_init__(self) -> None:
        _check_dns_label("store_name", self.store_name, 253)
        _require(
            bool(self.remote_key.strip()), "remote_key", self.remote_key, "use the path of the secret in the store"
        )
        _require(
            bool(re.match(r"^(\d+(ns|us|ms|s|m|h))+$", self.refresh_interval)),
            "refresh_interval",
            self.refresh_interval,
            "use a Go duration such as '1h' or '15m'",
        )


@dataclass(frozen=True, kw_only=True)
class ApiKeysConfig:
    """Where the gateway's API keys come from: a Secret with one entry per client (client id -> key)."""

    secret_name: str = "ai-gateway-api-keys"
    """Name of the keys Secret. Default: ai-gateway-api-keys."""
    existing_secret: bool = True
    """The Secret already exists (created out of band). Default: true."""
    dummy_key: str | None = None
    """For testing only: with ``existingSecret: false``, emit a Secret holding this key. Default: none."""
    dummy_client_id: str = "test-client"
    """Client id of the dummy key. Default: test-client."""
    external_secret: ExternalSecretConfig | None = None
    """Create the Secret with an ExternalSecret instead. Default: none."""

    def __post_init__(self) -> None:
        _check_dns_label("secret_name", self.secret_name, 253)
        _check_dns_label("dummy_client_id", self.dummy_client_id, 253)
        if self.external_secret is not None:
            _require(
                self.dummy_key is None,
                "dummy_key",
                "(set)",
                "remove dummyKey: the keys come from externalSecret",
            )
        elif self.existing_secret:
            _require(
                self.dummy_key is None,
                "dummy_key",
                "(set)",
                "remove dummyKey, or set existingSecret: false to have the stack create a test Secret with it",
            )
        else:
            _require(
                self.dummy_key is not None and len(self.dummy_key) >= 16,
                "dummy_key",
                None if self.dummy_key is None else "(a key shorter than 16 characters)",
                "with existingSecret: false, set dummyKey (at least 16 characters; testing only), "
                "or configure externalSecret, or set existingSecret: true",
            )

    @property
    def source(self) -> Literal["existing", "external", "dummy"]:
        if self.external_secret is not None:
            return "external"
        return "existing" if self.existing_secret else "dummy"


@dataclass(frozen=True, kw_only=True)
class StandaloneGatewayConfig:
    """Settings of ``gateway.mode: standalone`` (a plain Envoy Deployment instead of Envoy AI Gateway)."""

    image: str = ENVOY_IMAGE
    """Envoy image (it also runs the API-key renderer), pinned by tag or digest. Default: envoyproxy/envoy:v1.40.0."""
    requests_per_minute: int | None = 60
    """Requests one client may send per minute to one model, per Envoy replica, for models that have a
    ``rateLimit``. This mode cannot charge tokens: the token limits of ``rateLimit`` are not enforced here.
    Null turns the limit off. Default: 60."""

    def __post_init__(self) -> None:
        check_image("image", self.image)
        _require(
            self.requests_per_minute is None or 1 <= self.requests_per_minute <= 1_000_000,
            "requests_per_minute",
            self.requests_per_minute,
            "use a number of requests from 1 to 1000000, or null to turn the limit off",
        )


ServiceType = Literal["ClusterIP", "LoadBalancer", "NodePort"]
TrafficPolicy = Literal["Cluster", "Local"]


def check_cidr(value: str) -> str | None:
    """Why ``value`` is not a CIDR as the gateway Service takes it, or None.

    A network in CIDR notation (``203.0.113.0/24``, ``2001:db8::/32``) with no host bits set: the API server
    accepts host bits in ``loadBalancerSourceRanges`` for historical reasons, but cloud load balancers read
    ``10.0.0.5/8`` differently (some refuse it, some widen it silently).
    """
    if not isinstance(value, str) or "/" not in value or value.strip() != value:
        return "use a network in CIDR notation, e.g. '203.0.113.0/24' or '2001:db8::/32'"
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return "use a network in CIDR notation, e.g. '203.0.113.0/24' or '2001:db8::/32'"
    if str(network) != value:
        return f"use the network address {network} (no host bits, no leading zeros)"
    return None


@dataclass(frozen=True, kw_only=True)
class GatewayServiceConfig:
    """How the gateway Service ``<release>-ai-gateway`` is exposed (the same in both gateway modes)."""

    type: ServiceType = "ClusterIP"
    """``ClusterIP`` (reachable inside the cluster only), ``LoadBalancer`` (a cloud load balancer) or ``NodePort``.
    Default: ClusterIP."""
    annotations: Mapping[str, str] = field(default_factory=dict)
    """Annotations on the Service, e.g. the cloud load balancer's settings
    (``service.beta.kubernetes.io/aws-load-balancer-scheme: internal``). Default: none."""
    load_balancer_source_ranges: tuple[str, ...] = ()
    """Client networks (CIDRs) the load balancer admits; only with ``type: LoadBalancer``. Default: none (the
    load balancer admits every source; API keys still guard every route)."""
    external_traffic_policy: TrafficPolicy | None = None
    """``Cluster`` (spread over every Envoy pod) or ``Local`` (only pods on the receiving node; keeps the client's
    source address); only with ``LoadBalancer`` or ``NodePort``. Default: null, which is ``Cluster`` for those
    types in both modes (Kubernetes' default; Envoy Gateway's own default would be ``Local``)."""

    def __post_init__(self) -> None:
        _require(self.type in get_args(ServiceType), "type", self.type, "use ClusterIP, LoadBalancer or NodePort")
        _check_label_map("annotations", self.annotations, label_values=False)
        for index, cidr in enumerate(self.load_balancer_source_ranges):
            problem = check_cidr(cidr)
            if problem is not None:
                raise ValuesError(f"load_balancer_source_ranges[{index}]", cidr, problem)
        if self.load_balancer_source_ranges:
            _require(
                self.type == "LoadBalancer",
                "load_balancer_source_ranges",
                list(self.load_balancer_source_ranges),
                f"source ranges apply only to a LoadBalancer (type is {self.type}): set type: LoadBalancer or "
                "remove loadBalancerSourceRanges",
            )
        if self.external_traffic_policy is not None:
            _require(
                self.external_traffic_policy in get_args(TrafficPolicy),
                "external_traffic_policy",
                self.external_traffic_policy,
                "use Cluster or Local",
            )
            _require(
                self.type != "ClusterIP",
                "external_traffic_policy",
                self.external_traffic_policy,
                "a ClusterIP Service has no external traffic: set type: LoadBalancer or NodePort, or remove "
                "externalTrafficPolicy",
            )

    @property
    def traffic_policy(self) -> TrafficPolicy | None:
        """The Service's ``externalTrafficPolicy``: None for ClusterIP, else the configured one or ``Cluster``."""
        if self.type == "ClusterIP":
            return None
        return self.external_traffic_policy or "Cluster"


@dataclass(frozen=True, kw_only=True)
class GatewayConfig:
    """The gateway in front of the models."""

    mode: Literal["ai-gateway", "standalone"] = "ai-gateway"
    """``ai-gateway``: Envoy AI Gateway resources; ``standalone``: a plain Envoy Deployment. Default: ai-gateway."""
    port: int = 8080
    """Port of the gateway Service ``<release>-ai-gateway``. Default: 8080."""
    replicas: int = 2
    """Envoy replicas. Default: 2."""
    rate_limit: RateLimitConfig | None = RateLimitConfig(tokens_per_minute=100_000)
    """Token limits per client per model; null turns them off. Default: 100000 tokens per minute."""
    request_timeout_seconds: int = 600
    """Time allowed for one request, generation included. Default: 600."""
    buffer_limit: str = "16Mi"
    """Largest request body the gateway buffers (LLM prompts are large). Default: 16Mi."""
    client_id_header: str = "x-client-id"
    """Header carrying the authenticated client id to the rate limiter and the model. Default: x-client-id."""
    gateway_class_name: str | None = None
    """GatewayClass to use; null creates one named ``<release>-ai-gateway``. Default: null."""
    service: GatewayServiceConfig = GatewayServiceConfig()
    """How the Service ``<release>-ai-gateway`` is exposed. Default: ClusterIP, see ``GatewayServiceConfig``."""
    standalone: StandaloneGatewayConfig = StandaloneGatewayConfig()
    """Settings used when ``mode`` is ``standalone``. Default: see ``StandaloneGatewayConfig``."""

    def __post_init__(self) -> None:
        _require(1 <= self.port <= 65535 and self.port not in (10000,), "port", self.port, "use a TCP port 1..65535")
        _require(1 <= self.replicas <= 100, "replicas", self.replicas, "use 1 to 100")
        _require(
            10 <= self.request_timeout_seconds <= 86400,
            "request_timeout_seconds",
            self.request_timeout_seconds,
            "use a number of seconds from 10 to 86400",
        )
        _require(
            bool(ENVOY_BUFFER_LIMIT.match(self.buffer_limit)) and self.buffer_limit_bytes <= MAX_UINT32,
            "buffer_limit",
            self.buffer_limit,
            f"use a whole number of bytes with an optional suffix (Ki, Mi, Gi, k, M, G), at most {MAX_UINT32} bytes "
            "(Envoy keeps the limit as a 32-bit number), e.g. '16Mi'",
        )
        _require(
            bool(re.match(r"^[a-z0-9-]+$", self.client_id_header)),
            "client_id_header",
            self.client_id_header,
            "use a lowercase header name such as 'x-client-id'",
        )
        if self.gateway_class_name is not None:
            _check_dns_label("gateway_class_name", self.gateway_class_name, 253)

    @property
    def buffer_limit_bytes(self) -> int:
        """``bufferLimit`` in bytes (``16Mi`` -> 16777216)."""
        match = _QUANTITY.match(self.buffer_limit)
        return int(parse_quantity(self.buffer_limit)) if match else 0


@dataclass(frozen=True, kw_only=True)
class PhoenixConfig:
    """Arize Phoenix, the trace collector."""

    endpoint: str = "http://phoenix-svc.phoenix.svc.cluster.local:6006"
    """Phoenix's HTTP address (OTLP over HTTP at ``/v1/traces``). Default: ``phoenix-svc`` (the Service of the
    official Phoenix chart) in namespace ``phoenix``."""
    grpc_endpoint: str | None = None
    """Phoenix's OTLP gRPC address, used by vLLM. Default: the host of ``endpoint`` on port 4317."""
    project_name: str | None = None
    """Phoenix project the traces go to. Default: the release name."""
    auth_secret_name: str | None = None
    """Secret (key ``api-key``) with a Phoenix API key, sent as ``authorization: Bearer``. Default: none."""
    trace_vllm: bool = True
    """Also send vLLM's own request spans (``--otlp-traces-endpoint``). Default: true."""

    def __post_init__(self) -> None:
        _check_url("endpoint", self.endpoint)
        if self.grpc_endpoint is not None:
            _check_url("grpc_endpoint", self.grpc_endpoint)
        if self.auth_secret_name is not None:
            _check_dns_label("auth_secret_name", self.auth_secret_name, 253)
        if self.project_name is not None:
            _require(
                bool(re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", self.project_name)),
                "project_name",
                self.project_name,
                "use letters, digits, '-', '_' and '.', at most 100 characters",
            )

    @property
    def otlp_grpc_endpoint(self) -> str:
        if self.grpc_endpoint:
            return self.grpc_endpoint
        host = re.sub(r"^https?://", "", self.endpoint).split("/", 1)[0].rsplit(":", 1)[0]
        return f"http://{host}:4317"


@dataclass(frozen=True, kw_only=True)
class SloConfig:
    """Latency objectives of every model, alerted on as multi-window burn rates.

    Each is "95% of requests (tokens, for inter-token latency) within N seconds", measured on vLLM's own
    histograms; N must be one of vLLM's bucket boundaries, or the share of requests under it cannot be read.
    """

    ttft_p95_seconds: float = 2.5
    """95% of requests get their first token within this many seconds (``vllm:time_to_first_token_seconds``).
    Default: 2.5."""
    itl_p95_seconds: float = 0.1
    """95% of output tokens follow the previous one within this many seconds
    (``vllm:inter_token_latency_seconds``). Default: 0.1."""

    def __post_init__(self) -> None:
        # Imported here: vllm_metrics is the one home of vLLM's metric facts, and it needs nothing from here.
        from .vllm_metrics import INTER_TOKEN_LATENCY, TIME_TO_FIRST_TOKEN

        for name, histogram in (("ttft_p95_seconds", TIME_TO_FIRST_TOKEN), ("itl_p95_seconds", INTER_TOKEN_LATENCY)):
            value = getattr(self, name)
            _require(
                isinstance(value, (int, float)) and float(value) in histogram.buckets,
                name,
                value,
                f"use one of the bucket boundaries of vLLM's {histogram.name} histogram "
                f"({', '.join(f'{b:g}' for b in histogram.buckets)}): the share of requests within any other "
                "value cannot be read from it",
            )


@dataclass(frozen=True, kw_only=True)
class ObservabilityConfig:
    """Tracing, alerts and dashboards."""

    phoenix: PhoenixConfig | None = PhoenixConfig()
    """Phoenix tracing; null turns tracing off. Default: see ``PhoenixConfig``."""
    alerts: bool = True
    """Emit a PrometheusRule with the stack's alerts (SLO burn rates, saturation, availability, gateway errors).
    Default: true."""
    dashboards: bool = True
    """Emit the Grafana dashboard as a ConfigMap labelled ``grafana_dashboard: "1"``. Default: true."""
    slo: SloConfig = SloConfig()
    """Latency objectives the alerts and the dashboard use. Default: see ``SloConfig``."""


@dataclass(frozen=True, kw_only=True)
class NetworkPolicyConfig:
    """Who may reach the model pods."""

    enabled: bool = True
    """Emit a NetworkPolicy that admits only the gateway (and Prometheus on the metrics port). Default: true."""
    gateway_namespace: str | None = None
    """Namespace of the Envoy pods. Default: the stack's namespace (Envoy Gateway in GatewayNamespace mode)."""

    def __post_init__(self) -> None:
        if self.gateway_namespace is not None:
            _check_dns_label("gateway_namespace", self.gateway_namespace)


@dataclass(frozen=True, kw_only=True)
class StackConfig:
    """The whole stack: one gateway in front of one or more models."""

    models: tuple[ModelConfig, ...]
    """The served models (``model:`` in a values file is a one-model list)."""
    release: str = "llm-stack"
    """Release name, prefix of shared objects (``<release>-ai-gateway``). Default: llm-stack."""
    namespace: str = "kserve-inference"
    """Namespace of every namespaced object. Default: kserve-inference."""
    autoscaling: AutoscalingConfig = AutoscalingConfig()
    """Default autoscaling of every model. Default: see ``AutoscalingConfig``."""
    gateway: GatewayConfig = GatewayConfig()
    """The gateway. Default: see ``GatewayConfig``."""
    api_keys: ApiKeysConfig = ApiKeysConfig()
    """API keys. Default: see ``ApiKeysConfig``."""
    observability: ObservabilityConfig = ObservabilityConfig()
    """Tracing. Default: see ``ObservabilityConfig``."""
    network_policy: NetworkPolicyConfig = NetworkPolicyConfig()
    """NetworkPolicy. Default: see ``NetworkPolicyConfig``."""
    create_namespace: bool = False
    """Emit a Namespace object for every namespace in ``namespaces`` (values key ``namespace.create``).
    Default: false (the namespaces exist)."""
    common_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels on every object, e.g. the ``release`` label a kube-prometheus-stack Prometheus selects PodMonitors
    by. Default: none."""
    common_annotations: Mapping[str, str] = field(default_factory=dict)
    """Annotations on every object. Default: none."""

    def __post_init__(self) -> None:
        _check_dns1035_label("release", self.release, 30, "the gateway Service '<release>-ai-gateway' is named from it")
        _check_dns_label("namespace", self.namespace)
        _require(len(self.models) >= 1, "models", list(self.models), "configure at least one model")
        _check_label_map("common_labels", self.common_labels, label_values=True)
        _check_label_map("common_annotations", self.common_annotations, label_values=False)
        for name, values, reserved in (
            ("common_labels", self.common_labels, RESERVED_LABELS),
            ("common_annotations", self.common_annotations, RESERVED_ANNOTATIONS),
        ):
            for key in values:
                if key in reserved:
                    raise ValuesError(
                        f"{name}.{key}",
                        values[key],
                        "the stack sets this key itself (selectors and controllers rely on it): use another key",
                    )
        for key, value in self.gateway.service.annotations.items():
            if self.common_annotations.get(key, value) != value:
                raise ValuesError(
                    f"gateway.service.annotations.{key}",
                    value,
                    f"commonAnnotations sets this key to {self.common_annotations[key]!r} on every object, the "
                    "gateway Service included: give both the same value or remove one",
                )
        if self.gateway.mode == "standalone":
            from .envoy_bootstrap import ADMIN_PORT  # the gateway's own constant; that module imports this one

            phoenix = self.observability.phoenix
            if phoenix is not None and phoenix.auth_secret_name is not None:
                raise ValuesError(
                    "observability.phoenix.auth_secret_name",
                    phoenix.auth_secret_name,
                    "gateway.mode 'standalone' cannot send a Phoenix API key (Envoy's OTLP exporter takes headers "
                    "inline only): remove authSecretName, or use gateway.mode 'ai-gateway'",
                )
            _require(
                self.gateway.port != ADMIN_PORT,
                "gateway.port",
                self.gateway.port,
                f"use another port: {ADMIN_PORT} is Envoy's admin port in standalone mode",
            )
        seen_names: dict[str, int] = {}
        # Object names are unique across the fleet, not only per namespace: each model's Backend and
        # AIServiceBackend live in the gateway's namespace under the model's object name.
        seen_objects: dict[str, int] = {}
        for index, model in enumerate(self.models):
            if model.name in seen_names:
                raise ValuesError(
                    f"models[{index}].name",
                    model.name,
                    f"served model names must be unique; models[{seen_names[model.name]}] already serves it",
                )
            seen_names[model.name] = index
            where = model.resource_name
            if where in seen_objects:
                raise ValuesError(
                    f"models[{index}].object_name",
                    model.resource_name,
                    f"models[{seen_objects[where]}] already uses this object name (its gateway Backend lives in "
                    f"namespace {self.namespace} whatever the model's namespace): set a distinct objectName",
                )
            seen_objects[where] = index

    def namespace_of(self, model: ModelConfig) -> str:
        return model.namespace or self.namespace

    def autoscaling_of(self, model: ModelConfig) -> AutoscalingConfig:
        return model.autoscaling or self.autoscaling

    def rate_limit_of(self, model: ModelConfig) -> RateLimitConfig | None:
        return self.gateway.rate_limit if model.rate_limit is INHERIT else model.rate_limit

    @property
    def namespaces(self) -> list[str]:
        """Every namespace the stack's objects live in: the stack's, then each model's, sorted, once."""
        return [self.namespace, *sorted({self.namespace_of(m) for m in self.models} - {self.namespace})]

    @property
    def gateway_name(self) -> str:
        return f"{self.release}-ai-gateway"


# --- loading ---------------------------------------------------------------------------------

T = TypeVar("T")


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (tuple, list):
        return "a list"
    if origin in (Mapping, dict) or tp is Mapping:
        return "a mapping of strings"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return str(tp)


def _convert(tp: Any, raw: Any, path: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None) and a is not Inherit]
        if raw is None:
            return None
        return _convert(options[0], raw, path)
    if origin is Literal:
        if raw not in get_args(tp):
            raise ValuesError(path, raw, f"use {_type_name(tp)}")
        return raw
    if tp is bool:
        if not isinstance(raw, bool):
            raise ValuesError(path, raw, "use true or false")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValuesError(path, raw, "use an integer")
        return raw
    if tp is float:
        if (
            isinstance(raw, bool)
            or not isinstance(raw, (int, float))
            or raw != raw
            or raw in (float("inf"), -float("inf"))
        ):
            raise ValuesError(path, raw, "use a finite number")
        return raw
    if tp is str:
        if not isinstance(raw, str):
            raise ValuesError(path, raw, "use a string (quote numbers and booleans in YAML)")
        return raw
    if origin is tuple:
        (item,) = [a for a in get_args(tp) if a is not Ellipsis]
        if not isinstance(raw, list):
            raise ValuesError(path, raw, "use a list")
        return tuple(_convert(item, v, f"{path}[{i}]") for i, v in enumerate(raw))
    if origin is Mapping or origin is dict:
        value_type = get_args(tp)[1] if get_args(tp) else str
        if not isinstance(raw, dict):
            raise ValuesError(path, raw, "use a mapping of string keys to string values")
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if isinstance(k, str) and value_type == EnvValue and isinstance(v, dict):
                out[k] = build(EnvFromSecret, v, f"{path}.{k}")
                continue
            if not isinstance(k, str) or not isinstance(v, str):
                fix = "use string keys and string values (quote numbers in YAML)"
                if value_type == EnvValue:
                    fix += ", or {secretKeyRef: {name: <secret>, key: <key>}} for a value kept in a Secret"
                raise ValuesError(f"{path}.{k}", v, fix)
            out[k] = v
        return out
    if dataclasses.is_dataclass(tp):
        return build(typing.cast(type, tp), raw, path)
    raise TypeError(f"unsupported field type {tp!r} at {path}")


def build(cls: type[T], raw: Any, path: str = "") -> T:
    """Build dataclass ``cls`` from the mapping ``raw`` (values-file spelling), with field paths in errors."""
    if not isinstance(raw, dict):
        raise ValuesError(path or "(top level)", raw, f"use a mapping with keys {', '.join(_keys(cls))}")
    hints = typing.get_type_hints(cls)
    fields = {_key(f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValuesError(
                where,
                ValuesError.MISSING if value is None else value,
                f"unknown key; {hint}allowed keys: {', '.join(fields)}",
            )
        f = fields[key]
        if isinstance(value, dict) and dataclasses.is_dataclass(f.default) and not isinstance(f.default, type):
            # A block of settings overrides its default key by key (as Helm merges values).
            value = merge_values(type(f.default), to_values(f.default), value)
        kwargs[f.name] = _convert(hints[f.name], value, where)
    for key, f in fields.items():
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.name not in kwargs:
            where = f"{path}.{key}" if path else key
            raise ValuesError(where, ValuesError.MISSING, f"this key is required ({_type_name(hints[f.name])})")
    try:
        return cls(**kwargs)
    except ValuesError as error:
        spelled = in_values_spelling(cls, error)
        raise spelled.under(path) if path else spelled from None


def in_values_spelling(cls: type, error: ValuesError) -> ValuesError:
    """``error`` of settings type ``cls`` with its path in values-file spelling: the settings types name their
    Python fields (``gpu_count``), a values file has camelCase keys (``gpuCount``). Field names are converted
    along the nested settings types; map keys and list indices are left as they are."""
    parts: list[str] = []
    current: Any = cls
    for segment in error.path.split(".") if error.path else []:
        name, _, index = segment.partition("[")
        hints = typing.get_type_hints(current) if dataclasses.is_dataclass(current) else {}
        if name not in hints:
            parts.append(segment)
            current = None
            continue
        parts.append(_key(name) + (f"[{index}" if index else ""))
        candidates = [hints[name], *get_args(hints[name])]
        current = next((t for t in candidates if dataclasses.is_dataclass(t)), None)
    return ValuesError(".".join(parts), error.value, error.fix, source=error.source)


def _keys(cls: type) -> list[str]:
    return [_key(f.name) for f in dataclasses.fields(cls)]


def to_values(obj: Any) -> Any:
    """A configuration object back in values-file spelling (camelCase keys, lists, plain mappings)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {_key(f.name): to_values(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [to_values(v) for v in obj]
    if isinstance(obj, Mapping):
        return dict(obj)
    return obj


def _settings_class(tp: Any) -> type | None:
    """The dataclass behind a field type (``X``, ``X | None``), else None."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if dataclasses.is_dataclass(a)]
        return typing.cast(type, options[0]) if len(options) == 1 else None
    return typing.cast(type, tp) if dataclasses.is_dataclass(tp) else None


def merge_values(cls: type, base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` merged key by key over ``base`` (both values-file mappings of settings class ``cls``).

    Blocks of settings merge recursively; any other value (lists, free-form maps such as ``env``, and null)
    replaces the base value. Keys ``cls`` does not know are kept, for ``build`` to report.
    """
    hints = typing.get_type_hints(cls)
    fields = {_key(f.name): f.name for f in dataclasses.fields(cls)}
    out = dict(base)
    for key, value in override.items():
        inner = _settings_class(hints[fields[key]]) if key in fields else None
        if inner is not None and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_values(inner, out[key], value)
        else:
            out[key] = value
    return out


_TOP_LEVEL = {
    "release",
    "namespace",
    "commonLabels",
    "commonAnnotations",
    "model",
    "models",
    "autoscaling",
    "gateway",
    "apiKeys",
    "observability",
    "networkPolicy",
}


def stack_config_from_mapping(raw: Any) -> StackConfig:
    """Validate a parsed values document and return the typed configuration."""
    if not isinstance(raw, dict):
        raise not_a_mapping(raw)
    rest = {k: v for k, v in raw.items() if k not in ("model", "models")}
    if "model" in raw and "models" in raw:
        raise ValuesError("models", "(set)", "use either 'model:' (one model) or 'models:' (a list), not both")
    namespace = rest.get("namespace")
    create_namespace = False
    if isinstance(namespace, dict):
        # namespace: {name, create} is the long form of namespace: <name>.
        spec = build(NamespaceConfig, namespace, "namespace")
        rest["namespace"], create_namespace = spec.name, spec.create
    settings = build(_StackWithoutModels, rest, "")
    items: list[Any]
    paths: list[str]
    if "model" in raw:
        if not isinstance(raw["model"], dict):
            raise ValuesError("model", raw["model"], "use a mapping with keys " + ", ".join(_keys(ModelConfig)))
        items, paths = [raw["model"]], ["model"]
    elif "models" in raw:
        items = raw["models"]
        if not isinstance(items, list) or not items:
            raise ValuesError("models", items, "use a non-empty list of model mappings")
        paths = [f"models[{i}]" for i in range(len(items))]
    else:
        raise ValuesError("model", ValuesError.MISSING, "this key is required: set model.name and model.storageUri")
    models = tuple(
        build(ModelConfig, _over_stack(item, settings), path) for item, path in zip(items, paths, strict=True)
    )
    try:
        return StackConfig(
            models=models,
            create_namespace=create_namespace,
            **{f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)},
        )
    except ValuesError as error:
        raise in_values_spelling(StackConfig, error) from None


def _over_stack(model: Any, stack: _StackWithoutModels) -> Any:
    """A model's values with its ``autoscaling`` and ``rateLimit`` blocks merged key by key over the stack's.

    ``rateLimit: null`` stays null (no limits for this model), as ``gateway.rateLimit: null`` does for all.
    """
    if not isinstance(model, dict):
        return model
    out = dict(model)
    if isinstance(out.get("autoscaling"), dict):
        out["autoscaling"] = merge_values(AutoscalingConfig, to_values(stack.autoscaling), out["autoscaling"])
    if isinstance(out.get("rateLimit"), dict) and stack.gateway.rate_limit is not None:
        out["rateLimit"] = merge_values(RateLimitConfig, to_values(stack.gateway.rate_limit), out["rateLimit"])
    return out


@dataclass(frozen=True, kw_only=True)
class NamespaceConfig:
    """The long form of ``namespace``: ``{name, create}``."""

    name: str = StackConfig.namespace
    """Namespace of every namespaced object. Default: kserve-inference."""
    create: bool = False
    """Emit a Namespace object for it and for every model's namespace. Default: false."""


@dataclass(frozen=True, kw_only=True)
class _StackWithoutModels:
    release: str = StackConfig.release
    namespace: str = StackConfig.namespace
    autoscaling: AutoscalingConfig = AutoscalingConfig()
    gateway: GatewayConfig = GatewayConfig()
    api_keys: ApiKeysConfig = ApiKeysConfig()
    observability: ObservabilityConfig = ObservabilityConfig()
    network_policy: NetworkPolicyConfig = NetworkPolicyConfig()
    common_labels: Mapping[str, str] = field(default_factory=dict)
    common_annotations: Mapping[str, str] = field(default_factory=dict)


assert {_key(f.name) for f in dataclasses.fields(_StackWithoutModels)} | {"model", "models"} == _TOP_LEVEL


def load_values(values: ValuesPath | Sequence[ValuesPath], *, sets: Sequence[str] = ()) -> StackConfig:
    """Read, merge and validate values files and ``--set`` flags (``values_sources``: Helm's merge).

    ``values`` is one file or several, merged in order (maps merge, lists and scalars replace); ``sets`` are
    ``path=value`` flags applied after them in order. Each file is read within ``safe_yaml.VALUES_LIMITS`` (a
    regular file of at most 1 MiB, 32 levels of nesting, bounded aliases); duplicate keys and control
    characters are refused with their field path. Every ``ValuesError`` names its source: the file and line,
    or the ``--set`` flag. Default of ``sets``: none.
    """
    files = [values] if isinstance(values, str | PathLike) else list(values)
    merged = merge_sources(files, sets)
    try:
        return stack_config_from_mapping(merged.data)
    except ValuesError as error:
        raise error.from_source(merged.source_of(error.path)) from None
