"""Settings of how the gateway picks a model's pod: through the model's Service, or by an endpoint picker that
prefers the pod holding the request's prefix in its KV cache (the Gateway API Inference Extension)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..facts import ai_gateway
from ..facts import inference_extension as gie
from ..pins import EPP_IMAGE
from ._checks import check_image, require
from .inherit import Settings, inherit_defaults

RoutingMode = Literal["service", "prefix-aware"]
"""``service``: the gateway sends to the model's predictor Service (kube-proxy picks a pod); ``prefix-aware``: to an
InferencePool whose endpoint picker scores the pods."""

MAX_WEIGHT = 100


@dataclass(frozen=True, kw_only=True)
class ScorerWeights(Settings):
    """The endpoint picker's scorers and their weights in its scheduling profile (0 leaves a scorer out)."""

    prefix_cache: int = gie.DEFAULT_WEIGHTS[gie.PREFIX_CACHE_SCORER]
    """Weight of ``prefix-cache-scorer`` (the share of the request's prefix blocks a pod is taken to hold), from 1 to
    100. Default: 3 (upstream's default profile)."""
    queue: int = gie.DEFAULT_WEIGHTS[gie.QUEUE_SCORER]
    """Weight of ``queue-scorer`` (vLLM's waiting requests), from 0 (left out) to 100. Default: 2."""
    kv_cache_utilization: int = gie.DEFAULT_WEIGHTS[gie.KV_CACHE_SCORER]
    """Weight of ``kv-cache-utilization-scorer`` (vLLM's KV-cache usage), from 0 (left out) to 100. Default: 2."""

    def __post_init__(self) -> None:
        require(
            1 <= self.prefix_cache <= MAX_WEIGHT,
            "prefix_cache",
            self.prefix_cache,
            f"use an integer from 1 to {MAX_WEIGHT}: prefix-aware routing scores the pods' prefix caches",
        )
        for name in ("queue", "kv_cache_utilization"):
            value = getattr(self, name)
            require(
                0 <= value <= MAX_WEIGHT, name, value, f"use an integer from 0 (the scorer left out) to {MAX_WEIGHT}"
            )

    def weights(self) -> list[tuple[str, int]]:
        """``(plugin type, weight)`` of the scorers in the profile, in upstream's order; weight 0 left out."""
        given = [
            (gie.QUEUE_SCORER, self.queue),
            (gie.KV_CACHE_SCORER, self.kv_cache_utilization),
            (gie.PREFIX_CACHE_SCORER, self.prefix_cache),
        ]
        return [(plugin, weight) for plugin, weight in given if weight > 0]


MAX_HOLD_SECONDS = 3600


@dataclass(frozen=True, kw_only=True)
class FlowControl(Settings):
    """The endpoint picker's flow control (its ``flowControl`` feature gate, alpha in the Inference Extension
    v1.5.0): a request that finds no pod with room (none at all while the model is scaled to zero) waits in the
    picker's queue and is sent on once a pod is ready, instead of failing. What lets ``autoscaling.minReplicas`` be 0:
    the queue is the signal KEDA wakes the model on."""

    hold_seconds: int = 240
    """How long a request may wait in the queue (the picker's ``defaultRequestTTL``) before it fails: longer than a
    replica takes to start (the queue's 5 s scrape, ``autoscaling.pollingInterval`` and
    ``model.runtime.startupTimeoutSeconds``), shorter than
    the gateway's ``requestTimeoutSeconds`` and than the 300 s the AI Gateway lets Envoy wait for the picker.
    Default: 240."""

    def __post_init__(self) -> None:
        require(
            isinstance(self.hold_seconds, int) and 1 <= self.hold_seconds <= MAX_HOLD_SECONDS,
            "hold_seconds",
            self.hold_seconds,
            f"use a number of seconds from 1 to {MAX_HOLD_SECONDS}",
        )


@dataclass(frozen=True, kw_only=True)
class RoutingConfig(Settings):
    """How the gateway picks one of a model's pods.

    A model's ``routing`` block merges key by key over the stack's ``routing`` (``settings.inherit``).
    """

    mode: RoutingMode = "service"
    """``service`` (the gateway sends to the model's predictor Service) or ``prefix-aware`` (an InferencePool of the
    model's pods and its endpoint picker, which sends a request to the pod most likely to hold its prefix in the KV
    cache, weighed against queue and cache load; vLLM runs with prefix caching). Default: service."""
    scorers: ScorerWeights = ScorerWeights()
    """The endpoint picker's scorers and weights (``prefix-aware``). Default: see ``ScorerWeights``."""
    block_size: int = gie.DEFAULT_BLOCK_SIZE_TOKENS
    """Tokens per KV-cache block: vLLM's ``--block-size`` and the prefix cache scorer's ``blockSizeTokens``
    (``prefix-aware``), a multiple of 16 from 16 to 256. Default: 16 (vLLM's and the scorer's default)."""
    max_prefix_blocks: int = gie.DEFAULT_MAX_PREFIX_BLOCKS
    """The prefix cache scorer's ``maxPrefixBlocksToMatch``: prompts alike in this many blocks are not told apart,
    from 1 to 4096. Default: 256."""
    lru_capacity_per_server: int = gie.DEFAULT_LRU_CAPACITY_PER_SERVER
    """The prefix cache scorer's ``lruCapacityPerServer``: prefix blocks remembered per pod, from 1 to 10000000.
    Default: 31250."""
    failure_mode: Literal["FailOpen", "FailClose"] = gie.DEFAULT_FAILURE_MODE
    """The InferencePool's ``endpointPickerRef.failureMode``: what the gateway does while the endpoint picker does
    not answer (``FailOpen``: send to a pod of the pool anyway; ``FailClose``: refuse). Default: FailOpen (upstream's
    chart)."""
    flow_control: FlowControl | None = None
    """Hold requests in the endpoint picker while no pod can take them (``prefix-aware``); needed for
    ``autoscaling.minReplicas: 0``. Default: none (a request finding no ready pod fails at once)."""
    image: str = EPP_IMAGE
    """Image of the endpoint picker, pinned by tag or digest. Default:
    ``registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0``."""

    def __post_init__(self) -> None:
        inherit_defaults(self, "scorers")
        require(
            16 <= self.block_size <= 256 and self.block_size % 16 == 0,
            "block_size",
            self.block_size,
            "use a multiple of 16 from 16 to 256 (tokens per KV-cache block; vLLM's GPU attention backends take "
            "multiples of 16)",
        )
        require(
            1 <= self.max_prefix_blocks <= 4096,
            "max_prefix_blocks",
            self.max_prefix_blocks,
            "use an integer from 1 to 4096",
        )
        require(
            1 <= self.lru_capacity_per_server <= 10_000_000,
            "lru_capacity_per_server",
            self.lru_capacity_per_server,
            "use an integer from 1 to 10000000",
        )
        check_image("image", self.image)

    @property
    def prefix_aware(self) -> bool:
        return self.mode == "prefix-aware"


QUEUE_SCRAPE_SECONDS = 5
"""How often Prometheus scrapes the endpoint picker's queue (its PodMonitor): the wake signal, so scraped often."""


def wake_budget_seconds(*, polling_interval: int, startup_timeout_seconds: int) -> int:
    """The longest a request held at zero replicas may wait, as the settings allow it: Prometheus' scrape of the
    queue and KEDA's polling interval (until KEDA sees it) plus the replica's startup timeout (scheduling, download,
    load)."""
    return QUEUE_SCRAPE_SECONDS + polling_interval + startup_timeout_seconds


def longest_hold_seconds(*, request_timeout_seconds: int) -> int:
    """The longest hold the gateway lets a request have: under its request timeout, and at most the time the AI
    Gateway lets Envoy wait for the endpoint picker."""
    return min(request_timeout_seconds - 1, ai_gateway.ENDPOINT_PICKER_MESSAGE_TIMEOUT_SECONDS)


def hold_too_short(hold_seconds: int, *, polling_interval: int, startup_timeout_seconds: int) -> str | None:
    """Why a hold of ``hold_seconds`` cannot cover a start from zero (None: it can)."""
    budget = wake_budget_seconds(polling_interval=polling_interval, startup_timeout_seconds=startup_timeout_seconds)
    if hold_seconds >= budget:
        return None
    return (
        f"a request held at zero replicas waits for Prometheus' scrape of the queue ({QUEUE_SCRAPE_SECONDS} s), KEDA's "
        f"poll ({polling_interval} s) and the replica's start, which may take the model's startup timeout "
        f"({startup_timeout_seconds} s): {budget} s in all. Raise holdSeconds to "
        f"at least {budget}, or lower the startup timeout (runtime.startupTimeoutSeconds) to what a load really takes"
    )


def startup_too_long(
    *, polling_interval: int, startup_timeout_seconds: int, request_timeout_seconds: int
) -> str | None:
    """Why no hold can cover a start from zero that may take ``startup_timeout_seconds`` (None: one can)."""
    longest = longest_hold_seconds(request_timeout_seconds=request_timeout_seconds)
    budget = wake_budget_seconds(polling_interval=polling_interval, startup_timeout_seconds=startup_timeout_seconds)
    if budget <= longest:
        return None
    return (
        f"with minReplicas 0 the first requests are held while the replica starts, and a hold may last {longest} s at "
        f"most (under the gateway's requestTimeoutSeconds and the {ai_gateway.ENDPOINT_PICKER_MESSAGE_TIMEOUT_SECONDS} "
        f"s the AI Gateway lets Envoy wait for the endpoint picker), less the queue's scrape and KEDA's poll "
        f"({QUEUE_SCRAPE_SECONDS + polling_interval} s): use at most "
        f"{longest - QUEUE_SCRAPE_SECONDS - polling_interval} (a start from zero must load the model that fast), "
        "or minReplicas 1"
    )


def hold_too_long(hold_seconds: int, *, request_timeout_seconds: int) -> str | None:
    """Why a hold of ``hold_seconds`` outlasts what the gateway lets a request take (None: it does not)."""
    cap = ai_gateway.ENDPOINT_PICKER_MESSAGE_TIMEOUT_SECONDS
    if hold_seconds >= request_timeout_seconds:
        return (
            f"the gateway ends a request after requestTimeoutSeconds ({request_timeout_seconds} s), before the hold "
            f"ends and with no time left to generate: use fewer seconds than that, or raise requestTimeoutSeconds"
        )
    if hold_seconds > cap:
        return (
            f"the AI Gateway lets Envoy wait {cap} s for the endpoint picker's answer (its ext_proc message timeout), "
            f"so a longer hold fails at {cap} s: use at most {cap}"
        )
    return None


NO_HOLD_FIX = (
    "at zero replicas vLLM exports no metric and nothing holds the first request: set routing.mode 'prefix-aware' "
    "with routing.flowControl (the endpoint picker queues the requests and KEDA wakes the model on that queue), or "
    "use minReplicas 1"
)
"""Why ``minReplicas: 0`` needs a hold, and the fix."""
